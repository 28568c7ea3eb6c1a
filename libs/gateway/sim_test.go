package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/gateway"
)

// These tests run our gateway client against discordsim, the fake Discord, instead of a
// scripted server: what they show is that the client and the simulator agree on Discord's
// protocol (DISCORD.md), and that the client survives the simulator's faults.

const simWait = 10 * time.Second

const simIntents = int(discordsim.IntentGuilds | discordsim.IntentGuildMembers | discordsim.IntentGuildMessages)

// simBot is one of our shards running against a simulator.
type simBot struct {
	t      *testing.T
	srv    *discordsim.Server
	shard  *gateway.Shard
	events chan gateway.Dispatch
	done   chan error // Run's result
	logs   *lockedBuffer
	// gate, when set, is waited on by the handler before it returns from a dispatch of
	// type gateType: a test uses it to hold the client still while it prepares a fault.
	gateType string
	gate     chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startBot runs a shard against srv until the test ends. configure may change the config
// (token, intents, waits) before the shard is built.
func startBot(t *testing.T, srv *discordsim.Server, configure func(*gateway.Config), gateType string) *simBot {
	t.Helper()
	b := &simBot{t: t, srv: srv, events: make(chan gateway.Dispatch, 4096), done: make(chan error, 1),
		logs: &lockedBuffer{}, gateType: gateType}
	if gateType != "" {
		b.gate = make(chan struct{})
	}
	cfg := gateway.Config{
		Token:              srv.Token(),
		URL:                srv.GatewayURL(),
		ShardCount:         1,
		Intents:            simIntents,
		Logger:             slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		MinReconnectWait:   10 * time.Millisecond,
		MaxReconnectWait:   100 * time.Millisecond,
		InvalidSessionWait: func() time.Duration { return 50 * time.Millisecond },
	}
	if configure != nil {
		configure(&cfg)
	}
	sh, err := gateway.NewShard(cfg, func(ctx context.Context, d gateway.Dispatch) error {
		b.events <- d
		if d.Type == b.gateType && b.gate != nil {
			select {
			case <-b.gate:
			case <-ctx.Done():
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.shard = sh
	ctx, cancel := context.WithCancel(context.Background())
	go func() { b.done <- sh.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-b.done:
		case <-time.After(simWait):
			t.Error("Run did not return after cancel")
		}
		if t.Failed() {
			t.Logf("client log:\n%s", b.logs.String())
		}
	})
	return b
}

// next returns the next dispatch of type typ, failing on any other type except those in skip.
func (b *simBot) next(typ string, skip ...string) gateway.Dispatch {
	b.t.Helper()
	deadline := time.After(simWait)
	for {
		select {
		case d := <-b.events:
			if d.Type == typ {
				return d
			}
			if !contains(skip, d.Type) {
				b.t.Fatalf("handler got %s (s=%d), want %s", d.Type, d.Seq, typ)
			}
		case err := <-b.done:
			b.done <- err
			b.t.Fatalf("Run returned %v while waiting for %s", err, typ)
		case <-deadline:
			b.t.Fatalf("no %s within %v", typ, simWait)
		}
	}
}

// ready waits for READY and the GUILD_CREATEs after it.
func (b *simBot) ready() string {
	b.t.Helper()
	b.next(gateway.EventReady)
	b.next("GUILD_CREATE")
	return b.shard.Session().SessionID
}

// runResult waits for Run to return.
func (b *simBot) runResult() error {
	b.t.Helper()
	select {
	case err := <-b.done:
		b.done <- err
		return err
	case <-time.After(simWait):
		b.t.Fatal("Run did not return")
		return nil
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func fault(t *testing.T, srv *discordsim.Server, f discordsim.GatewayFault) {
	t.Helper()
	if _, err := srv.InjectGatewayFault(f); err != nil {
		t.Fatalf("inject %s: %v", f.Kind, err)
	}
}

func dispatch(t *testing.T, srv *discordsim.Server, guildID discordsim.Snowflake, typ string, i int) {
	t.Helper()
	if n, err := srv.Dispatch(guildID, typ, map[string]int{"i": i}); err != nil || n != 1 {
		t.Fatalf("dispatch %s: %d sessions, %v", typ, n, err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(simWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// After op 7 the shard resumes the same session, and the events dispatched while it was away
// are replayed in order, once each, then RESUMED (Discord replays, then says RESUMED); new
// events follow.
func TestSimReconnectResumesWithoutLoss(t *testing.T) {
	t.Parallel()
	srv, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: time.Second})
	b := startBot(t, srv, nil, "GATE")
	sessionID := b.ready()

	// Hold the client inside its handler so that op 7 and the events after it are all
	// produced while it cannot react: the events are then certainly dispatched while the
	// session has no connection.
	dispatch(t, srv, demo.GuildID, "GATE", 0)
	gate := b.next("GATE")
	fault(t, srv, discordsim.GatewayFault{Kind: discordsim.FaultReconnect})
	const away = 20
	for i := range away {
		dispatch(t, srv, demo.GuildID, "AWAY", i)
	}
	close(b.gate)

	seq := gate.Seq
	check := func(d gateway.Dispatch) {
		t.Helper()
		if d.Seq != seq+1 {
			t.Fatalf("%s has s=%d after s=%d: an event was lost or repeated", d.Type, d.Seq, seq)
		}
		seq = d.Seq
		if d.SessionID != sessionID {
			t.Fatalf("%s arrived in session %s, want %s", d.Type, d.SessionID, sessionID)
		}
	}
	for i := range away {
		d := b.next("AWAY")
		check(d)
		var p struct{ I int }
		if err := json.Unmarshal(d.Data, &p); err != nil || p.I != i {
			t.Fatalf("AWAY #%d carried %s", i, d.Data)
		}
	}
	check(b.next(gateway.EventResumed))
	for i := range 3 {
		dispatch(t, srv, demo.GuildID, "AFTER", i)
		check(b.next("AFTER"))
	}
	select {
	case d := <-b.events:
		t.Fatalf("extra dispatch %s s=%d", d.Type, d.Seq)
	default:
	}
	if st := b.shard.Stats(); st.Identifies != 1 || st.Resumes != 1 {
		t.Fatalf("client stats %+v: want one identify and one resume", st)
	}
	if st := srv.GatewayStats(); st.Identifies != 1 || st.Resumes != 1 {
		t.Fatalf("simulator stats %+v", st)
	}
}

// After op 9 (d=false) the shard waits as configured, 1-5 s by default, then identifies a new
// session.
func TestSimInvalidSessionIdentifiesAgain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		wait     func() time.Duration // nil: the client's default
		min, max time.Duration
	}{
		{"default wait is 1-5 s", nil, time.Second, 5*time.Second + 500*time.Millisecond},
		{"configured wait", func() time.Duration { return 200 * time.Millisecond }, 200 * time.Millisecond, 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := simtest.Start(t, discordsim.Options{HeartbeatInterval: time.Second})
			b := startBot(t, srv, func(c *gateway.Config) { c.InvalidSessionWait = tc.wait }, "")
			old := b.ready()
			start := time.Now()
			fault(t, srv, discordsim.GatewayFault{Kind: discordsim.FaultInvalidSession, Resumable: false})
			b.next(gateway.EventReady)
			took := time.Since(start)
			if took < tc.min || took > tc.max {
				t.Fatalf("identified again after %v, want between %v and %v", took, tc.min, tc.max)
			}
			if now := b.shard.Session().SessionID; now == "" || now == old {
				t.Fatalf("session %q after op 9 false, want a new one (old %q)", now, old)
			}
			if st := b.shard.Stats(); st.Identifies != 2 || st.Resumes != 0 || st.InvalidSessions != 1 {
				t.Fatalf("client stats %+v", st)
			}
		})
	}
}

// A wrong token gets 4004: Run returns a *FatalError naming it, says so in the log and the
// status, and never connects again.
func TestSimAuthenticationFailedStops(t *testing.T) {
	t.Parallel()
	srv, _ := simtest.Start(t, discordsim.Options{HeartbeatInterval: time.Second})
	b := startBot(t, srv, func(c *gateway.Config) { c.Token = "not-the-token" }, "")
	err := b.runResult()
	var fatal *gateway.FatalError
	if !errors.As(err, &fatal) || fatal.Code != gateway.CloseAuthenticationFailed {
		t.Fatalf("Run = %v, want a *FatalError with code 4004", err)
	}
	if !strings.Contains(err.Error(), "4004") || !strings.Contains(err.Error(), "token") {
		t.Fatalf("error %q does not say why", err)
	}
	if st := b.shard.Status(); st.State != gateway.StateFailed || !strings.Contains(st.Reason, "4004") {
		t.Fatalf("status %+v", st)
	}
	if !strings.Contains(b.logs.String(), "code=4004") {
		t.Fatalf("log does not name 4004:\n%s", b.logs.String())
	}
	time.Sleep(300 * time.Millisecond) // room for a (wrong) reconnect
	if n := srv.GatewayStats().Connections; n != 1 {
		t.Fatalf("the simulator saw %d connections, want 1", n)
	}
	if n := b.shard.Stats().Connects; n != 1 {
		t.Fatalf("the shard made %d connections, want 1", n)
	}
	if strings.Contains(b.logs.String(), "not-the-token") {
		t.Fatal("the token leaked into the log")
	}
}

// A connection the simulator stops answering (no heartbeat ACKs, no dispatches) is detected
// within two heartbeat intervals and resumed; what was dispatched meanwhile is replayed.
func TestSimZombieDetectedAndResumed(t *testing.T) {
	t.Parallel()
	const interval = 300 * time.Millisecond
	srv, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: interval})
	b := startBot(t, srv, nil, "")
	sessionID := b.ready()
	waitUntil(t, "the first heartbeat is acknowledged", func() bool { return !b.shard.Status().LastHeartbeatAck.IsZero() })

	start := time.Now()
	fault(t, srv, discordsim.GatewayFault{Kind: discordsim.FaultZombie})
	dispatch(t, srv, demo.GuildID, "DURING", 0)
	waitUntil(t, "the zombie is detected", func() bool { return b.shard.Stats().ZombieConnections == 1 })
	if took := time.Since(start); took > 2*interval+100*time.Millisecond {
		t.Fatalf("zombie detected after %v, want within two intervals (%v)", took, 2*interval)
	}
	if d := b.next("DURING"); d.SessionID != sessionID {
		t.Fatalf("replayed in session %s, want %s", d.SessionID, sessionID)
	}
	b.next(gateway.EventResumed)
	if st := b.shard.Stats(); st.Identifies != 1 || st.Resumes != 1 {
		t.Fatalf("client stats %+v", st)
	}
}

// rawConn is a bare websocket client, for the payloads our client never sends.
type rawConn struct {
	t *testing.T
	c *websocket.Conn
}

type rawFrame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

func dialRaw(t *testing.T, srv *discordsim.Server, query string) *rawConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), simWait)
	defer cancel()
	if query == "" {
		query = "v=10&encoding=json"
	}
	c, _, err := websocket.Dial(ctx, srv.GatewayURL()+"?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(1 << 22)
	t.Cleanup(func() { _ = c.CloseNow() })
	return &rawConn{t: t, c: c}
}

