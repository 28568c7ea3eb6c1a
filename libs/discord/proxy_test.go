package discord

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/config"
)

// api is a tiny stand-in for one proxy replica: it answers /users/@me and message posts
// through handle, and counts what reached it.
type api struct {
	srv  *httptest.Server
	hits atomic.Int32
	last atomic.Pointer[http.Header]
}

func newAPI(t *testing.T, handle func(w http.ResponseWriter, r *http.Request) bool) *api {
	a := &api{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.hits.Add(1)
		h := r.Header.Clone()
		a.last.Store(&h)
		if handle != nil && handle(w, r) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			_, _ = w.Write([]byte(`{"id":"2","channel_id":"1","content":"hi"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":"1","username":"Novera","bot":true}`))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *api) url() string { return a.srv.URL + "/api/v10" }

// deadAddr is an address nothing listens on: connecting fails before anything is sent.
func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/api/v10"
}

func standby(w http.ResponseWriter, _ *http.Request) bool {
	w.Header().Set(HeaderProxy, ProxyStandby)
	w.WriteHeader(http.StatusServiceUnavailable)
	return true
}

func TestProxySecretReplacesToken(t *testing.T) {
	a := newAPI(t, nil)
	c, err := New(Config{APIURL: a.url(), ProxySecret: "s3cret-s3cret-s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(WithPriority(t.Context(), PriorityLow), 2*time.Second)
	defer cancel()
	if _, err := c.Me(ctx); err != nil {
		t.Fatal(err)
	}
	h := *a.last.Load()
	if h.Get("Authorization") != "" || h.Get(HeaderProxySecret) != "s3cret-s3cret-s3cret" {
		t.Errorf("authorization %q, secret %q: the token must stay out and the secret go in", h.Get("Authorization"), h.Get(HeaderProxySecret))
	}
	if h.Get(HeaderPriority) != PriorityLow {
		t.Errorf("priority %q", h.Get(HeaderPriority))
	}
	if ms, err := strconv.Atoi(h.Get(HeaderDeadline)); err != nil || ms <= 0 || ms > 2000 {
		t.Errorf("deadline header %q, want the milliseconds left of 2 s", h.Get(HeaderDeadline))
	}
	// Without a secret the token is required, as before.
	if _, err := New(Config{APIURL: a.url()}); err == nil {
		t.Error("no token and no secret accepted")
	}
}

func TestFailoverToTheActiveReplica(t *testing.T) {
	dead := deadAddr(t)
	stand := newAPI(t, standby)
	active := newAPI(t, nil)
	c, err := New(Config{APIURL: dead, FallbackURLs: []string{stand.url(), active.url()}, ProxySecret: "s3cret-s3cret-s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	for i := 0; i < 3; i++ {
		if _, err := c.Me(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// The refused address and the standby were tried once; then the active one first.
	if stand.hits.Load() != 1 || active.hits.Load() != 3 {
		t.Errorf("standby hit %d times, active %d; want 1 and 3", stand.hits.Load(), active.hits.Load())
	}
	// A POST is failed over too when the connection was refused: nothing was sent.
	if _, err := c.SendMessage(ctx, "1", &MessageCreate{MessageSend: discordgo.MessageSend{Content: "hi"}}); err != nil {
		t.Fatal(err)
	}
}

func TestFailoverWaitsForATakeover(t *testing.T) {
	// Both replicas stand by for a moment (the active one died, the other has not taken
	// over yet): the client tries again within its deadline.
	var active atomic.Bool
	b := newAPI(t, func(w http.ResponseWriter, r *http.Request) bool {
		if !active.Load() {
			return standby(w, r)
		}
		return false
	})
	c, err := New(Config{APIURL: deadAddr(t), FallbackURLs: []string{b.url()}, ProxySecret: "s3cret-s3cret-s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(300*time.Millisecond, func() { active.Store(true) })
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if _, err := c.Me(ctx); err != nil {
		t.Fatalf("no answer after the takeover: %v", err)
	}
	// With a deadline shorter than the takeover, the standby's 503 comes back in time.
	active.Store(false)
	short, cancel2 := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel2()
	start := time.Now()
	if _, err := c.Me(short); err == nil {
		t.Fatal("a standby's answer became a success")
	}
	if took := time.Since(start); took > 300*time.Millisecond {
		t.Errorf("gave up after %s, past the 200 ms deadline", took)
	}
}

func TestNoFailoverOfAPostThatMayHaveBeenSent(t *testing.T) {
	// The first replica reads the request and drops the connection: the message may or
	// may not have been posted, so it must not be sent again elsewhere.
	cut := newAPI(t, func(w http.ResponseWriter, _ *http.Request) bool {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	})
	other := newAPI(t, nil)
	c, err := New(Config{APIURL: cut.url(), FallbackURLs: []string{other.url()}, ProxySecret: "s3cret-s3cret-s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if _, err := c.SendMessage(ctx, "1", &MessageCreate{MessageSend: discordgo.MessageSend{Content: "hi"}}); err == nil {
		t.Fatal("a cut POST reported success")
	}
	if n := other.hits.Load(); n != 0 {
		t.Errorf("the POST was resent to the other replica (%d times)", n)
	}
	// A GET is idempotent: it moves on.
	if _, err := c.Me(ctx); err != nil {
		t.Fatalf("GET did not fail over: %v", err)
	}
	if n := other.hits.Load(); n != 1 {
		t.Errorf("other replica hit %d times, want 1", n)
	}
}

func TestProxyShedIsNotRetried(t *testing.T) {
	// The proxy answers 429 itself only when the call cannot be sent before its deadline:
	// waiting out its Retry-After and trying again would only miss the deadline.
	a := newAPI(t, func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set(HeaderProxy, ProxyShed)
		w.Header().Set("Retry-After", "3")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"message":"shed","retry_after":2.5,"global":false}`))
		return true
	})
	c, err := New(Config{APIURL: a.url(), ProxySecret: "s3cret-s3cret-s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := c.Me(ctx); err == nil {
		t.Fatal("a shed call succeeded")
	}
	if n := a.hits.Load(); n != 1 {
		t.Errorf("the proxy's 429 was retried: %d calls", n)
	}
}

func TestProxyFromEnv(t *testing.T) {
	var cfg Config
	cfg.ProxyFromEnv(config.FromMap(map[string]string{"DISCORD_PROXY_SECRET": "s3cret-s3cret-s3cret",
		"DISCORD_API_FALLBACK_URLS": " http://rest-1:8081/api/v10 , http://rest-2:8081/api/v10,"}))
	if cfg.ProxySecret != "s3cret-s3cret-s3cret" || len(cfg.FallbackURLs) != 2 || cfg.FallbackURLs[1] != "http://rest-2:8081/api/v10" {
		t.Errorf("%+v", cfg)
	}
	cfg.APIURL = "http://rest-0:8081/api/v10"
	if _, err := New(cfg); err != nil {
		t.Errorf("no token needed with a proxy secret: %v", err)
	}
	cfg.ProxyFromEnv(config.FromMap(map[string]string{"DISCORD_PROXY_SECRET": "s3cret-s3cret-s3cret", "DISCORD_API_FALLBACK_URLS": "rest-1:8081"}))
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "rest-1:8081") {
		t.Errorf("a bad fallback URL accepted: %v", err)
	}
}
