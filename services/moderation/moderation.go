// Package moderation is the moderation service (SPEC.md §6): the profanity filter on every
// guild message, with its graduated timeouts, and the moderators' commands (mute, unmute,
// utm, slowmode, modhelp, cleanserver, servermessage). The filter itself is the pure package filter.
package moderation

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/moderation/filter"
)

// Schema is the PostgreSQL schema the moderation service owns.
const Schema = commands.ServiceModeration

//go:embed migrations/*.sql
var migrationFiles embed.FS

// WarningTTL is how long the filter's warning stays in the channel.
const WarningTTL = 30 * time.Second

// eventTypes are the dispatches the service follows: messages to judge, and guild and
// role changes to know who is exempt.
var eventTypes = []string{"MESSAGE_CREATE", "MESSAGE_UPDATE", "GUILD_CREATE", "GUILD_UPDATE",
	"GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE"}

// service holds what the handlers need beyond their Request.
type service struct {
	bus     *bus.Bus
	pool    *pgxpool.Pool
	discord *discord.Client
	config  *guildconfig.Store
	filter  *filter.Filter
	log     *slog.Logger
}

// New migrates the moderation schema and returns the worker that serves the moderation
// commands, with three companions: the consumer of message events that runs the filter,
// and the runners of the jobs it owes (deletions, warnings, timeouts, timers), one lane
// for those and one for the long cleanserver runs.
func New(ctx context.Context, deps worker.Deps) (*worker.Worker, error) {
	s, err := newService(ctx, deps)
	if err != nil {
		return nil, err
	}
	events, err := worker.NewEventConsumer(deps, Schema, eventTypes, s.onEvent)
	if err != nil {
		return nil, fmt.Errorf("moderation: %w", err)
	}
	// Bots' messages (our own replies above all) are neither judged nor counted: pass
	// them over before any database work.
	events.Keep = worker.NotFromBots
	o := deps.Options(Schema, map[string]worker.Handler{
		"mute":          s.mute,
		"unmute":        s.unmute,
		"utm":           s.utm,
		"slowmode":      s.slowmode,
		"modhelp":       s.modhelp,
		"cleanserver":   s.cleanserver,
		"servermessage": s.servermessage,
	})
	fast, slow := s.runners()
	o.Companions = []worker.Companion{events, fast, slow}
	return worker.New(o)
}

// newService migrates the schema and builds the service without starting anything.
func newService(ctx context.Context, deps worker.Deps) (*service, error) {
	if err := store.Migrate(ctx, deps.Pool, Schema, store.Sub(migrationFiles, "migrations")); err != nil {
		return nil, fmt.Errorf("moderation: %w", err)
	}
	f, err := filter.New()
	if err != nil {
		return nil, fmt.Errorf("moderation: %w", err)
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("service", Schema)
	return &service{bus: deps.Bus, pool: deps.Pool, discord: deps.Discord, config: deps.Config, filter: f, log: log}, nil
}

// runners returns the job runner's two lanes: everything but cleanserver, and cleanserver
// alone, whose runs last minutes and must not hold up the filter's deletions.
func (s *service) runners() (fast, slow *runner) {
	fast = newRunner(s.pool, s.discord, s.log)
	fast.kinds = []string{string(jobCleanServer)}
	fast.keepDone = 7 * 24 * time.Hour
	slow = newRunner(s.pool, s.discord, s.log.With("lane", "slow"))
	slow.kinds, slow.exclude, slow.batch = []string{string(jobCleanServer)}, false, 1
	slow.timeout, slow.lease, slow.interval = 10*time.Minute, 15*time.Minute, 250*time.Millisecond
	slow.custom = map[jobKind]func(context.Context, claimed) error{jobCleanServer: s.runCleanup}
	return fast, slow
}
