package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNotHandled means an event has no row in handled_events.
var ErrNotHandled = errors.New("store: event not marked handled")

// MarkHandled records that event eventID is being handled, in tx, which must be the
// transaction that applies the event's effects. first is false if it was recorded before
// (by a committed transaction): the event is a redelivery and its effects must not be
// applied again.
func MarkHandled(ctx context.Context, tx pgx.Tx, schema, eventID string) (first bool, err error) {
	if err := checkSchema(schema); err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, "INSERT INTO "+qualify(schema, "handled_events")+" (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING", eventID)
	if err != nil {
		return false, fmt.Errorf("store: mark event %s handled in %s: %w", eventID, schema, err)
	}
	return tag.RowsAffected() == 1, nil
}

// ErrAlreadyHandled is returned by InTxHandled for an event a committed transaction has
// recorded before: a redelivery, whose effects must not be applied again.
var ErrAlreadyHandled = errors.New("store: event already handled")

// InTxHandled is InTx with MarkHandled as the transaction's first statement, sent with
// the BEGIN in one round trip: every command pays for it, so it is worth the saving. fn
// runs only for an event not handled before; otherwise the result is ErrAlreadyHandled.
// As with MarkHandled, a concurrent handling of the same event waits for the other
// transaction and then finds its record.
func InTxHandled(ctx context.Context, db TxBeginner, schema, eventID string, fn func(pgx.Tx) error) error {
	return inTxHandled(ctx, db, schema, eventID, false, fn)
}

// InTxHandledDone is InTxHandled for an event that owes nothing after commit: its record
// is complete (done) when the transaction commits, with no MarkDone to follow.
func InTxHandledDone(ctx context.Context, db TxBeginner, schema, eventID string, fn func(pgx.Tx) error) error {
	return inTxHandled(ctx, db, schema, eventID, true, fn)
}

func inTxHandled(ctx context.Context, db TxBeginner, schema, eventID string, done bool, fn func(pgx.Tx) error) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	return handledConflict(InTxWith(ctx, db, pgx.TxOptions{BeginQuery: handledBegin(schema, eventID, done)}, fn), schema, eventID)
}

// handledBegin is the begin query that records eventID as handled. It runs over the simple
// protocol, which takes no parameters: the id is quoted as a literal. Without ON CONFLICT,
// a recorded event fails the insert, which aborts the transaction before fn can run.
// schema must have passed checkSchema.
func handledBegin(schema, eventID string, done bool) string {
	if done {
		return "BEGIN; INSERT INTO " + qualify(schema, "handled_events") + " (event_id, done_at) VALUES (" + quoteLiteral(eventID) + ", now())"
	}
	return "BEGIN; INSERT INTO " + qualify(schema, "handled_events") + " (event_id) VALUES (" + quoteLiteral(eventID) + ")"
}

// handledConflict turns the begin query's unique violation on handled_events into
// ErrAlreadyHandled.
func handledConflict(err error, schema, eventID string) error {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "23505" && pgErr.TableName == "handled_events" {
		return fmt.Errorf("%w: %s in %s", ErrAlreadyHandled, eventID, schema)
	}
	return err
}

// quoteLiteral quotes s as an SQL string literal (standard_conforming_strings, on since
// PostgreSQL 9.1, makes doubling the quotes enough). A NUL, which no literal can hold, is
// dropped: event ids never contain one.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, "\x00", ""), "'", "''") + "'"
}

// SetPayload stores what is to be done after commit (the replies to send) with the event
// marked in the same transaction. payload must be JSON; it is kept as jsonb, so it comes
// back equal in value but not byte for byte (key order and spacing are normalised). A nil
// payload stores NULL.
func SetPayload(ctx context.Context, tx pgx.Tx, schema, eventID string, payload []byte) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, "UPDATE "+qualify(schema, "handled_events")+" SET payload = $2 WHERE event_id = $1", eventID, payload)
	if err != nil {
		return fmt.Errorf("store: store payload of event %s in %s: %w", eventID, schema, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: store payload of event %s in %s: %w", eventID, schema, ErrNotHandled)
	}
	return nil
}

// LoadHandled reads what is known of event eventID: its payload (nil if none), whether it
// is done, and whether it was marked handled at all.
func LoadHandled(ctx context.Context, q Querier, schema, eventID string) (payload []byte, done, found bool, err error) {
	if err := checkSchema(schema); err != nil {
		return nil, false, false, err
	}
	err = q.QueryRow(ctx, "SELECT payload, done_at IS NOT NULL FROM "+qualify(schema, "handled_events")+" WHERE event_id = $1", eventID).
		Scan(&payload, &done)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, false, nil
	}
	if err != nil {
		return nil, false, false, fmt.Errorf("store: load event %s from %s: %w", eventID, schema, err)
	}
	return payload, done, true, nil
}

