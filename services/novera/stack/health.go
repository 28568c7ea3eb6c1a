package stack

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/nats-io/nats.go"

	"github.com/novera-bot/novera/libs/app"
	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/heartbeat"
	"github.com/novera-bot/novera/services/gateway"
	"github.com/novera-bot/novera/services/health"
)

// watchGateway gives the gateway its shard watchdog (liveness) and its heartbeat, as the
// gateway's own main does.
func watchGateway(ctx context.Context, a *app.App, b *bus.Bus, svc *gateway.Service, w app.Watch) error {
	wd := gateway.NewWatchdog(svc, w.StallAfter)
	a.Health.Live("gateway.shards", wd.Check)
	beat := heartbeat.NewFromHealth(a.Health)
	beat.Progress, beat.Shards = wd.LastProgress, wd.Shards
	return a.Heartbeat(ctx, b, w, beat)
}

// startHealth runs the health service in this process: its table fed by every service's
// heartbeat (these and any other instance on the same NATS), its status page on
// o.HealthAddr. Outside Kubernetes it never evicts.
func (s *Stack) startHealth(ctx context.Context, o Options) error {
	nc, err := nats.Connect(o.NATSURL, nats.Name("novera-health"), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("stack: health: NATS: %w", err)
	}
	svc, err := health.Start(ctx, health.Options{Conn: nc, Logger: o.Logger.With("service", "health"), Metrics: s.Admin.Registry})
	if err != nil {
		nc.Close()
		return fmt.Errorf("stack: %w", err)
	}
	s.Admin.Health.Live("health.sweep", svc.Live)
	s.Admin.Health.Ready("health.subscription", svc.Ready)
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	bound := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- svc.Serve(sctx, o.HealthAddr, func(addr string) { bound <- addr }) }()
	stop := func(ctx context.Context) error {
		cancel()
		err := <-done
		err = errors.Join(err, svc.Stop(ctx))
		nc.Close()
		return err
	}
	select {
	case addr := <-bound:
		s.healthAddr = addr
		s.stops = append(s.stops, stop)
		return nil
	case err := <-done:
		cancel()
		_ = svc.Stop(ctx)
		nc.Close()
		return fmt.Errorf("stack: health status page on %s: %w", o.HealthAddr, err)
	}
}

// HealthAddr is where the health service's status page is served ("" if not running).
func (s *Stack) HealthAddr() string { return s.healthAddr }

// HealthURL is the status page's URL, for people ("" if not running).
func (s *Stack) HealthURL() string {
	addr := s.healthAddr
	if addr == "" {
		return ""
	}
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "" || host == "0.0.0.0" || host == "::") {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	return "http://" + addr + "/"
}
