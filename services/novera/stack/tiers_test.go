package stack

import (
	"context"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
)

// Reactions on fun replies teach the server's taste: the liked tier's score rises and it
// is then picked most of the time (the exact 70 % share is tested in libs/persona).
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
	liked, likes, dislikes := -1, 0, 0
	for i := 0; i < 12 && (likes == 0 || dislikes == 0); i++ {
		x, err := e.sim.Slash(ctx, discordsim.SlashRequest{UserID: e.member("player1"), Text: "/confess"})
		r := e.answer(x, err)
		tier := tierOf(x.InteractionID.String())
		if liked < 0 {
			liked = tier
		}
		emoji := "🙄"
		if tier == liked {
			emoji, likes = "😂", likes+1
		} else {
			dislikes++
		}
		if err := e.sim.React(ctx, r.ChannelID, r.MessageID, e.member("player2"), emoji); err != nil {
			t.Fatal(err)
		}
	}
	score := func(tier int) int64 {
		var s int64
		_ = e.pool.QueryRow(t.Context(), `SELECT COALESCE(SUM(score), 0) FROM fun.tier_scores WHERE tier = $1`, tier).Scan(&s)
		return s
	}
	for score(liked) != int64(likes) {
		if ctx.Err() != nil {
			t.Fatalf("liked tier %d scored %d, want %d", liked, score(liked), likes)
		}
		time.Sleep(20 * time.Millisecond)
	}

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
}
