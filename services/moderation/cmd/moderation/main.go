// Command moderation runs Novera's moderation service: the profanity filter on every
// guild message (from the EVENTS stream) and the moderators' commands (from COMMANDS),
// with its state in PostgreSQL and its answers through Discord's REST API.
//
// Environment: DISCORD_TOKEN, DATABASE_URL (required); NATS_URL (nats://127.0.0.1:4222),
// DISCORD_API_URL (https://discord.com/api/v10), ADMIN_ADDR (0.0.0.0:9090),
// OTEL_EXPORTER_OTLP_ENDPOINT (unset: no export).
package main

import (
	"github.com/novera-bot/novera/libs/app"
	"github.com/novera-bot/novera/services/moderation"
)

func main() { app.WorkerMain("moderation", moderation.New) }