func (r *rawConn) send(v any) {
	r.t.Helper()
	b, ok := v.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(v); err != nil {
			r.t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), simWait)
	defer cancel()
	if err := r.c.Write(ctx, websocket.MessageText, b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// read returns the next frame, or the error that ended the connection.
func (r *rawConn) read() (rawFrame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), simWait)
	defer cancel()
	_, b, err := r.c.Read(ctx)
	if err != nil {
		return rawFrame{}, err
	}
	var f rawFrame
	if err := json.Unmarshal(b, &f); err != nil {
		return rawFrame{}, fmt.Errorf("decode %q: %w", b, err)
	}
	return f, nil
}

func (r *rawConn) must() rawFrame {
	r.t.Helper()
	f, err := r.read()
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	return f
}

// dispatchNamed reads frames until a dispatch of type typ.
func (r *rawConn) dispatchNamed(typ string) rawFrame {
	r.t.Helper()
	for {
		f := r.must()
		if f.Op == 0 && f.T != nil && *f.T == typ {
			return f
		}
	}
}

// closedWith reads until the connection ends and returns the close code (-1 without one).
func (r *rawConn) closedWith() websocket.StatusCode {
	r.t.Helper()
	for {
		if _, err := r.read(); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func identifyPayload(token string, intents int, extra map[string]any) map[string]any {
	d := map[string]any{"token": token, "intents": intents,
		"properties": map[string]string{"os": "linux", "browser": "raw", "device": "raw"}}
	for k, v := range extra {
		d[k] = v
	}
	return map[string]any{"op": 2, "d": d}
}

// rawSession dials, identifies and returns the connection after GUILD_CREATE with the
// session id.
func rawSession(t *testing.T, srv *discordsim.Server) (*rawConn, string) {
	t.Helper()
	r := dialRaw(t, srv, "")
	r.must() // HELLO
	r.send(identifyPayload(srv.Token(), simIntents, nil))
	var ready struct {
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal(r.dispatchNamed("READY").D, &ready); err != nil {
		t.Fatal(err)
	}
	r.dispatchNamed("GUILD_CREATE")
	return r, ready.SessionID
}

// The conformance table: one row per opcode of DISCORD.md, checking that the simulator does
// what Discord does, with our client where it speaks that opcode and a bare websocket where
// it does not.
func TestSimConformanceOpcodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, srv *discordsim.Server, demo *discordsim.Demo)
	}{
		{"op 0 dispatch: t and s, s rising by one", func(t *testing.T, srv *discordsim.Server, demo *discordsim.Demo) {
			r, _ := rawSession(t, srv) // READY s=1, GUILD_CREATE s=2
			dispatch(t, srv, demo.GuildID, "X", 0)
			f := r.dispatchNamed("X")
			if f.S == nil || *f.S != 3 {
				t.Fatalf("s = %v, want 3", f.S)
			}
		}},
		{"op 1 from the client is acknowledged", func(t *testing.T, srv *discordsim.Server, _ *discordsim.Demo) {
			r := dialRaw(t, srv, "")
			r.must()
			r.send(map[string]any{"op": 1, "d": nil})
			if f := r.must(); f.Op != 11 {
				t.Fatalf("op %d, want 11", f.Op)
			}
		}},
		{"op 1 from the server gets an immediate heartbeat", func(t *testing.T, srv *discordsim.Server, _ *discordsim.Demo) {
			b := startBot(t, srv, nil, "")
			b.ready()
			// Right after the first ACK the next regular heartbeat is a whole interval (1 s)
			// away, so an ACK well before that answers the requested one.
			waitUntil(t, "the first heartbeat is acknowledged", func() bool { return !b.shard.Status().LastHeartbeatAck.IsZero() })
			before := b.shard.Status().LastHeartbeatAck
			start := time.Now()
			fault(t, srv, discordsim.GatewayFault{Kind: discordsim.FaultHeartbeatRequest})
			waitUntil(t, "the requested heartbeat is acknowledged", func() bool { return b.shard.Status().LastHeartbeatAck.After(before) })
			if took := time.Since(start); took > 500*time.Millisecond {
				t.Fatalf("answered after %v: not the immediate heartbeat op 1 asks for", took)
			}
		}},
		{"op 2 identify gets READY with what resuming needs", func(t *testing.T, srv *discordsim.Server, _ *discordsim.Demo) {
			r := dialRaw(t, srv, "")
			r.must()
			r.send(identifyPayload(srv.Token(), simIntents, map[string]any{"shard": []int{0, 1}}))
			var ready struct {
				V                int             `json:"v"`
				SessionID        string          `json:"session_id"`
				ResumeGatewayURL string          `json:"resume_gateway_url"`
				Shard            [2]int          `json:"shard"`
				User             json.RawMessage `json:"user"`
				Guilds           []struct {
					Unavailable bool `json:"unavailable"`
				} `json:"guilds"`
				Application struct {
					ID    string `json:"id"`
					Flags *int   `json:"flags"`
				} `json:"application"`
			}
			f := r.dispatchNamed("READY")
			if err := json.Unmarshal(f.D, &ready); err != nil {
				t.Fatal(err)
			}
			if ready.V != 10 || ready.SessionID == "" || ready.ResumeGatewayURL == "" || ready.Shard != [2]int{0, 1} ||
				len(ready.User) == 0 || len(ready.Guilds) != 1 || !ready.Guilds[0].Unavailable ||
				ready.Application.ID == "" || ready.Application.Flags == nil {
				t.Fatalf("READY lacks fields: %s", f.D)
			}
			r.dispatchNamed("GUILD_CREATE")
		}},
		{"op 3 presence update is taken", func(t *testing.T, srv *discordsim.Server, _ *discordsim.Demo) {
			b := startBot(t, srv, nil, "")
			b.ready()
			ctx, cancel := context.WithTimeout(context.Background(), simWait)
			defer cancel()
			if err := b.shard.UpdatePresence(ctx, gateway.Presence{Status: "dnd",
				Activities: []gateway.Activity{{Name: "conformance", Type: gateway.ActivityPlaying}}}); err != nil {
				t.Fatal(err)
			}
			if err := srv.WaitFor(ctx, func(s *discordsim.State) bool {
				ss := s.Sessions()
				return len(ss) == 1 && ss[0].Presence.Status == "dnd"
			}); err != nil {
				t.Fatalf("presence not recorded: %v", err)
			}
		}},
		{"op 4 voice state update is accepted", func(t *testing.T, srv *discordsim.Server, demo *discordsim.Demo) {
			r, _ := rawSession(t, srv)
			r.send(map[string]any{"op": 4, "d": map[string]any{"guild_id": demo.GuildID.String(),
				"channel_id": nil, "self_mute": false, "self_deaf": false}})
			r.send(map[string]any{"op": 1, "d": 2})
			if f := r.must(); f.Op != 11 {
				t.Fatalf("op %d after op 4, want the connection alive (11)", f.Op)
			}
		}},
		{"op 6 resume replays what was missed, then RESUMED", func(t *testing.T, srv *discordsim.Server, demo *discordsim.Demo) {
			r, sid := rawSession(t, srv)
			_ = r.c.Close(4000, "leaving to resume")
			waitUntil(t, "the session is disconnected", func() bool {
				ss := srv.State().Sessions()
				return len(ss) == 1 && !ss[0].Connected
			})
			dispatch(t, srv, demo.GuildID, "MISSED", 0)
			r2 := dialRaw(t, srv, "")
			r2.must()
			r2.send(map[string]any{"op": 6, "d": map[string]any{"token": srv.Token(), "session_id": sid, "seq": 2}})
			if f := r2.must(); f.T == nil || *f.T != "MISSED" || *f.S != 3 {
				t.Fatalf("first frame after resume: op %d t %v", f.Op, f.T)
			}
			if f := r2.must(); f.T == nil || *f.T != "RESUMED" {
				t.Fatalf("want RESUMED, got op %d", f.Op)
			}
		}},
		{"op 7 reconnect: the client resumes", func(t *testing.T, srv *discordsim.Server, _ *discordsim.Demo) {
			b := startBot(t, srv, nil, "")
			sid := b.ready()
			fault(t, srv, discordsim.GatewayFault{Kind: discordsim.FaultReconnect})
			b.next(gateway.EventResumed)
			if b.shard.Session().SessionID != sid {
				t.Fatal("a new session after op 7")
			}
		}},
		{"op 8 request guild members gets a chunk", func(t *testing.T, srv *discordsim.Server, demo *discordsim.Demo) {
			b := startBot(t, srv, nil, "")
			b.ready()
			ctx, cancel := context.WithTimeout(context.Background(), simWait)
			defer cancel()
			if err := b.shard.Send(ctx, gateway.OpRequestGuildMembers, map[string]any{
				"guild_id": demo.GuildID.String(), "query": "", "limit": 0, "nonce": "n1"}); err != nil {
				t.Fatal(err)
			}
			var chunk struct {
				Members []json.RawMessage `json:"members"`
				Nonce   string            `json:"nonce"`
			}
			if err := json.Unmarshal(b.next("GUILD_MEMBERS_CHUNK").Data, &chunk); err != nil {
				t.Fatal(err)
			}
			if len(chunk.Members) != len(demo.Members) || chunk.Nonce != "n1" {
				t.Fatalf("chunk has %d members (want %d), nonce %q", len(chunk.Members), len(demo.Members), chunk.Nonce)
			}
		}},
		{"op 9 d=true: the client resumes", func(t *testing.T, srv *discordsim.Server, _ *discordsim.Demo) {
			b := startBot(t, srv, nil, "")
			sid := b.ready()
			fault(t, srv, discordsim.GatewayFault{Kind: discordsim.FaultInvalidSession, Resumable: true})
			b.next(gateway.EventResumed)
			if b.shard.Session().SessionID != sid {
				t.Fatal("a new session after op 9 true")
			}
		}},
		{"op 9 d=false: the client identifies again", func(t *testing.T, srv *discordsim.Server, _ *discordsim.Demo) {
			b := startBot(t, srv, nil, "")
			sid := b.ready()
			fault(t, srv, discordsim.GatewayFault{Kind: discordsim.FaultInvalidSession})
			b.next(gateway.EventReady)
			if b.shard.Session().SessionID == sid {
				t.Fatal("the old session after op 9 false")
			}
		}},
		{"op 9 d=false answers a resume of an unknown session", func(t *testing.T, srv *discordsim.Server, _ *discordsim.Demo) {
			r := dialRaw(t, srv, "")
			r.must()
			r.send(map[string]any{"op": 6, "d": map[string]any{"token": srv.Token(), "session_id": "gone", "seq": 1}})
			if f := r.must(); f.Op != 9 || string(f.D) != "false" {
				t.Fatalf("op %d d=%s, want 9 false", f.Op, f.D)
			}
		}},
		{"op 10 hello comes first with the interval", func(t *testing.T, srv *discordsim.Server, _ *discordsim.Demo) {
			r := dialRaw(t, srv, "")
			f := r.must()
			var h struct {
				HeartbeatInterval int64 `json:"heartbeat_interval"`
			}
			if err := json.Unmarshal(f.D, &h); f.Op != 10 || err != nil || h.HeartbeatInterval != 1000 || f.S != nil || f.T != nil {
				t.Fatalf("first frame op %d d=%s", f.Op, f.D)
			}
		}},
		{"op 11 ACK keeps the client's heartbeat healthy", func(t *testing.T, srv *discordsim.Server, _ *discordsim.Demo) {
			b := startBot(t, srv, nil, "")
			b.ready()
			waitUntil(t, "a heartbeat ACK", func() bool { return !b.shard.Status().LastHeartbeatAck.IsZero() })
			if z := b.shard.Stats().ZombieConnections; z != 0 {
				t.Fatalf("%d zombies on a healthy connection", z)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: time.Second})
			tc.run(t, srv, demo)
		})
	}
}

