package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestIdentifyAndReady(t *testing.T) {
	g := newFakeGateway(t)
	rec := newRecorder()
	cfg := testConfig(g)
	cfg.ShardID, cfg.ShardCount = 1, 4
	cfg.Presence = &Presence{Status: "online", Activities: []Activity{{Name: "commands | !help", Type: ActivityListening}}}
	cfg.Properties = Properties{OS: "linux", Browser: "novera-test", Device: "novera-test"}
	var limited atomic.Int32
	cfg.IdentifyLimiter = limiterFunc(func(ctx context.Context, shardID int) error {
		if shardID != 1 {
			t.Errorf("limiter got shard %d, want 1", shardID)
		}
		limited.Add(1)
		return nil
	})
	var (
		statesMu sync.Mutex
		states   []State
	)
	cfg.OnStateChange = func(st Status) {
		statesMu.Lock()
		defer statesMu.Unlock()
		states = append(states, st.State)
	}
	rs := startShard(t, cfg, rec.handle)

	sc := g.accept(t)
	if sc.path != "/gateway" || sc.query.Get("v") != "10" || sc.query.Get("encoding") != "json" || sc.query.Has("compress") {
		t.Errorf("connected to %s?%s, want /gateway?v=10&encoding=json", sc.path, sc.query.Encode())
	}
	sc.hello(t, time.Minute)
	raw := sc.expect(t, OpIdentify).D

	var id struct {
		Token      string          `json:"token"`
		Intents    int             `json:"intents"`
		Properties map[string]any  `json:"properties"`
		Shard      []int           `json:"shard"`
		Presence   json.RawMessage `json:"presence"`
	}
	if err := json.Unmarshal(raw, &id); err != nil {
		t.Fatal(err)
	}
	if id.Token != testToken {
		t.Errorf("identify token is not the bare token (the Bot prefix must be stripped)")
	}
	if id.Intents != cfg.Intents {
		t.Errorf("intents = %d, want %d", id.Intents, cfg.Intents)
	}
	if fmt.Sprint(id.Shard) != "[1 4]" {
		t.Errorf("shard = %v, want [1 4]", id.Shard)
	}
	if id.Properties["os"] != "linux" || id.Properties["browser"] != "novera-test" || id.Properties["device"] != "novera-test" {
		t.Errorf("properties = %v", id.Properties)
	}
	wantPresence := `{"since":null,"activities":[{"name":"commands | !help","type":2}],"status":"online","afk":false}`
	if string(id.Presence) != wantPresence {
		t.Errorf("presence = %s, want %s", id.Presence, wantPresence)
	}
	if limited.Load() != 1 {
		t.Errorf("identify limiter called %d times, want 1", limited.Load())
	}

	sc.ready(t, g, "sess-1")
	d := rec.next(t, EventReady)
	if d.Seq != 1 || d.SessionID != "sess-1" || d.ShardID != 1 || !json.Valid(d.Data) || d.ReceivedAt.IsZero() {
		t.Errorf("READY dispatch = %+v", d)
	}
	st := rs.waitState(t, StateReady)
	if st.SessionID != "sess-1" || st.ShardID != 1 {
		t.Errorf("status = %+v", st)
	}
	sc.dispatch(t, 2, "MESSAGE_CREATE", `{"content":"hi"}`)
	if d := rec.next(t, "MESSAGE_CREATE"); string(d.Data) != `{"content":"hi"}` || d.Seq != 2 {
		t.Errorf("dispatch = %+v (%s)", d, d.Data)
	}
	waitFor(t, func() bool { return rs.Session().Seq == 2 })
	if got, want := rs.Session(), (SessionState{SessionID: "sess-1", Seq: 2, ResumeURL: g.ResumeURL()}); got != want {
		t.Errorf("Session() = %+v, want %+v", got, want)
	}
	if s := rs.Stats(); s.Identifies != 1 || s.Dispatches != 2 || s.Connects != 1 {
		t.Errorf("stats = %+v", s)
	}
	statesMu.Lock()
	got := fmt.Sprint(states)
	statesMu.Unlock()
	if !strings.HasPrefix(got, "[connecting identifying identifying ready") {
		t.Errorf("state changes = %s", got)
	}
}

