package discordsim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

type tooManyBody struct {
	Message    string  `json:"message"`
	RetryAfter float64 `json:"retry_after"`
	Global     bool    `json:"global"`
}

// TestRateLimitBuckets checks per-route buckets: the full header set, major parameters
// (channel, guild) separating buckets of one route, shared buckets, and the 429.
func TestRateLimitBuckets(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{RateLimit: RateLimitOptions{
		Limit: 2, Window: time.Minute, GlobalLimit: -1,
		Routes: map[string]RouteLimit{
			"GET /guilds/{guild_id}/roles":    {Limit: 3, Window: time.Minute, Bucket: "guild-reads"},
			"GET /guilds/{guild_id}/channels": {Limit: 3, Window: time.Minute, Bucket: "guild-reads"},
		},
	}})
	general := "/channels/" + demo.Channels["general"].String()
	other := "/channels/" + demo.Channels["values"].String()
	guild := "/guilds/" + demo.GuildID.String()
	type call struct {
		path      string
		status    int
		limit     string
		remaining string
	}
	tests := []struct {
		name  string
		calls []call
		// sameBucket lists call indexes whose X-RateLimit-Bucket must be equal.
		sameBucket []int
	}{
		{"one channel exhausts its bucket", []call{
			{general, 200, "2", "1"}, {general, 200, "2", "0"}, {general, 429, "2", "0"},
		}, []int{0, 1, 2}},
		{"another channel has its own bucket", []call{
			{other, 200, "2", "1"}, {other, 200, "2", "0"},
		}, []int{0, 1}},
		{"routes sharing a bucket count together", []call{
			{guild + "/roles", 200, "3", "2"}, {guild + "/channels", 200, "3", "1"}, {guild + "/roles", 200, "3", "0"},
			{guild + "/channels", 429, "3", "0"},
		}, []int{0, 1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buckets []string
			for i, c := range tc.calls {
				var raw json.RawMessage
				st, h := api(t, srv, "GET", c.path, nil, &raw)
				var body tooManyBody
				if st == http.StatusTooManyRequests {
					_ = json.Unmarshal(raw, &body)
				}
				if st != c.status || h.Get("X-RateLimit-Limit") != c.limit || h.Get("X-RateLimit-Remaining") != c.remaining {
					t.Fatalf("call %d %s: %d limit %s remaining %s", i, c.path, st, h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"))
				}
				for _, name := range []string{"X-RateLimit-Reset", "X-RateLimit-Reset-After", "X-RateLimit-Bucket"} {
					if h.Get(name) == "" {
						t.Fatalf("call %d: no %s", i, name)
					}
				}
				reset, err := strconv.ParseFloat(h.Get("X-RateLimit-Reset"), 64)
				if err != nil || reset < float64(time.Now().Unix()) {
					t.Fatalf("call %d: X-RateLimit-Reset %q", i, h.Get("X-RateLimit-Reset"))
				}
				if st == http.StatusTooManyRequests {
					if h.Get("X-RateLimit-Scope") != "user" || h.Get("Retry-After") == "" || h.Get("X-RateLimit-Global") != "" ||
						body.Global || body.RetryAfter <= 0 || body.Message == "" {
						t.Fatalf("429 shape: %+v %v", body, h)
					}
				}
				buckets = append(buckets, h.Get("X-RateLimit-Bucket"))
			}
			for _, i := range tc.sameBucket[1:] {
				if buckets[i] != buckets[tc.sameBucket[0]] {
					t.Fatalf("buckets %v", buckets)
				}
			}
		})
	}
}

// TestRateLimitGlobal checks the per-bot global limit: 429 with global scope, and interaction
// callbacks are exempt.
func TestRateLimitGlobal(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{RateLimit: RateLimitOptions{GlobalLimit: 3}})
	paths := []string{"/users/@me", "/guilds/" + demo.GuildID.String(), "/channels/" + demo.Channels["general"].String()}
	// Retry until three calls land in one global window (a window boundary may split them).
	deadline := time.Now().Add(3 * time.Second)
	for {
		for _, p := range paths {
			api(t, srv, "GET", p, nil, nil)
		}
		var body tooManyBody
		st, h := api(t, srv, "GET", "/users/@me", nil, &body)
		if st == http.StatusTooManyRequests {
			if h.Get("X-RateLimit-Global") != "true" || h.Get("X-RateLimit-Scope") != "global" ||
				!body.Global || body.RetryAfter <= 0 || body.RetryAfter > 1 || h.Get("Retry-After") != "1" {
				t.Fatalf("global 429: %+v %v", body, h)
			}
			// Interaction callbacks do not count and are not refused: an unknown interaction
			// is a 404, not a 429.
			expectAPIError(t, srv, "POST", "/interactions/1/nope/callback", map[string]any{"type": 4, "data": map[string]any{"content": "x"}}, 404, 10062)
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("global limit never reached")
		}
	}
}

