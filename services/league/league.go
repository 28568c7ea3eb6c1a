// Package league is the league service (SPEC.md §1): values and their ledger, rankings
// with rank roles, activity, and gold; and the evaluations of SPEC.md §2 (eval.go).
package league

import (
	"context"
	"embed"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/worker"
)

// Schema is the PostgreSQL schema the league service owns; the ledger lives there.
const Schema = commands.ServiceLeague

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrate brings the league schema up to date. New calls it; so do tests and other
// services' tests that use the ledger.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	if err := store.Migrate(ctx, pool, Schema, store.Sub(migrationFiles, "migrations")); err != nil {
		return fmt.Errorf("league: %w", err)
	}
	return nil
}

// service holds what the handlers need beyond their Request: the REST client (rank-role
// sync reads the member list) and the configuration store (it records created roles).
type service struct {
	discord *discord.Client
	config  *guildconfig.Store
	log     *slog.Logger
}

// eventTypes are the gateway dispatches the league service follows: activity, and who
// left (ranks count current members only).
var eventTypes = []string{"MESSAGE_CREATE", "MESSAGE_REACTION_ADD", "GUILD_MEMBER_ADD", "GUILD_MEMBER_REMOVE"}

// New migrates the league schema and returns the worker that serves the league commands
// and, alongside, follows the gateway events that feed activity and membership.
func New(ctx context.Context, deps worker.Deps) (*worker.Worker, error) {
	if err := Migrate(ctx, deps.Pool); err != nil {
		return nil, err
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &service{discord: deps.Discord, config: deps.Config, log: log.With("service", Schema)}
	events, err := worker.NewEventConsumer(deps, Schema, eventTypes, s.onEvent)
	if err != nil {
		return nil, fmt.Errorf("league: %w", err)
	}
	// Bots' messages (our own replies above all) are neither judged nor counted: pass
	// them over before any database work.
	events.Keep = worker.NotFromBots
	o := deps.Options(Schema, map[string]worker.Handler{
		"checkvalue":   s.checkvalue,
		"rankings":     s.rankings,
		"setvalue":     s.setvalue,
		"addvalue":     s.addvalue,
		"valuehistory": s.valuehistory,
		"activity":     s.activity,
		"checkgold":    s.checkgold,
		"goldrush":     s.goldrush,
		"addgold":      s.addgold,
		"resetgold":    s.resetgold,
		"resetallgold": s.resetallgold,
		// Evaluations (SPEC.md §2), in eval.go.
		"getevaluated":   s.getevaluated,
		"tryoutsresults": s.tryoutsresults,
		"tryoutcancel":   s.tryoutcancel,
		// Wagers (SPEC.md §3), in wager*.go.
		"anteup":      s.anteup,
		"matchresult": s.matchresult,
		"matchcancel": s.matchcancel,
	})
	o.Companions = []worker.Companion{events}
	return worker.New(o)
}
