package gateway

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// This file holds a minimal scriptable gateway for the tests: each test
// accepts the client's connections one by one, reads the frames the client
// sends and sends whatever frames or close codes it wants.

const (
	testToken   = "test-token-must-never-appear-in-logs"
	waitTimeout = 5 * time.Second
)

type fakeGateway struct {
	srv   *httptest.Server
	conns chan *serverConn
	count atomic.Int32
	done  chan struct{}
}

func newFakeGateway(t testing.TB) *fakeGateway {
	t.Helper()
	g := &fakeGateway{conns: make(chan *serverConn, 16), done: make(chan struct{})}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve)) // listens on 127.0.0.1
	t.Cleanup(g.srv.Close)
	t.Cleanup(func() { close(g.done) }) // runs first: ends the handlers
	return g
}

// URL is the main gateway URL; ResumeURL is what READY advertises, so tests
// can tell which one a connection used.
func (g *fakeGateway) URL() string { return "ws" + strings.TrimPrefix(g.srv.URL, "http") + "/gateway" }
func (g *fakeGateway) ResumeURL() string {
	return "ws" + strings.TrimPrefix(g.srv.URL, "http") + "/resume"
}

func (g *fakeGateway) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	g.count.Add(1)
	sc := &serverConn{
		ws:     ws,
		path:   r.URL.Path,
		query:  r.URL.Query(),
		frames: make(chan clientFrame, 256),
		beats:  make(chan clientFrame, 256),
		closed: make(chan error, 1),
	}
	sc.autoAck.Store(true)
	if sc.query.Get("compress") == "zlib-stream" {
		sc.zw = zlib.NewWriter(&sc.zbuf)
	}
	select {
	case g.conns <- sc:
	case <-g.done:
		ws.CloseNow()
		return
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc.readLoop()
	}()
	select {
	case <-readDone:
	case <-g.done:
		ws.CloseNow()
		<-readDone
	}
}

// accept returns the client's next connection.
func (g *fakeGateway) accept(t testing.TB) *serverConn {
	t.Helper()
	select {
	case sc := <-g.conns:
		return sc
	case <-time.After(waitTimeout):
		t.Fatal("no connection from the client")
		return nil
	}
}

// noConnection asserts that the client does not connect again within d.
func (g *fakeGateway) noConnection(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case sc := <-g.conns:
		t.Fatalf("unexpected connection to %s", sc.path)
	case <-time.After(d):
	}
}

type clientFrame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	at time.Time
}

type serverConn struct {
	ws    *websocket.Conn
	path  string
	query url.Values

	frames  chan clientFrame // client payloads other than heartbeats
	beats   chan clientFrame // heartbeats
	closed  chan error       // why the client side ended
	autoAck atomic.Bool      // answer heartbeats with op 11

	wmu  sync.Mutex
	zw   *zlib.Writer // set for compress=zlib-stream
	zbuf bytes.Buffer
}

func (sc *serverConn) readLoop() {
	for {
		_, b, err := sc.ws.Read(context.Background())
		if err != nil {
			sc.closed <- err
			return
		}
		var f clientFrame
		if err := json.Unmarshal(b, &f); err != nil {
			sc.closed <- fmt.Errorf("client sent invalid JSON %q: %w", b, err)
			return
		}
		f.at = time.Now()
		if f.Op == OpHeartbeat {
			if sc.autoAck.Load() {
				_ = sc.sendRaw(`{"op":11}`)
			}
			select {
			case sc.beats <- f:
			default:
			}
			continue
		}
		sc.frames <- f
	}
}

// sendRaw sends one payload, compressing it onto the connection's shared
// zlib stream when the client asked for zlib-stream.
func (sc *serverConn) sendRaw(s string) error {
	sc.wmu.Lock()
	defer sc.wmu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if sc.zw == nil {
		return sc.ws.Write(ctx, websocket.MessageText, []byte(s))
	}
	if _, err := sc.zw.Write([]byte(s)); err != nil {
		return err
	}
	if err := sc.zw.Flush(); err != nil {
		return err
	}
	b := bytes.Clone(sc.zbuf.Bytes())
	sc.zbuf.Reset()
	return sc.ws.Write(ctx, websocket.MessageBinary, b)
}

func (sc *serverConn) mustSend(t testing.TB, s string) {
	t.Helper()
	if err := sc.sendRaw(s); err != nil {
		t.Fatalf("server send: %v", err)
	}
}

func (sc *serverConn) hello(t testing.TB, interval time.Duration) {
	t.Helper()
	sc.mustSend(t, fmt.Sprintf(`{"op":10,"d":{"heartbeat_interval":%d},"s":null,"t":null}`, interval.Milliseconds()))
}

func (sc *serverConn) dispatch(t testing.TB, seq int64, typ string, d string) {
	t.Helper()
	sc.mustSend(t, fmt.Sprintf(`{"op":0,"s":%d,"t":%q,"d":%s}`, seq, typ, d))
}

