package conformance

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
)

func TestDiscordPy(t *testing.T) { conform(t, discordPy) }

func TestDiscordJS(t *testing.T) { conform(t, discordJS) }

func TestDiscordgo(t *testing.T) { conform(t, discordgoClient) }

// scene is what every step of a client's run shares.
type scene struct {
	c    client
	srv  *discordsim.Server
	demo *discordsim.Demo
	bot  *bot
}

// conform runs the scenarios in order against one long-lived bot, as a real deployment would
// see them: later steps need the connection the first one made, so a failed step ends the run.
func conform(t *testing.T, c client) {
	if testing.Short() {
		t.Skip("real Discord clients in other processes: `make test` runs them")
	}
	t.Parallel()
	// A short heartbeat keeps the clients' first heartbeat (interval × random) inside the test.
	srv, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: 2 * time.Second})
	sc := &scene{c: c, srv: srv, demo: demo}
	steps := []struct {
		name string
		run  func(*testing.T, *scene)
	}{
		{"connects", stepConnects},
		{"answers a slash command", stepSlash},
		{"answers a prefix message", stepPrefix},
		{"resumes after op 7 without losing a dispatch", resumeAfter(discordsim.GatewayFault{Kind: discordsim.FaultReconnect})},
		{"resumes after close 4000 without losing a dispatch", resumeAfter(discordsim.GatewayFault{Kind: discordsim.FaultClose, Code: 4000})},
		{"resumes after a dropped connection without losing a dispatch", resumeAfter(discordsim.GatewayFault{Kind: discordsim.FaultDrop})},
		{"stops on close 4004", stepStopsOn4004},
	}
	sc.bot = c.start(t, srv, srv.Token())
	for _, st := range steps {
		if !t.Run(st.name, func(t *testing.T) { st.run(t, sc) }) {
			return
		}
	}
	// With its own process and a token the simulator refuses.
	t.Run("gives up on a bad token", func(t *testing.T) { stepBadToken(t, sc) })
}

func stepConnects(t *testing.T, sc *scene) {
	ready := sc.bot.wait(t, 20*time.Second, "READY", event("ready"))
	if want := sc.srv.BotUser().ID.String(); ready.UserID != want {
		t.Errorf("READY user id %q, want the bot's %s", ready.UserID, want)
	}
	guild := sc.demo.GuildID.String()
	sc.bot.wait(t, 10*time.Second, "GUILD_CREATE of the demo guild", func(r report) bool {
		return r.Event == "guild_create" && r.GuildID == guild
	})
	if ss := sc.srv.State().Sessions(); len(ss) != 1 || !ss[0].Connected {
		t.Errorf("simulator sessions %+v, want one connected", ss)
	}
}

