package stack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// help lists only what the member may use on this server, comes from the same registry
// as the slash commands, and its select menu swaps the embed in place.
func TestHelp(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	text := func(r discordsim.Reply) string {
		var b strings.Builder
		for _, em := range r.Message.Embeds {
			b.WriteString(em.Description)
			for _, f := range em.Fields {
				b.WriteString(f.Name + "\n" + f.Value + "\n")
			}
		}
		return b.String()
	}
	player := text(e.slash("player1", "/help"))
	staff := text(e.prefix("staff", "!help"))
	for _, c := range commands.Novera().All() {
		listed := strings.Contains(staff, "!"+c.Name)
		if !listed {
			t.Errorf("staff help lacks %s", c.Name)
		}
		if c.Access == commands.Staff && strings.Contains(player, "!"+c.Name+" ") || c.Access == commands.Staff && strings.Contains(player, "!"+c.Name+"`") {
			t.Errorf("player help lists staff command %s", c.Name)
		}
	}
	// Everything help lists is a registered slash command: help cannot invent commands.
	registered := map[string]bool{}
	for _, c := range e.sim.State().Commands(0) {
		registered[c.Name] = true
	}
	for _, line := range strings.Split(staff, "\n") {
		if i := strings.Index(line, "`!"); i >= 0 {
			name := strings.Fields(line[i+2:])[0]
			name = strings.TrimSuffix(name, "`")
			if !registered[name] {
				t.Errorf("help lists %q, which is not registered", name)
			}
		}
	}

	// A disabled command disappears from help.
	cfg, err := guildconfig.Open(t.Context(), e.pool)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Set(t.Context(), e.demo.GuildID.String(), "disabled_commands", "spank", "test"); err != nil {
		t.Fatal(err)
	}
	if got := text(e.prefix("player1", "!help")); strings.Contains(got, "!spank") {
		t.Error("disabled spank still listed")
	}

	// The select menu swaps the embed to one category.
	x, err := e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("player1"), Content: "!help"})
	r := e.answer(x, err)
	if len(r.Message.Components) == 0 {
		t.Fatal("no select menu")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	click, err := e.sim.Click(ctx, discordsim.ClickRequest{ChannelID: r.ChannelID, MessageID: r.MessageID,
		CustomID: "help:category", UserID: e.member("player1"), Values: []string{"Fun"}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := click.WaitAnswer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fields := u.Message.Embeds[0].Fields; len(fields) == 0 || fields[0].Name != "Fun" || strings.Contains(text(u), "League") {
		t.Errorf("after choosing Fun: %+v", fields)
	}
	if u.MessageID != r.MessageID {
		t.Errorf("the help message was not edited in place")
	}
}