type limiterFunc func(ctx context.Context, shardID int) error

func (f limiterFunc) Wait(ctx context.Context, shardID int) error { return f(ctx, shardID) }

func TestHeartbeat(t *testing.T) {
	g := newFakeGateway(t)
	rec := newRecorder()
	rs := startShard(t, testConfig(g), rec.handle)

	sc := g.accept(t)
	const interval = 100 * time.Millisecond
	sc.hello(t, interval)
	sc.expect(t, OpIdentify)
	// Before any dispatch the heartbeat carries null.
	if b := sc.expectBeat(t); string(b.D) != "null" {
		t.Errorf("first heartbeat d = %s, want null", b.D)
	}
	sc.ready(t, g, "s")
	sc.dispatch(t, 2, "GUILD_CREATE", `{}`)
	rec.next(t, "GUILD_CREATE")
	// Heartbeats now carry the last sequence, one interval apart.
	var prev time.Time
	for i := 0; i < 3; {
		b := sc.expectBeat(t)
		if string(b.D) != "2" {
			continue // one sent before the dispatch arrived
		}
		if !prev.IsZero() {
			if gap := b.at.Sub(prev); gap < interval*8/10 || gap > interval*3 {
				t.Errorf("heartbeat gap %v, want about %v", gap, interval)
			}
		}
		prev = b.at
		i++
	}
	st := rs.Status()
	if st.LastHeartbeatAck.IsZero() || st.Latency <= 0 {
		t.Errorf("status after ACKs = %+v, want LastHeartbeatAck and Latency", st)
	}
}

func TestServerRequestsHeartbeat(t *testing.T) {
	g := newFakeGateway(t)
	startShard(t, testConfig(g), newRecorder().handle)
	sc := g.accept(t)
	sc.identify(t, g, "s")
	sc.dispatch(t, 2, "X", `{}`)
	// Drain scheduled beats (the first may fall anywhere in the minute).
	time.Sleep(20 * time.Millisecond)
	for len(sc.beats) > 0 {
		<-sc.beats
	}
	sent := time.Now()
	sc.mustSend(t, `{"op":1,"d":null}`)
	b := sc.expectBeat(t)
	if time.Since(sent) > time.Second {
		t.Errorf("heartbeat came %v after op 1, want immediately", time.Since(sent))
	}
	if string(b.D) != "2" {
		t.Errorf("requested heartbeat d = %s, want 2", b.D)
	}
}

func TestZombieConnectionResumes(t *testing.T) {
	g := newFakeGateway(t)
	rec := newRecorder()
	rs := startShard(t, testConfig(g), rec.handle)

	sc := g.accept(t)
	const interval = 150 * time.Millisecond
	sc.autoAck.Store(false)
	sc.hello(t, interval)
	sc.expect(t, OpIdentify)
	sc.ready(t, g, "zombie-sess")
	sc.dispatch(t, 2, "MESSAGE_CREATE", `{}`)
	sc.dispatch(t, 3, "MESSAGE_CREATE", `{}`)
	rec.next(t, "MESSAGE_CREATE")
	rec.next(t, "MESSAGE_CREATE")

	first := sc.expectBeat(t) // never ACKed
	if code := sc.clientClose(t); code == websocket.StatusNormalClosure || code == websocket.StatusGoingAway {
		t.Errorf("zombie close code %d invalidates the session", code)
	}
	sc2 := g.accept(t)
	if sc2.path != "/resume" {
		t.Errorf("reconnected to %s, want the resume_gateway_url", sc2.path)
	}
	sc2.hello(t, time.Minute)
	r := sc2.expectResume(t)
	if elapsed := time.Since(first.at); elapsed > 2*interval+100*time.Millisecond {
		t.Errorf("resume sent %v after the unacknowledged heartbeat, want within two intervals", elapsed)
	}
	if r.SessionID != "zombie-sess" || r.Seq != 3 || r.Token != testToken {
		t.Errorf("resume = {session %q seq %d token ok=%v}, want zombie-sess/3", r.SessionID, r.Seq, r.Token == testToken)
	}
	sc2.dispatch(t, 4, EventResumed, `{}`)
	rs.waitState(t, StateReady)
	if s := rs.Stats(); s.ZombieConnections != 1 || s.Resumes != 1 {
		t.Errorf("stats = %+v", s)
	}
}

