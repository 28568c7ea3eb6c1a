package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestInTxCommitsAndRollsBack(t *testing.T) {
	t.Parallel()
	pool := openPool(t)
	mustExec(t, pool, "CREATE TABLE t (id int PRIMARY KEY)")
	errFn := errors.New("fn failed")
	tests := []struct {
		name    string
		fn      func(pgx.Tx) error
		wantErr error
		wantRow bool
	}{
		{"commit", func(tx pgx.Tx) error { return insert(tx, 1) }, nil, true},
		{"error rolls back", func(tx pgx.Tx) error {
			if err := insert(tx, 2); err != nil {
				return err
			}
			return errFn
		}, errFn, false},
		{"SQL error rolls back", func(tx pgx.Tx) error {
			if err := insert(tx, 3); err != nil {
				return err
			}
			return insert(tx, 3) // duplicate key: not retryable
		}, nil, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := InTx(testContext(t), pool, tt.fn)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			case tt.wantRow && err != nil:
				t.Errorf("err = %v", err)
			case !tt.wantRow && err == nil:
				t.Errorf("no error")
			}
			got := queryInt(t, pool, "SELECT count(*) FROM t WHERE id = $1", i+1) == 1
			if got != tt.wantRow {
				t.Errorf("row exists = %v, want %v", got, tt.wantRow)
			}
		})
	}

	t.Run("panic rolls back", func(t *testing.T) {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("panic swallowed")
				}
			}()
			_ = InTx(testContext(t), pool, func(tx pgx.Tx) error {
				if err := insert(tx, 4); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if got := queryInt(t, pool, "SELECT count(*) FROM t WHERE id = 4"); got != 0 {
			t.Error("row of the panicking transaction committed")
		}
		// And the pool is still fine: the connection was not leaked in a transaction.
		if got := queryInt(t, pool, "SELECT count(*) FROM t"); got != 1 {
			t.Errorf("%d rows, want 1", got)
		}
	})
}

func insert(tx pgx.Tx, id int) error {
	_, err := tx.Exec(context.Background(), "INSERT INTO t VALUES ($1)", id)
	return err
}

// TestInTxRetriesSerializationFailure provokes a real 40001 with write skew: the first run
// of fn reads the table, then another serializable transaction reads it, writes and
// commits; fn's own write then cannot be serialized with it. The second run succeeds.
func TestInTxRetriesSerializationFailure(t *testing.T) {
	t.Parallel()
	pool := openPool(t)
	ctx := testContext(t)
	mustExec(t, pool, "CREATE TABLE duty (doctor text PRIMARY KEY, on_call bool NOT NULL)")
	mustExec(t, pool, "INSERT INTO duty VALUES ('alice', true), ('bob', true)")

	attempts := 0
	err := InTxWith(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		attempts++
		var onCall int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM duty WHERE on_call").Scan(&onCall); err != nil {
			return err
		}
		if attempts == 1 {
			// Bob goes off call in a concurrent transaction that read the same rows.
			err := InTxWith(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(other pgx.Tx) error {
				var n int
				if err := other.QueryRow(ctx, "SELECT count(*) FROM duty WHERE on_call").Scan(&n); err != nil {
					return err
				}
				_, err := other.Exec(ctx, "UPDATE duty SET on_call = false WHERE doctor = 'bob'")
				return err
			})
			if err != nil {
				return fmt.Errorf("concurrent transaction: %w", err)
			}
		}
		if onCall < 2 {
			return nil // somebody must stay on call
		}
		_, err := tx.Exec(ctx, "UPDATE duty SET on_call = false WHERE doctor = 'alice'")
		return err
	})
	if err != nil {
		t.Fatalf("InTxWith: %v", err)
	}
	if attempts != 2 {
		t.Errorf("fn ran %d times, want 2", attempts)
	}
	if got := queryInt(t, pool, "SELECT count(*) FROM duty WHERE on_call"); got != 1 {
		t.Errorf("%d doctors on call, want 1", got)
	}
}

func TestInTxGivesUp(t *testing.T) {
	t.Parallel()
	pool := openPool(t)
	tests := []struct {
		code         string
		wantAttempts int
	}{
		{"40001", txAttempts},
		{"40P01", txAttempts},
		{"23505", 1},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			conflict := &pgconn.PgError{Code: tt.code}
			attempts := 0
			err := InTx(testContext(t), pool, func(pgx.Tx) error {
				attempts++
				return fmt.Errorf("wrapped: %w", conflict)
			})
			if !errors.Is(err, conflict) {
				t.Errorf("err = %v, want the conflict", err)
			}
			if attempts != tt.wantAttempts {
				t.Errorf("fn ran %d times, want %d", attempts, tt.wantAttempts)
			}
		})
	}
}

func TestInTxStopsRetryingWhenContextEnds(t *testing.T) {
	t.Parallel()
	pool := openPool(t)
	ctx, cancel := context.WithCancel(testContext(t))
	attempts := 0
	err := InTx(ctx, pool, func(pgx.Tx) error {
		attempts++
		cancel()
		return &pgconn.PgError{Code: "40001"}
	})
	if !errors.Is(err, context.Canceled) || attempts != 1 {
		t.Errorf("err = %v after %d attempts; want context.Canceled after 1", err, attempts)
	}
}

func TestRetryPause(t *testing.T) {
	for attempt := 1; attempt < txAttempts; attempt++ {
		base := 10 << (attempt - 1)
		for range 20 {
			p := retryPause(attempt).Milliseconds()
			if p < int64(base/2) || p > int64(base) {
				t.Fatalf("retryPause(%d) = %dms, want %d..%dms", attempt, p, base/2, base)
			}
		}
	}
}

// TestUnavailable tells a database that is away from one that refuses: the errors come
// from a real server that is not there and a real one that says no, besides the codes a
// restarting server answers with.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	// A port nothing listens on: what a crashed or restarting server looks like.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	_, refused := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?connect_timeout=2", addr.Port))
	pool := openPool(t)
	_, syntax := pool.Exec(ctx, "SELEKT 1")
	_, missing := pool.Exec(ctx, "SELECT * FROM no_such_table")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"shutting down", fmt.Errorf("migrate: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"connection cut", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"syntax error", syntax, false},
		{"no such table", missing, false},
		{"wrong password", &pgconn.PgError{Code: "28P01"}, false},
		{"not a database error", errors.New("read migrations: file does not exist"), false},
		{"no error", nil, false},
	}
	for _, tt := range tests {
		if tt.err == nil && tt.name != "no error" {
			t.Fatalf("%s: the real error did not happen", tt.name)
		}
		if got := Unavailable(tt.err); got != tt.want {
			t.Errorf("%s (%v): Unavailable = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
