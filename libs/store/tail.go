package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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

// InTxHandledTail is InTxHandled whose fn may also queue statements on a Tail, sent with
// the COMMIT in one round trip. Every command ends its transaction with the calls it owes
// (the outbox payload), and often with a record it reads back later; in their own round
// trips they were two of a command's seven.
func InTxHandledTail(ctx context.Context, db Acquirer, schema, eventID string, fn func(pgx.Tx, *Tail) error) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	begin := handledBegin(schema, eventID, false)
	return retryConflicts(ctx, func() error {
		return handledConflict(runTailTx(ctx, db, pgx.TxOptions{BeginQuery: begin}, fn), schema, eventID)
	})
}

// QueuePayload is SetPayload sent with the COMMIT.
func QueuePayload(tail *Tail, schema, eventID string, payload []byte) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	tail.Queue("UPDATE "+qualify(schema, "handled_events")+" SET payload = $2 WHERE event_id = $1", eventID, payload)
	return nil
}

// runTailTx runs fn in a transaction on a connection of its own, then sends the tail and
// the COMMIT as one batch. The transaction object pgx hands fn is left behind once the
// batch has committed: its own Commit would cost the round trip saved here, and the
// connection's state (idle, in a transaction, failed) is what PostgreSQL reports.
func runTailTx(ctx context.Context, db Acquirer, opts pgx.TxOptions, fn func(pgx.Tx, *Tail) error) (err error) {
	c, err := db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: acquire a connection: %w", err)
	}
	defer c.Release()
	tx, err := c.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	finished := false
	defer func() {
		if finished {
			return
		}
		// fn failed or panicked, or the batch left the transaction open or aborted: roll
		// back even when ctx has ended, but not forever. If that fails the connection is
		// closed, which ends the transaction too, and the pool drops it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, rerr := c.Exec(rctx, "ROLLBACK"); rerr != nil {
			_ = c.Conn().Close(rctx)
		}
	}()
	var tail Tail
	if err := fn(tx, &tail); err != nil {
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
