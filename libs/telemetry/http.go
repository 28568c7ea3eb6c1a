package telemetry

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HTTPTransport wraps next (default http.DefaultTransport) so every Discord REST call is a
// CLIENT span named by its route ("POST /channels/{channel_id}/messages"), carrying the
// rate-limit bucket Discord reported, and is counted by route and status on reg (when not
// nil). Tokens in the path never reach the span or the metrics.
func HTTPTransport(t *Telemetry, next http.RoundTripper, reg prometheus.Registerer) (http.RoundTripper, error) {
	if next == nil {
		next = http.DefaultTransport
	}
	calls := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novera_discord_rest_requests_total",
		Help: "Discord REST calls by route template and HTTP status (429s included)."}, []string{"route", "status"})
	seconds := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "novera_discord_rest_duration_seconds",
		Help: "Discord REST call duration by route template.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"route"})
	if reg != nil {
		var err error
		if calls, err = registerShared(reg, calls); err != nil {
			return nil, err
		}
		if seconds, err = registerShared(reg, seconds); err != nil {
			return nil, err
		}
	}
	return &tracedTransport{next: next, tracer: t.Tracer.Tracer("github.com/novera-bot/novera/libs/telemetry/http"), prop: t.Propagator,
		calls: calls, seconds: seconds}, nil
}

// registerShared registers c, or returns the collector already registered under its
// name: several services in one process share a registry.
func registerShared[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("telemetry: metrics: %w", err)
	}
	return c, nil
}

type tracedTransport struct {
	next    http.RoundTripper
	tracer  trace.Tracer
	prop    propagation.TextMapPropagator
	calls   *prometheus.CounterVec
	seconds *prometheus.HistogramVec
}

func (t *tracedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	route := Route(r.URL.Path)
	ctx, span := t.tracer.Start(r.Context(), r.Method+" "+route, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("http.request.method", r.Method),
		attribute.String("http.route", route),
		attribute.String("server.address", r.URL.Hostname()),
	))
	defer span.End()
	r = r.Clone(ctx)
	t.prop.Inject(ctx, propagation.HeaderCarrier(r.Header))
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	t.seconds.WithLabelValues(route).Observe(time.Since(start).Seconds())
	if err != nil {
		t.calls.WithLabelValues(route, "error").Inc()
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		return nil, err
	}
	t.calls.WithLabelValues(route, strconv.Itoa(resp.StatusCode)).Inc()
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if b := resp.Header.Get("X-RateLimit-Bucket"); b != "" {
		span.SetAttributes(attribute.String("discord.ratelimit.bucket", b))
	}
	if rem := resp.Header.Get("X-RateLimit-Remaining"); rem != "" {
		if n, err := strconv.Atoi(rem); err == nil {
			span.SetAttributes(attribute.Int("discord.ratelimit.remaining", n))
		}
	}
	if resp.StatusCode >= 400 {
		span.SetStatus(codes.Error, resp.Status)
	}
	return resp, nil
}

// Route turns a Discord API path into its template: ids become {name_id} after the
// segment that names them, and interaction and webhook tokens become {token}.
func Route(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	start := 0
	for i, p := range parts {
		if len(p) > 1 && p[0] == 'v' && isDigits(p[1:]) {
			start = i + 1
			break
		}
	}
	parts = parts[start:]
	for i := range parts {
		prev := ""
		if i > 0 {
			prev = parts[i-1]
		}
		switch {
		case isDigits(parts[i]):
			parts[i] = "{" + strings.TrimSuffix(singular(prev), "s") + "_id}"
		case i >= 2 && (parts[i-2] == "interactions" || parts[i-2] == "webhooks"):
			parts[i] = "{token}"
		}
	}
	return "/" + strings.Join(parts, "/")
}

func singular(s string) string {
	switch s {
	case "":
		return "resource"
	case "@me", "users":
		return "user"
	}
	return s
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