func stepSlash(t *testing.T, sc *scene) {
	// The bot registers /echo itself (a bulk overwrite through its own REST client).
	synced := sc.bot.wait(t, 10*time.Second, "the bot's commands registered", event("commands_synced"))
	if len(synced.Names) != 1 || synced.Names[0] != "echo" {
		t.Errorf("registered %v, want [echo]", synced.Names)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ex, err := sc.srv.Slash(ctx, discordsim.SlashRequest{Text: `/echo text:"hello from discordsim"`})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ex.WaitAnswer(ctx)
	if err != nil {
		t.Fatalf("no answer to /echo: %v", err)
	}
	if r.Kind != discordsim.ReplyInteractionResponse || r.ResponseType != 4 {
		t.Errorf("answer kind %s type %d, want an interaction response of type 4", r.Kind, r.ResponseType)
	}
	if got, want := r.Message.Content, "echo: hello from discordsim"; got != want {
		t.Errorf("content %q, want %q", got, want)
	}
	if len(r.Message.Embeds) != 1 {
		t.Fatalf("embeds %+v, want one", r.Message.Embeds)
	}
	if e := r.Message.Embeds[0]; e.Title != "Echo" || e.Description != "hello from discordsim" || e.Color != 0x5865F2 {
		t.Errorf("embed %+v, want title Echo, the text and colour 0x5865F2", e)
	}
	id := ex.InteractionID.String()
	sc.bot.wait(t, 5*time.Second, "the bot's report of the interaction", func(r report) bool {
		return r.Event == "interaction" && r.ID == id && r.Text == "hello from discordsim"
	})
}

// ping posts "!ping" and returns the trigger's id once the bot has answered "pong" to it.
func ping(t *testing.T, sc *scene) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ex, err := sc.srv.Prefix(ctx, discordsim.MessageRequest{Content: "!ping"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ex.WaitAnswer(ctx)
	if err != nil {
		t.Fatalf("no answer to !ping: %v", err)
	}
	if r.Kind != discordsim.ReplyMessage || r.Message.Content != "pong" {
		t.Errorf("answer %s %q, want the message \"pong\"", r.Kind, r.Message.Content)
	}
	if ref := r.Message.MessageReference; ref == nil || ref.MessageID != ex.Trigger.ID {
		t.Errorf("reply references %+v, want message %s", ref, ex.Trigger.ID)
	}
	return ex.Trigger.ID.String()
}

func stepPrefix(t *testing.T, sc *scene) {
	id := ping(t, sc)
	r := sc.bot.wait(t, 5*time.Second, "the bot's report of the message", func(r report) bool {
		return r.Event == "message" && r.ID == id
	})
	if r.Content != "!ping" {
		t.Errorf("the bot read %q, want \"!ping\" (MESSAGE_CONTENT intent)", r.Content)
	}
}

// resumeAfter is the step that injects fault, posts messages while the client is away (or
// about to leave), and checks that the client resumed the same session and saw each message
// exactly once.
func resumeAfter(fault discordsim.GatewayFault) func(*testing.T, *scene) {
	return func(t *testing.T, sc *scene) { stepResume(t, sc, fault) }
}

func stepResume(t *testing.T, sc *scene, fault discordsim.GatewayFault) {
	before := sc.srv.State().Sessions()
	if len(before) != 1 {
		t.Fatalf("sessions before: %+v, want one", before)
	}
	resumed := sc.bot.count(event("resumed"))
	if n, err := sc.srv.InjectGatewayFault(fault); err != nil || n != 1 {
		t.Fatalf("inject %s: %d connections, %v", fault.Kind, n, err)
	}
	const away = 5
	ids := make([]string, 0, away)
	for i := range away {
		ex, err := sc.srv.Prefix(t.Context(), discordsim.MessageRequest{Content: fmt.Sprintf("while away %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ex.Trigger.ID.String())
	}
	if _, err := sc.bot.waitErr(t.Context(), 20*time.Second, func(report) bool { return sc.bot.count(event("resumed")) > resumed }); err != nil {
		t.Fatalf("no RESUMED within 20 s: %v", err)
	}
	if all, _ := sc.bot.snapshot(); all[len(all)-1].Replayed != nil {
		t.Logf("%s says the resume replayed %d dispatches", sc.c.name, *all[len(all)-1].Replayed)
	}
	// Dispatches arrive in order, so once the bot has answered a later message every
	// earlier one has been delivered: only then is "seen once" meaningful. A client may
	// still run its handlers concurrently (discordgo does, one goroutine per event), so a
	// handler of an earlier message can report after the ping's: each is awaited briefly.
	ping(t, sc)
	for i, id := range ids {
		seen := func(r report) bool { return r.Event == "message" && r.ID == id }
		_, _ = sc.bot.waitErr(t.Context(), 5*time.Second, seen)
		n := sc.bot.count(seen)
		if n != 1 {
			t.Errorf("message %d (%s) posted during the reconnect was seen %d times, want exactly once", i, id, n)
		}
	}
	after := sc.srv.State().Sessions()
	if len(after) != 1 || after[0].ID != before[0].ID || !after[0].Connected {
		t.Errorf("sessions after: %+v, want session %s resumed and connected (no new identify)", after, before[0].ID)
	}
}

func stepStopsOn4004(t *testing.T, sc *scene) {
	if !sc.c.gatewayGivesUp {
		t.Skipf("%s reconnects after 4004 by design (see DISCORD.md); Novera's own gateway client is checked for this instead", sc.c.name)
	}
	if n, err := sc.srv.InjectGatewayFault(discordsim.GatewayFault{Kind: discordsim.FaultClose, Code: 4004}); err != nil || n != 1 {
		t.Fatalf("close with 4004: %d connections, %v", n, err)
	}
	if err := sc.bot.waitExit(t, 15*time.Second); err == nil {
		t.Errorf("the client exited with status 0 after 4004; want an error")
	}
	stopped := sc.bot.wait(t, time.Second, "the bot's report of why it stopped", event("stopped"))
	if code(stopped) != "4004" {
		t.Errorf("stopped with %q (code %s), want close code 4004", stopped.Error, code(stopped))
	}
	for _, ss := range sc.srv.State().Sessions() {
		if ss.Connected {
			t.Errorf("session %s connected again after 4004", ss.ID)
		}
	}
}

func stepBadToken(t *testing.T, sc *scene) {
	start := time.Now()
	existing := map[string]bool{}
	for _, ss := range sc.srv.State().Sessions() {
		existing[ss.ID] = true
	}
	b := sc.c.start(t, sc.srv, "not-"+sc.srv.Token())
	if b.exited != nil {
		if err := b.waitExit(t, 20*time.Second); err == nil {
			t.Errorf("the client exited with status 0 on a bad token; want an error")
		}
	}
	stopped := b.wait(t, 5*time.Second, "the bot's report of why it stopped", event("stopped"))
	t.Logf("%s stopped after %v: %s (code %s)", sc.c.name, time.Since(start).Round(time.Millisecond), stopped.Error, code(stopped))
	// Discord bans an IP that sends too many unauthorised requests: a bad token must not be
	// retried.
	if refused := sc.srv.Requests(discordsim.RequestFilter{Status: 401, Since: start}); len(refused) > 2 {
		t.Errorf("%d requests refused with 401; a client must not retry a bad token", len(refused))
	}
	for _, ss := range sc.srv.State().Sessions() {
		if !existing[ss.ID] {
			t.Errorf("a session (%s) was opened with a bad token", ss.ID)
		}
	}
}
