package discordsim

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// resumeOn resumes sessionID from seq on a new connection and returns the names of the
// dispatches up to and including RESUMED.
func resumeOn(t *testing.T, srv *Server, sessionID string, seq int64) (*testGW, []string) {
	t.Helper()
	g := dialGW(t, srv, "")
	g.send(map[string]any{"op": opResume, "d": map[string]any{"token": srv.Token(), "session_id": sessionID, "seq": seq}})
	var names []string
	for {
		f := g.next()
		if f.Op != opDispatch {
			t.Fatalf("op %d during resume", f.Op)
		}
		names = append(names, f.name())
		if f.name() == "RESUMED" {
			return g, names
		}
	}
}

// awaitDisconnected waits until the simulator holds the only session without a connection.
func awaitDisconnected(t *testing.T, srv *Server) {
	t.Helper()
	if err := srv.WaitFor(testCtx(t), func(s *State) bool {
		ss := s.Sessions()
		return len(ss) == 1 && !ss[0].Connected
	}); err != nil {
		t.Fatalf("session still connected: %v", err)
	}
}

// Each gateway fault, one row: inject it on an identified connection (READY is s=1,
// GUILD_CREATE s=2) and check what the client sees and what becomes of the session.
func TestGatewayFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault GatewayFault
		check func(t *testing.T, srv *Server, demo *Demo, g *testGW, sessionID string)
	}{
		{"heartbeat request", GatewayFault{Kind: FaultHeartbeatRequest}, func(t *testing.T, srv *Server, _ *Demo, g *testGW, _ string) {
			f := g.read()
			if f.Op != opHeartbeat || f.T != nil || f.S != nil {
				t.Fatalf("got op %d, want op 1 with t and s null", f.Op)
			}
			g.send(map[string]any{"op": opHeartbeat, "d": 2})
			if f := g.read(); f.Op != opHeartbeatACK {
				t.Fatalf("got op %d, want ACK", f.Op)
			}
		}},
		{"reconnect", GatewayFault{Kind: FaultReconnect}, func(t *testing.T, srv *Server, demo *Demo, g *testGW, sid string) {
			if f := g.read(); f.Op != opReconnect {
				t.Fatalf("got op %d, want 7", f.Op)
			}
			awaitDisconnected(t, srv) // op 7 parts the session from the connection at once
			srv.Dispatch(demo.GuildID, "WHILE_AWAY", nil)
			if f, err := g.tryRead(200 * time.Millisecond); err == nil {
				t.Fatalf("the old connection still got op %d %q", f.Op, f.name())
			}
			_, names := resumeOn(t, srv, sid, 2)
			if strings.Join(names, ",") != "WHILE_AWAY,RESUMED" {
				t.Fatalf("resume replayed %v", names)
			}
		}},
		{"invalid session, not resumable", GatewayFault{Kind: FaultInvalidSession}, func(t *testing.T, srv *Server, _ *Demo, g *testGW, sid string) {
			if f := g.read(); f.Op != opInvalidSession || string(f.D) != "false" {
				t.Fatalf("got op %d %s, want op 9 false", f.Op, f.D)
			}
			if len(srv.State().Sessions()) != 0 {
				t.Fatal("the session must be gone")
			}
			g.identify(srv.Token(), IntentGuilds, nil) // allowed again on this connection
			g.expect("READY")
		}},
		{"invalid session, resumable", GatewayFault{Kind: FaultInvalidSession, Resumable: true}, func(t *testing.T, srv *Server, demo *Demo, g *testGW, sid string) {
			if f := g.read(); f.Op != opInvalidSession || string(f.D) != "true" {
				t.Fatalf("got op %d %s, want op 9 true", f.Op, f.D)
			}
			srv.Dispatch(demo.GuildID, "WHILE_AWAY", nil)
			// Resuming on the same connection is allowed too.
			g.send(map[string]any{"op": opResume, "d": map[string]any{"token": srv.Token(), "session_id": sid, "seq": 2}})
			g.expect("WHILE_AWAY")
			g.expect("RESUMED")
		}},
		{"close 4000 keeps the session", GatewayFault{Kind: FaultClose, Code: CloseUnknownError}, func(t *testing.T, srv *Server, _ *Demo, g *testGW, sid string) {
			g.expectClose(CloseUnknownError)
			awaitDisconnected(t, srv)
			resumeOn(t, srv, sid, 2)
		}},
		{"close 4009 ends the session", GatewayFault{Kind: FaultClose, Code: CloseSessionTimedOut}, func(t *testing.T, srv *Server, _ *Demo, g *testGW, sid string) {
			g.expectClose(CloseSessionTimedOut)
			if err := srv.WaitFor(testCtx(t), func(s *State) bool { return len(s.Sessions()) == 0 }); err != nil {
				t.Fatal(err)
			}
		}},
		{"close 3999", GatewayFault{Kind: FaultClose, Code: 3999}, func(t *testing.T, srv *Server, _ *Demo, g *testGW, sid string) {
			g.expectClose(3999)
		}},
		{"drop without close frame", GatewayFault{Kind: FaultDrop}, func(t *testing.T, srv *Server, demo *Demo, g *testGW, sid string) {
			_, err := g.tryRead(5 * time.Second)
			if err == nil || websocket.CloseStatus(err) != -1 {
				t.Fatalf("read error %v, want a connection ended without a close frame", err)
			}
			awaitDisconnected(t, srv)
			srv.Dispatch(demo.GuildID, "WHILE_AWAY", nil)
			if _, names := resumeOn(t, srv, sid, 2); strings.Join(names, ",") != "WHILE_AWAY,RESUMED" {
				t.Fatalf("resume replayed %v", names)
			}
		}},
		{"zombie", GatewayFault{Kind: FaultZombie}, func(t *testing.T, srv *Server, demo *Demo, g *testGW, sid string) {
			g.send(map[string]any{"op": opHeartbeat, "d": 2})
			srv.Dispatch(demo.GuildID, "LOST_ON_THE_WAY", nil)
			// (A read that times out also closes the test's end, like a client giving up.)
			if f, err := g.tryRead(300 * time.Millisecond); err == nil {
				t.Fatalf("a zombie connection sent op %d", f.Op)
			}
			// The client gives up and resumes elsewhere: nothing was lost.
			if _, names := resumeOn(t, srv, sid, 2); strings.Join(names, ",") != "LOST_ON_THE_WAY,RESUMED" {
				t.Fatalf("resume replayed %v", names)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, demo := newTestServer(t, Options{})
			g, sid := connectBot(t, srv, IntentGuilds)
			n, err := srv.InjectGatewayFault(tc.fault)
			if err != nil || n != 1 {
				t.Fatalf("InjectGatewayFault = %d, %v", n, err)
			}
			tc.check(t, srv, demo, g, sid)
		})
	}
}

