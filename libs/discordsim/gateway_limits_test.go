package discordsim

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// identifyFrame builds an identify payload with the simulator's token.
func identifyFrame(srv *Server, intents Intents, extra map[string]any) map[string]any {
	d := map[string]any{"token": srv.Token(), "intents": intents,
		"properties": map[string]string{"os": "linux", "browser": "test", "device": "test"}}
	for k, v := range extra {
		d[k] = v
	}
	return map[string]any{"op": opIdentify, "d": d}
}

// Every identify-time check Discord makes, one row each: what the simulator is configured
// with, what the client sends, and the close code (or READY) that must follow.
func TestGatewayIdentifyChecks(t *testing.T) {
	t.Parallel()
	even, odd := Snowflake(10<<22), Snowflake(11<<22) // shards 0 and 1 of 2
	tests := []struct {
		name    string
		opts    GatewayOptions
		intents Intents
		extra   map[string]any
		want    websocket.StatusCode // 0: READY
	}{
		{"privileged intents allowed by default", GatewayOptions{}, PrivilegedIntents | IntentGuilds, nil, 0},
		{"message content disabled", GatewayOptions{DisabledPrivilegedIntents: IntentMessageContent},
			IntentGuilds | IntentMessageContent, nil, CloseDisallowedIntents},
		{"guild members disabled", GatewayOptions{DisabledPrivilegedIntents: IntentGuildMembers},
			IntentGuildMembers, nil, CloseDisallowedIntents},
		{"presences disabled", GatewayOptions{DisabledPrivilegedIntents: IntentGuildPresences},
			IntentGuildPresences, nil, CloseDisallowedIntents},
		{"disabled intent not asked for", GatewayOptions{DisabledPrivilegedIntents: PrivilegedIntents},
			IntentGuilds | IntentGuildMessages, nil, 0},
		{"undefined intent bit 17", GatewayOptions{}, IntentGuilds | 1<<17, nil, CloseInvalidIntents},
		{"intent bit 30", GatewayOptions{}, 1 << 30, nil, CloseInvalidIntents},
		{"negative intents", GatewayOptions{}, 0, map[string]any{"intents": -1}, CloseInvalidIntents},
		{"shard id equals count", GatewayOptions{}, IntentGuilds, map[string]any{"shard": []int{1, 1}}, CloseInvalidShard},
		{"shard count zero", GatewayOptions{}, IntentGuilds, map[string]any{"shard": []int{0, 0}}, CloseInvalidShard},
		{"negative shard id", GatewayOptions{}, IntentGuilds, map[string]any{"shard": []int{-1, 2}}, CloseInvalidShard},
		{"too many guilds for one shard", GatewayOptions{MaxGuildsPerShard: 1}, IntentGuilds, nil, CloseShardingRequired},
		{"enough shards", GatewayOptions{MaxGuildsPerShard: 1}, IntentGuilds, map[string]any{"shard": []int{1, 2}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := New(Options{HeartbeatInterval: 30 * time.Second, Gateway: tc.opts})
			if err := srv.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			for _, id := range []Snowflake{even, odd} {
				if _, err := srv.AddGuild(Guild{ID: id}); err != nil {
					t.Fatal(err)
				}
			}
			g := dialGW(t, srv, "")
			g.send(identifyFrame(srv, tc.intents, tc.extra))
			if tc.want == 0 {
				g.expect("READY")
				return
			}
			g.expectClose(tc.want)
			if n := srv.GatewayStats().Closes[int(tc.want)]; n != 1 {
				t.Errorf("GatewayStats counts %d closes with %d", n, tc.want)
			}
			if len(srv.State().Sessions()) != 0 {
				t.Error("a refused identify must not leave a session")
			}
		})
	}
}

// The send limit is per connection and per window: over it, 4008.
func TestGatewaySendLimit(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{Gateway: GatewayOptions{SendLimit: 5, SendWindow: 300 * time.Millisecond}})
	g := dialGW(t, srv, "")
	beat := map[string]any{"op": opHeartbeat, "d": nil}
	for range 5 {
		g.send(beat)
		if f := g.read(); f.Op != opHeartbeatACK {
			t.Fatalf("op %d, want ACK", f.Op)
		}
	}
	time.Sleep(350 * time.Millisecond) // a new window
	for range 5 {
		g.send(beat)
		g.read()
	}
	g.send(beat)
	g.expectClose(CloseRateLimited)
}