// What our client must do after a close code (DISCORD.md): resume, identify again, or stop.
type closeAction int

const (
	resumes closeAction = iota
	identifies
	stops
)

// The conformance table for close codes: one row per code of DISCORD.md. Each row checks
// that the simulator sends the code for the cause Discord sends it for (with a bare
// websocket), and that our client, given that code by the simulator, does what Discord asks:
// resume, identify again, or stop with a *FatalError.
func TestSimConformanceCloseCodes(t *testing.T) {
	t.Parallel()
	tok := func(srv *discordsim.Server) string { return srv.Token() }
	tests := []struct {
		code    int
		meaning string
		opts    discordsim.Options
		// rawOnly applies opts to the bare connection's simulator only.
		rawOnly bool
		// setup prepares each simulator.
		setup func(t *testing.T, srv *discordsim.Server)
		// cause makes the simulator close a bare connection (HELLO already read).
		cause func(t *testing.T, r *rawConn, srv *discordsim.Server)
		// query replaces the bare connection's query string.
		query string
		want  closeAction
		// provoke configures our client so that it causes the code itself; nil injects the
		// close as a fault once the client is ready.
		provoke func(*gateway.Config)
	}{
		{code: 4000, meaning: "unknown error", want: resumes,
			cause: func(t *testing.T, r *rawConn, srv *discordsim.Server) {
				fault(t, srv, discordsim.GatewayFault{Kind: discordsim.FaultClose, Code: 4000})
			}},
		{code: 4001, meaning: "unknown opcode", want: resumes,
			cause: func(t *testing.T, r *rawConn, _ *discordsim.Server) { r.send(map[string]any{"op": 5, "d": nil}) }},
		{code: 4002, meaning: "decode error", want: resumes,
			cause: func(t *testing.T, r *rawConn, _ *discordsim.Server) {
				r.send([]byte(`{"op":1,"d":"` + strings.Repeat("x", 4100) + `"}`)) // over 4096 bytes
			}},
		{code: 4003, meaning: "not authenticated", want: resumes,
			cause: func(t *testing.T, r *rawConn, _ *discordsim.Server) {
				r.send(map[string]any{"op": 3, "d": map[string]any{"status": "online", "activities": []any{}, "afk": false, "since": nil}})
			}},
		{code: 4004, meaning: "authentication failed", want: stops,
			cause: func(t *testing.T, r *rawConn, _ *discordsim.Server) {
				r.send(identifyPayload("wrong", simIntents, nil))
			},
			provoke: func(c *gateway.Config) { c.Token = "wrong" }},
		{code: 4005, meaning: "already authenticated", want: resumes,
			cause: func(t *testing.T, r *rawConn, srv *discordsim.Server) {
				r.send(identifyPayload(tok(srv), simIntents, nil))
				r.send(identifyPayload(tok(srv), simIntents, nil))
			}},
		{code: 4007, meaning: "invalid seq", want: identifies,
			cause: func(t *testing.T, r *rawConn, srv *discordsim.Server) {
				_, sid := rawSession(t, srv)
				r.send(map[string]any{"op": 6, "d": map[string]any{"token": tok(srv), "session_id": sid, "seq": 999}})
			}},
		{code: 4008, meaning: "rate limited", want: resumes,
			opts: discordsim.Options{Gateway: discordsim.GatewayOptions{SendLimit: 3, SendWindow: time.Minute}}, rawOnly: true,
			cause: func(t *testing.T, r *rawConn, _ *discordsim.Server) {
				for range 4 {
					r.send(map[string]any{"op": 1, "d": nil})
				}
			}},
		{code: 4009, meaning: "session timed out", want: identifies,
			opts: discordsim.Options{HeartbeatTimeout: 200 * time.Millisecond}, rawOnly: true,
			cause: func(t *testing.T, r *rawConn, _ *discordsim.Server) {}, // no heartbeat
		},
		{code: 4010, meaning: "invalid shard", want: stops,
			cause: func(t *testing.T, r *rawConn, srv *discordsim.Server) {
				r.send(identifyPayload(tok(srv), simIntents, map[string]any{"shard": []int{1, 1}}))
			}},
		{code: 4011, meaning: "sharding required", want: stops,
			// The demo guild plus a second one on a single shard is over a limit of one.
			opts: discordsim.Options{Gateway: discordsim.GatewayOptions{MaxGuildsPerShard: 1}},
			setup: func(t *testing.T, srv *discordsim.Server) {
				if _, err := srv.AddGuild(discordsim.Guild{Name: "second"}); err != nil {
					t.Fatal(err)
				}
			},
			cause: func(t *testing.T, r *rawConn, srv *discordsim.Server) {
				r.send(identifyPayload(tok(srv), simIntents, nil))
			},
			provoke: func(*gateway.Config) {}},
		{code: 4012, meaning: "invalid API version", want: stops, query: "v=6&encoding=json"},
		{code: 4013, meaning: "invalid intents", want: stops,
			cause: func(t *testing.T, r *rawConn, srv *discordsim.Server) {
				r.send(identifyPayload(tok(srv), 1<<30, nil))
			},
			provoke: func(c *gateway.Config) { c.Intents = 1 << 30 }},
		{code: 4014, meaning: "disallowed intents", want: stops,
			opts: discordsim.Options{Gateway: discordsim.GatewayOptions{DisabledPrivilegedIntents: discordsim.IntentMessageContent}},
			cause: func(t *testing.T, r *rawConn, srv *discordsim.Server) {
				r.send(identifyPayload(tok(srv), int(discordsim.IntentGuilds|discordsim.IntentMessageContent), nil))
			},
			provoke: func(c *gateway.Config) { c.Intents |= int(discordsim.IntentMessageContent) }},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d %s", tc.code, tc.meaning), func(t *testing.T) {
			t.Parallel()
			// Each half gets its own simulator so that neither sees the other's sessions.
			start := func(opts discordsim.Options) *discordsim.Server {
				opts.HeartbeatInterval = time.Second
				srv, _ := simtest.Start(t, opts)
				if tc.setup != nil {
					tc.setup(t, srv)
				}
				return srv
			}
			t.Run("simulator sends it", func(t *testing.T) {
				srv := start(tc.opts)
				r := dialRaw(t, srv, tc.query)
				if tc.cause != nil {
					if f := r.must(); f.Op != 10 {
						t.Fatalf("first frame op %d", f.Op)
					}
					tc.cause(t, r, srv)
				}
				if got := r.closedWith(); int(got) != tc.code {
					t.Fatalf("closed with %d, want %d", got, tc.code)
				}
			})

			t.Run("our client reacts", func(t *testing.T) {
				opts := tc.opts
				if tc.rawOnly {
					opts = discordsim.Options{}
				}
				srv := start(opts)
				b := startBot(t, srv, tc.provoke, "")
				var sid string
				if tc.provoke == nil {
					sid = b.ready()
					fault(t, srv, discordsim.GatewayFault{Kind: discordsim.FaultClose, Code: websocket.StatusCode(tc.code)})
				}
				switch tc.want {
				case stops:
					var fatal *gateway.FatalError
					if err := b.runResult(); !errors.As(err, &fatal) || fatal.Code != tc.code {
						t.Fatalf("Run = %v, want a *FatalError with %d", err, tc.code)
					}
					if !strings.Contains(fatal.Error(), fmt.Sprint(tc.code)) {
						t.Fatalf("error %q does not name the code", fatal)
					}
				case resumes:
					b.next(gateway.EventResumed)
					if now := b.shard.Session().SessionID; now != sid {
						t.Fatalf("session %s after %d, want %s resumed", now, tc.code, sid)
					}
				case identifies:
					b.next(gateway.EventReady, "GUILD_CREATE")
					if now := b.shard.Session().SessionID; now == sid {
						t.Fatalf("session %s kept after %d, want a new one", now, tc.code)
					}
				}
			})
		})
	}
}