// Held-back dispatches keep their order and do not hold back heartbeat ACKs.
func TestGatewayDelayDispatches(t *testing.T) {
	t.Parallel()
	const delay = 300 * time.Millisecond
	srv, demo := newTestServer(t, Options{})
	g, _ := connectBot(t, srv, IntentGuilds)
	if _, err := srv.InjectGatewayFault(GatewayFault{Kind: FaultDelayDispatches, Delay: delay}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	srv.Dispatch(demo.GuildID, "FIRST", nil)
	g.send(map[string]any{"op": opHeartbeat, "d": 2})
	if f := g.read(); f.Op != opHeartbeatACK || time.Since(start) >= delay {
		t.Fatalf("got op %d after %v; the ACK must overtake the delayed dispatch", f.Op, time.Since(start))
	}
	srv.Dispatch(demo.GuildID, "SECOND", nil)
	if _, err := srv.InjectGatewayFault(GatewayFault{Kind: FaultDelayDispatches}); err != nil { // delay off
		t.Fatal(err)
	}
	srv.Dispatch(demo.GuildID, "THIRD", nil) // not delayed, but must not overtake the others
	for _, want := range []string{"FIRST", "SECOND", "THIRD"} {
		g.expect(want)
	}
	if d := time.Since(start); d < delay {
		t.Fatalf("FIRST arrived after %v, want at least %v", d, delay)
	}
}

func TestGatewayFaultErrors(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{})
	five := 5
	tests := []struct {
		name  string
		fault GatewayFault
		want  error
	}{
		{"unknown kind", GatewayFault{Kind: "explode"}, ErrBadInput},
		{"empty kind", GatewayFault{}, ErrBadInput},
		{"reserved close code 1005", GatewayFault{Kind: FaultClose, Code: 1005}, ErrBadInput},
		{"close code 0", GatewayFault{Kind: FaultClose}, ErrBadInput},
		{"close code 5000", GatewayFault{Kind: FaultClose, Code: 5000}, ErrBadInput},
		{"negative delay", GatewayFault{Kind: FaultDelayDispatches, Delay: -time.Second}, ErrBadInput},
		{"endless delay", GatewayFault{Kind: FaultDelayDispatches, Delay: 24 * time.Hour}, ErrBadInput},
		{"no connection", GatewayFault{Kind: FaultReconnect}, ErrNoConnection},
		{"no connection on shard", GatewayFault{Kind: FaultDrop, ShardID: &five}, ErrNoConnection},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := srv.InjectGatewayFault(tc.fault); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// The control API: every malformed body is a 400 with a reason, never a panic.
func TestControlFaults(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{})
	tests := []struct {
		name, method, body string
		status             int
		errHas             string
	}{
		{"invalid JSON", "POST", `{"fault":`, 400, "invalid JSON"},
		{"empty body", "POST", ``, 400, "invalid JSON"},
		{"not an object", "POST", `[1]`, 400, "invalid JSON"},
		{"unknown field", "POST", `{"fault":"drop","oops":1}`, 400, "oops"},
		{"missing fault", "POST", `{}`, 400, "fault"},
		{"unknown fault", "POST", `{"fault":"explode"}`, 400, "unknown fault"},
		{"close without code", "POST", `{"fault":"close"}`, 400, "code"},
		{"close with reserved code", "POST", `{"fault":"close","code":1006}`, 400, "cannot be sent"},
		{"close with huge code", "POST", `{"fault":"close","code":99999999999}`, 400, "cannot be sent"},
		{"close code as text", "POST", `{"fault":"close","code":"4000"}`, 400, "invalid JSON"},
		{"code with the wrong fault", "POST", `{"fault":"reconnect","code":4000}`, 400, "only goes with"},
		{"invalid session without d", "POST", `{"fault":"invalid_session"}`, 400, "resumable"},
		{"delay without delay_ms", "POST", `{"fault":"delay_dispatches"}`, 400, "delay_ms"},
		{"negative delay", "POST", `{"fault":"delay_dispatches","delay_ms":-5}`, 400, "delay_ms"},
		{"negative shard", "POST", `{"fault":"drop","shard_id":-1}`, 400, "shard"},
		{"nobody connected", "POST", `{"fault":"reconnect"}`, 409, "no gateway connection"},
		{"wrong method", "PUT", `{}`, 405, "GET or POST"},
		{"delay needs no connection", "POST", `{"fault":"delay_dispatches","delay_ms":0}`, 200, ""},
		{"counters", "GET", ``, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, out := control(t, srv, tc.method, "/_sim/faults", tc.body)
			if st != tc.status || !strings.Contains(out.Error, tc.errHas) {
				t.Fatalf("%s %s: %d %q, want %d with %q", tc.method, tc.body, st, out.Error, tc.status, tc.errHas)
			}
		})
	}

	// With a bot connected, a fault reaches it.
	g, _ := connectBot(t, srv, IntentGuilds)
	if st, out := control(t, srv, "POST", "/_sim/faults", `{"fault":"close","code":4000}`); st != http.StatusOK {
		t.Fatalf("close: %d %q", st, out.Error)
	}
	g.expectClose(CloseUnknownError)
}
