package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
)

// Options of a running health service.
type Options struct {
	// Conn is the NATS connection heartbeats arrive on. Required.
	Conn *nats.Conn
	// Config is the policy.
	Config Config
	// Evictor evicts stuck pods; nil outside Kubernetes.
	Evictor Evictor
	Logger  *slog.Logger
	// Metrics, when set, receives the monitor's metrics.
	Metrics prometheus.Registerer
}

// Service is the monitor fed by its subscription and swept in the background.
type Service struct {
	*Monitor
	sub  *nats.Subscription
	stop context.CancelFunc
	done chan struct{}
}

// Start subscribes to every heartbeat and sweeps the table until Stop.
func Start(ctx context.Context, o Options) (*Service, error) {
	if o.Conn == nil {
		return nil, errors.New("health: Conn is required")
	}
	m, err := NewMonitor(o.Config, o.Evictor, o.Logger)
	if err != nil {
		return nil, err
	}
	if o.Metrics != nil {
		if err := m.Register(o.Metrics); err != nil {
			return nil, err
		}
	}
	sub, err := m.Subscribe(o.Conn)
	if err != nil {
		return nil, err
	}
	// Make sure the server has the subscription before saying we started, so a beat
	// sent right after Start is not missed.
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := o.Conn.FlushWithContext(fctx); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("health: subscribe: %w", err)
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Service{Monitor: m, sub: sub, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		m.Run(rctx)
	}()
	return s, nil
}

// Ready is the service's readiness check: the subscription is live on a connected NATS.
func (s *Service) Ready(context.Context) error {
	if !s.sub.IsValid() {
		return errors.New("heartbeat subscription closed")
	}
	return nil
}

// Stop ends the subscription and the sweep.
func (s *Service) Stop(ctx context.Context) error {
	err := s.sub.Unsubscribe()
	if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrBadSubscription) {
		err = nil
	}
	s.stop()
	select {
	case <-s.done:
	case <-ctx.Done():
		return errors.Join(err, fmt.Errorf("health: stop: %w", ctx.Err()))
	}
	return err
}

// Serve serves the status page and /api/status on addr until ctx ends; ready, if not
// nil, receives the bound address once listening.
func (s *Service) Serve(ctx context.Context, addr string, ready func(string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("health: listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("health: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("health: shut down the status page: %w", err)
	}
	return nil
}
