// Command fun runs Novera's fun service: it consumes its commands from NATS JetStream,
// keeps its state in PostgreSQL, and answers through Discord's REST API.
//
// Environment: DISCORD_TOKEN, DATABASE_URL (required); NATS_URL (nats://127.0.0.1:4222),
// DISCORD_API_URL (https://discord.com/api/v10), ADMIN_ADDR (0.0.0.0:9090),
// OTEL_EXPORTER_OTLP_ENDPOINT (unset: no export).
package main

import (
	"github.com/novera-bot/novera/libs/app"
	"github.com/novera-bot/novera/services/fun"
)

func main() { app.WorkerMain("fun", fun.New) }
