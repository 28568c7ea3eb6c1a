package stack

import (
	"context"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
)

// A command still working after half a second first shows the thinking frame (a deferred
// response for a slash command, "typing…" for a prefix command) and then its answer, as
// an edit of that frame: the interaction never runs into Discord's three seconds.
func TestSlowCommandShowsThinkingFrame(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	target := "<@" + e.member("player2").String() + ">"
	e.slash("player1", "/headpat member:"+target) // creates today's row, which we then lock

	// Hold the row so the next headpat's upsert waits well past the half second.
	slow := func(fire func() (*discordsim.Exchange, error)) *discordsim.Exchange {
		t.Helper()
		tx, err := e.pool.Begin(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(t.Context(), `SELECT count FROM fun.headpats WHERE user_id = $1 FOR UPDATE`, e.member("player2").String()); err != nil {
			t.Fatal(err)
		}
		x, err := fire()
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(1200 * time.Millisecond) // the handler is blocked on the lock meanwhile
		if err := tx.Commit(context.Background()); err != nil {
			t.Fatal(err)
		}
		return x
	}

	slashAt := time.Now()
	x := slow(func() (*discordsim.Exchange, error) {
		return e.sim.Slash(t.Context(), discordsim.SlashRequest{UserID: e.member("player1"), Text: "/headpat member:" + target})
	})
	answer := e.answer(x, nil)
	// The worker knows it deferred, so the answer goes straight to the edit: one callback
	// (the frame), none refused as already acknowledged.
	callbacks := e.sim.Requests(discordsim.RequestFilter{Method: "POST", Route: "/interactions/{interaction_id}/{interaction_token}/callback", Since: slashAt})
	if len(callbacks) != 1 {
		var statuses []int
		for _, r := range callbacks {
			statuses = append(statuses, r.Status)
		}
		t.Errorf("%d interaction callbacks for a deferred command (statuses %v), want 1: the frame", len(callbacks), statuses)
	}
	replies := x.Replies()
	if len(replies) < 2 || !replies[0].Deferred {
		t.Fatalf("want a deferral before the answer, got %+v", replies)
	}
	if len(answer.Message.Embeds) == 0 || answer.Kind != discordsim.ReplyEdit {
		t.Errorf("the answer should edit the thinking frame: %+v", answer)
	}
	if got := e.pats("player2"); got != 2 {
		t.Errorf("pats = %d, want 2", got)
	}

	since := time.Now()
	x = slow(func() (*discordsim.Exchange, error) {
		return e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("player1"), Content: "!headpat " + target})
	})
	e.answer(x, nil)
	typing := e.sim.Requests(discordsim.RequestFilter{Method: "POST", Route: "/channels/{channel_id}/typing", Since: since})
	if len(typing) != 1 {
		t.Errorf("%d typing indicators for a slow prefix command, want 1", len(typing))
	}

	// A fast command shows no frame.
	x, err := e.sim.Slash(t.Context(), discordsim.SlashRequest{UserID: e.member("player1"), Text: "/confess"})
	e.answer(x, err)
	if r := x.Replies(); len(r) != 1 || r[0].Deferred {
		t.Errorf("fast command: %+v", r)
	}
}