func TestReconnectOpcodeResumes(t *testing.T) {
	g := newFakeGateway(t)
	rec := newRecorder()
	rs := startShard(t, testConfig(g), rec.handle)
	sc := g.accept(t)
	sc.identify(t, g, "sess-7")
	sc.dispatch(t, 2, "MESSAGE_CREATE", `{}`)
	rec.next(t, "MESSAGE_CREATE")

	sc.mustSend(t, `{"op":7,"d":null}`)
	if code := sc.clientClose(t); code == websocket.StatusNormalClosure || code == websocket.StatusGoingAway {
		t.Errorf("close code %d after op 7 invalidates the session", code)
	}
	sc2 := g.accept(t)
	if sc2.path != "/resume" {
		t.Errorf("reconnected to %s, want /resume", sc2.path)
	}
	sc2.hello(t, time.Minute)
	if r := sc2.expectResume(t); r.SessionID != "sess-7" || r.Seq != 2 {
		t.Errorf("resume = %+v, want sess-7 seq 2", r)
	}
	// Discord replays what was missed, then RESUMED.
	sc2.dispatch(t, 3, "MESSAGE_CREATE", `{"replayed":true}`)
	sc2.dispatch(t, 4, EventResumed, `{}`)
	if d := rec.next(t, "MESSAGE_CREATE"); d.Seq != 3 {
		t.Errorf("replayed dispatch seq %d, want 3", d.Seq)
	}
	rec.next(t, EventResumed)
	st := rs.waitState(t, StateReady)
	if st.Reason != "RESUMED" {
		t.Errorf("ready reason %q, want RESUMED", st.Reason)
	}
	waitFor(t, func() bool { return rs.Session().Seq == 4 })
}

func TestInvalidSession(t *testing.T) {
	tests := []struct {
		name        string
		d           string
		wantOp      int
		wantMinWait time.Duration
	}{
		{name: "resumable", d: "true", wantOp: OpResume},
		{name: "not resumable", d: "false", wantOp: OpIdentify, wantMinWait: 30 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFakeGateway(t)
			rs := startShard(t, testConfig(g), newRecorder().handle)
			sc := g.accept(t)
			sc.identify(t, g, "sess-9")
			rs.waitState(t, StateReady)

			sent := time.Now()
			sc.mustSend(t, `{"op":9,"d":`+tt.d+`}`)
			sc2 := g.accept(t)
			sc2.hello(t, time.Minute)
			f := sc2.expect(t, tt.wantOp)
			if elapsed := time.Since(sent); elapsed < tt.wantMinWait {
				t.Errorf("op %d sent %v after op 9, want at least %v", tt.wantOp, elapsed, tt.wantMinWait)
			}
			if tt.wantOp == OpResume {
				var r resumeData
				_ = json.Unmarshal(f.D, &r)
				if r.SessionID != "sess-9" || sc2.path != "/resume" {
					t.Errorf("resume %+v on %s, want sess-9 on /resume", r, sc2.path)
				}
			} else {
				if sc2.path != "/gateway" {
					t.Errorf("identify on %s, want the main gateway URL", sc2.path)
				}
				if s := rs.Session(); s.SessionID != "" {
					t.Errorf("session %+v kept after op 9 false", s)
				}
			}
		})
	}
}

