package league

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/league/ledger"
)

// Wager rules (SPEC.md §3).
const (
	wagerMinStake     = 5
	wagerDefaultStake = 10
	wagerFillWindow   = 10 * time.Minute
	wagerReviewWindow = 4 * time.Hour
)

// Match states: open (joinable), full, submitted (a result awaits moderators), and the two
// ends, settled and cancelled.
const (
	stateOpen      = "open"
	stateFull      = "full"
	stateSubmitted = "submitted"
	stateSettled   = "settled"
	stateCancelled = "cancelled"
)

// positionsOf returns a mode's positions. 2v2 and 3v3 pick from CF LW RW CM but fill
// only 2 or 3 spots, so teamSize, not the position list, says when a team is complete.
func positionsOf(mode string) []string {
	switch mode {
	case "1v1":
		return []string{"CF"}
	case "5v5":
		return []string{"CF", "LW", "RW", "CM", "GK"}
	case "2v2", "3v3":
		return []string{"CF", "LW", "RW", "CM"}
	}
	return nil
}

// teamSize is the number of players per team of a mode (0 for an unknown mode).
func teamSize(mode string) int {
	switch mode {
	case "1v1":
		return 1
	case "2v2":
		return 2
	case "3v3":
		return 3
	case "5v5":
		return 5
	}
	return 0
}

// match is one wager match as stored, with its players.
type match struct {
	ID                              int64
	GuildID, Mode, Region           string
	Stake                           int64
	HostID, Username, ServerLink    string
	State, ChannelID, MessageID     string
	Winner, Screenshot, SubmittedBy string
	Players                         []player
}

type player struct {
	UserID, Team, Position string
	Held                   int64
}

// errNoMatch is a match id that names no match of the guild.
var errNoMatch = errors.New("wager: no such match")

// lockMatch reads a match and locks it until tx ends: every change to a match (a join, a
// click on Approve, a timer) goes through here, so two of them queue up and the second
// sees what the first did. That is what makes "settled exactly once" hold.
func lockMatch(ctx context.Context, tx store.Tx, guildID string, id int64) (*match, error) {
	m := &match{ID: id, GuildID: guildID}
	var winner *string
	err := tx.QueryRow(ctx, `SELECT mode, region, stake, host_id, username, server_link, state, channel_id, message_id,
		winner, screenshot, submitted_by FROM league.wager_matches WHERE id = $1 AND guild_id = $2 FOR UPDATE`, id, guildID).
		Scan(&m.Mode, &m.Region, &m.Stake, &m.HostID, &m.Username, &m.ServerLink, &m.State, &m.ChannelID, &m.MessageID,
			&winner, &m.Screenshot, &m.SubmittedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errNoMatch
	}
	if err != nil {
		return nil, fmt.Errorf("lock match %d: %w", id, err)
	}
	if winner != nil {
		m.Winner = *winner
	}
	rows, err := tx.Query(ctx, `SELECT user_id, team, position, held FROM league.wager_players WHERE match_id = $1
		ORDER BY team, joined_at, user_id`, id)
	if err != nil {
		return nil, fmt.Errorf("read players of match %d: %w", id, err)
	}
	m.Players, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (player, error) {
		var p player
		return p, row.Scan(&p.UserID, &p.Team, &p.Position, &p.Held)
	})
	if err != nil {
		return nil, fmt.Errorf("read players of match %d: %w", id, err)
	}
	return m, nil
}

func (m *match) player(userID string) (player, bool) {
	for _, p := range m.Players {
		if p.UserID == userID {
			return p, true
		}
	}
	return player{}, false
}

func (m *match) team(t string) []player {
	var out []player
	for _, p := range m.Players {
		if p.Team == t {
			out = append(out, p)
		}
	}
	return out
}

func (m *match) taken(team, pos string) bool {
	for _, p := range m.Players {
		if p.Team == team && p.Position == pos {
			return true
		}
	}
	return false
}

func (m *match) full() bool { return len(m.Players) == 2*teamSize(m.Mode) }

// live reports whether the match still holds stakes.
func (m *match) live() bool {
	return m.State == stateOpen || m.State == stateFull || m.State == stateSubmitted
}

// wagerEntry is a ledger entry of a wager: eventID is the event that moves the value, so a
// redelivered event cannot move it twice.
func wagerEntry(r *worker.Request, m *match, userID string, delta int64, why string) ledger.Entry {
	return ledger.Entry{GuildID: m.GuildID, UserID: userID, Currency: ledger.Value, Delta: delta, Reason: ledger.Wager,
		ActorID: r.Cmd.Invoker.GetUserId(), EventID: r.Cmd.Id, Note: "wager #" + strconv.FormatInt(m.ID, 10) + " " + why}
}

