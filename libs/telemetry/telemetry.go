// Package telemetry sets up what every Novera process reports about itself: OpenTelemetry
// traces and the slog logger that stamps each line with the trace it belongs to.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// Options describes the process being instrumented.
type Options struct {
	Service  string
	Version  string
	Instance string // pod or host name; defaults to the host name
	// Exporter overrides the OTLP exporter and receives every span as it ends
	// (synchronously); tests pass an in-memory one.
	Exporter sdktrace.SpanExporter
	// OTLPEndpoint enables OTLP/HTTP export. Empty means spans are sampled but not exported
	// unless Exporter is set. The standard OTEL_* variables also apply.
	OTLPEndpoint string
}

// Telemetry holds the tracer provider and propagator of one process.
type Telemetry struct {
	Tracer     *sdktrace.TracerProvider
	Propagator propagation.TextMapPropagator
}

// Setup builds a tracer provider. It never touches the otel globals: everything that
// traces takes the provider explicitly, so several services can share one process (the
// all-in-one runner) each under its own service name.
func Setup(ctx context.Context, o Options) (*Telemetry, error) {
	if o.Service == "" {
		return nil, errors.New("telemetry: service name is required")
	}
	if o.Instance == "" {
		o.Instance, _ = os.Hostname()
	}
	// Schemaless, so the SDK's default resource (whatever semconv version it was built
	// with) merges without a schema URL conflict.
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName(o.Service),
		semconv.ServiceVersion(o.Version),
		semconv.ServiceInstanceID(o.Instance),
	))
	if err != nil {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	switch {
	case o.Exporter != nil:
		opts = append(opts, sdktrace.WithSyncer(o.Exporter))
	case o.OTLPEndpoint != "":
		// Headers, timeout and TLS still come from the standard OTEL_EXPORTER_OTLP_* variables.
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimSuffix(o.OTLPEndpoint, "/")+"/v1/traces"))
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTLP exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(time.Second)))
	}
	// The SDK's default sampler honours OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG.
	return &Telemetry{
		Tracer:     sdktrace.NewTracerProvider(opts...),
		Propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}, nil
}

// Shutdown flushes pending spans within ctx's deadline.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if err := t.Tracer.Shutdown(ctx); err != nil {
		return fmt.Errorf("telemetry: flush spans: %w", err)
	}
	return nil
}

// NewLogger returns a JSON slog logger that adds trace_id and span_id to every line logged
// with a context inside a span, and the service name to every line. A later
// With("service", name) replaces the name instead of adding a second "service" key: the
// all-in-one process names each service it runs, and a line with two keys of one name is
// read differently by every log tool.
func NewLogger(w io.Writer, service string, level slog.Leveler) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(newTraceHandler(h, slog.String("service", service)))
}

// traceHandler keeps the service apart from the other attributes until a group opens, so
// that it can still be replaced.
type traceHandler struct {
	base         slog.Handler // every attribute but the service; nil once a group is open
	service      slog.Attr
	slog.Handler // base with the service, where lines go
}

func newTraceHandler(base slog.Handler, service slog.Attr) traceHandler {
	return traceHandler{base: base, service: service, Handler: base.WithAttrs([]slog.Attr{service})}
}

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if h.base == nil {
		// Inside a group "service" is the group's own key, not the line's.
		return traceHandler{Handler: h.Handler.WithAttrs(as)}
	}
	service, rest := h.service, make([]slog.Attr, 0, len(as))
	for _, a := range as {
		if a.Key == "service" {
			service = a
		} else {
			rest = append(rest, a)
		}
	}
	base := h.base
	if len(rest) > 0 {
		base = base.WithAttrs(rest)
	}
	return newTraceHandler(base, service)
}

func (h traceHandler) WithGroup(n string) slog.Handler {
	return traceHandler{Handler: h.Handler.WithGroup(n)}
}
