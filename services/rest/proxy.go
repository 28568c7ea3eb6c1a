// Package rest is Novera's REST rate-limit authority: an HTTP proxy in front of Discord's
// REST API that every service's client points at (DISCORD_API_URL). It alone holds the bot
// token, learns Discord's buckets from the answers, queues each bucket's requests in
// order, keeps the whole bot under the global limit, and answers its own fast 429 to a
// request it cannot send before the caller's deadline. Replicas elect one active instance
// through a lease in NATS KV; the others answer 503 as standbys (see lease.go).
package rest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/telemetry"
)

// instanceHeader names the replica that answered, on every answer: operators (and the
// failover test) see which one served.
const instanceHeader = "X-Novera-Proxy-Instance"

// maxBody is Discord's upload ceiling for unboosted guilds plus room for the JSON.
const maxBody = 26 << 20

// Options wires a Proxy.
type Options struct {
	Config Config
	// JetStream holds the lease and the published bucket state.
	JetStream jetstream.JetStream
	Logger    *slog.Logger
	Telemetry *telemetry.Telemetry
	// Metrics receives the proxy's series; nil: none registered.
	Metrics prometheus.Registerer
	// Transport carries requests to Discord; default a clone of http.DefaultTransport.
	Transport http.RoundTripper
}

// Proxy is one replica.
type Proxy struct {
	cfg    Config
	secret []byte
	log    *slog.Logger
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
	client *http.Client
	sched  *scheduler
	lease  *lease
	guard  *guard
	m      *metrics
	life   context.Context
	done   chan struct{}
	// slowAnswer is a decaying maximum of how long Discord took to answer, in nanoseconds:
	// a request must be sent early enough for its answer to reach the caller in time.
	slowAnswer atomic.Int64
}

// New validates the configuration and starts the replica: it competes for the lease and,
// while active, publishes its bucket state. It runs until ctx ends, which is a hard stop
// (requests to Discord in flight are cut, the lease is left to expire, as in a crash);
// Release stops it cleanly.
func New(ctx context.Context, o Options) (*Proxy, error) {
	cfg := o.Config.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if o.JetStream == nil || o.Telemetry == nil {
		return nil, errors.New("rest: JetStream and Telemetry are required")
	}
	if cfg.Instance == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		cfg.Instance = "rest-" + hex.EncodeToString(b[:])
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kv, err := o.JetStream.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: cfg.KVBucket, History: 1,
		Description: "REST proxy: the active replica's lease and its bucket state"})
	if err != nil {
		return nil, fmt.Errorf("rest: KV bucket %s: %w", cfg.KVBucket, err)
	}
	p := &Proxy{cfg: cfg, secret: []byte(cfg.Secret), log: log, prop: o.Telemetry.Propagator,
		tracer: o.Telemetry.Tracer.Tracer("github.com/novera-bot/novera/services/rest"), life: ctx, done: make(chan struct{})}
	p.guard = newGuard(cfg)
	if p.m, err = newMetrics(o.Metrics, func() float64 { return float64(p.guard.count(time.Now())) }); err != nil {
		return nil, err
	}
	next := o.Transport
	if next == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 128
		next = tr
	}
	if next, err = telemetry.HTTPTransport(o.Telemetry, next, o.Metrics); err != nil {
		return nil, err
	}
	// No client timeout: each request carries its own context.
	p.client = &http.Client{Transport: next, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	p.lease = newLease(kv, cfg.Instance, cfg, log)
	p.sched = newScheduler(cfg, p.lease.gate, p.m)
	p.lease.takeOver = func(snap *snapshot, oldStopped time.Time) { p.sched.takeOver(snap, oldStopped, time.Now()) }
	p.lease.onChange = func(active bool) {
		if active {
			p.m.active.Set(1)
		} else {
			p.m.active.Set(0)
		}
	}
	go p.run(ctx)
	return p, nil
}

// Instance is this replica's name in the lease.
func (p *Proxy) Instance() string { return p.cfg.Instance }

// Active reports whether this replica holds the lease (and so sends to Discord).
func (p *Proxy) Active() bool { return p.lease.gate(time.Now()) != gateStandby }

// Done is closed when the replica has stopped.
func (p *Proxy) Done() <-chan struct{} { return p.done }

func (p *Proxy) run(ctx context.Context) {
	defer close(p.done)
	go p.lease.run(ctx)
	tick := time.NewTicker(p.cfg.StatePublish)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-p.sched.learnt:
		}
		now := time.Now()
		if p.lease.gate(now) == gateStandby {
			continue
		}
		p.sched.prune(now, time.Minute)
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		if err := p.lease.publish(pctx, p.sched.snapshot(now)); err != nil && ctx.Err() == nil {
			p.log.Warn("publish REST bucket state", "err", err)
		}
		cancel()
	}
}

