package discordsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// newTestServer starts a simulator seeded with the demo guild. The heartbeat interval is long
// so that test clients that never heartbeat are not dropped mid-test.
func newTestServer(t *testing.T, opts Options) (*Server, *Demo) {
	t.Helper()
	if opts.HeartbeatInterval == 0 {
		opts.HeartbeatInterval = 30 * time.Second
	}
	srv := New(opts)
	// Not t.Context(): it ends before cleanups run, and bots registered later must stop
	// before the simulator does.
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(srv.Close)
	demo, err := srv.SeedDemo()
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return srv, demo
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type gwFrame struct {
	Op int             `json:"op"`
	T  *string         `json:"t"`
	S  *int64          `json:"s"`
	D  json.RawMessage `json:"d"`
}

func (f gwFrame) name() string {
	if f.T == nil {
		return ""
	}
	return *f.T
}

func (f gwFrame) seq() int64 {
	if f.S == nil {
		return -1
	}
	return *f.S
}

func (f gwFrame) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(f.D, v); err != nil {
		t.Fatalf("decode %s payload: %v\n%s", f.name(), err, f.D)
	}
}

// testGW is a raw gateway client built on coder/websocket.
type testGW struct {
	t     *testing.T
	c     *websocket.Conn
	hello gwFrame
}

func dialGW(t *testing.T, srv *Server, query string) *testGW {
	t.Helper()
	u := srv.GatewayURL() + "?v=10&encoding=json" + query
	c, _, err := websocket.Dial(testCtx(t), u, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	c.SetReadLimit(1 << 22)
	t.Cleanup(func() { _ = c.CloseNow() })
	g := &testGW{t: t, c: c}
	g.hello = g.read()
	if g.hello.Op != opHello {
		t.Fatalf("first frame op = %d, want HELLO", g.hello.Op)
	}
	return g
}

func (g *testGW) send(v any) {
	g.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		g.t.Fatal(err)
	}
	g.sendRaw(b)
}

func (g *testGW) sendRaw(b []byte) {
	g.t.Helper()
	if err := g.c.Write(testCtx(g.t), websocket.MessageText, b); err != nil {
		g.t.Fatalf("write: %v", err)
	}
}

func (g *testGW) read() gwFrame {
	g.t.Helper()
	f, err := g.tryRead(5 * time.Second)
	if err != nil {
		g.t.Fatalf("read: %v", err)
	}
	return f
}

func (g *testGW) tryRead(d time.Duration) (gwFrame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, data, err := g.c.Read(ctx)
	if err != nil {
		return gwFrame{}, err
	}
	var f gwFrame
	if err := json.Unmarshal(data, &f); err != nil {
		return gwFrame{}, err
	}
	return f, nil
}

// next reads the next dispatch, skipping heartbeat ACKs.
func (g *testGW) next() gwFrame {
	g.t.Helper()
	for {
		f := g.read()
		if f.Op != opHeartbeatACK {
			return f
		}
	}
}

// expect reads the next dispatch and checks its type.
func (g *testGW) expect(name string) gwFrame {
	g.t.Helper()
	f := g.next()
	if f.Op != opDispatch || f.name() != name {
		g.t.Fatalf("got op %d %q, want dispatch %s: %s", f.Op, f.name(), name, truncate(f.D))
	}
	return f
}

func (g *testGW) expectClose(code websocket.StatusCode) {
	g.t.Helper()
	for {
		_, err := g.tryRead(5 * time.Second)
		if err == nil {
			continue
		}
		if got := websocket.CloseStatus(err); got != code {
			g.t.Fatalf("closed with %d (%v), want %d", got, err, code)
		}
		return
	}
}

func (g *testGW) identify(token string, intents Intents, extra map[string]any) {
	d := map[string]any{"token": token, "intents": intents,
		"properties": map[string]string{"os": "linux", "browser": "test", "device": "test"}}
	for k, v := range extra {
		d[k] = v
	}
	g.send(map[string]any{"op": opIdentify, "d": d})
}

// connectBot dials, identifies and consumes READY and the GUILD_CREATEs.
func connectBot(t *testing.T, srv *Server, intents Intents) (*testGW, string) {
	t.Helper()
	g := dialGW(t, srv, "")
	g.identify(srv.Token(), intents, nil)
	ready := g.expect("READY")
	var r struct {
		SessionID string `json:"session_id"`
		Guilds    []any  `json:"guilds"`
	}
	ready.decode(t, &r)
	if intents.Has(IntentGuilds) {
		for range r.Guilds {
			g.expect("GUILD_CREATE")
		}
	}
	return g, r.SessionID
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// api performs a REST call with the bot token and decodes the JSON answer into out (if
// non-nil).
func api(t *testing.T, srv *Server, method, path string, body any, out any) (int, http.Header) {
	t.Helper()
	return apiAuth(t, srv, "Bot "+srv.Token(), method, path, body, out)
}

func apiAuth(t *testing.T, srv *Server, auth, method, path string, body any, out any) (int, http.Header) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(testCtx(t), method, srv.APIURL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode, resp.Header
}

// apiErr is Discord's error body.
type apiErrBody struct {
	Message string         `json:"message"`
	Code    int            `json:"code"`
	Errors  map[string]any `json:"errors"`
}

// expectAPIError checks a REST call fails with the given status and JSON code.
func expectAPIError(t *testing.T, srv *Server, method, path string, body any, status, code int) apiErrBody {
	t.Helper()
	var e apiErrBody
	got, _ := api(t, srv, method, path, body, &e)
	if got != status || e.Code != code {
		t.Fatalf("%s %s: got %d code %d (%q), want %d code %d", method, path, got, e.Code, e.Message, status, code)
	}
	return e
}

// registerCommands registers guild commands for the demo guild through REST.
func registerCommands(t *testing.T, srv *Server, guildID Snowflake, cmds []Command) []Command {
	t.Helper()
	var out []Command
	path := "/applications/" + srv.Application().ID.String() + "/guilds/" + guildID.String() + "/commands"
	if st, _ := api(t, srv, "PUT", path, cmds, &out); st != http.StatusOK {
		t.Fatalf("register commands: status %d", st)
	}
	return out
}

func isTimeout(err error) bool { return errors.Is(err, context.DeadlineExceeded) }