// TestRateLimitModes checks enforcement is the default and can be turned off.
func TestRateLimitModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mode RateLimitMode
		want int
	}{
		{"enforced by default", RateLimitEnforce, http.StatusTooManyRequests},
		{"headers only", RateLimitHeadersOnly, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newTestServer(t, Options{RateLimit: RateLimitOptions{Limit: 1, Window: time.Minute, Mode: tc.mode}})
			api(t, srv, "GET", "/users/@me", nil, nil)
			if st, h := api(t, srv, "GET", "/users/@me", nil, nil); st != tc.want || h.Get("X-RateLimit-Remaining") != "0" {
				t.Fatalf("status %d remaining %q", st, h.Get("X-RateLimit-Remaining"))
			}
		})
	}
}

// TestInvalidRequestCounter checks which answers count towards Discord's invalid-request ban,
// from Go and from the control API.
func TestInvalidRequestCounter(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{RateLimit: RateLimitOptions{Limit: 1, Window: time.Minute, GlobalLimit: -1}})
	guild := "/guilds/" + demo.GuildID.String()
	tests := []struct {
		name  string
		do    func()
		delta int
	}{
		{"200 does not count", func() { api(t, srv, "GET", "/users/@me", nil, nil) }, 0},
		{"404 does not count", func() { api(t, srv, "GET", "/nothing", nil, nil) }, 0},
		{"401 counts", func() { apiAuth(t, srv, "Bot wrong", "GET", guild, nil, nil) }, 1},
		{"429 user scope counts", func() { api(t, srv, "GET", "/users/@me", nil, nil) }, 1},
		{"403 counts", func() {
			// A member timeout on an administrator is refused with 403.
			until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			api(t, srv, "PATCH", guild+"/members/"+demo.Members["staff"].String(), map[string]any{"communication_disabled_until": until}, nil)
		}, 1},
		{"429 shared scope does not count", func() {
			if _, err := srv.AddRESTFault(RESTFault{Route: "/gateway/bot", Status: 429, Scope: "shared", Count: 1}); err != nil {
				t.Fatal(err)
			}
			if st, h := api(t, srv, "GET", "/gateway/bot", nil, nil); st != 429 || h.Get("X-RateLimit-Scope") != "shared" {
				t.Fatalf("shared fault: %d %v", st, h)
			}
		}, 0},
	}
	for _, tc := range tests {
		before := srv.InvalidRequests()
		tc.do()
		if got := srv.InvalidRequests() - before; got != tc.delta {
			t.Fatalf("%s: counter moved by %d, want %d", tc.name, got, tc.delta)
		}
	}
	st, raw := simControl(t, srv, "GET", "/_sim/rate-limits", "")
	var out struct {
		InvalidRequests int  `json:"invalid_requests"`
		Enforced        bool `json:"enforced"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || st != 200 || out.InvalidRequests != srv.InvalidRequests() || !out.Enforced {
		t.Fatalf("control: %d %s", st, raw)
	}
}

// TestInvalidRequestBan checks the edge ban: after InvalidRequestLimit invalid requests in 10
// minutes every request gets Cloudflare's plain-text 429, which does not count again.
func TestInvalidRequestBan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mode   RateLimitMode
		banned bool
	}{
		{"enforced", RateLimitEnforce, true},
		{"headers only never bans", RateLimitHeadersOnly, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newTestServer(t, Options{RateLimit: RateLimitOptions{InvalidRequestLimit: 3, Mode: tc.mode}})
			for range 3 {
				apiAuth(t, srv, "Bot wrong", "GET", "/users/@me", nil, nil)
			}
			st, h := api(t, srv, "GET", "/users/@me", nil, nil)
			if got := st == http.StatusTooManyRequests; got != tc.banned {
				t.Fatalf("status %d", st)
			}
			if tc.banned {
				recs := srv.Requests(RequestFilter{Status: 429})
				if len(recs) != 1 || string(recs[0].Response) != "error code: 1015" || h.Get("Retry-After") == "" ||
					h.Get("Content-Type") != "text/plain; charset=utf-8" {
					t.Fatalf("ban answer %v %v", recs, h)
				}
			}
			if n := srv.InvalidRequests(); n != 3 {
				t.Fatalf("invalid requests %d", n)
			}
		})
	}
}

// TestDiscordRouteLimitsNameRealRoutes guards the preset against typos: every key is a route
// the simulator serves, and applying it limits messages to 5 per 5 s per channel.
func TestDiscordRouteLimitsNameRealRoutes(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{RateLimit: RateLimitOptions{Routes: DiscordRouteLimits()}})
	known := map[string]bool{}
	for _, rt := range srv.routes {
		known[rt.method+" "+rt.pattern] = true
	}
	for key, l := range DiscordRouteLimits() {
		if !known[key] || l.Limit <= 0 || l.Window <= 0 {
			t.Errorf("%s: %+v", key, l)
		}
	}
	path := "/channels/" + demo.Channels["general"].String() + "/messages"
	for i := range 6 {
		st, h := api(t, srv, "POST", path, map[string]any{"content": "x"}, nil)
		if want := map[bool]int{true: 200, false: 429}[i < 5]; st != want || h.Get("X-RateLimit-Limit") != "5" {
			t.Fatalf("message %d: %d limit %s", i, st, h.Get("X-RateLimit-Limit"))
		}
	}
}
