package rest

import (
	"context"
	"fmt"
	"io"
	"net"
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

// TestBodies: a body over Discord's upload ceiling gets the proxy's 413, and a body that
// breaks off before its declared length is never forwarded; a whole one is, byte for byte.
func TestBodies(t *testing.T) {
	sim, demo := startSim(t)
	r := startReplica(t, startJetStream(t), sim, "a", nil, nil)
	waitActive(t, r, 5*time.Second)
	channel := demo.Channels["general"].String()
	route := "/channels/{channel_id}/messages"
	host := strings.TrimPrefix(strings.TrimSuffix(r.url, "/api/v10"), "http://")

	post := func(body io.Reader, length int64) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, r.url+"/channels/"+channel+"/messages", body)
		req.ContentLength = length
		req.Header.Set(discord.HeaderProxySecret, testSecret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	whole := `{"content":"whole body","nonce":"b1"}`
	if resp := post(strings.NewReader(whole), int64(len(whole))); resp.StatusCode != http.StatusOK {
		t.Fatalf("whole body: status %d", resp.StatusCode)
	}
	big := strings.Repeat("x", maxBody+1)
	if resp := post(strings.NewReader(big), int64(len(big))); resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get(discord.HeaderProxy) != "too-large" {
		t.Errorf("oversize body: status %d, proxy %q; want 413 from the proxy", resp.StatusCode, resp.Header.Get(discord.HeaderProxy))
	}

	// A caller that declares 100 bytes, sends 10 and hangs up.
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/v10/channels/%s/messages HTTP/1.1\r\nHost: %s\r\n%s: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"content\"",
		channel, host, discord.HeaderProxySecret, testSecret)
	conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for counter(t, r.reg, "novera_rest_proxy_requests_total", map[string]string{"outcome": "canceled"}) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the broken-off request was never counted as canceled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	got := sim.Requests(discordsim.RequestFilter{Method: http.MethodPost, Route: route})
	if len(got) != 1 || string(got[0].Body) != whole {
		t.Errorf("the simulator got %d messages, want only the whole one", len(got))
	}
}
