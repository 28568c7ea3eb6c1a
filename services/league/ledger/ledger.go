// Package ledger is the only way a member's value (or gold) changes: every change is an
// entry appended to league.ledger, and the balance it produces is written to
// league.balances in the same transaction. Nothing can go below zero: Apply refuses with
// ErrNegative (leaving the transaction usable), and a CHECK constraint backs it up.
//
// Other services (wagers: stakes held and paid out) call it inside their own transaction,
// so that their state and the values they move commit or roll back together:
//
//	err := store.InTx(ctx, pool, func(tx store.Tx) error {
//		_, err := ledger.Apply(ctx, tx, ledger.Entry{GuildID: g, UserID: u, Currency: ledger.Value,
//			Delta: -stake, Reason: ledger.Wager, ActorID: u, EventID: interactionID})
//		return err
//	})
package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/store"
)

// Currency is what a balance counts.
type Currency string

const (
	// Value is a player's worth in millions of ¥.
	Value Currency = "value"
	// Gold is the seasonal event currency.
	Gold Currency = "gold"
)

// Reason says why a balance changed; history shows it.
type Reason string

const (
	Evaluation Reason = "evaluation"
	Wager      Reason = "wager"
	Staff      Reason = "staff"
	Correction Reason = "correction"
	Import     Reason = "import"
)

// MaxBalance bounds every balance, far above any real value, so that sums and deltas can
// never overflow int64 arithmetic anywhere downstream.
const MaxBalance = 1_000_000_000

var (
	// ErrNegative refuses a change that would take a balance below zero.
	ErrNegative = errors.New("ledger: the balance would go below zero")
	// ErrTooLarge refuses a change that would take a balance above MaxBalance.
	ErrTooLarge = errors.New("ledger: the balance would exceed the maximum")
	// ErrDuplicate means this event already changed this member's balance.
	ErrDuplicate = errors.New("ledger: this event already changed this balance")
	// ErrInvalid is an entry with missing or unknown fields: a programming mistake.
	ErrInvalid = errors.New("ledger: invalid entry")
)

// Entry is one change. EventID is the event that caused it (an interaction or message id);
// a member's balance in one currency changes at most once per event id, so a caller that
// moves one member's balance twice in one event gives each change its own suffix
// ("<event>:refund").
type Entry struct {
	GuildID  string
	UserID   string
	Currency Currency
	Delta    int64
	Reason   Reason
	ActorID  string
	EventID  string
	Note     string
}

func (e Entry) validate() error {
	switch {
	case e.GuildID == "" || e.UserID == "" || e.EventID == "":
		return fmt.Errorf("%w: guild, user and event id are required", ErrInvalid)
	case e.Currency != Value && e.Currency != Gold:
		return fmt.Errorf("%w: currency %q", ErrInvalid, e.Currency)
	}
	switch e.Reason {
	case Evaluation, Wager, Staff, Correction, Import:
		return nil
	}
	return fmt.Errorf("%w: reason %q", ErrInvalid, e.Reason)
}

// Apply appends e and returns the new balance. It refuses (ErrNegative, ErrTooLarge,
// ErrDuplicate) without changing anything, so tx can go on. A zero delta is ErrInvalid:
// an entry that changes nothing is noise in a member's history.
func Apply(ctx context.Context, tx store.Tx, e Entry) (int64, error) {
	if err := e.validate(); err != nil {
		return 0, err
	}
	if e.Delta == 0 {
		return 0, fmt.Errorf("%w: zero delta", ErrInvalid)
	}
	old, err := Lock(ctx, tx, e.GuildID, e.UserID, e.Currency)
	if err != nil {
		return 0, err
	}
	return write(ctx, tx, e, old)
}

// AddFloored applies e with its delta floored so the balance stops at zero (addvalue's
// rule) and returns the delta actually applied and the new balance. A change that floors
// to nothing appends nothing.
func AddFloored(ctx context.Context, tx store.Tx, e Entry) (applied, balance int64, err error) {
	if err := e.validate(); err != nil {
		return 0, 0, err
	}
	old, err := Lock(ctx, tx, e.GuildID, e.UserID, e.Currency)
	if err != nil {
		return 0, 0, err
	}
	e.Delta = max(e.Delta, -old)
	if e.Delta == 0 {
		return 0, old, nil
	}
	balance, err = write(ctx, tx, e, old)
	return e.Delta, balance, err
}

