package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TxBeginner starts transactions: a *pgxpool.Pool or a *pgx.Conn.
type TxBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// txAttempts bounds how often InTx runs fn when PostgreSQL aborts it for a conflict.
const txAttempts = 5

// InTx runs fn in a transaction with the server's default isolation, as InTxWith.
func InTx(ctx context.Context, db TxBeginner, fn func(pgx.Tx) error) error {
	return InTxWith(ctx, db, pgx.TxOptions{}, fn)
}

// InTxWith runs fn in a transaction with the given options and commits it, or rolls it
// back if fn fails (its error is returned as it is) or panics.
//
// When PostgreSQL aborts the transaction for a serialization failure or a deadlock
// (SQLSTATE 40001, 40P01), which is normal under SERIALIZABLE or REPEATABLE READ
// isolation, the whole transaction is run again, up to 5 times in all, after a short
// random pause. fn must therefore have no effects outside the transaction, and must build
// its results afresh on each run.
func InTxWith(ctx context.Context, db TxBeginner, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	return retryConflicts(ctx, func() error { return runTx(ctx, db, opts, fn) })
}

// retryConflicts runs a transaction again while PostgreSQL aborts it for a conflict (see
// InTxWith), after a short random pause each time.
func retryConflicts(ctx context.Context, run func() error) error {
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil || !Retryable(err) {
			return err
		}
		if attempt == txAttempts {
			return fmt.Errorf("store: transaction conflicted %d times: %w", attempt, err)
		}
		t := time.NewTimer(retryPause(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("store: transaction retry abandoned: %w (last conflict: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

func runTx(ctx context.Context, db TxBeginner, opts pgx.TxOptions, fn func(pgx.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// Roll back even when ctx has ended (that may be why fn failed), but not forever.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tx.Rollback(rctx) // if it fails pgx closes the connection, which ends the transaction too
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	committed = true
	return nil
}

// Retryable reports whether err is a transaction conflict that running the transaction
// again may resolve: a serialization failure or a deadlock.
func Retryable(err error) bool {
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	return ok && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// Unavailable reports whether err says the database could not be reached or is not taking
// work for now (down, starting, shutting down, out of connections), as opposed to refusing
// what was asked: waiting may cure the first, never the second.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		switch pgErr.Code {
		case "57P01", "57P02", "57P03", "53300": // shutting down, crashed, starting, full
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") // connection exceptions
	}
	// No answer from the database at all: the connection was refused, cut or timed out.
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.Timeout(err)
}

// retryPause grows with each attempt (10ms, 20ms, 40ms, ...) and is randomised by up to
// half, so transactions that conflicted once do not collide again in lockstep.
func retryPause(attempt int) time.Duration {
	base := 10 * time.Millisecond << (attempt - 1)
	return base/2 + rand.N(base/2+1)
}
