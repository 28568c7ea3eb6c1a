package gateway

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	dgw "github.com/novera-bot/novera/libs/gateway"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// slashHeadpat is an application command interaction as Discord sends it, both over the
// websocket (as INTERACTION_CREATE's d) and to the HTTP endpoint.
const slashHeadpat = `{"id":"900","application_id":"9","type":2,"token":"itok","guild_id":"10","channel_id":"11",` +
	`"member":{"user":{"id":"2","username":"amy"},"roles":[],"permissions":"1024"},` +
	`"data":{"name":"headpat","options":[{"name":"member","type":6,"value":"3"}],"resolved":{"users":{"3":{"id":"3","username":"bo"}}}}}`

type httpEnv struct {
	svc *Service
	bus *bus.Bus
	h   http.Handler
	key ed25519.PrivateKey
}

// newHTTPEnv starts a NATS server and a gateway Service whose shards never run: the HTTP
// endpoint needs only the bus.
func newHTTPEnv(t *testing.T) *httpEnv {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := bus.Connect(t.Context(), natstest.Start(t), bus.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.EnsureStreams(t.Context()); err != nil {
		t.Fatal(err)
	}
	dc, err := discord.New(discord.Config{Token: "unused", APIURL: "http://127.0.0.1:1/api/v10"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Options{Token: "unused", Bus: b, Discord: dc, Registry: commands.Novera(), Health: admin.NewHealth(),
		Logger: log, InteractionsKey: pub})
	if err != nil {
		t.Fatal(err)
	}
	h, err := svc.InteractionsHandler()
	if err != nil {
		t.Fatal(err)
	}
	return &httpEnv{svc: svc, bus: b, h: h, key: priv}
}

// request builds a request signed the way Discord signs it, at timestamp ts.
func (e *httpEnv) request(body string, ts time.Time) *http.Request {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	r := httptest.NewRequest(http.MethodPost, "/interactions", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Signature-Timestamp", stamp)
	r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(e.key, []byte(stamp+body))))
	return r
}

func (e *httpEnv) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// count is the number of messages a stream holds.
func (e *httpEnv) count(t *testing.T, stream string) uint64 {
	t.Helper()
	st, err := e.bus.JetStream().Stream(t.Context(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func TestInteractionsHandlerRefuses(t *testing.T) {
	e := newHTTPEnv(t)
	now := time.Now()
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
	}{
		{"no signature", func() *http.Request {
			r := e.request(slashHeadpat, now)
			r.Header.Del("X-Signature-Ed25519")
			return r
		}, http.StatusUnauthorized},
		{"signature not hex", func() *http.Request {
			r := e.request(slashHeadpat, now)
			r.Header.Set("X-Signature-Ed25519", "zz")
			return r
		}, http.StatusUnauthorized},
		{"signed by another key", func() *http.Request {
			r := e.request(slashHeadpat, now)
			r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(otherKey, []byte(r.Header.Get("X-Signature-Timestamp")+slashHeadpat))))
			return r
		}, http.StatusUnauthorized},
		{"body changed after signing", func() *http.Request {
			r := e.request(slashHeadpat, now)
			tampered := strings.Replace(slashHeadpat, "headpat", "ban", 1)
			r.Body = io.NopCloser(strings.NewReader(tampered))
			r.ContentLength = int64(len(tampered))
			return r
		}, http.StatusUnauthorized},
		{"timestamp changed after signing", func() *http.Request {
			r := e.request(slashHeadpat, now)
			r.Header.Set("X-Signature-Timestamp", strconv.FormatInt(now.Unix()+1, 10))
			return r
		}, http.StatusUnauthorized},
		{"no timestamp", func() *http.Request {
			r := e.request(slashHeadpat, now)
			r.Header.Del("X-Signature-Timestamp")
			return r
		}, http.StatusUnauthorized},
		{"validly signed but six minutes old", func() *http.Request { return e.request(slashHeadpat, now.Add(-6*time.Minute)) }, http.StatusUnauthorized},
		{"validly signed six minutes ahead", func() *http.Request { return e.request(slashHeadpat, now.Add(6*time.Minute)) }, http.StatusUnauthorized},
		{"body over the cap", func() *http.Request {
			return e.request(`{"id":"1","type":2,"pad":"`+strings.Repeat("x", MaxInteractionBody)+`"}`, now)
		}, http.StatusRequestEntityTooLarge},
		{"signed but not JSON", func() *http.Request { return e.request(`{"id":`, now) }, http.StatusBadRequest},
		{"signed but without id", func() *http.Request { return e.request(`{"type":2}`, now) }, http.StatusBadRequest},
		{"GET", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/interactions", nil) }, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := e.serve(tt.req()); w.Code != tt.status {
				t.Fatalf("status %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tt.status)
			}
		})
	}
	if n := e.count(t, bus.StreamEvents) + e.count(t, bus.StreamCommands); n != 0 {
		t.Errorf("%d messages published from refused requests", n)
	}
}