func TestFatalCloseCodes(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{4004, "authentication failed (4004): the bot token is invalid"},
		{4010, "invalid shard (4010)"},
		{4011, "sharding required (4011)"},
		{4012, "invalid API version (4012)"},
		{4013, "invalid intents (4013)"},
		{4014, "disallowed intents (4014)"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			t.Parallel()
			g := newFakeGateway(t)
			rs := startShard(t, testConfig(g), newRecorder().handle)
			sc := g.accept(t)
			sc.hello(t, time.Minute)
			sc.expect(t, OpIdentify)
			sc.close(tt.code, "nope")

			err := rs.wait(t)
			var fe *FatalError
			if !errors.As(err, &fe) {
				t.Fatalf("Run returned %v, want *FatalError", err)
			}
			if fe.Code != tt.code || !strings.Contains(fe.Error(), tt.want) || fe.ServerReason != "nope" {
				t.Errorf("FatalError = %+v (%q), want code %d and %q", fe, fe.Error(), tt.code, tt.want)
			}
			if strings.Contains(fe.Error(), testToken) {
				t.Error("the error contains the token")
			}
			st := rs.Status()
			if st.State != StateFailed || !strings.Contains(st.Reason, tt.want) {
				t.Errorf("status %s %q, want failed with %q", st.State, st.Reason, tt.want)
			}
			g.noConnection(t, 100*time.Millisecond) // 10x the max back-off
			if n := g.count.Load(); n != 1 {
				t.Errorf("%d connections, want 1", n)
			}
			if err := rs.Send(context.Background(), OpPresenceUpdate, Presence{}); !errors.Is(err, ErrClosed) {
				t.Errorf("Send after failure: %v, want ErrClosed", err)
			}
		})
	}
}

func TestResumableCloseCodes(t *testing.T) {
	tests := []struct {
		name   string
		close  func(sc *serverConn)
		wantOp int
	}{
		{"4000", closeWith(4000), OpResume},
		{"4001", closeWith(4001), OpResume},
		{"4002", closeWith(4002), OpResume},
		{"4003", closeWith(4003), OpResume},
		{"4005", closeWith(4005), OpResume},
		{"4008", closeWith(4008), OpResume},
		{"1000 from server", closeWith(1000), OpResume},
		{"1011", closeWith(1011), OpResume},
		{"network drop", func(sc *serverConn) { sc.ws.CloseNow() }, OpResume},
		{"4007", closeWith(4007), OpIdentify},
		{"4009", closeWith(4009), OpIdentify},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newFakeGateway(t)
			rec := newRecorder()
			rs := startShard(t, testConfig(g), rec.handle)
			sc := g.accept(t)
			sc.identify(t, g, "sess-c")
			sc.dispatch(t, 2, "MESSAGE_CREATE", `{}`)
			rec.next(t, "MESSAGE_CREATE")
			tt.close(sc)

			sc2 := g.accept(t)
			sc2.hello(t, time.Minute)
			f := sc2.expect(t, tt.wantOp)
			if tt.wantOp == OpResume {
				var r resumeData
				_ = json.Unmarshal(f.D, &r)
				if r.SessionID != "sess-c" || r.Seq != 2 || sc2.path != "/resume" {
					t.Errorf("resume %+v on %s, want sess-c seq 2 on /resume", r, sc2.path)
				}
				sc2.dispatch(t, 3, EventResumed, `{}`)
			} else {
				if sc2.path != "/gateway" {
					t.Errorf("identify on %s, want /gateway", sc2.path)
				}
				sc2.ready(t, g, "sess-new")
			}
			rs.waitState(t, StateReady)
			if s := rs.Stats(); s.Reconnects != 1 {
				t.Errorf("reconnects = %d, want 1", s.Reconnects)
			}
		})
	}
}

func closeWith(code int) func(*serverConn) {
	return func(sc *serverConn) { sc.close(code, "test") }
}

