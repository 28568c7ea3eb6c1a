package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names the tracer, so spans show which library made them.
const instrumentationName = "github.com/novera-bot/novera/libs/bus"

// drainTimeout bounds Close.
const drainTimeout = 10 * time.Second

// Bus is a connection to NATS JetStream speaking Novera's bus contract. It is safe for
// concurrent use. Create it with Connect and release it with Close.
type Bus struct {
	nc         *nats.Conn
	js         jetstream.JetStream
	log        *slog.Logger
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
	metrics    *metrics
	streams    StreamsConfig

	async       pending       // watchers of PublishAsync acknowledgements
	closed      chan struct{} // closed by nats once the connection is closed for good
	reconnected broadcast     // fires on every reconnect, so consumers re-pull at once
}

// Connect connects to the NATS server(s) at url (comma-separated for several) and waits
// until the first connection is up, bounded by ctx; while it waits, and whenever the
// connection drops later, the client keeps retrying with back-off and never gives up.
func Connect(ctx context.Context, url string, opts ...Option) (*Bus, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if o.tracer == nil {
		o.tracer = otel.GetTracerProvider()
	}
	if o.propagator == nil {
		o.propagator = propagation.TraceContext{}
	}
	m, err := newMetrics(o.registerer)
	if err != nil {
		return nil, err
	}
	b := &Bus{
		log:        o.logger.With("component", "bus"),
		tracer:     o.tracer.Tracer(instrumentationName),
		propagator: o.propagator,
		metrics:    m,
		streams:    o.streams,
		closed:     make(chan struct{}),
	}

	connected := make(chan struct{})
	var connectedOnce sync.Once
	natsOpts := []nats.Option{
		nats.Name(o.name),
		// A failed first attempt is retried like a lost connection; Connect's ctx bounds it.
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(reconnectDelay(o.reconnectMin, o.reconnectMax)),
		nats.DrainTimeout(drainTimeout),
		nats.ConnectHandler(func(*nats.Conn) { connectedOnce.Do(func() { close(connected) }) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("NATS connection lost", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("NATS connection restored", "url", nc.ConnectedUrlRedacted())
			b.reconnected.fire()
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			b.log.Error("NATS asynchronous error", "subject", subject, "err", err)
		}),
	}
	natsOpts = append(natsOpts, o.natsOpts...)
	nc, err := nats.Connect(url, natsOpts...)
	if err != nil {
		return nil, fmt.Errorf("bus: connect %s: %w", url, err)
	}
	if nc.IsConnected() {
		connectedOnce.Do(func() { close(connected) })
	}
	select {
	case <-connected:
	case <-ctx.Done():
		nc.Close()
		return nil, fmt.Errorf("bus: connect %s: %w", url, ctx.Err())
	}
	b.nc = nc

	b.js, err = jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(o.asyncPending),
		jetstream.WithPublishAsyncTimeout(o.asyncTimeout),
	)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("bus: jetstream: %w", err)
	}
	b.log.Info("connected to NATS", "url", nc.ConnectedUrlRedacted())
	return b, nil
}

// reconnectDelay is exponential back-off with up to 25% jitter, capped at max.
func reconnectDelay(initial, max time.Duration) func(attempts int) time.Duration {
	return func(attempts int) time.Duration {
		d := initial
		for i := 1; i < attempts && d < max; i++ {
			d *= 2
		}
		d = min(d, max)
		return d + rand.N(d/4+1)
	}
}

// JetStream exposes the underlying JetStream handle for what the bus contract does not
// cover, such as the gateway's key-value bucket of shard sessions.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Conn exposes the underlying NATS connection (heartbeats on core NATS, readiness checks).
func (b *Bus) Conn() *nats.Conn { return b.nc }

// Connected reports whether the connection is currently up; use it for readiness, never
// for liveness (a NATS outage must not restart every pod).
func (b *Bus) Connected() bool { return b.nc.IsConnected() }

// Close flushes pending publishes, drains subscriptions and closes the connection, waiting
// about ten seconds (plus the async publish timeout for unacknowledged PublishAsync
// messages). Stop consumers first: their in-flight handlers cannot ack once the
// connection is closed.
func (b *Bus) Close() {
	switch err := b.nc.Drain(); {
	case err == nil, errors.Is(err, nats.ErrConnectionClosed):
	case errors.Is(err, nats.ErrConnectionReconnecting):
		// Nothing can be flushed to a server we are not connected to.
		b.nc.Close()
	default:
		b.log.Warn("draining NATS connection", "err", err)
		b.nc.Close()
	}
	select {
	case <-b.closed:
	case <-time.After(drainTimeout + time.Second):
		b.nc.Close()
	}
	// Every watcher ends: its future resolves or hits the async timeout.
	<-b.async.idle()
}
