package app

import (
	"context"

	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/worker"
)

// RunWorker starts w, waits for ctx to end, then stops fetching, lets commands in flight
// finish, and closes the app's connections, all within ShutdownGrace.
func RunWorker(ctx context.Context, a *App, w *worker.Worker) error {
	if err := w.Start(ctx); err != nil {
		_ = a.Close(context.WithoutCancel(ctx))
		return err
	}
	a.Log.Info("service started", "admin", a.Admin.Addr(), "version", Version)
	<-ctx.Done()
	a.Stopping()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownGrace)
	defer cancel()
	err := w.Stop(sctx)
	if cerr := a.Close(sctx); err == nil {
		err = cerr
	}
	a.Log.Info("service stopped")
	return err
}

// WorkerMain is the whole main function of a worker service: configuration from the
// environment (DATABASE_URL required, and DISCORD_TOKEN unless DISCORD_PROXY_SECRET puts
// the service behind the REST proxy; NATS_URL, DISCORD_API_URL, DISCORD_API_FALLBACK_URLS,
// ADMIN_ADDR, OTEL_EXPORTER_OTLP_ENDPOINT, POD_NAME, POD_NAMESPACE, HEARTBEAT_INTERVAL,
// WATCHDOG_STALL_AFTER optional), connections, the heartbeat, and a clean stop on SIGINT
// or SIGTERM.
func WorkerMain(name string, build func(context.Context, worker.Deps) (*worker.Worker, error)) {
	Main(func(ctx context.Context) error {
		env := config.FromOS()
		a, err := New(ctx, Options{Name: name, AdminAddr: env.Addr("ADMIN_ADDR", "0.0.0.0:9090"),
			OTLPEndpoint: env.String("OTEL_EXPORTER_OTLP_ENDPOINT", "")})
		if err != nil {
			return err
		}
		watch := WatchFromEnv(env)
		deps, err := a.WorkerDeps(ctx, env)
		if err != nil {
			_ = a.Close(context.WithoutCancel(ctx))
			return err
		}
		deps.StallAfter = watch.StallAfter
		w, err := build(ctx, deps)
		if err == nil {
			err = a.WorkerHeartbeat(ctx, deps.Bus, watch, w)
		}
		if err != nil {
			_ = a.Close(context.WithoutCancel(ctx))
			return err
		}
		return RunWorker(ctx, a, w)
	})
}