func TestMalformedFramesAreDropped(t *testing.T) {
	g := newFakeGateway(t)
	rec := newRecorder()
	rs := startShard(t, testConfig(g), rec.handle)
	sc := g.accept(t)
	sc.identify(t, g, "s")
	for _, bad := range []string{`{"op":0,"d":`, `not json`, `{"op":99,"d":{}}`, `{"d":{}}`, `[]`} {
		sc.mustSend(t, bad)
	}
	sc.dispatch(t, 2, "MESSAGE_CREATE", `{"ok":true}`)
	if d := rec.next(t, "MESSAGE_CREATE"); string(d.Data) != `{"ok":true}` {
		t.Errorf("dispatch after malformed frames = %s", d.Data)
	}
	if s := rs.Stats(); s.MalformedFrames != 5 {
		t.Errorf("MalformedFrames = %d, want 5", s.MalformedFrames)
	}
	if n := g.count.Load(); n != 1 {
		t.Errorf("%d connections, want the first kept", n)
	}
	if !strings.Contains(rs.logs.String(), "level=WARN") {
		t.Error("malformed frames were not logged at warn")
	}
}

func TestHandlerErrorsAdvanceSeqInOrder(t *testing.T) {
	g := newFakeGateway(t)
	rec := newRecorder()
	rec.err = func(d Dispatch) error {
		if d.Seq%2 == 0 {
			return errTest
		}
		return nil
	}
	rs := startShard(t, testConfig(g), rec.handle)
	sc := g.accept(t)
	sc.identify(t, g, "s")
	rec.next(t, EventReady)
	for seq := int64(2); seq <= 50; seq++ {
		sc.dispatch(t, seq, "MESSAGE_CREATE", fmt.Sprintf(`{"n":%d}`, seq))
	}
	for seq := int64(2); seq <= 50; seq++ {
		if d := rec.next(t, "MESSAGE_CREATE"); d.Seq != seq {
			t.Fatalf("handler got seq %d, want %d (out of order)", d.Seq, seq)
		}
	}
	waitFor(t, func() bool { return rs.Session().Seq == 50 })
	if s := rs.Stats(); s.HandlerErrors != 25 {
		t.Errorf("HandlerErrors = %d, want 25", s.HandlerErrors)
	}
}

func TestCancelClosesResumable(t *testing.T) {
	g := newFakeGateway(t)
	rs := startShard(t, testConfig(g), newRecorder().handle)
	sc := g.accept(t)
	sc.identify(t, g, "keep-me")
	sc.dispatch(t, 2, "MESSAGE_CREATE", `{}`)
	waitFor(t, func() bool { return rs.Session().Seq == 2 })

	rs.cancel()
	if err := rs.wait(t); err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	if code := sc.clientClose(t); code != 4000 {
		t.Errorf("close code on shutdown = %d, want 4000 (resumable)", code)
	}
	if st := rs.Status(); st.State != StateStopped {
		t.Errorf("state = %s, want stopped", st.State)
	}
	if s := rs.Session(); s.SessionID != "keep-me" || s.Seq != 2 {
		t.Errorf("session after shutdown = %+v, want it kept for resume", s)
	}
	g.noConnection(t, 50*time.Millisecond)
}

