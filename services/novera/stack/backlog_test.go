package stack

import (
	"context"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
)

// TestGatewayHoldsQueuedInteractionsOpen: a slash command no worker picks up in time (its
// service is down here; a backlog beyond the workers' capacity is the same to the
// gateway) is deferred by the gateway before Discord's 3 seconds run out, and answered as
// an edit of that frame once a worker takes it.
func TestGatewayHoldsQueuedInteractionsOpen(t *testing.T) {
	e := newEnv(t, Gateway, Community, League, Moderation) // no fun worker: /headpat waits
	x, err := e.sim.Slash(t.Context(), discordsim.SlashRequest{UserID: e.member("player1"),
		Text: "/headpat member:<@" + e.member("player2").String() + ">"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	rs, err := x.Wait(ctx, 1)
	if err != nil {
		t.Fatalf("nothing held the interaction open: %v", err)
	}
	if age := rs[0].Time.Sub(x.Sent()); !rs[0].Deferred || age >= 3*time.Second || age < time.Second {
		t.Fatalf("first response %+v after %v; want the gateway's deferral between 1 and 3 s", rs[0], age)
	}

	e.stop()
	e.start() // every service: the fun worker finds the command waiting
	answer := e.answer(x, nil)
	if answer.Kind != discordsim.ReplyEdit || len(answer.Message.Embeds) == 0 {
		t.Fatalf("the answer should edit the gateway's frame: %+v", answer)
	}
	if got := e.pats("player2"); got != 1 {
		t.Errorf("pats = %d, want 1", got)
	}
}
