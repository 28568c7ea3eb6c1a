// Package fun is the fun service: Mommy's persona commands (SPEC.md §4).
package fun

import (
	"context"
	"embed"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/worker"
)

// Schema is the PostgreSQL schema the fun service owns.
const Schema = commands.ServiceFun

//go:embed migrations/*.sql
var migrationFiles embed.FS

// New migrates the fun schema and returns the worker that serves the fun commands, with
// the clanker roast on chat messages and the tier learning on reactions beside it.
func New(ctx context.Context, deps worker.Deps) (*worker.Worker, error) {
	// Only bots' messages can be our replies: members' chat is not even sent here.
	tiers, err := worker.NewEventConsumer(deps, Schema, []string{bus.BotMessageCreate, "MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"}, learnTiers)
	if err != nil {
		return nil, err
	}
	// A reaction must meet its message's tier link, made by the earlier MESSAGE_CREATE:
	// keep the stream's order.
	tiers.Keep, tiers.Idempotent, tiers.Concurrency = tierEvent, linkReply, 1
	return deps.Build(ctx, Schema, store.Sub(migrationFiles, "migrations"), map[string]worker.Handler{
		"headpat":  headpat,
		"spank":    spank,
		"shopping": themed(shoppingTitle, shoppingLines, persona.ColorPink),
		"tipjar":   themed(tipjarTitle, tipjarLines, persona.ColorGold),
		"confess":  themed(confessTitle, confessLines, persona.ColorBlue),
		"spill":    spill,
	}, worker.AnswerEvents(map[string]worker.Handler{"MESSAGE_CREATE": clanker}, mentionsClanker),
		func(o *worker.Options) { o.Companions = append(o.Companions, tiers) })
}
