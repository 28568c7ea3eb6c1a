package app

import (
	"context"
	"fmt"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/heartbeat"
	"github.com/novera-bot/novera/libs/worker"
)

// Watch is an instance's identity on the heartbeat and its watchdog limit.
type Watch struct {
	// Pod (POD_NAME; default the host name) and Namespace (POD_NAMESPACE) name the pod the
	// health service would evict; the manifests set both from the downward API.
	Pod, Namespace string
	// Interval between heartbeats (HEARTBEAT_INTERVAL, default 5s).
	Interval time.Duration
	// StallAfter is the liveness watchdog's limit (WATCHDOG_STALL_AFTER); 0, when unset,
	// leaves each service its own default (worker 2m, gateway 3m).
	StallAfter time.Duration
}

// WatchFromEnv reads Watch; problems are reported by env.Err.
func WatchFromEnv(env *config.Env) Watch {
	return Watch{
		Pod:        env.String("POD_NAME", ""),
		Namespace:  env.String("POD_NAMESPACE", ""),
		Interval:   env.Duration("HEARTBEAT_INTERVAL", heartbeat.DefaultInterval),
		StallAfter: env.Duration("WATCHDOG_STALL_AFTER", 0),
	}
}

// Heartbeat starts publishing this instance's heartbeat on b's connection, its state
// taken from the app's own probes (status adds the detail: progress, waiting work,
// shards). It is stopped, with a last "stopping" beat, by Close; Stopping says so earlier.
func (a *App) Heartbeat(ctx context.Context, b *bus.Bus, w Watch, status *heartbeat.FromHealth) error {
	p, err := heartbeat.Start(ctx, heartbeat.Options{Conn: b.Conn(), Service: a.Name, Pod: w.Pod,
		Namespace: w.Namespace, Version: Version, Interval: w.Interval, Status: status.Status, Logger: a.Log})
	if err != nil {
		return fmt.Errorf("%s: %w", a.Name, err)
	}
	a.beat = status
	a.closers = append(a.closers, p.Stop)
	return nil
}

// WorkerHeartbeat is Heartbeat for a worker: progress is its consumer's, waiting work its
// undelivered commands.
func (a *App) WorkerHeartbeat(ctx context.Context, b *bus.Bus, w Watch, wk *worker.Worker) error {
	st := heartbeat.NewFromHealth(a.Health)
	st.Progress = wk.LastProgress
	st.Waiting = wk.Waiting
	return a.Heartbeat(ctx, b, w, st)
}

// Stopping makes the heartbeat say the instance is stopping from now on, while it drains.
func (a *App) Stopping() {
	if a.beat != nil {
		a.beat.SetStopping()
	}
}