// max_concurrency buckets: one identify per bucket per interval, op 9 (false) when too soon,
// while another bucket is free.
func TestGatewayIdentifyRate(t *testing.T) {
	t.Parallel()
	const interval = 400 * time.Millisecond
	srv, _ := newTestServer(t, Options{Gateway: GatewayOptions{EnforceIdentifyRate: true,
		MaxConcurrency: 2, IdentifyInterval: interval}})
	shard := func(id int) map[string]any { return map[string]any{"shard": []int{id, 4}} }

	a := dialGW(t, srv, "")
	a.send(identifyFrame(srv, IntentGuilds, shard(0)))
	a.expect("READY")
	b := dialGW(t, srv, "")
	b.send(identifyFrame(srv, IntentGuilds, shard(1))) // bucket 1: free
	b.expect("READY")

	c := dialGW(t, srv, "")
	c.send(identifyFrame(srv, IntentGuilds, shard(2))) // bucket 0 again, too soon
	if f := c.next(); f.Op != opInvalidSession || string(f.D) != "false" {
		t.Fatalf("got op %d %s, want op 9 false", f.Op, f.D)
	}
	// Bucket 0 was last used before c's refused identify (refusals do not count).
	time.Sleep(interval + 50*time.Millisecond)
	c.send(identifyFrame(srv, IntentGuilds, shard(2))) // same connection, later: accepted
	c.expect("READY")
	if st := srv.GatewayStats(); st.Identifies != 3 || st.InvalidSessions != 1 {
		t.Fatalf("stats %+v", st)
	}
	var gb GatewayBotInfo
	api(t, srv, "GET", "/gateway/bot", nil, &gb)
	if gb.SessionStartLimit.MaxConcurrency != 2 {
		t.Fatalf("max_concurrency %d", gb.SessionStartLimit.MaxConcurrency)
	}
}

// session_start_limit: remaining goes down with each identify (not with resumes); with none
// left an identify gets op 9.
func TestGatewaySessionStartLimit(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{Gateway: GatewayOptions{SessionStartLimit: 2, SessionStartReset: time.Hour}})
	remaining := func() SessionStartLimit {
		t.Helper()
		var gb GatewayBotInfo
		if st, _ := api(t, srv, "GET", "/gateway/bot", nil, &gb); st != http.StatusOK {
			t.Fatalf("GET /gateway/bot: %d", st)
		}
		if gb.URL != srv.GatewayURL() || gb.Shards != 1 {
			t.Fatalf("gateway/bot %+v", gb)
		}
		return gb.SessionStartLimit
	}
	if l := remaining(); l.Total != 2 || l.Remaining != 2 || l.MaxConcurrency != 1 ||
		l.ResetAfter <= 0 || l.ResetAfter > time.Hour.Milliseconds() {
		t.Fatalf("fresh limit %+v", l)
	}
	g, sid := connectBot(t, srv, IntentGuilds)
	if l := remaining(); l.Remaining != 1 {
		t.Fatalf("after one identify %+v", l)
	}
	// A resume is not a session start.
	_ = g.c.Close(4000, "resume")
	if err := srv.WaitFor(testCtx(t), func(s *State) bool { ss := s.Sessions(); return len(ss) == 1 && !ss[0].Connected }); err != nil {
		t.Fatal(err)
	}
	r := dialGW(t, srv, "")
	r.send(map[string]any{"op": opResume, "d": map[string]any{"token": srv.Token(), "session_id": sid, "seq": 2}})
	r.expect("RESUMED")
	if l := remaining(); l.Remaining != 1 {
		t.Fatalf("after a resume %+v", l)
	}
	connectBot(t, srv, IntentGuilds)
	if l := remaining(); l.Remaining != 0 {
		t.Fatalf("after two identifies %+v", l)
	}
	x := dialGW(t, srv, "")
	x.send(identifyFrame(srv, IntentGuilds, nil))
	if f := x.next(); f.Op != opInvalidSession || string(f.D) != "false" {
		t.Fatalf("got op %d %s, want op 9 false", f.Op, f.D)
	}
}

// GET /gateway/bot recommends one shard per 1000 guilds.
func TestGatewayBotRecommendsShards(t *testing.T) {
	t.Parallel()
	srv := New(Options{})
	for i := range 1001 {
		srv.w.guildOrder = append(srv.w.guildOrder, Snowflake(i+1)) // counting is all that matters
	}
	if got := srv.GatewayBot().Shards; got != 2 {
		t.Fatalf("shards = %d for 1001 guilds, want 2", got)
	}
}

// identify "compress": true makes every later payload a binary frame holding a whole zlib
// stream; what came before stays plain text.
func TestGatewayPerPayloadZlib(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{})
	g := dialGW(t, srv, "") // HELLO arrived as text (dialGW decodes it)
	g.send(identifyFrame(srv, IntentGuilds, map[string]any{"compress": true}))
	for _, want := range []string{"READY", "GUILD_CREATE"} {
		typ, data, err := g.c.Read(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if typ != websocket.MessageBinary {
			t.Fatalf("%s arrived as %v, want binary", want, typ)
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s is not a zlib stream: %v", want, err)
		}
		plain, err := io.ReadAll(zr) // a complete stream: reading to EOF succeeds
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		var f gwFrame
		if err := json.Unmarshal(plain, &f); err != nil || f.name() != want {
			t.Fatalf("got %q (%v), want %s", truncate(plain), err, want)
		}
	}
}

// Close reasons are Discord's texts, for every code the simulator sends.
func TestGatewayCloseReasons(t *testing.T) {
	t.Parallel()
	for code := CloseUnknownError; code <= CloseDisallowedIntents; code++ {
		if code == 4006 {
			continue // not used by Discord any more
		}
		if r := closeReason(code); r == "" || !strings.HasSuffix(r, ".") {
			t.Errorf("close %d: reason %q", code, r)
		}
	}
}
