package discordsim

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestCloseLeavesNoGoroutines is not parallel: parallel tests are paused while it runs, so the
// goroutine count is stable.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := New(Options{HeartbeatInterval: time.Second})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	demo, _ := srv.SeedDemo()
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Get(srv.URL() + "/_sim/state")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c, _, err := websocket.Dial(context.Background(), srv.GatewayURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g := &testGW{t: t, c: c}
	g.read()
	g.identify(srv.Token(), IntentGuilds, nil)
	g.expect("READY")
	if _, err := srv.Prefix(context.Background(), MessageRequest{GuildID: demo.GuildID, Content: "hi"}); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	srv.Close() // idempotent
	_ = c.CloseNow()
	client.CloseIdleConnections()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	if err := srv.Start(context.Background()); err == nil {
		t.Fatal("Start after Close must fail")
	}
}

func TestStartContextEndsServer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	srv := New(Options{})
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := http.Get(srv.URL() + "/_sim/state"); err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("server still serving after its context ended")
}

func TestResumeWindowExpires(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{ResumeWindow: 50 * time.Millisecond})
	g, sessionID := connectBot(t, srv, IntentGuilds)
	g.c.Close(4000, "")
	if err := srv.WaitFor(testCtx(t), func(s *State) bool { return len(s.Sessions()) == 0 }); err != nil {
		t.Fatal(err)
	}
	g2 := dialGW(t, srv, "")
	g2.send(map[string]any{"op": opResume, "d": map[string]any{"token": srv.Token(), "session_id": sessionID, "seq": 2}})
	if f := g2.read(); f.Op != opInvalidSession {
		t.Fatalf("op %d, want 9", f.Op)
	}
}

func TestDirectMessageCommands(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	api(t, srv, "PUT", "/applications/"+srv.Application().ID.String()+"/commands", []Command{{Name: "profile", Description: "Your profile"}}, nil)
	registerCommands(t, srv, demo.GuildID, testCommands())
	bot, _ := connectBot(t, srv, IntentDirectMessages)
	ctx := testCtx(t)

	ex, err := srv.Prefix(ctx, MessageRequest{DM: true, UserID: demo.Members["player2"], Content: "hello bot"})
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ChannelID Snowflake `json:"channel_id"`
		GuildID   Snowflake `json:"guild_id"`
		Content   string
	}
	bot.expect("MESSAGE_CREATE").decode(t, &m)
	dm, ok := srv.State().DMChannel(demo.Members["player2"])
	if !ok || m.ChannelID != dm.ID || m.GuildID != 0 || m.Content != "hello bot" || ex.ChannelID != dm.ID {
		t.Fatalf("DM message %+v", m)
	}

	if _, err := srv.Slash(ctx, SlashRequest{DM: true, UserID: demo.Members["player2"], Text: "/profile"}); err != nil {
		t.Fatal(err)
	}
	ip := readInteraction(t, bot)
	if ip.User == nil || ip.User.ID != demo.Members["player2"] || ip.Member != nil || ip.GuildID != 0 || ip.ChannelID != dm.ID {
		t.Fatalf("DM interaction %+v", ip)
	}
	// Guild commands are not offered in DMs.
	if _, err := srv.Slash(ctx, SlashRequest{DM: true, Text: "/headpat member:player3"}); err == nil {
		t.Fatal("guild command in a DM must fail")
	}
}
