// Package stack assembles Novera's services in one process: the gateway and every worker,
// sharing one admin port, each with its own tracer (so traces still name the service that
// made each span). The all-in-one runner and the end-to-end tests both start it, so what
// the tests prove is what `make run` runs.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/app"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/telemetry"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/community"
	"github.com/novera-bot/novera/services/fun"
	"github.com/novera-bot/novera/services/gateway"
	"github.com/novera-bot/novera/services/league"
	"github.com/novera-bot/novera/services/moderation"
)

// Options says where the dependencies are.
type Options struct {
	Token       string
	APIURL      string
	NATSURL     string
	DatabaseURL string
	// AdminAddr serves /livez, /readyz and /metrics for the whole process.
	AdminAddr string
	Logger    *slog.Logger
	// OTLPEndpoint exports traces over OTLP/HTTP; SpanExporter (tests) overrides it.
	OTLPEndpoint string
	SpanExporter sdktrace.SpanExporter
	// Services limits which services run (default: all). Tests use it to stop and
	// restart one worker.
	Services []string
	// Watch sets the heartbeat interval and the watchdogs' limit of every service.
	Watch app.Watch
	// HealthAddr, when set, runs the health service too, its status page on this address.
	HealthAddr string
	// ShardCount is the gateway's shard count; 0 takes Discord's recommendation.
	ShardCount int
}

// Service names the stack knows.
const (
	Gateway    = "gateway"
	Fun        = commands.ServiceFun
	Community  = commands.ServiceCommunity
	League     = commands.ServiceLeague
	Moderation = commands.ServiceModeration
)

// AllServices lists every service, gateway first.
func AllServices() []string { return []string{Gateway, Fun, Community, League, Moderation} }

// Stack is a running set of services.
type Stack struct {
	Admin *admin.Server
	apps  []*app.App
	stops []func(context.Context) error
	// healthAddr is where the status page is served, once started.
	healthAddr string
	wg         sync.WaitGroup
	errMu      sync.Mutex
	err        error
}

type workerFactory func(context.Context, worker.Deps) (*worker.Worker, error)

// Start connects and starts the chosen services. On error everything started is stopped.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if len(o.Services) == 0 {
		o.Services = AllServices()
	}
	s := &Stack{Admin: admin.New(admin.NewHealth(), o.Logger)}
	if o.AdminAddr != "" {
		if err := s.Admin.Listen(o.AdminAddr); err != nil {
			return nil, err
		}
		s.stops = append(s.stops, s.Admin.Shutdown)
	}
	defer func() {
		if err != nil {
			_ = s.Stop(context.WithoutCancel(ctx))
		}
	}()
	workers := map[string]workerFactory{Fun: fun.New, Community: community.New, League: league.New, Moderation: moderation.New}
	for _, name := range o.Services {
		a, err := s.newApp(ctx, name, o)
		if err != nil {
			return nil, err
		}
		if name == Gateway {
			if err := s.startGateway(ctx, a, o); err != nil {
				return nil, err
			}
			continue
		}
		factory, ok := workers[name]
		if !ok {
			return nil, fmt.Errorf("stack: unknown service %q", name)
		}
		deps, err := a.Deps(ctx, o.NATSURL, o.DatabaseURL, o.Token, o.APIURL)
		if err != nil {
			return nil, fmt.Errorf("stack: %s: %w", name, err)
		}
		deps.StallAfter = o.Watch.StallAfter
		w, err := factory(ctx, deps)
		if err != nil {
			return nil, err
		}
		if err := w.Start(ctx); err != nil {
			return nil, err
		}
		s.stops = append(s.stops, w.Stop)
		if err := a.WorkerHeartbeat(ctx, deps.Bus, o.Watch, w); err != nil {
			return nil, err
		}
	}
	if o.HealthAddr != "" {
		if err := s.startHealth(ctx, o); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Stack) newApp(ctx context.Context, name string, o Options) (*app.App, error) {
	tel, err := telemetry.Setup(ctx, telemetry.Options{Service: name, Version: app.Version, Exporter: o.SpanExporter, OTLPEndpoint: o.OTLPEndpoint})
	if err != nil {
		return nil, err
	}
	a, err := app.New(ctx, app.Options{Name: name, Admin: s.Admin, Logger: o.Logger.With("service", name), Telemetry: tel})
	if err != nil {
		return nil, err
	}
	s.apps = append(s.apps, a)
	s.stops = append(s.stops, func(ctx context.Context) error {
		err := a.Close(ctx)
		return errors.Join(err, tel.Shutdown(ctx))
	})
	return a, nil
}

func (s *Stack) startGateway(ctx context.Context, a *app.App, o Options) error {
	b, err := a.Bus(ctx, o.NATSURL)
	if err != nil {
		return err
	}
	dc, err := a.Discord(o.Token, o.APIURL)
	if err != nil {
		return err
	}
	svc, err := gateway.New(gateway.Options{Token: o.Token, Bus: b, Discord: dc, Registry: commands.Novera(), ShardCount: o.ShardCount,
		Logger: a.Log, Tracer: a.Tel.Tracer, Health: a.Health, Metrics: a.Admin.Registry})
	if err != nil {
		return err
	}
	if err := watchGateway(ctx, a, b, svc, o.Watch); err != nil {
		return err
	}
	gctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(done)
		if err := svc.Run(gctx); err != nil {
			s.errMu.Lock()
			s.err = errors.Join(s.err, err)
			s.errMu.Unlock()
			a.Log.Error("gateway stopped", "err", err)
		}
	}()
	s.stops = append(s.stops, func(ctx context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("stack: gateway did not stop: %w", ctx.Err())
		}
	})
	return nil
}

// Ready reports whether every service is ready (the admin server's readiness).
func (s *Stack) Ready(ctx context.Context) admin.Result { return s.Admin.Health.Readiness(ctx) }

// Stop stops the services in reverse order of start within ctx.
func (s *Stack) Stop(ctx context.Context) error {
	var errs []error
	for i := len(s.stops) - 1; i >= 0; i-- {
		if err := s.stops[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.stops = nil
	s.wg.Wait()
	return errors.Join(errs...)
}