// Whatever way the connection goes (and whenever, relative to the dispatches), the shard
// resumes the same session and its handler sees every dispatch once, in order.
func TestSimNoDispatchLostAcrossFaults(t *testing.T) {
	t.Parallel()
	tests := []discordsim.GatewayFault{
		{Kind: discordsim.FaultReconnect},
		{Kind: discordsim.FaultInvalidSession, Resumable: true},
		{Kind: discordsim.FaultClose, Code: 4000},
		{Kind: discordsim.FaultClose, Code: 4008},
		{Kind: discordsim.FaultDrop},
		{Kind: discordsim.FaultZombie},
	}
	for _, f := range tests {
		t.Run(fmt.Sprintf("%s %d", f.Kind, f.Code), func(t *testing.T) {
			t.Parallel()
			srv, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: 300 * time.Millisecond})
			b := startBot(t, srv, nil, "")
			sessionID := b.ready()
			const total = 60
			sent := make(chan error, 1)
			go func() {
				// Dispatch steadily before, during and after the fault.
				for i := range total {
					if i == total/3 {
						if _, err := srv.InjectGatewayFault(f); err != nil {
							sent <- err
							return
						}
					}
					if _, err := srv.Dispatch(demo.GuildID, "N", map[string]int{"i": i}); err != nil {
						sent <- err
						return
					}
					time.Sleep(2 * time.Millisecond)
				}
				sent <- nil
			}()
			for i := range total {
				d := b.next("N", gateway.EventResumed)
				var p struct{ I int }
				if err := json.Unmarshal(d.Data, &p); err != nil || p.I != i {
					t.Fatalf("dispatch #%d carried %s: lost, repeated or out of order", i, d.Data)
				}
			}
			if err := <-sent; err != nil {
				t.Fatal(err)
			}
			if now := b.shard.Session().SessionID; now != sessionID {
				t.Fatalf("session %s, want %s resumed", now, sessionID)
			}
			if st := b.shard.Stats(); st.Identifies != 1 || st.Resumes < 1 {
				t.Fatalf("client stats %+v", st)
			}
		})
	}
}