// Release stops sending, publishes the final bucket state and hands the lease to the
// standby at once. Call it after the HTTP server has drained.
func (p *Proxy) Release(ctx context.Context) error {
	if p.lease.gate(time.Now()) == gateStandby {
		return nil
	}
	snap := p.sched.snapshot(time.Now())
	if err := p.lease.publish(ctx, snap); err != nil {
		p.log.Warn("publish final REST bucket state", "err", err)
	}
	return p.lease.release(ctx)
}

// ServeHTTP proxies one request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	w.Header().Set(instanceHeader, p.cfg.Instance)
	ctx := p.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	path, ok := apiPath(r.URL.Path)
	if !ok {
		p.own(w, http.StatusNotFound, "not-found", 0, "The REST proxy serves /api/v10 only.")
		return
	}
	t := parseTarget(r.Method, path)
	prio := priority(r.Header.Get(discord.HeaderPriority), t)
	budget := p.cfg.DefaultDeadline
	if ms, err := strconv.ParseInt(r.Header.Get(discord.HeaderDeadline), 10, 64); err == nil && ms > 0 {
		budget = min(time.Duration(ms)*time.Millisecond, p.cfg.MaxDeadline)
	}
	ctx, span := p.tracer.Start(ctx, "proxy "+t.route, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(
		attribute.String("http.request.method", r.Method),
		attribute.String("http.route", t.route),
		attribute.String("novera.proxy.priority", prio),
		attribute.Int64("novera.proxy.deadline_ms", budget.Milliseconds()),
	))
	defer span.End()
	outcome := p.serve(ctx, w, r, path, t, prio, budget, arrived, span)
	label := t.route
	if outcome == "unauthorized" {
		label = "-" // whoever it was may send any path: no series per path
	}
	p.m.requests.WithLabelValues(label, outcome).Inc()
	span.SetAttributes(attribute.String("novera.proxy.outcome", outcome))
}

func (p *Proxy) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, path string, t target, prio string, budget time.Duration, arrived time.Time, span trace.Span) string {
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(discord.HeaderProxySecret)), p.secret) != 1 {
		p.own(w, http.StatusUnauthorized, "unauthorized", 0, "The REST proxy needs its secret.")
		return "unauthorized"
	}
	// One very slow answer (an upload) must not make every short call look hopeless: the
	// answer-time allowance is capped at a second.
	deadline := arrived.Add(budget - p.cfg.SendMargin - min(time.Duration(p.slowAnswer.Load()), time.Second))

	if !t.token && p.lease.gate(arrived) == gateStandby {
		// A standby answers at once, so the client tries the other address; but when the
		// holder has gone quiet the takeover is near, and holding the request is better.
		if !p.lease.stale(arrived) {
			p.own(w, http.StatusServiceUnavailable, discord.ProxyStandby, 0, "This REST proxy replica is a standby.")
			return "standby"
		}
		if !p.lease.waitActive(ctx, deadline) {
			if ctx.Err() != nil {
				return "canceled"
			}
			p.shed(w, span, "deadline", time.Second)
			return "shed_deadline"
		}
	}
	if shed, wait := p.guard.shed(time.Now(), prio); shed {
		p.shed(w, span, "guard", wait)
		return "shed_guard"
	}
	body, err := readBody(w, r)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		p.own(w, http.StatusRequestEntityTooLarge, "too-large", 0, "Request entity too large.")
		return "too_large"
	case err != nil:
		return "canceled" // the caller's body broke off: it left
	}

	tk, retry, err := p.sched.acquire(ctx, t, deadline)
	waited := time.Since(arrived)
	p.m.wait.WithLabelValues(t.route).Observe(waited.Seconds())
	span.SetAttributes(attribute.Float64("novera.proxy.queue_wait_ms", float64(waited.Microseconds())/1000))
	switch {
	case errors.Is(err, errShed):
		p.shed(w, span, "deadline", retry)
		return "shed_deadline"
	case errors.Is(err, errNotActive):
		p.own(w, http.StatusServiceUnavailable, discord.ProxyStandby, 0, "This REST proxy replica is a standby.")
		return "standby"
	case err != nil:
		return "canceled" // the caller left
	}
	span.SetAttributes(attribute.String("discord.ratelimit.bucket", tk.b.key[:strings.IndexByte(tk.b.key, '|')]))

	// Once sent, the request runs to its answer even if the caller leaves: its answer
	// teaches the bucket, and Discord acts on it either way. Only a hard stop cuts it.
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.MaxDeadline)
	defer cancel()
	stop := context.AfterFunc(p.life, cancel)
	defer stop()
	ureq, err := http.NewRequestWithContext(uctx, r.Method, p.cfg.UpstreamURL+path, bytes.NewReader(body))
	if err != nil {
		p.sched.done(tk, nil, time.Now())
		p.own(w, http.StatusBadRequest, "bad-request", 0, "Bad request.")
		return "bad_request"
	}
	ureq.URL.RawQuery = r.URL.RawQuery
	copyHeaders(ureq.Header, r.Header, requestDrop)
	if !t.token {
		// A token route's credential is the token in its path; the bot's is not sent where
		// it is not needed, so such requests never count as the bot's.
		ureq.Header.Set("Authorization", "Bot "+p.cfg.Token)
	}
	sentAt := time.Now()
	resp, err := p.client.Do(ureq)
	recv := time.Now()
	p.sched.done(tk, resp, recv)
	p.noteAnswerTime(recv.Sub(sentAt))
	if err != nil {
		// The request may or may not have reached Discord: never resent by the proxy. The
		// URL of the error would carry interaction and webhook tokens: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		span.RecordError(err)
		span.SetStatus(codes.Error, "upstream")
		p.log.WarnContext(ctx, "REST upstream", "route", t.route, "err", err)
		p.own(w, http.StatusBadGateway, "upstream-error", 0, "Discord did not answer the REST proxy.")
		return "upstream_error"
	}
	defer resp.Body.Close()
	scope := resp.Header.Get("X-RateLimit-Scope")
	p.guard.observe(recv, resp.StatusCode, scope)
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode == http.StatusTooManyRequests {
		if scope == "" {
			scope = "unknown"
		}
		p.m.limited.WithLabelValues(t.route, scope).Inc()
		span.SetAttributes(attribute.String("discord.ratelimit.scope", scope))
	}
	drop := responseDrop
	if resp.StatusCode == http.StatusTooManyRequests {
		drop = response429Drop // Retry-After and the scope tell the caller what Discord said
	}
	copyHeaders(w.Header(), resp.Header, drop)
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
	return "sent"
}

