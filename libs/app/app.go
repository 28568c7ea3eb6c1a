// Package app is the start-up and shut-down every Novera process shares: configuration,
// logging, tracing, the admin port, and connections to NATS, PostgreSQL and Discord, each
// with its readiness check. A service's main.go reads as the list of what it depends on.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/heartbeat"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/telemetry"
	"github.com/novera-bot/novera/libs/worker"
)

// Version is stamped at build time with -ldflags "-X .../libs/app.Version=...".
var Version = "dev"

// App is one service's runtime.
type App struct {
	Name    string
	Log     *slog.Logger
	Tel     *telemetry.Telemetry
	Health  *admin.Health
	Admin   *admin.Server
	closers []func(context.Context) error
	beat    *heartbeat.FromHealth // set by Heartbeat
}

// Options for New.
type Options struct {
	Name string
	// AdminAddr is where /livez, /readyz and /metrics are served; "" disables the port
	// (the all-in-one runner shares one).
	AdminAddr string
	// Admin reuses an existing admin server instead of starting one.
	Admin        *admin.Server
	Logger       *slog.Logger
	OTLPEndpoint string
	Telemetry    *telemetry.Telemetry
}

// New sets up logging, tracing and the admin port.
func New(ctx context.Context, o Options) (*App, error) {
	a := &App{Name: o.Name, Log: o.Logger}
	if a.Log == nil {
		a.Log = telemetry.NewLogger(os.Stderr, o.Name, slog.LevelInfo)
	}
	a.Tel = o.Telemetry
	if a.Tel == nil {
		tel, err := telemetry.Setup(ctx, telemetry.Options{Service: o.Name, Version: Version, OTLPEndpoint: o.OTLPEndpoint})
		if err != nil {
			return nil, err
		}
		a.Tel = tel
		a.closers = append(a.closers, tel.Shutdown)
	}
	a.Admin = o.Admin
	if a.Admin == nil {
		a.Admin = admin.New(admin.NewHealth(), a.Log)
		if o.AdminAddr != "" {
			if err := a.Admin.Listen(o.AdminAddr); err != nil {
				return nil, err
			}
			a.closers = append(a.closers, a.Admin.Shutdown)
		}
	}
	a.Health = a.Admin.Health
	return a, nil
}

// Bus connects to NATS, makes sure the streams exist, and adds a readiness check.
func (a *App) Bus(ctx context.Context, url string) (*bus.Bus, error) {
	b, err := bus.Connect(ctx, url, bus.WithName("novera-"+a.Name), bus.WithLogger(a.Log),
		bus.WithTracerProvider(a.Tel.Tracer), bus.WithPropagator(a.Tel.Propagator), bus.WithRegisterer(a.Admin.Registry))
	if err != nil {
		return nil, err
	}
	// A service must not exit because NATS restarted while it started: wait for it, as
	// for PostgreSQL.
	if err := bus.WhenAvailable(ctx, a.Log, "streams", b.EnsureStreams); err != nil {
		b.Close()
		return nil, err
	}
	a.Health.Ready(a.Name+".nats", func(context.Context) error {
		if !b.Connected() {
			return errors.New("NATS is not connected")
		}
		return nil
	})
	a.closers = append(a.closers, func(context.Context) error { b.Close(); return nil })
	return b, nil
}

// Postgres opens a traced pool and adds a readiness check.
func (a *App) Postgres(ctx context.Context, url string) (*pgxpool.Pool, error) {
	if _, err := pgxpool.ParseConfig(url); err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err) // a typo does not heal by waiting
	}
	// A database that is away at start-up (restarting, failing over) is waited for, as
	// one that goes away later is: exiting would only trade the wait for a crash loop.
	var pool *pgxpool.Pool
	err := bus.WhenAvailable(ctx, a.Log, "PostgreSQL connection", func(ctx context.Context) (err error) {
		pool, err = store.Open(ctx, url, store.WithApplicationName("novera-"+a.Name), store.WithTracer(store.NewTracer(a.Tel.Tracer)))
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := store.RegisterPoolMetrics(a.Admin.Registry, pool, a.Name); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres metrics: %w", err)
	}
	a.Health.Ready(a.Name+".postgres", func(ctx context.Context) error { return pool.Ping(ctx) })
	a.closers = append(a.closers, func(context.Context) error { pool.Close(); return nil })
	return pool, nil
}