// Set makes the balance target (setvalue's rule; e.Delta is ignored) and returns the old
// and new balance. Setting the balance it already has appends nothing.
func Set(ctx context.Context, tx store.Tx, e Entry, target int64) (old, balance int64, err error) {
	if err := e.validate(); err != nil {
		return 0, 0, err
	}
	if target < 0 {
		return 0, 0, fmt.Errorf("%w: set to %d", ErrNegative, target)
	}
	old, err = Lock(ctx, tx, e.GuildID, e.UserID, e.Currency)
	if err != nil {
		return 0, 0, err
	}
	e.Delta = target - old
	if e.Delta == 0 {
		return old, old, nil
	}
	balance, err = write(ctx, tx, e, old)
	return old, balance, err
}

// Lock returns a balance and locks it until tx ends, creating it at zero if the member
// has none, so concurrent changes to one member queue up instead of losing an update.
func Lock(ctx context.Context, tx store.Tx, guildID, userID string, c Currency) (int64, error) {
	var amount int64
	err := tx.QueryRow(ctx, `
		INSERT INTO league.balances (guild_id, user_id, currency) VALUES ($1, $2, $3)
		ON CONFLICT (guild_id, user_id, currency) DO UPDATE SET amount = balances.amount
		RETURNING amount`, guildID, userID, string(c)).Scan(&amount)
	if err != nil {
		return 0, fmt.Errorf("ledger: lock %s of %s: %w", c, userID, err)
	}
	return amount, nil
}

// write appends e to a balance locked at old and materialises the result.
func write(ctx context.Context, tx store.Tx, e Entry, old int64) (int64, error) {
	if e.Delta < -old {
		return old, fmt.Errorf("%w: %s of <@%s> is %d, change %d", ErrNegative, e.Currency, e.UserID, old, e.Delta)
	}
	if e.Delta > MaxBalance-old {
		return old, fmt.Errorf("%w: %s of <@%s> is %d, change %d, maximum %d", ErrTooLarge, e.Currency, e.UserID, old, e.Delta, MaxBalance)
	}
	balance := old + e.Delta
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO league.ledger (guild_id, user_id, currency, delta, balance_after, reason, actor_id, event_id, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (guild_id, user_id, currency, event_id) DO NOTHING
		RETURNING id`,
		e.GuildID, e.UserID, string(e.Currency), e.Delta, balance, string(e.Reason), e.ActorID, e.EventID, e.Note).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return old, fmt.Errorf("%w: event %s, member %s", ErrDuplicate, e.EventID, e.UserID)
	}
	if err != nil {
		return old, fmt.Errorf("ledger: append: %w", err)
	}
	_, err = tx.Exec(ctx, `UPDATE league.balances SET amount = $4, updated_at = now()
		WHERE guild_id = $1 AND user_id = $2 AND currency = $3`, e.GuildID, e.UserID, string(e.Currency), balance)
	if err != nil {
		return old, fmt.Errorf("ledger: update balance: %w", err)
	}
	return balance, nil
}

// Balance reads a balance without locking it (zero for a member with none).
func Balance(ctx context.Context, q store.Querier, guildID, userID string, c Currency) (int64, error) {
	var amount int64
	err := q.QueryRow(ctx, `SELECT amount FROM league.balances WHERE guild_id = $1 AND user_id = $2 AND currency = $3`,
		guildID, userID, string(c)).Scan(&amount)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("ledger: read %s of %s: %w", c, userID, err)
	}
	return amount, nil
}

// Record is an entry as stored.
type Record struct {
	Entry
	ID           int64
	BalanceAfter int64
	At           time.Time
}

// History returns a member's latest entries in one currency, newest first.
func History(ctx context.Context, q store.Tx, guildID, userID string, c Currency, limit int) ([]Record, error) {
	rows, err := q.Query(ctx, `
		SELECT id, delta, balance_after, reason, actor_id, event_id, note, created_at
		FROM league.ledger WHERE guild_id = $1 AND user_id = $2 AND currency = $3
		ORDER BY id DESC LIMIT $4`, guildID, userID, string(c), limit)
	if err != nil {
		return nil, fmt.Errorf("ledger: history of %s: %w", userID, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Record, error) {
		r := Record{Entry: Entry{GuildID: guildID, UserID: userID, Currency: c}}
		var reason string
		err := row.Scan(&r.ID, &r.Delta, &r.BalanceAfter, &reason, &r.ActorID, &r.EventID, &r.Note, &r.At)
		r.Reason = Reason(reason)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: history of %s: %w", userID, err)
	}
	return out, nil
}
