package rest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		method, path     string
		route, major     string
		callback, webhok bool
	}{
		{"POST", "/channels/1/messages", "POST /channels/{channel_id}/messages", "channel=1", false, false},
		{"PUT", "/guilds/2/members/3/roles/4", "PUT /guilds/{guild_id}/members/{member_id}/roles/{role_id}", "guild=2", false, false},
		{"POST", "/interactions/5/tok/callback", "POST /interactions/{interaction_id}/{token}/callback", "interaction=5/" + tokenHash("tok"), true, false},
		{"POST", "/webhooks/6/tok", "POST /webhooks/{webhook_id}/{token}", "webhook=6/" + tokenHash("tok"), false, true},
		{"GET", "/users/@me", "GET /users/@me", "", false, false},
	}
	for _, tt := range tests {
		got := parseTarget(tt.method, tt.path)
		if got.route != tt.route || got.major != tt.major || got.callback != tt.callback || got.webhook != tt.webhok {
			t.Errorf("%s %s: %+v", tt.method, tt.path, got)
		}
		if strings.Contains(got.major, "tok") {
			t.Errorf("%s: a token in the bucket key: %s", tt.path, got.major)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	good := Config{Token: "bot-token", Secret: testSecret}.withDefaults()
	if err := good.Validate(); err != nil {
		t.Fatalf("defaults rejected: %v", err)
	}
	bad := good
	bad.Secret = "short"
	bad.ShedLow, bad.ShedNormal = 0.9, 0.5
	bad.LeaseTTL = good.LeaseFence + 500*time.Millisecond // cannot cover the global window
	err := bad.Validate()
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"secret", "shed fractions", "global window"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "bot-token") {
		t.Error("the token appears in a configuration error")
	}
	_, err = FromEnv(config.FromMap(map[string]string{"DISCORD_TOKEN": "x", "REST_SHED_LOW": "2", "REST_LEASE_TTL": "soon"}), "h")
	for _, want := range []string{"REST_SHED_LOW", "REST_LEASE_TTL", "DISCORD_PROXY_SECRET"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("FromEnv error lacks %s: %v", want, err)
		}
	}
}

// TestStandbySecretAndRelease: a wrong secret never reaches Discord; the standby answers
// 503 at once while the active replica is healthy; a clean Release hands over at once.
func TestStandbySecretAndRelease(t *testing.T) {
	sim, a, b := activeAndStandby(t)

	get := func(base, secret string) (*http.Response, time.Duration) {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/users/@me", nil)
		req.Header.Set(discord.HeaderProxySecret, secret)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp, time.Since(start)
	}
	before := len(sim.Requests(discordsim.RequestFilter{}))
	if resp, _ := get(a.url, "wrong-secret-wrong-secret"); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get(discord.HeaderProxy) != "unauthorized" {
		t.Errorf("wrong secret: %d %q", resp.StatusCode, resp.Header.Get(discord.HeaderProxy))
	}
	if n := len(sim.Requests(discordsim.RequestFilter{})); n != before {
		t.Errorf("a request with a wrong secret reached Discord")
	}
	if n := counter(t, a.reg, "novera_rest_proxy_requests_total", map[string]string{"route": "-", "outcome": "unauthorized"}); n != 1 {
		t.Errorf("unauthorized requests counted %v under route \"-\", want 1", n)
	}
	resp, took := get(b.url, testSecret)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get(discord.HeaderProxy) != discord.ProxyStandby || took > 200*time.Millisecond {
		t.Errorf("standby answered %d %q after %s; want an immediate 503 standby", resp.StatusCode, resp.Header.Get(discord.HeaderProxy), took)
	}
	if resp, _ := get(a.url, testSecret); resp.StatusCode != http.StatusOK || resp.Header.Get("X-RateLimit-Remaining") != "" {
		t.Errorf("active answered %d with remaining %q; want 200 without Discord's counters", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
	}

	start := time.Now()
	if err := a.p.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitActive(t, b, 2*time.Second)
	took = time.Since(start)
	if took > 500*time.Millisecond {
		t.Errorf("clean hand-over took %s; want about one lease poll", took)
	}
	if a.p.Active() {
		t.Error("a still active after Release")
	}
	if resp, _ := get(b.url, testSecret); resp.StatusCode != http.StatusOK {
		t.Errorf("b after the hand-over: %d", resp.StatusCode)
	}
	t.Logf("clean hand-over in %s", took.Round(time.Millisecond))
}

// TestInteractionAnswersNeedNoLease: an interaction's callback and the edits of its answer
// are outside the bot's global limit and have a bucket of their own, so a replica sends
// them whether or not it holds the lease (a standby here; an active that cannot reach NATS
// alike), and they never wait for the global limit: 150 answers, each a deferral and an
// edit, all go through a standby with no 429, and none counts against the global 50/s.
func TestInteractionAnswersNeedNoLease(t *testing.T) {
	sim, _, b := activeAndStandby(t)
	direct, err := discord.New(discord.Config{Token: sim.Token(), APIURL: sim.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	app := sim.Application().ID.String()
	if err := direct.OverwriteCommands(t.Context(), app, "", []*discordgo.ApplicationCommand{{Name: "ping", Description: "ping"}}); err != nil {
		t.Fatal(err)
	}
	const n = 150
	xs := make([]*discordsim.Exchange, n)
	for i := range xs {
		if xs[i], err = sim.Slash(t.Context(), discordsim.SlashRequest{Text: "/ping"}); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, b.url)
	before := len(sim.Requests(discordsim.RequestFilter{}))
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, x := range xs {
		wg.Go(func() {
			id, tok := x.InteractionID.String(), x.InteractionToken
			deferral := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
			if err := c.Respond(t.Context(), id, tok, deferral); err != nil {
				errs <- fmt.Errorf("deferral: %w", err)
				return
			}
			if err := c.Answer(t.Context(), app, id, tok, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "pong"}}); err != nil {
				errs <- fmt.Errorf("edit: %w", err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, x := range xs {
		if r := x.Replies(); len(r) == 0 || r[len(r)-1].Message.Content != "pong" {
			t.Errorf("interaction %d: answers %+v; want the edit to pong", i, r)
			break
		}
	}
	// Answer tries the callback first; Discord refuses it (already acknowledged) and the
	// answer becomes an edit: three requests each.
	if got := len(sim.Requests(discordsim.RequestFilter{})) - before; got != 3*n {
		t.Errorf("Discord saw %d requests; want %d (a deferral, a refused callback and an edit each)", got, 3*n)
	}
	if limited := len(sim.Requests(discordsim.RequestFilter{Status: http.StatusTooManyRequests})); limited > 0 {
		t.Errorf("Discord answered %d requests with 429", limited)
	}
	b.p.sched.mu.Lock()
	global := b.p.sched.globalInflight + len(b.p.sched.answered)
	b.p.sched.mu.Unlock()
	if global != 0 {
		t.Errorf("%d interaction requests counted against the global limit", global)
	}
}