// hold takes a player's stake into escrow: the value goes down through the ledger and the
// spot records what the match holds. ledger.ErrNegative means the player cannot afford it.
func hold(ctx context.Context, r *worker.Request, m *match, userID, team, pos string) error {
	if _, err := ledger.Apply(ctx, r.Tx, wagerEntry(r, m, userID, -m.Stake, "stake")); err != nil {
		return err
	}
	_, err := r.Tx.Exec(ctx, `INSERT INTO league.wager_players (match_id, guild_id, user_id, team, position, held, joined_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ID, m.GuildID, userID, team, pos, m.Stake, r.Cmd.ReceivedAt.AsTime())
	if err != nil {
		return fmt.Errorf("take spot in match %d: %w", m.ID, err)
	}
	m.Players = append(m.Players, player{UserID: userID, Team: team, Position: pos, Held: m.Stake})
	return nil
}

// release gives one player's held stake back and frees the spot (leaving an open match).
func release(ctx context.Context, r *worker.Request, m *match, userID string) error {
	p, ok := m.player(userID)
	if !ok {
		return nil
	}
	if p.Held > 0 {
		if _, err := ledger.Apply(ctx, r.Tx, wagerEntry(r, m, userID, p.Held, "refund")); err != nil {
			return err
		}
	}
	if _, err := r.Tx.Exec(ctx, `DELETE FROM league.wager_players WHERE match_id = $1 AND user_id = $2`, m.ID, userID); err != nil {
		return fmt.Errorf("free spot in match %d: %w", m.ID, err)
	}
	kept := m.Players[:0]
	for _, q := range m.Players {
		if q.UserID != userID {
			kept = append(kept, q)
		}
	}
	m.Players = kept
	return nil
}

// payout ends a match: every player gets pay(player) through the ledger, nothing stays
// held, and the match takes its final state. Refunds pay the held stake; an approval pays
// winners twice the stake and losers nothing, which keeps the sum: 2 × held on each side
// of the table, all of it to the winners.
func payout(ctx context.Context, r *worker.Request, m *match, final string, pay func(player) int64) error {
	for _, p := range m.Players {
		if n := pay(p); n > 0 {
			if _, err := ledger.Apply(ctx, r.Tx, wagerEntry(r, m, p.UserID, n, final)); err != nil {
				return err
			}
		}
	}
	if _, err := r.Tx.Exec(ctx, `UPDATE league.wager_players SET held = 0 WHERE match_id = $1`, m.ID); err != nil {
		return fmt.Errorf("release match %d: %w", m.ID, err)
	}
	_, err := r.Tx.Exec(ctx, `UPDATE league.wager_matches SET state = $2, closed_by = $3, closed_at = $4 WHERE id = $1`,
		m.ID, final, r.Cmd.Invoker.GetUserId(), r.Cmd.ReceivedAt.AsTime())
	if err != nil {
		return fmt.Errorf("close match %d: %w", m.ID, err)
	}
	for i := range m.Players {
		m.Players[i].Held = 0
	}
	m.State = final
	return r.CancelTimer(ctx, wagerTimerKey(m.ID, "fill"))
}

// refundAll cancels a match and gives every held stake back.
func refundAll(ctx context.Context, r *worker.Request, m *match) error {
	if err := payout(ctx, r, m, stateCancelled, func(p player) int64 { return p.Held }); err != nil {
		return err
	}
	return r.CancelTimer(ctx, wagerTimerKey(m.ID, "review"))
}

// settle pays the winners of an approved result.
func settle(ctx context.Context, r *worker.Request, m *match) error {
	pot := int64(0)
	for _, p := range m.Players {
		pot += p.Held
	}
	winners := int64(len(m.team(m.Winner)))
	if winners == 0 {
		return fmt.Errorf("settle match %d: no players on winning team %s", m.ID, m.Winner)
	}
	// Teams are equal and every stake is the same, so each winner gets exactly 2 × stake;
	// dividing the pot says so without assuming it.
	share := pot / winners
	if share*winners != pot {
		return fmt.Errorf("settle match %d: pot %d does not split among %d winners", m.ID, pot, winners)
	}
	if err := payout(ctx, r, m, stateSettled, func(p player) int64 {
		if p.Team == m.Winner {
			return share
		}
		return 0
	}); err != nil {
		return err
	}
	return r.CancelTimer(ctx, wagerTimerKey(m.ID, "review"))
}

func setState(ctx context.Context, r *worker.Request, m *match, state string) error {
	if _, err := r.Tx.Exec(ctx, `UPDATE league.wager_matches SET state = $2 WHERE id = $1`, m.ID, state); err != nil {
		return fmt.Errorf("match %d to %s: %w", m.ID, state, err)
	}
	m.State = state
	return nil
}

// wagerTimerKey names a match's timers: "fill" (10 minutes to fill) and "review" (4 hours
// to get a result approved).
func wagerTimerKey(id int64, kind string) string { return fmt.Sprintf("wager:%d:%s", id, kind) }
