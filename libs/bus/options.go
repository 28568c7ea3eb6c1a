package bus

import (
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Option configures Connect.
type Option func(*options)

type options struct {
	name         string
	logger       *slog.Logger
	tracer       trace.TracerProvider
	propagator   propagation.TextMapPropagator
	registerer   prometheus.Registerer
	streams      StreamsConfig
	reconnectMin time.Duration
	reconnectMax time.Duration
	asyncTimeout time.Duration
	asyncPending int
	natsOpts     []nats.Option
}

func defaultOptions() options {
	return options{
		logger:       slog.New(slog.DiscardHandler),
		streams:      DefaultStreamsConfig(),
		reconnectMin: 100 * time.Millisecond,
		reconnectMax: 5 * time.Second,
		asyncTimeout: 10 * time.Second,
		asyncPending: 4000,
	}
}

// WithName sets the connection name shown by the NATS server (e.g. "gateway-0").
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithLogger sets the logger; the default discards.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithTracerProvider sets where publish and process spans go; the default is
// otel.GetTracerProvider() at Connect time.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracer = tp }
}

// WithPropagator sets how trace context is written to and read from message headers; the
// default is W3C Trace Context (traceparent, tracestate).
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(o *options) { o.propagator = p }
}

// WithRegisterer registers the bus metrics (novera_bus_*). Without it the metrics are kept
// but not exported. Several Bus values may share one registerer: they then share the
// metrics, told apart by their stream and consumer labels.
func WithRegisterer(r prometheus.Registerer) Option {
	return func(o *options) { o.registerer = r }
}

// WithStreams sets the shared streams' configuration used by EnsureStreams.
func WithStreams(c StreamsConfig) Option {
	return func(o *options) { o.streams = c.withDefaults() }
}

// WithReconnectBackoff sets the delay before reconnect attempts: it starts at initial,
// doubles up to max, and gets jitter so a fleet does not reconnect in step. The client
// never gives up reconnecting. Defaults: 100ms to 5s.
func WithReconnectBackoff(initial, max time.Duration) Option {
	return func(o *options) {
		if initial > 0 {
			o.reconnectMin = initial
		}
		if max >= o.reconnectMin {
			o.reconnectMax = max
		}
	}
}

// WithAsyncPublish bounds PublishAsync: at most maxPending unacknowledged messages (further
// calls wait briefly, then fail), each failing if unacknowledged after timeout.
// Defaults: 4000 and 10s.
func WithAsyncPublish(maxPending int, timeout time.Duration) Option {
	return func(o *options) {
		if maxPending > 0 {
			o.asyncPending = maxPending
		}
		if timeout > 0 {
			o.asyncTimeout = timeout
		}
	}
}

// WithNATSOptions passes extra options (credentials, TLS, ...) to nats.Connect. They are
// applied after the bus's own, so they can override them.
func WithNATSOptions(opts ...nats.Option) Option {
	return func(o *options) { o.natsOpts = append(o.natsOpts, opts...) }
}