func TestCancelDuringHandlerKeepsSeq(t *testing.T) {
	g := newFakeGateway(t)
	started := make(chan struct{})
	h := func(ctx context.Context, d Dispatch) error {
		if d.Type != "SLOW" {
			return nil
		}
		close(started)
		<-ctx.Done()
		return ctx.Err() // not handed off
	}
	rs := startShard(t, testConfig(g), h)
	sc := g.accept(t)
	sc.identify(t, g, "s")
	sc.dispatch(t, 2, "SLOW", `{}`)
	<-started
	rs.cancel()
	if err := rs.wait(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if seq := rs.Session().Seq; seq != 1 {
		t.Errorf("seq = %d after an interrupted handler, want 1 so the event is replayed", seq)
	}
}

func TestResumeFromSavedSession(t *testing.T) {
	g := newFakeGateway(t)
	rec := newRecorder()
	cfg := testConfig(g)
	cfg.Resume = &SessionState{SessionID: "saved", Seq: 41, ResumeURL: g.ResumeURL()}
	rs := startShard(t, cfg, rec.handle)

	sc := g.accept(t)
	if sc.path != "/resume" {
		t.Errorf("first connection to %s, want the saved resume URL", sc.path)
	}
	sc.hello(t, 50*time.Millisecond)
	if r := sc.expectResume(t); r.SessionID != "saved" || r.Seq != 41 || r.Token != testToken {
		t.Errorf("resume = {%q %d}, want saved/41", r.SessionID, r.Seq)
	}
	// Heartbeats carry the saved seq until something new arrives.
	if b := sc.expectBeat(t); string(b.D) != "41" {
		t.Errorf("heartbeat d = %s, want 41", b.D)
	}
	sc.dispatch(t, 42, "MESSAGE_CREATE", `{}`)
	sc.dispatch(t, 43, EventResumed, `{}`)
	rec.next(t, "MESSAGE_CREATE")
	rec.next(t, EventResumed)
	rs.waitState(t, StateReady)
	waitFor(t, func() bool {
		return rs.Session() == SessionState{SessionID: "saved", Seq: 43, ResumeURL: g.ResumeURL()}
	})
	if s := rs.Stats(); s.Identifies != 0 || s.Resumes != 1 {
		t.Errorf("stats = %+v, want a resume and no identify", s)
	}
}

func TestSavedSessionRejectedIdentifies(t *testing.T) {
	g := newFakeGateway(t)
	cfg := testConfig(g)
	cfg.Resume = &SessionState{SessionID: "stale", Seq: 9} // no resume URL: use URL
	rs := startShard(t, cfg, newRecorder().handle)
	sc := g.accept(t)
	if sc.path != "/gateway" {
		t.Errorf("resume without ResumeURL went to %s, want /gateway", sc.path)
	}
	sc.hello(t, time.Minute)
	sc.expectResume(t)
	sc.mustSend(t, `{"op":9,"d":false}`)
	sc2 := g.accept(t)
	sc2.identify(t, g, "fresh")
	rs.waitState(t, StateReady)
	if s := rs.Session(); s.SessionID != "fresh" {
		t.Errorf("session = %+v, want fresh", s)
	}
}

func TestZlibStreamConnection(t *testing.T) {
	g := newFakeGateway(t)
	rec := newRecorder()
	cfg := testConfig(g)
	cfg.Compress = CompressZlibStream
	rs := startShard(t, cfg, rec.handle)

	sc := g.accept(t)
	if sc.query.Get("compress") != "zlib-stream" {
		t.Fatalf("query %q, want compress=zlib-stream", sc.query.Encode())
	}
	// Not too short: compressing 240 KB under the race detector holds up
	// the test server's ACKs.
	sc.hello(t, time.Second)
	sc.expect(t, OpIdentify)
	sc.ready(t, g, "z")
	big := `{"content":"` + strings.Repeat("lorem ipsum ", 20000) + `"}`
	sc.dispatch(t, 2, "MESSAGE_CREATE", `{"content":"small"}`)
	sc.dispatch(t, 3, "GUILD_CREATE", big)
	sc.dispatch(t, 4, "MESSAGE_CREATE", `{"content":"after"}`)
	sc.mustSend(t, `{"op":0,"d":`) // malformed, compressed: dropped, stream intact
	sc.dispatch(t, 5, "MESSAGE_CREATE", `{"content":"last"}`)

	rec.next(t, EventReady)
	if d := rec.next(t, "MESSAGE_CREATE"); string(d.Data) != `{"content":"small"}` {
		t.Errorf("got %s", d.Data)
	}
	if d := rec.next(t, "GUILD_CREATE"); string(d.Data) != big {
		t.Errorf("large payload corrupted (len %d, want %d)", len(d.Data), len(big))
	}
	if d := rec.next(t, "MESSAGE_CREATE"); string(d.Data) != `{"content":"after"}` {
		t.Errorf("got %s", d.Data)
	}
	if d := rec.next(t, "MESSAGE_CREATE"); string(d.Data) != `{"content":"last"}` {
		t.Errorf("got %s", d.Data)
	}
	sc.expectBeat(t) // ACKs arrive compressed too
	waitFor(t, func() bool { return !rs.Status().LastHeartbeatAck.IsZero() })
}

func TestSend(t *testing.T) {
	g := newFakeGateway(t)
	rs := startShard(t, testConfig(g), newRecorder().handle)

	// Send waits for the shard to be ready.
	sendErr := make(chan error, 1)
	go func() {
		sendErr <- rs.UpdatePresence(context.Background(), Presence{Status: "dnd", Activities: []Activity{{Name: "x", Type: ActivityWatching}}})
	}()
	sc := g.accept(t)
	sc.identify(t, g, "s")
	f := sc.expect(t, OpPresenceUpdate)
	if err := <-sendErr; err != nil {
		t.Fatalf("UpdatePresence: %v", err)
	}
	if want := `{"since":null,"activities":[{"name":"x","type":3}],"status":"dnd","afk":false}`; string(f.D) != want {
		t.Errorf("presence update d = %s, want %s", f.D, want)
	}

	ctx := context.Background()
	if err := rs.Send(ctx, OpIdentify, map[string]string{}); err == nil {
		t.Error("Send(op 2) succeeded, want refused")
	}
	if err := rs.Send(ctx, OpRequestGuildMembers, map[string]string{"q": strings.Repeat("x", 5000)}); !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("Send(5 KB) = %v, want ErrPayloadTooLarge", err)
	}
	if err := rs.Send(ctx, OpRequestGuildMembers, map[string]any{"guild_id": "1", "query": "", "limit": 0}); err != nil {
		t.Errorf("Send(op 8): %v", err)
	}
	sc.expect(t, OpRequestGuildMembers)

	// A Send whose context ends while waiting must not disturb the shard.
	g2 := newFakeGateway(t)
	rs2 := startShard(t, testConfig(g2), newRecorder().handle)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := rs2.Send(short, OpPresenceUpdate, Presence{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send before ready = %v, want deadline exceeded", err)
	}
}

func TestRunTwice(t *testing.T) {
	g := newFakeGateway(t)
	rs := startShard(t, testConfig(g), newRecorder().handle)
	g.accept(t)
	if err := rs.Run(context.Background()); !errors.Is(err, ErrAlreadyRun) {
		t.Errorf("second Run = %v, want ErrAlreadyRun", err)
	}
}

func TestDialFailureBacksOff(t *testing.T) {
	g := newFakeGateway(t)
	cfg := testConfig(g)
	cfg.URL = "ws://127.0.0.1:1/gateway" // nothing listens there
	rs := startShard(t, cfg, newRecorder().handle)
	waitFor(t, func() bool { return rs.Stats().Connects >= 3 })
	st := rs.Status()
	if st.State != StateReconnecting && st.State != StateConnecting {
		t.Errorf("state = %s, want reconnecting", st.State)
	}
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestHeartbeatsFlowWhileWaitingToIdentify(t *testing.T) {
	g := newFakeGateway(t)
	cfg := testConfig(g)
	release := make(chan struct{})
	cfg.IdentifyLimiter = limiterFunc(func(ctx context.Context, _ int) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	rs := startShard(t, cfg, newRecorder().handle)
	sc := g.accept(t)
	sc.hello(t, 40*time.Millisecond)
	sc.expectBeat(t)
	sc.expectBeat(t)
	if st := rs.Status(); st.State != StateIdentifying {
		t.Errorf("state while waiting for the limiter = %s, want identifying", st.State)
	}
	select {
	case f := <-sc.frames:
		t.Fatalf("client sent op %d before the limiter allowed identify", f.Op)
	default:
	}
	close(release)
	sc.expect(t, OpIdentify)
}

func TestNoHelloReconnects(t *testing.T) {
	g := newFakeGateway(t)
	cfg := testConfig(g)
	cfg.HandshakeTimeout = 100 * time.Millisecond
	startShard(t, cfg, newRecorder().handle)
	g.accept(t) // says nothing
	sc := g.accept(t)
	sc.hello(t, time.Minute)
	sc.expect(t, OpIdentify)
}

func TestRepeatedReconnectRequestsBackOff(t *testing.T) {
	g := newFakeGateway(t)
	cfg := testConfig(g)
	cfg.MinReconnectWait = 100 * time.Millisecond
	cfg.MaxReconnectWait = time.Second
	startShard(t, cfg, newRecorder().handle)

	sc := g.accept(t)
	sc.hello(t, time.Minute)
	sc.expect(t, OpIdentify)
	sc.mustSend(t, `{"op":7,"d":null}`)
	start := time.Now()
	sc = g.accept(t)
	if d := time.Since(start); d > 80*time.Millisecond {
		t.Errorf("first op 7: reconnected after %v, want at once", d)
	}
	// Again, without READY in between: now the back-off applies.
	sc.hello(t, time.Minute)
	sc.expect(t, OpIdentify)
	sc.mustSend(t, `{"op":7,"d":null}`)
	start = time.Now()
	g.accept(t)
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("second op 7 without READY: reconnected after %v, want the back-off", d)
	}
}

func TestResumeURLFallsBackToGatewayURL(t *testing.T) {
	g := newFakeGateway(t)
	cfg := testConfig(g)
	cfg.Resume = &SessionState{SessionID: "s", Seq: 5, ResumeURL: "ws://127.0.0.1:1/resume"} // refuses connections
	rs := startShard(t, cfg, newRecorder().handle)
	sc := g.accept(t)
	if sc.path != "/gateway" {
		t.Errorf("fallback connection to %s, want /gateway", sc.path)
	}
	sc.hello(t, time.Minute)
	if r := sc.expectResume(t); r.SessionID != "s" || r.Seq != 5 {
		t.Errorf("resume = %+v", r)
	}
	if n := rs.Stats().Connects; n != resumeDialFallback+1 {
		t.Errorf("%d connection attempts, want %d", n, resumeDialFallback+1)
	}
}

// BenchmarkShardDispatch measures the whole receive path of a shard:
// websocket read, envelope decode, event loop and handler, with MESSAGE_CREATE
// frames arriving as fast as a local server can write them.
func BenchmarkShardDispatch(b *testing.B) {
	for _, mode := range []CompressMode{CompressNone, CompressZlibStream} {
		b.Run(mode.String(), func(b *testing.B) {
			g := newFakeGateway(b)
			got := make(chan struct{}, 1)
			var n atomic.Int64
			want := int64(b.N)
			h := func(_ context.Context, d Dispatch) error {
				if d.Type == "MESSAGE_CREATE" && n.Add(1) == want {
					got <- struct{}{}
				}
				return nil
			}
			cfg := testConfig(g)
			cfg.Compress = mode
			startShard(b, cfg, h)
			sc := g.accept(b)
			sc.identify(b, g, "bench")
			d := messageCreate[strings.Index(messageCreate, `"d":`)+4 : len(messageCreate)-1]
			b.SetBytes(int64(len(messageCreate)))
			b.ResetTimer()
			go func() {
				for i := range b.N {
					if err := sc.sendRaw(fmt.Sprintf(`{"t":"MESSAGE_CREATE","s":%d,"op":0,"d":%s}`, i+2, d)); err != nil {
						return
					}
				}
			}()
			select {
			case <-got:
			case <-time.After(time.Minute):
				b.Fatalf("handler got %d of %d dispatches", n.Load(), b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
