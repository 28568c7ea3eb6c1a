package stack

import (
	"context"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
)

// Reactions on fun replies teach the server's taste: the liked tier's score rises and it
// is then picked most of the time (the exact 70 % share is tested in libs/persona). The
// replies alternate between slash and prefix commands, whose messages are tied to their
// tier at their first reaction through the interaction they answer and the message they
// reply to. Likes on a member's message and on a reply that picked no tier count for
// nothing, a like taken back is taken off, and replies nobody reacts to are never tied
// (that would be work for every answer the bot sends).
func TestReactionsTeachTiers(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	tierOf := func(eventID string) int {
		var tier int
		if err := e.pool.QueryRow(t.Context(), `SELECT tier FROM fun.reply_tiers WHERE event_id = $1`, eventID).Scan(&tier); err != nil {
			t.Fatalf("no tier for %s: %v", eventID, err)
		}
		return tier
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	// First in the stream, so they are handled before the reactions counted below.
	member, err := e.sim.Prefix(ctx, discordsim.MessageRequest{UserID: e.member("player1"), Content: "!confess"})
	e.answer(member, err)
	if err := e.sim.React(ctx, member.ChannelID, member.Trigger.ID, e.member("player2"), "😂"); err != nil {
		t.Fatal(err)
	}
	other := e.slash("player1", "/checkvalue")
	if err := e.sim.React(ctx, other.ChannelID, other.MessageID, e.member("player2"), "😂"); err != nil {
		t.Fatal(err)
	}
	liked, likes, dislikes := -1, 0, 0
	var firstLike discordsim.Reply
	reacted := 0
	for i := 0; i < 12 && (likes < 2 || dislikes < 2); i++ {
		var x *discordsim.Exchange
		var err error
		var event string
		if i%2 == 0 {
			x, err = e.sim.Slash(ctx, discordsim.SlashRequest{UserID: e.member("player1"), Text: "/confess"})
			if err == nil {
				event = x.InteractionID.String()
			}
		} else {
			x, err = e.sim.Prefix(ctx, discordsim.MessageRequest{UserID: e.member("player1"), Content: "!confess"})
			if err == nil {
				event = x.Trigger.ID.String()
			}
		}
		r := e.answer(x, err)
		tier := tierOf(event)
		if liked < 0 {
			liked = tier
		}
		emoji := "🙄"
		if tier == liked {
			emoji, likes = "😂", likes+1
			if likes == 1 {
				firstLike = r
			}
		} else {
			dislikes++
		}
		if err := e.sim.React(ctx, r.ChannelID, r.MessageID, e.member("player2"), emoji); err != nil {
			t.Fatal(err)
		}
		reacted++
	}
	score := func(tier int) int64 {
		var s int64
		_ = e.pool.QueryRow(t.Context(), `SELECT COALESCE(SUM(score), 0) FROM fun.tier_scores WHERE tier = $1`, tier).Scan(&s)
		return s
	}
	others := func() int64 {
		var s int64
		_ = e.pool.QueryRow(t.Context(), `SELECT COALESCE(SUM(score), 0) FROM fun.tier_scores WHERE tier <> $1`, liked).Scan(&s)
		return s
	}
	scored := func(what string) {
		t.Helper()
		for score(liked) != int64(likes) || others() != -int64(dislikes) {
			if ctx.Err() != nil {
				t.Fatalf("%s: liked tier %d scored %d, want %d; the others %d, want %d", what, liked, score(liked), likes, others(), -dislikes)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	scored("every reaction")
	if err := e.sim.Unreact(ctx, firstLike.ChannelID, firstLike.MessageID, e.member("player2"), "😂"); err != nil {
		t.Fatal(err)
	}
	likes--
	scored("a like taken back")

	picked := 0
	const n = 40
	for range n {
		x, err := e.sim.Slash(ctx, discordsim.SlashRequest{UserID: e.member("player1"), Text: "/confess"})
		e.answer(x, err)
		if tierOf(x.InteractionID.String()) == liked {
			picked++
		}
	}
	// 70 % expected; with 40 picks one standard deviation is 7 %: 45 % is 3.5 below.
	if share := float64(picked) / n; share < 0.45 {
		t.Errorf("the liked tier was picked %.0f%% of the time", share*100)
	}
	t.Logf("liked tier %d picked %d of %d", liked, picked, n)

	var linked, replies int
	if err := e.pool.QueryRow(t.Context(), `SELECT count(message_id), count(*) FROM fun.reply_tiers`).Scan(&linked, &replies); err != nil {
		t.Fatal(err)
	}
	if linked != reacted {
		t.Errorf("%d of %d replies are tied to their message; want the %d reacted to", linked, replies, reacted)
	}
}
