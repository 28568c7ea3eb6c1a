package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Tail holds the writes a transaction sends together with its COMMIT: statements whose
// results the transaction does not need (an outbox payload, a record for later), so they
// cost no round trip of their own. A failing one fails the transaction as any statement
// would, and nothing of it is committed.
type Tail struct {
	b pgx.Batch
}

// Queue adds a statement to be sent with the COMMIT, in the order queued.
func (t *Tail) Queue(sql string, args ...any) { t.b.Queue(sql, args...) }

// Len is the number of statements queued.
func (t *Tail) Len() int { return t.b.Len() }

// Acquirer hands out connections: a *pgxpool.Pool.
type Acquirer interface {
	Acquire(ctx context.Context) (*pgxpool.Conn, error)
}

// Tx is what a function may do in a transaction that a helper of this package began and
// will end: run statements and batches. A pgx.Tx has it, and so has the bare connection
// InTxHandledTail begins its transaction on.
type Tx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// InTxHandledTail is InTxHandled whose fn may also queue statements on a Tail, sent with
// the COMMIT in one round trip, and whose reads that need nothing from fn go with the
// BEGIN: head, when not nil, queues them (with the callbacks that take their results) on
// the batch that begins the transaction. Every command reads its guild's settings first
// and ends with the calls it owes (the outbox payload fn returns), often with a record it
// reads back later; in round trips of their own they were three of seven.
//
// The event's handled record is written with the COMMIT, payload and all, first in that
// batch: one statement and one row version instead of an insert with the BEGIN and an
// update of it at the end. A second handling of the same event (a redelivery while the
// first is still running) then runs fn too, but its insert waits for the first
// transaction and fails once that commits, so nothing it did is committed and the result
// is ErrAlreadyHandled, as when the insert came first. fn's effects must therefore be
// the transaction's alone (Discord calls go in the payload), as they already must be for
// a transaction that may roll back.
func InTxHandledTail(ctx context.Context, db Acquirer, schema, eventID string, head func(*pgx.Batch), fn func(Tx, *Tail) ([]byte, error)) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	record := "INSERT INTO " + qualify(schema, "handled_events") + " (event_id, payload) VALUES ($1, $2)"
	return retryConflicts(ctx, func() error {
		var begin pgx.Batch
		begin.Queue("BEGIN")
		if head != nil {
			head(&begin)
		}
		err := runTailTx(ctx, db, &begin, func(tx Tx, tail *Tail) error {
			payload, err := fn(tx, tail)
			if err != nil {
				return err
			}
			// First in the COMMIT's batch: a duplicate fails before the handler's own
			// queued writes run.
			var rec pgx.Batch
			rec.Queue(record, eventID, payload)
			tail.b.QueuedQueries = append(rec.QueuedQueries, tail.b.QueuedQueries...)
			return nil
		})
		return handledConflict(err, schema, eventID)
	})
}

// runTailTx sends begin (which starts the transaction) on a connection of its own, runs
// fn, then sends the tail and the COMMIT as one batch. fn works on the connection itself:
// pgx's transaction object would cost a round trip of its own to begin and another to
// commit, and the connection's state (idle, in a transaction, failed) is what PostgreSQL
// reports.
func runTailTx(ctx context.Context, db Acquirer, begin *pgx.Batch, fn func(Tx, *Tail) error) (err error) {
	c, err := db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: acquire a connection: %w", err)
	}
	defer c.Release()
	finished := false
	defer func() {
		if finished {
			return
		}
		// The begin batch, fn or the commit batch failed, or fn panicked: roll back even
		// when ctx has ended, but not forever. If that fails the connection is closed,
		// which ends the transaction too, and the pool drops it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, rerr := c.Exec(rctx, "ROLLBACK"); rerr != nil {
			_ = c.Conn().Close(rctx)
		}
	}()
	if err := c.SendBatch(ctx, begin).Close(); err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	if c.Conn().PgConn().TxStatus() != 'T' {
		return errors.New("store: begin transaction: the connection is not in the transaction its batch began")
	}
	var tail Tail
	if err := fn(c.Conn(), &tail); err != nil {
		return err
	}
	tail.b.Queue("COMMIT")
	br := c.SendBatch(ctx, &tail.b)
	for range tail.b.Len() {
		if _, e := br.Exec(); e != nil && err == nil {
			err = e
		}
	}
	if cerr := br.Close(); cerr != nil && err == nil {
		err = cerr
	}
	// 'I': committed, or rolled back by a COMMIT that failed (a serialization failure at
	// commit); anything else is a transaction still to roll back.
	finished = c.Conn().PgConn().TxStatus() == 'I'
	if err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if !finished {
		return errors.New("store: commit: the transaction is still open after its COMMIT")
	}
	return nil
}
