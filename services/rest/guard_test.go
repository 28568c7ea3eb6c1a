package rest

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/telemetry"
)

// TestGuardShedsLowThenNormalThenEssential drives the invalid-request count up with
// 429s Discord really answers (injected in the simulator) and checks the guard's order:
// past a quarter of the (test-sized) ceiling low-priority calls are shed, past half normal
// ones too, past 90% even interaction callbacks. Shed calls never reach Discord, and the
// proxy's spans carry the bucket, the queue wait, the 429 scope and the caller's trace.
func TestGuardShedsLowThenNormalThenEssential(t *testing.T) {
	sim, demo := startSim(t)
	js := startJetStream(t)
	exp := tracetest.NewInMemoryExporter()
	r := startReplica(t, js, sim, "a", exp, func(c *Config) {
		c.InvalidCeiling, c.ShedLow, c.ShedNormal, c.ShedAll = 20, 0.25, 0.5, 0.9 // 5, 10, 18
	})
	waitActive(t, r, 5*time.Second)
	clientTel, err := telemetry.Setup(context.Background(), telemetry.Options{Service: "worker", Exporter: tracetest.NewInMemoryExporter()})
	if err != nil {
		t.Fatal(err)
	}
	traced, err := telemetry.HTTPTransport(clientTel, recordingTransport{next: http.DefaultTransport}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := discord.New(discord.Config{APIURL: r.url, ProxySecret: testSecret, Transport: traced})
	if err != nil {
		t.Fatal(err)
	}
	app := sim.Application().ID.String()
	if err := c.OverwriteCommands(t.Context(), app, demo.GuildID.String(), []*discordgo.ApplicationCommand{{Name: "ping", Description: "ping"}}); err != nil {
		t.Fatal(err)
	}
	channels := []string{}
	for _, id := range demo.Channels {
		channels = append(channels, id.String())
	}
	next := 0
	// call reads a channel of the demo guild with priority p.
	call := func(p string) *outcome {
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		defer cancel()
		if p != "" {
			ctx = discord.WithPriority(ctx, p)
		}
		ctx, o := withOutcome(ctx)
		ctx, span := clientTel.Tracer.Tracer("test").Start(ctx, "worker call")
		defer span.End()
		_, _ = c.Session().Channel(channels[next%len(channels)], discordgo.WithContext(ctx))
		next++
		return o
	}
	// invalid makes n calls Discord answers 429 (scope user), each on a channel id of its
	// own, so that no bucket the proxy holds after a 429 delays the next.
	invalid := func(n int, p string) {
		t.Helper()
		if _, err := sim.AddRESTFault(discordsim.RESTFault{Method: http.MethodGet, Route: "/channels/{channel_id}",
			Status: http.StatusTooManyRequests, Scope: "user", RetryAfter: 10 * time.Millisecond, Count: n}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			if p != "" {
				ctx = discord.WithPriority(ctx, p)
			}
			ctx, o := withOutcome(ctx)
			_, _ = c.Session().Channel(strconv.Itoa(1000+next), discordgo.WithContext(ctx))
			cancel()
			next++
			if o.status != http.StatusTooManyRequests || o.proxy != "" {
				t.Fatalf("want Discord's own 429, got status %d proxy %q", o.status, o.proxy)
			}
		}
	}
	expect := func(p, want string) {
		t.Helper()
		o := call(p)
		got := "ok"
		if o.status == http.StatusTooManyRequests && o.proxy == discord.ProxyShed {
			got = "shed"
		} else if o.status != http.StatusOK {
			got = "status " + http.StatusText(o.status)
		}
		if got != want {
			t.Errorf("priority %q with %d invalid requests: %s, want %s", p, r.p.guard.count(time.Now()), got, want)
		}
	}
	respond := func(want string) {
		t.Helper()
		x, err := sim.Slash(t.Context(), discordsim.SlashRequest{Text: "/ping"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, o := withOutcome(t.Context())
		err = c.Respond(ctx, x.InteractionID.String(), x.InteractionToken, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "pong"}})
		got := "ok"
		if err != nil {
			got = "shed"
			if o.proxy != discord.ProxyShed {
				got = err.Error()
			}
		}
		if got != want {
			t.Errorf("interaction callback with %d invalid requests: %s, want %s", r.p.guard.count(time.Now()), got, want)
		}
	}

	expect(discord.PriorityLow, "ok")
	invalid(5, "")
	expect(discord.PriorityLow, "shed")
	expect("", "ok") // unmarked: normal
	invalid(5, discord.PriorityEssential)
	expect(discord.PriorityLow, "shed")
	expect(discord.PriorityNormal, "shed")
	expect(discord.PriorityEssential, "ok")
	respond("ok") // callbacks are essential by default
	invalid(8, discord.PriorityEssential)
	expect(discord.PriorityEssential, "shed")
	respond("shed")

	if n := sim.InvalidRequests(); n != 18 {
		t.Errorf("the simulator counted %d invalid requests, want the 18 injected (shed calls must not reach it)", n)
	}
	if g := counter(t, r.reg, "novera_rest_proxy_invalid_requests", nil); g != 18 {
		t.Errorf("invalid-request gauge %v, want 18", g)
	}
	if n := counter(t, r.reg, "novera_rest_proxy_upstream_429_total", map[string]string{"scope": "user"}); n != 18 {
		t.Errorf("upstream 429s by scope user: %v, want 18", n)
	}
	if n := counter(t, r.reg, "novera_rest_proxy_requests_total", map[string]string{"outcome": "shed_guard"}); n != 5 {
		t.Errorf("guard sheds counted: %v, want 5", n)
	}

	// Spans: one server span per request, in the caller's trace, with bucket, wait and scope.
	var scoped, shed, sent int
	for _, s := range exp.GetSpans() {
		if !strings.HasPrefix(s.Name, "proxy ") {
			continue
		}
		attrs := map[string]string{}
		for _, kv := range s.Attributes {
			attrs[string(kv.Key)] = kv.Value.Emit()
			if strings.Contains(kv.Value.Emit(), sim.Token()) || strings.Contains(kv.Value.Emit(), testSecret) {
				t.Errorf("span %s attribute %s carries a secret", s.Name, kv.Key)
			}
		}
		if strings.HasPrefix(s.Name, "proxy GET /channels") && !s.Parent.IsValid() {
			t.Errorf("span %s has no parent: the caller's trace context was not taken up", s.Name)
		}
		switch attrs["novera.proxy.outcome"] {
		case "sent":
			sent++
			if attrs["discord.ratelimit.bucket"] == "" || attrs["novera.proxy.queue_wait_ms"] == "" {
				t.Errorf("sent span %s lacks bucket or queue wait: %v", s.Name, attrs)
			}
		case "shed_guard":
			shed++
		}
		if attrs["discord.ratelimit.scope"] == "user" {
			scoped++
		}
	}
	if scoped != 18 || shed != 5 || sent < 20 {
		t.Errorf("spans: %d with a user-scope 429, %d shed by the guard, %d sent; want 18, 5, at least 20", scoped, shed, sent)
	}
}

// TestGuardWindow checks the running count against Discord's ten minutes: answers age
// out of it second by second, a late answer still counts, and a shed says how long until
// enough have aged out.
func TestGuardWindow(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	type obs struct{ sec, n int }
	tests := []struct {
		name     string
		observed []obs
		now      int
		limit    int
		count    int
		wait     time.Duration // zero: not over the limit
	}{
		{name: "nothing", now: 0, limit: 1, count: 0},
		{name: "within the window", observed: []obs{{0, 3}, {100, 2}}, now: 599, limit: 10, count: 5},
		{name: "the oldest second ages out", observed: []obs{{0, 3}, {100, 2}}, now: 600, limit: 10, count: 2},
		{name: "all aged out after a long quiet", observed: []obs{{0, 3}, {100, 2}}, now: 5000, limit: 10, count: 0},
		{name: "over: wait until the oldest leave", observed: []obs{{0, 3}, {100, 2}, {200, 1}}, now: 300, limit: 4, count: 6, wait: 300 * time.Second},
		{name: "over: wait for two seconds to leave", observed: []obs{{0, 3}, {100, 2}, {200, 1}}, now: 300, limit: 2, count: 6, wait: 400 * time.Second},
		{name: "a late answer counts", observed: []obs{{50, 1}, {10, 1}}, now: 60, limit: 10, count: 2},
		{name: "a very late answer counts as the oldest second", observed: []obs{{700, 1}, {10, 1}}, now: 700, limit: 2, count: 2, wait: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGuard(Config{InvalidCeiling: 100})
			for _, o := range tc.observed {
				for range o.n {
					g.observe(at(o.sec), http.StatusTooManyRequests, "user")
				}
			}
			// Neither counts: Discord leaves shared-scope 429s out, and a success is no error.
			g.observe(at(tc.now), http.StatusTooManyRequests, "shared")
			g.observe(at(tc.now), http.StatusOK, "")
			if got := g.count(at(tc.now)); got != tc.count {
				t.Errorf("count %d, want %d", got, tc.count)
			}
			g.mu.Lock()
			over, wait := g.overLocked(at(tc.now), tc.limit)
			g.mu.Unlock()
			if over != (tc.wait > 0) || wait != tc.wait {
				t.Errorf("over %v wait %v, want over %v wait %v", over, wait, tc.wait > 0, tc.wait)
			}
		})
	}
}
