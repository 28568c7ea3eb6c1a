// Command health runs Novera's health service: it listens to every instance's heartbeat on
// NATS, serves the status page and /api/status, exports the table as metrics, and, in
// Kubernetes, evicts a pod that says it is stuck while its peers are well.
//
// Environment: NATS_URL (nats://127.0.0.1:4222); STATUS_ADDR (0.0.0.0:8080: the page and
// /api/status); ADMIN_ADDR (0.0.0.0:9090: /livez, /readyz, /metrics);
// OTEL_EXPORTER_OTLP_ENDPOINT; HEALTH_EXPIRE_BEATS (3: missed beats before an instance
// leaves the table); HEALTH_STUCK_BEATS (2: consecutive stuck beats before an eviction);
// HEALTH_PROGRESS_LIMIT (3m: no progress this long while work waits is stuck);
// HEALTH_EVICT_EVERY (5m: least time between evictions of one workload). Evictions are
// made only when KUBERNETES_SERVICE_HOST is set (in a pod, with the RBAC of deploy/k8s).
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/novera-bot/novera/libs/app"
	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/services/health"
	"github.com/novera-bot/novera/services/health/evict"
)

func main() {
	app.Main(func(ctx context.Context) error {
		env := config.FromOS()
		natsURL := env.URL("NATS_URL", "nats://127.0.0.1:4222", "nats", "tls")
		statusAddr := env.Addr("STATUS_ADDR", "0.0.0.0:8080")
		adminAddr := env.Addr("ADMIN_ADDR", "0.0.0.0:9090")
		otlp := env.String("OTEL_EXPORTER_OTLP_ENDPOINT", "")
		cfg := health.Config{
			ExpireAfter:   env.Int("HEALTH_EXPIRE_BEATS", health.DefaultExpireAfter, 2, 100),
			StuckBeats:    env.Int("HEALTH_STUCK_BEATS", health.DefaultStuckBeats, 1, 100),
			ProgressLimit: env.Duration("HEALTH_PROGRESS_LIMIT", health.DefaultProgressLimit),
			EvictEvery:    env.Duration("HEALTH_EVICT_EVERY", health.DefaultEvictEvery),
		}
		inKubernetes := env.String("KUBERNETES_SERVICE_HOST", "") != ""
		if err := env.Err(); err != nil {
			return err
		}
		a, err := app.New(ctx, app.Options{Name: "health", AdminAddr: adminAddr, OTLPEndpoint: otlp})
		if err != nil {
			return err
		}
		defer a.Close(context.WithoutCancel(ctx))

		var evictor health.Evictor
		if inKubernetes {
			ev, err := evict.InCluster(evict.Options{Interval: cfg.EvictEvery})
			if err != nil {
				return err
			}
			evictor = ev
		} else {
			a.Log.Info("not in Kubernetes (KUBERNETES_SERVICE_HOST unset): stuck instances are shown, never evicted")
		}

		nc, err := nats.Connect(natsURL, nats.Name("novera-health"), nats.MaxReconnects(-1))
		if err != nil {
			return fmt.Errorf("NATS %s: %w", natsURL, err)
		}
		defer nc.Close()
		a.Health.Ready("health.nats", func(context.Context) error {
			if !nc.IsConnected() {
				return errors.New("NATS is not connected")
			}
			return nil
		})
		svc, err := health.Start(ctx, health.Options{Conn: nc, Config: cfg, Evictor: evictor, Logger: a.Log, Metrics: a.Admin.Registry})
		if err != nil {
			return err
		}
		defer svc.Stop(context.WithoutCancel(ctx))
		a.Health.Live("health.sweep", svc.Live)
		a.Health.Ready("health.subscription", svc.Ready)
		return svc.Serve(ctx, statusAddr, func(addr string) {
			a.Log.Info("service started", "status_page", "http://"+addr+"/", "admin", a.Admin.Addr(), "version", app.Version)
		})
	})
}