// WorkerDeps connects everything a worker service needs.
func (a *App) WorkerDeps(ctx context.Context, env *config.Env) (worker.Deps, error) {
	natsURL := env.URL("NATS_URL", "nats://127.0.0.1:4222", "nats", "tls")
	dbURL := env.Required("DATABASE_URL")
	dcfg := discord.Config{APIURL: env.URL("DISCORD_API_URL", discord.DefaultAPIURL, "http", "https")}
	// Behind the REST proxy (services/rest: DISCORD_API_URL pointing at it and
	// DISCORD_PROXY_SECRET set) the token lives only in the proxy.
	dcfg.ProxyFromEnv(env)
	if dcfg.ProxySecret == "" {
		dcfg.Token = env.Required("DISCORD_TOKEN")
	}
	if err := env.Err(); err != nil {
		return worker.Deps{}, err
	}
	return a.deps(ctx, natsURL, dbURL, dcfg)
}

// Deps connects a worker's dependencies from explicit settings.
func (a *App) Deps(ctx context.Context, natsURL, dbURL, token, apiURL string) (worker.Deps, error) {
	return a.deps(ctx, natsURL, dbURL, discord.Config{Token: token, APIURL: apiURL})
}

func (a *App) deps(ctx context.Context, natsURL, dbURL string, dcfg discord.Config) (worker.Deps, error) {
	b, err := a.Bus(ctx, natsURL)
	if err != nil {
		return worker.Deps{}, err
	}
	pool, err := a.Postgres(ctx, dbURL)
	if err != nil {
		return worker.Deps{}, err
	}
	dc, err := a.DiscordClient(dcfg)
	if err != nil {
		return worker.Deps{}, err
	}
	var cfg *guildconfig.Store
	err = bus.WhenAvailable(ctx, a.Log, "guild settings migrations", func(ctx context.Context) (err error) {
		cfg, err = guildconfig.Open(ctx, pool)
		return worker.DatabaseStep(err)
	})
	if err != nil {
		return worker.Deps{}, err
	}
	return worker.Deps{Bus: b, Pool: pool, Discord: dc, Registry: commands.Novera(), Config: cfg,
		Logger: a.Log, Tracer: a.Tel.Tracer, Metrics: a.Admin.Registry, Health: a.Health}, nil
}

// Discord builds the REST client, traced and counted on the admin port's metrics.
func (a *App) Discord(token, apiURL string) (*discord.Client, error) {
	return a.DiscordClient(discord.Config{Token: token, APIURL: apiURL})
}

// DiscordClient is Discord with every client setting (the REST proxy's secret and
// fallback addresses among them).
func (a *App) DiscordClient(cfg discord.Config) (*discord.Client, error) {
	tr, err := telemetry.HTTPTransport(a.Tel, discord.NewTransport(), a.Admin.Registry)
	if err != nil {
		return nil, err
	}
	cfg.Transport = tr
	return discord.New(cfg)
}

// Close releases everything in reverse order of acquisition within ctx.
func (a *App) Close(ctx context.Context) error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		if err := a.closers[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Main runs a service until SIGINT or SIGTERM, then gives it ShutdownGrace to stop, and
// exits non-zero on failure with the reason on stderr.
func Main(run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "novera:", err)
		os.Exit(1)
	}
}

// ShutdownGrace bounds a clean stop; Kubernetes' default grace period is 30 s.
const ShutdownGrace = 20 * time.Second
