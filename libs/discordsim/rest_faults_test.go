package discordsim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// simControl calls the control API and returns the status and raw body.
func simControl(t *testing.T, srv *Server, method, path, body string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestRESTFaults(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{RateLimit: RateLimitOptions{Mode: RateLimitHeadersOnly}})
	general := "/channels/" + demo.Channels["general"].String()
	msg := map[string]any{"content": "hello"}
	tests := []struct {
		name  string
		fault RESTFault
		// calls are made in order; want holds each status.
		method, path string
		want         []int
		check        func(t *testing.T, h http.Header, body []byte)
	}{
		{"429 for the next two requests", RESTFault{Method: "POST", Route: "/channels/{channel_id}/messages", Status: 429, Count: 2, RetryAfter: 1500 * time.Millisecond},
			"POST", general + "/messages", []int{429, 429, 200}, func(t *testing.T, h http.Header, body []byte) {
				var b tooManyBody
				_ = json.Unmarshal(body, &b)
				if h.Get("Retry-After") != "2" || h.Get("X-RateLimit-Scope") != "user" || b.RetryAfter != 1.5 || b.Global ||
					h.Get("X-RateLimit-Bucket") == "" || h.Get("X-RateLimit-Remaining") != "0" {
					t.Fatalf("429: %v %s", h, body)
				}
			}},
		{"global-scope 429", RESTFault{Route: "/users/@me", Status: 429, Scope: "global", Count: 1},
			"GET", "/users/@me", []int{429, 200}, func(t *testing.T, h http.Header, body []byte) {
				if h.Get("X-RateLimit-Global") != "true" || h.Get("X-RateLimit-Scope") != "global" || !strings.Contains(string(body), `"global":true`) {
					t.Fatalf("global 429: %v %s", h, body)
				}
			}},
		{"503 for any method of a route", RESTFault{Route: "/guilds/{guild_id}", Status: 503, Count: 1},
			"GET", "/guilds/" + demo.GuildID.String(), []int{503, 200}, func(t *testing.T, h http.Header, body []byte) {
				if !strings.Contains(string(body), "503") {
					t.Fatalf("503 body %s", body)
				}
			}},
		{"500 for a duration", RESTFault{Route: "/gateway/bot", Status: 500, For: 300 * time.Millisecond},
			"GET", "/gateway/bot", []int{500, 500}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := srv.AddRESTFault(tc.fault); err != nil {
				t.Fatal(err)
			}
			for i, want := range tc.want {
				var body json.RawMessage
				var b any
				if tc.method == "POST" {
					b = msg
				}
				st, h := api(t, srv, tc.method, tc.path, b, &body)
				if st != want {
					t.Fatalf("call %d: status %d, want %d", i, st, want)
				}
				if i == 0 && tc.check != nil {
					tc.check(t, h, body)
				}
			}
		})
	}
	// The duration fault ends by itself.
	time.Sleep(350 * time.Millisecond)
	if st, _ := api(t, srv, "GET", "/gateway/bot", nil, nil); st != 200 {
		t.Fatalf("after the duration: %d", st)
	}
	// A faulty answer is not a real one: no message was posted by the refused calls.
	if n := len(srv.State().Messages(demo.Channels["general"])); n != 1 {
		t.Fatalf("%d messages posted", n)
	}
}

func TestRESTFaultDelay(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{})
	id, err := srv.AddRESTFault(RESTFault{Method: "GET", Route: "/users/@me", Delay: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if st, _ := api(t, srv, "GET", "/users/@me", nil, nil); st != 200 || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("status %d after %v", st, time.Since(start))
	}
	if len(srv.RESTFaults()) != 1 || !srv.RemoveRESTFault(id) || srv.RemoveRESTFault(id) {
		t.Fatal("fault bookkeeping")
	}
	start = time.Now()
	api(t, srv, "GET", "/users/@me", nil, nil)
	if time.Since(start) > 150*time.Millisecond {
		t.Fatal("delay outlived its fault")
	}
}

func TestRESTFaultsControlAPI(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{})
	bad := []struct{ name, body, reason string }{
		{"not JSON", `{`, "invalid JSON"},
		{"unknown field", `{"stauts":429}`, "unknown field"},
		{"no effect", `{"route":"/users/@me"}`, "status"},
		{"bad status", `{"status":404}`, "404"},
		{"unknown route", `{"route":"/nope","status":500}`, "no route"},
		{"route with wrong method", `{"method":"DELETE","route":"/users/@me","status":500}`, "no route"},
		{"bad method", `{"method":"BREW","status":500}`, "method"},
		{"bad scope", `{"status":429,"scope":"planet"}`, "scope"},
		{"negative count", `{"status":500,"count":-1}`, "negative"},
		{"huge delay", `{"delay_ms":600000}`, "minute"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			st, body := simControl(t, srv, "POST", "/_sim/rest-faults", tc.body)
			if st != http.StatusBadRequest || !strings.Contains(string(body), tc.reason) {
				t.Fatalf("%d %s", st, body)
			}
		})
	}
	st, body := simControl(t, srv, "POST", "/_sim/rest-faults", `{"method":"get","route":"/users/@me","status":502,"count":1}`)
	if st != 200 || !strings.Contains(string(body), `"id"`) {
		t.Fatalf("add: %d %s", st, body)
	}
	st, body = simControl(t, srv, "GET", "/_sim/rest-faults", "")
	if st != 200 || !strings.Contains(string(body), `"status":502`) || !strings.Contains(string(body), `"invalid_requests":0`) {
		t.Fatalf("list: %d %s", st, body)
	}
	if st, _ := api(t, srv, "GET", "/users/@me", nil, nil); st != 502 {
		t.Fatalf("fault not applied: %d", st)
	}
	simControl(t, srv, "POST", "/_sim/rest-faults", `{"status":500}`)
	if st, body := simControl(t, srv, "DELETE", "/_sim/rest-faults?id=x", ""); st != 400 {
		t.Fatalf("delete bad id: %d %s", st, body)
	}
	if st, _ := simControl(t, srv, "DELETE", "/_sim/rest-faults?id=999", ""); st != 404 {
		t.Fatalf("delete unknown id: %d", st)
	}
	if st, _ := simControl(t, srv, "DELETE", "/_sim/rest-faults", ""); st != 200 || len(srv.RESTFaults()) != 0 {
		t.Fatal("clear")
	}
	if st, _ := simControl(t, srv, "PUT", "/_sim/rest-faults", ""); st != 405 {
		t.Fatalf("PUT: %d", st)
	}
}