// MarkDone records that the after-commit work of event eventID is finished. Marking an
// event done twice is harmless (the first time is kept); marking an unknown event is
// ErrNotHandled. The owed calls are dropped with it: nothing reads them once done, and the
// row's new version (the UPDATE writes a whole one, to the table and the WAL) is then a
// few dozen bytes instead of a reply's embeds.
func MarkDone(ctx context.Context, q Querier, schema, eventID string) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	tag, err := q.Exec(ctx, "UPDATE "+qualify(schema, "handled_events")+" SET done_at = coalesce(done_at, now()), payload = NULL WHERE event_id = $1", eventID)
	if err != nil {
		return fmt.Errorf("store: mark event %s done in %s: %w", eventID, schema, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: mark event %s done in %s: %w", eventID, schema, ErrNotHandled)
	}
	return nil
}

// MarkDoneMany is MarkDone for several events in one statement: a worker finishing many
// events at once pays for one commit instead of one each. Unknown ids are ignored.
func MarkDoneMany(ctx context.Context, q Querier, schema string, eventIDs []string) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	if _, err := q.Exec(ctx, "UPDATE "+qualify(schema, "handled_events")+" SET done_at = coalesce(done_at, now()), payload = NULL WHERE event_id = ANY($1)", eventIDs); err != nil {
		return fmt.Errorf("store: mark %d events done in %s: %w", len(eventIDs), schema, err)
	}
	return nil
}

// PruneHandled deletes the records of events handled before cutoff and returns how many.
// Choose a cutoff well beyond the bus's redelivery horizon (JetStream's duplicate window
// and the streams' age limits, bus.Bus.Horizon): an event redelivered after its record is
// gone would be handled again. A long backlog goes in batches (pruneBatch rows a
// statement), so no one statement holds many locks or writes much WAL at once.
func PruneHandled(ctx context.Context, q Querier, schema string, cutoff time.Time) (int64, error) {
	return prune(ctx, q, schema, "handled_events", "event_id", "handled_at", cutoff)
}

// PruneTimers deletes the timers that fired before cutoff and returns how many. A fired
// timer is kept so that a repeated handling cannot schedule its key again; past the bus's
// redelivery horizon nothing can repeat.
func PruneTimers(ctx context.Context, q Querier, schema string, cutoff time.Time) (int64, error) {
	return prune(ctx, q, schema, "timers", "id", "fired_at", cutoff)
}

// prune deletes the rows of schema.table whose column is before cutoff, pruneBatch rows
// a statement, and returns how many. key is the table's primary key.
func prune(ctx context.Context, q Querier, schema, table, key, column string, cutoff time.Time) (int64, error) {
	if err := checkSchema(schema); err != nil {
		return 0, err
	}
	t := qualify(schema, table)
	sql := "DELETE FROM " + t + " WHERE " + key + " IN (SELECT " + key + " FROM " + t +
		" WHERE " + column + " < $1 LIMIT " + strconv.Itoa(pruneBatch) + ")"
	var total int64
	for {
		tag, err := q.Exec(ctx, sql, cutoff)
		if err != nil {
			return total, fmt.Errorf("store: prune %s: %w", t, err)
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < pruneBatch {
			return total, nil
		}
	}
}

// pruneBatch is how many rows one statement of a prune deletes at most.
const pruneBatch = 5000

// Progress returns how many of event eventID's owed calls are recorded as done.
func Progress(ctx context.Context, q Querier, schema, eventID string) (int, error) {
	if err := checkSchema(schema); err != nil {
		return 0, err
	}
	var n int
	err := q.QueryRow(ctx, "SELECT progress FROM "+qualify(schema, "handled_events")+" WHERE event_id = $1", eventID).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotHandled
	}
	if err != nil {
		return 0, fmt.Errorf("store: progress of %s in %s: %w", eventID, schema, err)
	}
	return n, nil
}

// SetProgress records that the first n owed calls of event eventID are done. It never
// moves progress backwards.
func SetProgress(ctx context.Context, q Querier, schema, eventID string, n int) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	_, err := q.Exec(ctx, "UPDATE "+qualify(schema, "handled_events")+" SET progress = GREATEST(progress, $2) WHERE event_id = $1", eventID, n)
	if err != nil {
		return fmt.Errorf("store: set progress of %s in %s: %w", eventID, schema, err)
	}
	return nil
}