func TestInteractionsHandlerPing(t *testing.T) {
	e := newHTTPEnv(t)
	w := e.serve(e.request(`{"id":"1","application_id":"9","type":1,"token":"t","version":1}`, time.Now()))
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"type":1}` || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("PING answered %d %q (%s)", w.Code, w.Body.String(), w.Header().Get("Content-Type"))
	}
	if n := e.count(t, bus.StreamEvents) + e.count(t, bus.StreamCommands); n != 0 {
		t.Errorf("a PING published %d messages", n)
	}
}

// The same interaction through the websocket and through HTTP (twice: Discord does not
// retry, but a proxy might) is one event and one command on the bus, identical to what
// the websocket path alone publishes.
func TestInteractionsHandlerSameInteractionBothWaysOnce(t *testing.T) {
	e := newHTTPEnv(t)
	err := e.svc.dispatch(t.Context(), dgw.Dispatch{Type: "INTERACTION_CREATE", Seq: 7, Data: []byte(slashHeadpat),
		ShardID: 0, SessionID: "s1", ReceivedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if w := e.serve(e.request(slashHeadpat, time.Now())); w.Code != http.StatusAccepted || w.Body.Len() != 0 {
			t.Fatalf("interaction answered %d %q, want 202 with no body", w.Code, w.Body.String())
		}
	}
	if n := e.count(t, bus.StreamEvents); n != 1 {
		t.Errorf("EVENTS holds %d messages, want 1", n)
	}
	if n := e.count(t, bus.StreamCommands); n != 1 {
		t.Fatalf("COMMANDS holds %d messages, want 1", n)
	}
	st, err := e.bus.JetStream().Stream(t.Context(), bus.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.GetMsg(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var cmd busv1.Command
	if err := proto.Unmarshal(m.Data, &cmd); err != nil {
		t.Fatal(err)
	}
	if m.Subject != "commands.fun.headpat" || cmd.Id != "900" || cmd.InteractionToken != "itok" || cmd.Source != busv1.Source_SOURCE_SLASH {
		t.Errorf("command on %s: %+v", m.Subject, &cmd)
	}
}

// An interaction that arrives only by HTTP is normalised as the websocket would do it.
func TestInteractionsHandlerPublishesCommand(t *testing.T) {
	e := newHTTPEnv(t)
	button := `{"id":"901","type":3,"token":"t2","guild_id":"10","member":{"user":{"id":"2"}},"message":{"id":"77"},"data":{"custom_id":"help:fun"}}`
	if w := e.serve(e.request(button, time.Now())); w.Code != http.StatusAccepted {
		t.Fatalf("status %d %q", w.Code, w.Body.String())
	}
	st, err := e.bus.JetStream().Stream(t.Context(), bus.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.GetMsg(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	var cmd busv1.Command
	if err := proto.Unmarshal(m.Data, &cmd); err != nil {
		t.Fatal(err)
	}
	if m.Subject != "commands.community.help" || cmd.Source != busv1.Source_SOURCE_COMPONENT || cmd.ComponentMessageId != "77" {
		t.Errorf("command on %s: %+v", m.Subject, &cmd)
	}
}

// When the bus cannot take the interaction, Discord is told so (it then shows the user
// that the interaction failed) rather than left waiting for an answer that never comes.
func TestInteractionsHandlerBusDown(t *testing.T) {
	e := newHTTPEnv(t)
	e.bus.Close()
	start := time.Now()
	if w := e.serve(e.request(slashHeadpat, time.Now())); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", w.Code)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v: past Discord's 3 seconds", d)
	}
}

func TestInteractionsHandlerNeedsKey(t *testing.T) {
	s := &Service{}
	if _, err := s.InteractionsHandler(); err == nil {
		t.Fatal("a handler without a public key")
	}
	if _, err := ParsePublicKey("abc"); err == nil {
		t.Fatal("accepted a short key")
	}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	if k, err := ParsePublicKey(hex.EncodeToString(pub)); err != nil || !k.Equal(pub) {
		t.Fatalf("ParsePublicKey: %v", err)
	}
}
