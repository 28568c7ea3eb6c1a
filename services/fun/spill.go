package fun

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// spill: SPEC.md §4, "tea". It prefers a drama template naming one to three members of the
// server who have a value, never the author; names are mentions inside an embed, which
// Discord renders as names without pinging (and replies allow no mentions anyway).
func spill(ctx context.Context, r *worker.Request) error {
	names, err := valuedMembers(ctx, r, 3)
	if err != nil {
		return err
	}
	// Use as many names as a template can take, sometimes fewer, for variety.
	n := len(names)
	if n > 1 && r.Rand.IntN(3) == 0 {
		n = 1 + r.Rand.IntN(n-1)
	}
	tier, err := chooseTier(ctx, r)
	if err != nil {
		return err
	}
	pools := []persona.Pool{spill0, spill1, spill2, spill3}
	args := make([]any, n)
	for i := range n {
		args[i] = names[i]
	}
	text := pools[n].PickIn(r.Rand, r.Sassy(), tier, args...)
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Title: r.Pick(spillTitle), Description: text, Color: persona.ColorPink}}})
	return nil
}

// valuedMembers picks up to n random current members of the guild with a value above 0,
// other than the author. Values belong to the league service; its balances table is read
// here, never written, and a deployment without the league simply has no names.
func valuedMembers(ctx context.Context, r *worker.Request, n int) ([]string, error) {
	var present bool
	if err := r.Tx.QueryRow(ctx, `SELECT to_regclass('league.balances') IS NOT NULL AND to_regclass('league.departed') IS NOT NULL`).Scan(&present); err != nil {
		return nil, fmt.Errorf("look for league values: %w", err)
	}
	if !present {
		return nil, nil
	}
	rows, err := r.Tx.Query(ctx, `
		SELECT b.user_id FROM league.balances b
		WHERE b.guild_id = $1 AND b.currency = 'value' AND b.amount > 0 AND b.user_id <> $2
		  AND NOT EXISTS (SELECT 1 FROM league.departed d WHERE d.guild_id = b.guild_id AND d.user_id = b.user_id)
		ORDER BY random() LIMIT $3`, r.Cmd.GuildId, r.Cmd.Invoker.GetUserId(), n)
	if err != nil {
		return nil, fmt.Errorf("pick valued members: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("pick valued members: %w", err)
		}
		out = append(out, "<@"+id+">")
	}
	return out, rows.Err()
}