func (sc *serverConn) ready(t testing.TB, g *fakeGateway, sessionID string) {
	t.Helper()
	sc.dispatch(t, 1, EventReady, fmt.Sprintf(
		`{"v":10,"user":{"id":"1","username":"novera","bot":true},"guilds":[],"session_id":%q,"resume_gateway_url":%q,"shard":[0,1],"application":{"id":"1","flags":0}}`,
		sessionID, g.ResumeURL()))
}

// expect reads the client's next non-heartbeat payload and checks its op.
func (sc *serverConn) expect(t testing.TB, op int) clientFrame {
	t.Helper()
	select {
	case f := <-sc.frames:
		if f.Op != op {
			t.Fatalf("client sent op %d (%s), want op %d", f.Op, redact(f.D), op)
		}
		return f
	case err := <-sc.closed:
		t.Fatalf("connection ended while waiting for op %d: %v", op, err)
	case <-time.After(waitTimeout):
		t.Fatalf("client did not send op %d", op)
	}
	return clientFrame{}
}

func (sc *serverConn) expectBeat(t testing.TB) clientFrame {
	t.Helper()
	select {
	case f := <-sc.beats:
		return f
	case <-time.After(waitTimeout):
		t.Fatal("client did not heartbeat")
	}
	return clientFrame{}
}

// identify completes a fresh session: HELLO, identify, READY.
func (sc *serverConn) identify(t testing.TB, g *fakeGateway, sessionID string) identifyData {
	t.Helper()
	sc.hello(t, time.Minute)
	var id identifyData
	if err := json.Unmarshal(sc.expect(t, OpIdentify).D, &id); err != nil {
		t.Fatalf("identify: %v", err)
	}
	sc.ready(t, g, sessionID)
	return id
}

// expectResume waits for op 6 and returns its d.
func (sc *serverConn) expectResume(t testing.TB) resumeData {
	t.Helper()
	var r resumeData
	if err := json.Unmarshal(sc.expect(t, OpResume).D, &r); err != nil {
		t.Fatalf("resume: %v", err)
	}
	return r
}

// close closes from the server side with code.
func (sc *serverConn) close(code int, reason string) {
	_ = sc.ws.Close(websocket.StatusCode(code), reason)
}

// clientCloseCode waits for the client to close and returns its code.
func (sc *serverConn) clientClose(t testing.TB) websocket.StatusCode {
	t.Helper()
	select {
	case err := <-sc.closed:
		return websocket.CloseStatus(err)
	case <-time.After(waitTimeout):
		t.Fatal("client did not close the connection")
		return 0
	}
}

func redact(b []byte) string { return strings.ReplaceAll(string(b), testToken, "<token>") }

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recorder is a Handler that records dispatches.
type recorder struct {
	ch  chan Dispatch
	err func(Dispatch) error
}

func newRecorder() *recorder { return &recorder{ch: make(chan Dispatch, 1024)} }

func (r *recorder) handle(_ context.Context, d Dispatch) error {
	r.ch <- d
	if r.err != nil {
		return r.err(d)
	}
	return nil
}

// next returns the next dispatch the handler got, skipping READY/RESUMED
// unless asked for them.
func (r *recorder) next(t testing.TB, typ string) Dispatch {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case d := <-r.ch:
			if d.Type == typ {
				return d
			}
			if d.Type != EventReady && d.Type != EventResumed {
				t.Fatalf("handler got %s (seq %d), want %s", d.Type, d.Seq, typ)
			}
		case <-deadline:
			t.Fatalf("handler did not get %s", typ)
		}
	}
}

// runningShard is a shard running in the background of a test.
type runningShard struct {
	*Shard
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

// testConfig is a config for g with fast waits; tests adjust it.
func testConfig(g *fakeGateway) Config {
	return Config{
		Token:              "Bot " + testToken,
		URL:                g.URL(),
		ShardID:            0,
		ShardCount:         1,
		Intents:            1<<0 | 1<<9 | 1<<15,
		MinReconnectWait:   time.Millisecond,
		MaxReconnectWait:   10 * time.Millisecond,
		InvalidSessionWait: func() time.Duration { return 30 * time.Millisecond },
		HandshakeTimeout:   waitTimeout,
	}
}

func startShard(t testing.TB, cfg Config, h Handler) *runningShard {
	t.Helper()
	logs := &syncBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := NewShard(cfg, h)
	if err != nil {
		t.Fatalf("NewShard: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rs := &runningShard{Shard: s, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { rs.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-rs.done:
		case <-time.After(15 * time.Second):
			t.Error("Run did not return after cancel")
		}
		if t.Failed() {
			t.Logf("shard logs:\n%s", logs.String())
		}
		if strings.Contains(logs.String(), testToken) {
			t.Errorf("the token appears in the logs")
		}
	})
	return rs
}

// wait returns Run's result.
func (rs *runningShard) wait(t testing.TB) error {
	t.Helper()
	select {
	case err := <-rs.done:
		rs.done <- err // keep it for the cleanup
		return err
	case <-time.After(waitTimeout):
		t.Fatal("Run did not return")
		return nil
	}
}

// waitState polls Status until it reaches want.
func (rs *runningShard) waitState(t testing.TB, want State) Status {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		st := rs.Status()
		if st.State == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("state %s (%s), want %s", st.State, st.Reason, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var errTest = errors.New("handler failure")
