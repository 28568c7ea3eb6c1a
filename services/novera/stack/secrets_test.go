package stack

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"github.com/novera-bot/novera/libs/pglocal/pgtest"
	"github.com/novera-bot/novera/libs/store"
)

// secretToken is recognisable anywhere it might turn up; wrongToken is a token Discord
// refuses, which is exactly when a careless error message would print it.
const (
	secretToken = "SECRET-TOKEN-abc123.Zq9xW7.leak-canary-5b1d"
	wrongToken  = "SECRET-WRONG-TOKEN-def456.Yp8vU6.leak-canary-7c2e"
)

// leakBuffer is a log destination shared by every service's goroutines.
type leakBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *leakBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *leakBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The bot token and the application's public key never appear in logs, traces, metrics,
// health output or replies, across a spread of the suite's scenarios: commands of every
// service by both front doors, permission refusals, bad input, unknown commands, malformed
// dispatches, Discord REST failures, and a token Discord refuses.
func TestSecretsNeverLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	publicKey := hex.EncodeToString(pub)
	logs := &leakBuffer{}
	// Debug, so nothing a more verbose deployment would write escapes the check.
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	sim, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: time.Second, Token: secretToken, PublicKey: publicKey})
	e := &env{t: t, sim: sim, demo: demo, spans: tracetest.NewInMemoryExporter()}
	e.opts = Options{Token: sim.Token(), APIURL: sim.APIURL(), NATSURL: natstest.Start(t), DatabaseURL: pgtest.URL(t),
		SpanExporter: e.spans, Logger: logger, AdminAddr: "127.0.0.1:0"}
	pool, err := store.Open(t.Context(), e.opts.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e.pool = pool
	cfg, err := guildconfig.Open(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	if err := ConfigureDemo(t.Context(), cfg, demo); err != nil {
		t.Fatal(err)
	}
	e.start()

	var replies []string
	record := func(text string, x *discordsim.Exchange, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		r, err := x.WaitAnswer(ctx)
		if err != nil {
			// Not this test's concern: what matters is what was said, if anything.
			t.Logf("no answer to %.40q: %v", text, err)
			return
		}
		replies = append(replies, fmt.Sprintf("%+v", r))
	}
	slash := func(user, text string) {
		x, err := e.sim.Slash(t.Context(), discordsim.SlashRequest{UserID: e.member(user), Text: text})
		record(text, x, err)
	}
	prefix := func(user, text string) {
		x, err := e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member(user), Content: text})
		record(text, x, err)
	}
	p2 := "<@" + e.member("player2").String() + ">"

	slash("player1", "/help")
	prefix("staff", "!help")
	slash("player1", "/headpat member:"+p2)
	prefix("player1", "!headpat "+p2)
	slash("player1", "/rankings")
	prefix("player1", "!checkvalue")
	slash("player2", "/activity")
	prefix("player1", "!spill")
	// Refusals and mistakes: the replies that carry error text.
	slash("player1", "/modhelp")
	slash("player1", "/mute member:"+p2+" duration:10m")
	prefix("player1", "!mute "+p2+" 10m")
	prefix("player1", "!setvalue "+p2+" 5")
	prefix("player1", "!config set prefix ?")
	prefix("player1", "!dance")
	prefix("player1", "!headpat everyone")
	prefix("moderator", "!mute "+p2+" 1048576w")
	prefix("player1", "!headpat "+strings.Repeat("pat", 1330)+"p")
	// Malformed dispatches are logged with what was wrong with them.
	if _, err := e.sim.Dispatch(e.demo.GuildID, "INTERACTION_CREATE", map[string]any{"id": "not-a-snowflake", "type": 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.SendRawFrame(e.demo.GuildID, []byte(`{"op":0,"t":"MESSAGE_CREATE","s":`)); err != nil {
		t.Fatal(err)
	}
	// Discord failing: errors and retries of REST calls are logged and traced.
	if _, err := e.sim.AddRESTFault(discordsim.RESTFault{Status: 500, Count: 2}); err != nil {
		t.Fatal(err)
	}
	slash("player1", "/headpat member:"+p2)
	prefix("player1", "!headpat "+p2)
	slash("player1", "/help")

	// Spans are exported in batches, and the in-memory exporter forgets them at shutdown:
	// read them while the stack runs, once the last exchange's spans are in.
	var spanList tracetest.SpanStubs
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if spanList = e.spans.GetSpans(); len(spanList) > 0 {
			break
		}
	}
	time.Sleep(500 * time.Millisecond)
	spanList = e.spans.GetSpans()
	metrics := getBody(t, "http://"+e.stack.Admin.Addr()+"/metrics")
	health := getBody(t, "http://"+e.stack.Admin.Addr()+"/readyz") + getBody(t, "http://"+e.stack.Admin.Addr()+"/livez")
	e.stop()

	// A token Discord refuses: the gateway says so, once, without the token.
	wrong := e.opts
	wrong.Token, wrong.Services, wrong.AdminAddr = wrongToken, []string{Gateway}, ""
	st, err := Start(t.Context(), wrong)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "401") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	readyz := st.Ready(t.Context()).Summary()
	if err := st.Stop(t.Context()); err != nil {
		t.Logf("stopping the refused gateway: %v", err)
	}
	if !strings.Contains(logs.String(), "401") {
		t.Error("the refused token was not reported in the logs")
	}

	var spans strings.Builder
	for _, s := range spanList {
		fmt.Fprintf(&spans, "%s %v %v %+v %+v\n", s.Name, s.Attributes, s.Status, s.Events, s.Resource.Attributes())
	}
	if len(spanList) == 0 || len(replies) < 10 || logs.String() == "" || metrics == "" {
		t.Fatalf("captured too little to prove anything: %d spans, %d replies, %d bytes of logs, %d of metrics",
			len(spanList), len(replies), len(logs.String()), len(metrics))
	}
	captured := map[string]string{
		"logs": logs.String(), "spans": spans.String(), "metrics": metrics, "health": health + readyz,
		"replies": strings.Join(replies, "\n"),
	}
	// The whole token and its distinctive parts: a leak may be cut or encoded.
	needles := []string{secretToken, "Zq9xW7", "leak-canary-5b1d", wrongToken, "Yp8vU6", "leak-canary-7c2e", publicKey, publicKey[:16]}
	for where, text := range captured {
		for _, n := range needles {
			if i := strings.Index(text, n); i >= 0 {
				t.Errorf("%s contain %q: …%s…", where, n, text[max(0, i-200):min(len(text), i+len(n)+50)])
			}
		}
	}
}

// getBody GETs url and returns its body.
func getBody(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
