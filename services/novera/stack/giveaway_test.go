package stack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/discordsim"
)

// A giveaway: staff start it, members enter once each with the button, and the draw
// happens exactly once, even when the end falls while the community service is down.
func TestGiveawayDrawnOnceAfterDowntime(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	for _, bad := range []struct{ text, want string }{
		{"/giveaway duration:5x prize:Boots", "`5x`"},
		{"/giveaway duration:-3m prize:Boots", "negative"},
		{"/giveaway duration:90d prize:Boots", "30 days"},
	} {
		if got := e.slash("staff", bad.text).Message.Embeds[0].Description; !strings.Contains(got, bad.want) {
			t.Errorf("%s: %q lacks %q", bad.text, got, bad.want)
		}
	}
	if got := e.slash("player1", "/giveaway duration:1h prize:Boots").Message.Embeds[0].Description; !strings.Contains(got, "staff") {
		t.Errorf("a player started a giveaway: %q", got)
	}
	var n int
	if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM community.giveaways`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refused giveaways stored: %d %v", n, err)
	}

	board := e.slash("staff", "/giveaway duration:1h prize:Golden boots")
	if len(board.Message.Components) == 0 || !strings.Contains(board.Message.Embeds[0].Description, "Golden boots") {
		t.Fatalf("giveaway board: %+v", board.Message)
	}
	enter := func(user string) string {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		x, err := e.sim.Click(ctx, discordsim.ClickRequest{ChannelID: board.ChannelID, MessageID: board.MessageID,
			CustomID: board.Message.Components[0].Components[0].CustomID, UserID: e.member(user)})
		return e.answer(x, err).Message.Embeds[0].Description
	}
	first := enter("player1")
	enter("player2")
	if again := enter("player1"); again == first {
		t.Errorf("a second entry got the same answer as the first: %q", again)
	}
	if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM community.giveaway_entries`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("entries = %d, want 2 (%v)", n, err)
	}

	// The service goes down; the giveaway's end passes; it comes back.
	e.stop()
	if _, err := e.pool.Exec(t.Context(), `UPDATE community.timers SET due_at = now() - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	e.start()
	announced := func() []discordsim.Message {
		var out []discordsim.Message
		for _, m := range e.sim.State().Messages(board.ChannelID) {
			for _, em := range m.Embeds {
				if em.Footer != nil && em.Footer.Text == board.Message.Embeds[0].Footer.Text && m.ID != board.MessageID {
					out = append(out, m)
				}
			}
		}
		return out
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := e.sim.WaitFor(ctx, func(*discordsim.State) bool { return len(announced()) > 0 }); err != nil {
		t.Fatalf("no draw after the restart: %v", err)
	}
	var winner string
	if err := e.pool.QueryRow(t.Context(), `SELECT winner_id FROM community.giveaways`).Scan(&winner); err != nil {
		t.Fatal(err)
	}
	if winner != e.member("player1").String() && winner != e.member("player2").String() {
		t.Errorf("winner %q did not enter", winner)
	}
	if !strings.Contains(announced()[0].Embeds[0].Description, winner) {
		t.Errorf("announcement %q does not name the winner", announced()[0].Embeds[0].Description)
	}

	// Another restart draws nothing again.
	e.stop()
	e.start()
	b, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	e.waitDrained(b, Community)
	if got := len(announced()); got != 1 {
		t.Errorf("%d announcements, want 1", got)
	}
	enter("player3") // too late: answered, not entered
	if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM community.giveaway_entries`).Scan(&n); err != nil || n != 2 {
		t.Errorf("entries after the draw = %d, want 2 (%v)", n, err)
	}
}
