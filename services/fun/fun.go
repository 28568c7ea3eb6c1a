// Package fun is the fun service: Mommy's persona commands (SPEC.md §4).
package fun

import (
	"context"
	"embed"
	"log/slog"

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
	tiers, err := worker.NewEventConsumer(deps, Schema, []string{"MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE"}, learnTiers)
	if err != nil {
		return nil, err
	}
	// One at a time, in the stream's order: a reaction taken back must come after its
	// addition, which ties the message to its tier.
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	linker := &tierLinker{discord: deps.Discord, log: log.With("service", Schema, "consumer", "tiers")}
	tiers.Idempotent, tiers.Concurrency = linker.link, 1
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