// readBody reads the caller's body whole (it waits in the queue with its request), in one
// allocation when the caller gave its length.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, maxBody)
	if r.ContentLength <= 0 || r.ContentLength > maxBody {
		return io.ReadAll(body)
	}
	buf := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(body, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// noteAnswerTime keeps the decaying maximum of Discord's answer times: a slow answer
// counts at once, and its weight halves about every 50 answers.
func (p *Proxy) noteAnswerTime(d time.Duration) {
	for {
		old := p.slowAnswer.Load()
		next := max(int64(d), old-old/64)
		if p.slowAnswer.CompareAndSwap(old, next) {
			return
		}
	}
}

// priority is the caller's, or the default for its kind of request.
func priority(h string, t target) string {
	switch h {
	case discord.PriorityEssential, discord.PriorityNormal, discord.PriorityLow:
		return h
	}
	if t.callback || t.webhook {
		return discord.PriorityEssential
	}
	return discord.PriorityNormal
}

// shed answers the proxy's own 429: the request never reached Discord.
func (p *Proxy) shed(w http.ResponseWriter, span trace.Span, reason string, retry time.Duration) {
	span.SetAttributes(attribute.String("novera.proxy.shed", reason))
	w.Header().Set("X-Novera-Shed-Reason", reason)
	p.own(w, http.StatusTooManyRequests, discord.ProxyShed, retry, "The REST proxy cannot send this request before its deadline.")
}

// own writes an answer the proxy made itself, marked as such, in Discord's error shape.
func (p *Proxy) own(w http.ResponseWriter, status int, kind string, retry time.Duration, msg string) {
	h := w.Header()
	h.Set(discord.HeaderProxy, kind)
	h.Set("Content-Type", "application/json")
	body := map[string]any{"message": msg, "code": 0}
	if retry > 0 {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.Seconds()))))
		body["retry_after"] = math.Round(retry.Seconds()*1000) / 1000
		body["global"] = false
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

var hopByHop = map[string]bool{"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Content-Length": true}

// requestDrop: the proxy's own headers, the caller's trace context (the client span
// injects ours) and any Authorization (the proxy's token replaces it).
var requestDrop = merge(hopByHop, "Authorization", "Host", discord.HeaderProxySecret, discord.HeaderPriority,
	discord.HeaderDeadline, "Traceparent", "Tracestate", "Baggage")

// responseDrop: Discord's bucket counters would make each client's own limiter (discordgo
// keeps one per process) pace itself on what it alone saw; the proxy is the limiter.
var responseDrop = merge(response429Drop, "Retry-After")

// response429Drop: on Discord's own 429 the counters go too (discordgo would sleep them out
// whatever the caller's deadline), but Retry-After and the scope stay.
var response429Drop = merge(hopByHop, "X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset",
	"X-Ratelimit-Reset-After", "X-Ratelimit-Global")

func merge(base map[string]bool, more ...string) map[string]bool {
	m := make(map[string]bool, len(base)+len(more))
	for k := range base {
		m[k] = true
	}
	for _, k := range more {
		m[http.CanonicalHeaderKey(k)] = true
	}
	return m
}

func copyHeaders(dst, src http.Header, drop map[string]bool) {
	for k, vs := range src {
		if drop[http.CanonicalHeaderKey(k)] {
			continue
		}
		for _, v := range vs {
			dst.Add(k, v)
		}
	}
}
