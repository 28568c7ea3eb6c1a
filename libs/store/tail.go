package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// Begin is what a transaction sends with its BEGIN.
type Begin struct {
	// Reads queues reads whose results fn needs, with the callbacks that take them: they
	// go with the BEGIN in a round trip of their own, before fn runs.
	Reads func(*pgx.Batch)
	// Checks are sent with the BEGIN, before any of fn's statements. With no Reads they
	// cost no round trip: they go in front of fn's first statement, or of the COMMIT if
	// fn sends none.
	Checks []Check
}

// Check is a statement that fails when something the transaction relies on, read before
// it began (a cached value), has changed since. The transaction then fails with Err
// wrapping what the statement got, whatever fn made of the error its own statement got.
// A check that needs no round trip of its own checks what the transaction sees at its
// first statement, as a read with the BEGIN would have.
type Check struct {
	SQL  string
	Args []any
	Err  error
}

// Exec runs the check on its own in tx, for a transaction begun without it.
func (c Check) Exec(ctx context.Context, tx Tx) error {
	if _, err := tx.Exec(ctx, c.SQL, c.Args...); err != nil {
		return fmt.Errorf("%w: %w", c.Err, err)
	}
	return nil
}

// InTxHandledTail is InTxHandled whose fn may also queue statements on a Tail, sent with
// the COMMIT in one round trip, and whose BEGIN takes begin's statements with it. Every
// command reads its guild's settings first (or checks that those it has are still
// current) and ends with the calls it owes (the outbox payload fn returns), often with a
// record it reads back later; in round trips of their own they were three of seven.
//
// The event's handled record is written with the COMMIT, payload and all, first in that
// batch: one statement and one row version instead of an insert with the BEGIN and an
// update of it at the end. A second handling of the same event (a redelivery while the
// first is still running) then runs fn too, but its insert waits for the first
// transaction and fails once that commits, so nothing it did is committed and the result
// is ErrAlreadyHandled, as when the insert came first. fn's effects must therefore be
// the transaction's alone (Discord calls go in the payload), as they already must be for
// a transaction that may roll back.
func InTxHandledTail(ctx context.Context, db Acquirer, schema, eventID string, begin Begin, fn func(Tx, *Tail) ([]byte, error)) error {
	if err := checkSchema(schema); err != nil {
		return err
	}
	record := "INSERT INTO " + qualify(schema, "handled_events") + " (event_id, payload) VALUES ($1, $2)"
	return retryConflicts(ctx, func() error {
		h := newHead(begin)
		err := runTailTx(ctx, db, h, func(tx Tx, tail *Tail) error {
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

// head is what goes with a transaction's BEGIN: the BEGIN, the checks, the reads.
type head struct {
	queries []*pgx.QueuedQuery
	checks  []Check // queries[1 : 1+len(checks)]
	reads   bool
}

func newHead(begin Begin) *head {
	var b pgx.Batch
	b.Queue("BEGIN")
	for _, c := range begin.Checks {
		b.Queue(c.SQL, c.Args...)
	}
	n := b.Len()
	if begin.Reads != nil {
		begin.Reads(&b)
	}
	return &head{queries: b.QueuedQueries, checks: begin.Checks, reads: b.Len() > n}
}

// read reads the head's results from br, in order, running the reads' callbacks, and
// returns the first failure: a check's stands for its Err.
func (h *head) read(br pgx.BatchResults) error {
	for i, q := range h.queries {
		var err error
		if q.Fn != nil {
			err = q.Fn(br)
		} else {
			_, err = br.Exec()
		}
		if err == nil {
			continue
		}
		if i >= 1 && i <= len(h.checks) {
			return fmt.Errorf("%w: %w", h.checks[i-1].Err, err)
		}
		return err
	}
	return nil
}

// runTailTx begins a transaction with h on a connection of its own, runs fn, then sends
// the tail and the COMMIT as one batch. fn works on the connection itself: pgx's
// transaction object would cost a round trip of its own to begin and another to commit,
// and the connection's state (idle, in a transaction, failed) is what PostgreSQL reports.
// Only a head with reads costs a round trip of its own; any other goes in front of fn's
// first statement (lazyTx), or of the tail if fn sends none.
func runTailTx(ctx context.Context, db Acquirer, h *head, fn func(Tx, *Tail) error) (err error) {
	c, err := db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: acquire a connection: %w", err)
	}
	defer c.Release()
	var lazy *lazyTx
	if !h.reads {
		lazy = &lazyTx{c: c.Conn(), head: h}
	}
	finished := false
	defer func() {
		if finished || lazy != nil && !lazy.begun {
			return
		}
		// The head, fn or the commit batch failed, or fn panicked: roll back even when
		// ctx has ended, but not forever. If that fails the connection is closed, which
		// ends the transaction too, and the pool drops it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, rerr := c.Exec(rctx, "ROLLBACK"); rerr != nil {
			_ = c.Conn().Close(rctx)
		}
	}()
	var tx Tx = c.Conn()
	if lazy != nil {
		tx = lazy
	} else {
		br := c.SendBatch(ctx, &pgx.Batch{QueuedQueries: h.queries})
		err := h.read(br)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("store: begin transaction: %w", err)
		}
		if c.Conn().PgConn().TxStatus() != 'T' {
			return errors.New("store: begin transaction: the connection is not in the transaction its batch began")
		}
	}
	var tail Tail
	if err := fn(tx, &tail); err != nil {
		if lazy != nil && lazy.err != nil {
			return lazy.err // the cause, whatever fn made of it
		}
		return err
	}
	if lazy != nil && lazy.err != nil {
		return lazy.err
	}
	tail.b.Queue("COMMIT")
	statements := tail.b.Len()
	var withHead *head
	if lazy != nil && !lazy.begun {
		lazy.begun, withHead = true, h
		tail.b.QueuedQueries = append(slices.Clone(h.queries), tail.b.QueuedQueries...)
	}
	br := c.SendBatch(ctx, &tail.b)
	if withHead != nil {
		err = withHead.read(br)
	}
	for range statements {
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

// lazyTx is a connection whose transaction begins with its first statement: the head
// (BEGIN and its checks) is sent in front of it, in the same round trip. Until then the
// connection is idle.
type lazyTx struct {
	c     *pgx.Conn
	head  *head
	begun bool
	// err is the head's failure: the transaction's, whatever fn does with it.
	err error
}

var _ Tx = (*lazyTx)(nil)

// send sends b, with the head in front of it if the transaction has not begun. The
// head's results are read before the results are handed over, so they line up with b.
func (t *lazyTx) send(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if t.begun {
		return t.c.SendBatch(ctx, b)
	}
	t.begun = true
	withHead := &pgx.Batch{QueuedQueries: append(slices.Clone(t.head.queries), b.QueuedQueries...)}
	br := t.c.SendBatch(ctx, withHead)
	if err := t.head.read(br); err != nil {
		_ = br.Close()
		t.err = fmt.Errorf("store: begin transaction: %w", err)
		return failedBatch{br: br, err: t.err}
	}
	return br
}

func (t *lazyTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults { return t.send(ctx, b) }

func (t *lazyTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.begun {
		return t.c.Exec(ctx, sql, args...)
	}
	var b pgx.Batch
	b.Queue(sql, args...)
	br := t.send(ctx, &b)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (t *lazyTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.begun {
		return t.c.QueryRow(ctx, sql, args...)
	}
	var b pgx.Batch
	b.Queue(sql, args...)
	br := t.send(ctx, &b)
	return batchRow{row: br.QueryRow(), br: br}
}

func (t *lazyTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.begun {
		return t.c.Query(ctx, sql, args...)
	}
	var b pgx.Batch
	b.Queue(sql, args...)
	br := t.send(ctx, &b)
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return rows, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

// batchRow is the row of a one-statement batch: scanning it ends the batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// batchRows are the rows of a one-statement batch: closing them ends the batch.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
}

// Next ends the batch with the last row, as pgx closes rows then: callers may rely on it
// and never call Close.
func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err = r.br.Close()
		r.br = nil
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// failedBatch is the results of a batch whose BEGIN failed: nothing of it ran in a
// transaction, and every read reports why. br is the batch, already closed: its rows are
// closed ones, never nil.
type failedBatch struct {
	br  pgx.BatchResults
	err error
}

func (f failedBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, f.err }
func (f failedBatch) Query() (pgx.Rows, error) {
	rows, _ := f.br.Query()
	return rows, f.err
}
func (f failedBatch) QueryRow() pgx.Row { return errRow{f.err} }
func (f failedBatch) Close() error      { return f.err }
func (f failedBatch) Tx() pgx.Tx        { return nil }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
