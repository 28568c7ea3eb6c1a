package stack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// The clanker roast: off by default; when on, a roast line by line; a repeat within 30 s
// gets short retorts instead.
func TestClankerRoast(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	general := e.demo.Channels["general"]
	bot := e.sim.BotUser().ID
	botLines := func() []discordsim.Message {
		var out []discordsim.Message
		for _, m := range e.sim.State().Messages(general) {
			if m.Author.ID == bot && m.MessageReference == nil && m.InteractionID == 0 {
				out = append(out, m)
			}
		}
		return out
	}
	say := func(text string) {
		t.Helper()
		if _, err := e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("player1"), Content: text}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	drained := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		defer cancel()
		for {
			c, err := b.JetStream().Consumer(ctx, bus.StreamEvents, "fun-answers")
			if err == nil {
				if info, err := c.Info(ctx); err == nil && info.NumPending == 0 && info.NumAckPending == 0 {
					return
				}
			}
			if ctx.Err() != nil {
				t.Fatal("fun's event consumer did not drain")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	say("what a clanker")
	drained()
	if n := len(botLines()); n != 0 {
		t.Fatalf("roasted while switched off: %d lines", n)
	}
	cfg, err := guildconfig.Open(t.Context(), e.pool)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Set(t.Context(), e.demo.GuildID.String(), "feature.clanker_roasts", "on", "test"); err != nil {
		t.Fatal(err)
	}
	say("what a Clanker honestly")
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := e.sim.WaitFor(ctx, func(*discordsim.State) bool { return len(botLines()) >= 3 }); err != nil {
		t.Fatalf("no roast: %v", err)
	}
	drained()
	roast := len(botLines())
	for _, m := range botLines() {
		if strings.Contains(m.Content, "<@") {
			t.Errorf("a roast line mentions someone: %q", m.Content)
		}
	}
	say("clankers everywhere")
	drained()
	if err := e.sim.WaitFor(ctx, func(*discordsim.State) bool { return len(botLines()) == roast+1 }); err != nil {
		t.Fatalf("a repeat within 30 s should get one short retort: %d lines after the roast's %d", len(botLines()), roast)
	}
	say("no clanker-free zone")
	drained()
	if err := e.sim.WaitFor(ctx, func(*discordsim.State) bool { return len(botLines()) == roast+2 }); err != nil {
		t.Fatalf("retort mode should last: %d lines", len(botLines()))
	}
}
