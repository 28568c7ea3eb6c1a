// Command novera runs every Novera service in one process: the gateway, the workers, and
// whatever they need that the environment does not provide (an embedded NATS server, a
// local PostgreSQL cluster, and the Discord simulator when no token is set). It is what
// `make run` starts; in Kubernetes each service runs as its own binary instead.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/novera-bot/novera/libs/app"
	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/jaegerlocal"
	"github.com/novera-bot/novera/libs/natsembed"
	"github.com/novera-bot/novera/libs/pglocal"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/telemetry"
	"github.com/novera-bot/novera/services/novera/importer"
	"github.com/novera-bot/novera/services/novera/stack"
)

type settings struct {
	token, apiURL, natsURL, dbURL string
	simAddr, adminAddr, dataDir   string
	otlp                          string
	jaegerBin                     string
	healthAddr                    string
	watch                         app.Watch
	shardCount                    int
	level                         slog.Level
}

func readSettings(env *config.Env) (settings, error) {
	s := settings{
		token:     env.String("DISCORD_TOKEN", ""),
		apiURL:    env.URL("DISCORD_API_URL", discord.DefaultAPIURL, "http", "https"),
		natsURL:   env.URL("NATS_URL", "", "nats", "tls"),
		dbURL:     env.URL("DATABASE_URL", "", "postgres", "postgresql"),
		simAddr:   env.Addr("NOVERA_SIM_ADDR", "127.0.0.1:8080"),
		adminAddr: env.Addr("ADMIN_ADDR", "127.0.0.1:9090"),
		dataDir:   env.String("NOVERA_DATA_DIR", ".data"),
		otlp:      env.String("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
		jaegerBin: env.String("NOVERA_JAEGER_BIN", ""),
		// The health service's status page: every service's heartbeat, one row each.
		healthAddr: env.Addr("NOVERA_HEALTH_ADDR", "127.0.0.1:9091"),
		watch:      app.WatchFromEnv(env),
		// 0: Discord's recommendation, as for the gateway service.
		shardCount: env.Int("SHARD_COUNT", 0, 0, 1<<16),
	}
	if err := s.level.UnmarshalText([]byte(env.String("LOG_LEVEL", "info"))); err != nil {
		return s, fmt.Errorf("LOG_LEVEL: want debug, info, warn or error")
	}
	return s, env.Err()
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "import" { // novera import: see services/novera/importer
		app.Main(func(ctx context.Context) error { return importer.Main(ctx, os.Args[2:], config.FromOS(), os.Stdout) })
		return
	}
	app.Main(func(ctx context.Context) error {
		s, err := readSettings(config.FromOS())
		if err != nil {
			return err
		}
		return run(ctx, s)
	})
}

func run(ctx context.Context, s settings) error {
	log := telemetry.NewLogger(os.Stderr, "novera", s.level)
	say := func(format string, a ...any) { fmt.Fprintf(os.Stdout, format+"\n", a...) }
	var stops []func(context.Context) error
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), app.ShutdownGrace)
		defer cancel()
		for i := len(stops) - 1; i >= 0; i-- {
			if err := stops[i](sctx); err != nil {
				log.Error("shutdown", "err", err)
			}
		}
		say("Novera stopped.")
	}()
	if err := os.MkdirAll(s.dataDir, 0o755); err != nil {
		return fmt.Errorf("NOVERA_DATA_DIR %s: %w", s.dataDir, err)
	}
	if s.natsURL == "" {
		ns, err := natsembed.Start(ctx, natsembed.Options{StoreDir: filepath.Join(s.dataDir, "nats"), Logger: log.With("component", "nats")})
		if err != nil {
			return err
		}
		stops = append(stops, ns.Shutdown)
		s.natsURL = ns.ClientURL()
		say("NATS (embedded, JetStream in %s): %s", filepath.Join(s.dataDir, "nats"), s.natsURL)
	}
	if s.dbURL == "" {
		pg, err := pglocal.Start(ctx, pglocal.Options{Dir: filepath.Join(s.dataDir, "postgres"), Logger: log.With("component", "postgres")})
		if err != nil {
			return err
		}
		stops = append(stops, pg.Stop)
		if err := pg.CreateDatabase(ctx, "novera"); err != nil && !isDuplicateDatabase(err) {
			return err
		}
		s.dbURL = pg.URL("novera")
		say("PostgreSQL (local, data in %s): %s", pg.Dir(), s.dbURL)
	}
	var sim *discordsim.Server
	if s.token == "" {
		sim = discordsim.New(discordsim.Options{Addr: s.simAddr, Logger: log.With("component", "discordsim")})
		if err := sim.Start(ctx); err != nil {
			return fmt.Errorf("Discord simulator on NOVERA_SIM_ADDR=%s: %w", s.simAddr, err)
		}
		stops = append(stops, func(context.Context) error { sim.Close(); return nil })
		if _, err := sim.SeedDemo(); err != nil {
			return err
		}
		s.token, s.apiURL = sim.Token(), sim.APIURL()
		say("Discord simulator (no DISCORD_TOKEN set): %s", sim.URL())
	}
	if sim != nil {
		if err := configureDemo(ctx, s.dbURL, sim.Demo()); err != nil {
			return err
		}
	}
	if s.jaegerBin != "" {
		// make run JAEGER=1: a local Jaeger, its UI on the usual port, every service
		// exporting to it.
		j, err := jaegerlocal.Start(ctx, jaegerlocal.Options{Bin: s.jaegerBin, Dir: filepath.Join(s.dataDir, "jaeger"),
			QueryPort: 16686, Logger: log.With("component", "jaeger")})
		if err != nil {
			return err
		}
		stops = append(stops, j.Stop)
		s.otlp = j.OTLPEndpoint()
		say("Jaeger (traces of every command): %s", j.QueryURL())
	}
	st, err := stack.Start(ctx, stack.Options{Token: s.token, APIURL: s.apiURL, NATSURL: s.natsURL, DatabaseURL: s.dbURL,
		AdminAddr: s.adminAddr, Logger: log, OTLPEndpoint: s.otlp, HealthAddr: s.healthAddr, Watch: s.watch, ShardCount: s.shardCount})
	if err != nil {
		return err
	}
	stops = append(stops, st.Stop)
	say("Admin (health and metrics): http://%s/readyz  http://%s/metrics", st.Admin.Addr(), st.Admin.Addr())
	say("Status page (every service's heartbeat): %s", st.HealthURL())
	if err := waitReady(ctx, st, 30*time.Second); err != nil {
		return err
	}
	say("Novera is ready.")
	if sim != nil {
		say("Playground (use the bot in your browser): %s/", sim.URL())
		say("Try it:  curl -s -d '{\"text\":\"/headpat\"}' %s/_sim/commands", sim.URL())
		say("         curl -s %s/_sim/state", sim.URL())
	}
	say("Press Ctrl-C to stop.")
	<-ctx.Done()
	return nil
}

func configureDemo(ctx context.Context, dbURL string, demo *discordsim.Demo) error {
	pool, err := store.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	cfg, err := guildconfig.Open(ctx, pool)
	if err != nil {
		return err
	}
	return stack.ConfigureDemo(ctx, cfg, demo)
}

// waitReady waits until every service reports ready, and says which are not if they
// never do.
func waitReady(ctx context.Context, st *stack.Stack, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		res := st.Ready(ctx)
		if res.OK {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %s", limit, res.Summary())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func isDuplicateDatabase(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P04" || strings.Contains(err.Error(), "already exists")
}
