package rest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

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
	sim, _ := startSim(t)
	js := startJetStream(t)
	a := startReplica(t, js, sim, "a", nil, nil)
	waitActive(t, a, 5*time.Second)
	b := startReplica(t, js, sim, "b", nil, nil)
	time.Sleep(300 * time.Millisecond) // b sees a's lease

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
