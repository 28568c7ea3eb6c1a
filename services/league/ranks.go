package league

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/services/league/ledger"
)

// current excludes members seen leaving: ranks count the server's current members.
const current = `NOT EXISTS (SELECT 1 FROM league.departed d WHERE d.guild_id = b.guild_id AND d.user_id = b.user_id)`

// rankOf returns a balance's rank (1 + how many current members have more) and how many
// current members have a balance above zero.
func rankOf(ctx context.Context, tx store.Tx, guildID string, c ledger.Currency, amount int64) (rank, total int, err error) {
	err = tx.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE b.amount > $3) + 1, count(*)
		FROM league.balances b
		WHERE b.guild_id = $1 AND b.currency = $2 AND b.amount > 0 AND `+current,
		guildID, string(c), amount).Scan(&rank, &total)
	if err != nil {
		return 0, 0, fmt.Errorf("rank in %s: %w", guildID, err)
	}
	return rank, total, nil
}

type ranked struct {
	UserID string
	Amount int64
}

// standings lists current members with a balance above zero, highest first; ties keep a
// stable order by user id so the same data always gives the same rank roles.
func standings(ctx context.Context, tx store.Tx, guildID string, c ledger.Currency) ([]ranked, error) {
	rows, err := tx.Query(ctx, `
		SELECT b.user_id, b.amount FROM league.balances b
		WHERE b.guild_id = $1 AND b.currency = $2 AND b.amount > 0 AND `+current+`
		ORDER BY b.amount DESC, b.user_id`, guildID, string(c))
	if err != nil {
		return nil, fmt.Errorf("standings of %s: %w", guildID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ranked])
	if err != nil {
		return nil, fmt.Errorf("standings of %s: %w", guildID, err)
	}
	return out, nil
}
