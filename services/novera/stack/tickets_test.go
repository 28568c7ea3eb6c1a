package stack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
)

// Team tickets: staff post the panel; its buttons open modals; valid forms are stored,
// summarised to the member and logged; invalid ones are refused and store nothing.
func TestTeamTickets(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	if got := e.slash("player1", "/tickets panel").Message.Embeds[0].Description; !strings.Contains(got, "staff") {
		t.Errorf("a player posted the panel: %q", got)
	}
	panel := e.slash("staff", "/tickets panel")
	if len(panel.Message.Components) == 0 || len(panel.Message.Components[0].Components) != 2 {
		t.Fatalf("panel: %+v", panel.Message.Components)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	form := func(button string, values map[string]string) discordsim.Reply {
		t.Helper()
		click, err := e.sim.Click(ctx, discordsim.ClickRequest{ChannelID: panel.ChannelID, MessageID: panel.MessageID, CustomID: button, UserID: e.member("player1")})
		if err != nil {
			t.Fatal(err)
		}
		modal := e.answer(click, nil)
		if modal.Kind != discordsim.ReplyModal || modal.Modal == nil {
			t.Fatalf("%s opened no modal: %+v", button, modal)
		}
		x, err := e.sim.SubmitModal(ctx, discordsim.ModalSubmitRequest{InteractionID: click.InteractionID, Values: values})
		return e.answer(x, err)
	}
	count := func(table string) int {
		var n int
		if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM community.`+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	team := map[string]string{"name": "Night Owls", "cf": "player1", "wingers": "player2, player3", "cm": "player4", "gk": "player5"}
	r := form("tickets:create", team)
	if !r.Ephemeral || !strings.Contains(r.Message.Embeds[0].Title, "Night Owls") {
		t.Errorf("summary: %+v", r)
	}
	if r := form("tickets:create", team); !strings.Contains(r.Message.Embeds[0].Description, "already exists") {
		t.Errorf("duplicate team: %q", r.Message.Embeds[0].Description)
	}
	// A name over 50 characters cannot be typed: Discord enforces the input's max length
	// (the simulator too); the service checks it again (TestTeamName).
	if got := count("teams"); got != 1 {
		t.Errorf("%d teams stored, want 1", got)
	}

	four := form("tickets:join", map[string]string{"team": "Night Owls", "players": "a\nb\nc\nd"})
	if !strings.Contains(four.Message.Embeds[0].Description, "exactly 3") {
		t.Errorf("four players: %q", four.Message.Embeds[0].Description)
	}
	if got := count("tournament_entries"); got != 0 {
		t.Fatalf("a refused entry was stored")
	}
	form("tickets:join", map[string]string{"team": "Night Owls", "players": "player1, player2, player3"})
	if got := count("tournament_entries"); got != 1 {
		t.Errorf("%d tournament entries, want 1", got)
	}
	// The summary reaches the member first; the mod-log copy follows it.
	logged := func() int {
		n := 0
		for _, m := range e.sim.State().Messages(e.demo.Channels["mod-log"]) {
			if len(m.Embeds) > 0 && strings.Contains(m.Embeds[0].Title, "Night Owls") {
				n++
			}
		}
		return n
	}
	if err := e.sim.WaitFor(ctx, func(*discordsim.State) bool { return logged() == 2 }); err != nil {
		t.Errorf("%d mod-log entries, want 2 (the team and the tournament entry)", logged())
	}
}
