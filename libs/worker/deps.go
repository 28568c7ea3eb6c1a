package worker

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/store"
)

// Deps is what every worker service is built from; a service's main.go assembles it.
type Deps struct {
	Bus      *bus.Bus
	Pool     *pgxpool.Pool
	Discord  *discord.Client
	Registry *commands.Registry
	Config   *guildconfig.Store
	Logger   *slog.Logger
	Tracer   trace.TracerProvider
	Metrics  prometheus.Registerer
	// Health, when set, receives the worker's readiness check (Discord refusing the token).
	Health *admin.Health
	// StallAfter is the consumer watchdog's limit (0: DefaultStallAfter).
	StallAfter time.Duration
}

// Options turns the shared dependencies into one service's worker options.
func (d Deps) Options(service string, handlers map[string]Handler) Options {
	return Options{Service: service, Bus: d.Bus, Pool: d.Pool, Discord: d.Discord, Registry: d.Registry,
		Handlers: handlers, Logger: d.Logger.With("service", service), Tracer: d.Tracer, Metrics: d.Metrics,
		Health: d.Health, StallAfter: d.StallAfter}
}

// Build migrates a service's schema (the outbox and timers tables come with it) and returns
// the worker serving handlers: what every worker service's New does. Options not set
// from d can be adjusted by with (events to answer, companions).
func (d Deps) Build(ctx context.Context, service string, migrations fs.FS, handlers map[string]Handler, with ...func(*Options)) (*Worker, error) {
	err := bus.WhenAvailable(ctx, d.Logger, service+" migrations", func(ctx context.Context) error {
		return DatabaseStep(store.Migrate(ctx, d.Pool, service, migrations))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", service, err)
	}
	o := d.Options(service, handlers)
	for _, f := range with {
		f(&o)
	}
	return New(o)
}

// AnswerEvents sets the gateway events a service answers on Discord, by Discord type.
// keep, if given, picks the events worth a transaction (a word in a chat message); the
// others are acknowledged without touching the database.
func AnswerEvents(h map[string]Handler, keep ...func(*busv1.Event) bool) func(*Options) {
	return func(o *Options) {
		o.Events = h
		if len(keep) > 0 {
			o.KeepEvent = keep[0]
		}
	}
}

// DatabaseStep is for a start-up step on the database run by bus.WhenAvailable: it marks
// the step's failure permanent unless the database was away (it may crash or restart while
// a service starts), since a migration that fails on a live database fails again.
func DatabaseStep(err error) error {
	if err != nil && !store.Unavailable(err) {
		return bus.Permanent(err)
	}
	return err
}
