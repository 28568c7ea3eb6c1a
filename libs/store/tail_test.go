package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestInTxHandledTail: reads queued with the BEGIN run in the transaction, and the tail
// goes with the COMMIT and is part of it, after the handled record and its payload. A
// failure anywhere (a read with the BEGIN, fn, the tail, a panic) commits nothing, not
// even the handled record, and leaves every connection of the pool idle for the next
// transaction.
func TestInTxHandledTail(t *testing.T) {
	t.Parallel()
	pool := migratedPool(t, "fun")
	ctx := testContext(t)
	if _, err := pool.Exec(ctx, `CREATE TABLE fun.tail_test (k text PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO fun.tail_test VALUES ($1)`
	errHandler := errors.New("handler refused")
	tests := []struct {
		name string
		// fn returns what to read with the BEGIN (nil: nothing) and what to run.
		fn        func(k string) (func(*pgx.Batch), func(Tx, *Tail) ([]byte, error))
		panics    bool
		wantErr   func(error) bool
		committed bool
	}{
		{name: "commit", committed: true, fn: func(k string) (func(*pgx.Batch), func(Tx, *Tail) ([]byte, error)) {
			// The read that goes with the BEGIN is in the transaction: it sees the
			// row a statement before it wrote.
			rows := -1
			head := func(b *pgx.Batch) {
				b.Queue(insert, k+"/head")
				b.Queue(`SELECT count(*) FROM fun.tail_test WHERE k = $1`, k+"/head").QueryRow(func(r pgx.Row) error { return r.Scan(&rows) })
			}
			return head, func(tx Tx, tail *Tail) ([]byte, error) {
				if rows != 1 {
					return nil, fmt.Errorf("the head read %d rows of its own insert, want 1", rows)
				}
				if _, err := tx.Exec(ctx, insert, k+"/in-tx"); err != nil {
					return nil, err
				}
				// The tail runs after the handled record: it can read it.
				tail.Queue(`INSERT INTO fun.tail_test SELECT $1 || '/tail' FROM fun.handled_events WHERE event_id = $1 AND payload IS NOT NULL`, k)
				return []byte(`[{"content":"hi"}]`), nil
			}
		}},
		{name: "tail fails", fn: func(k string) (func(*pgx.Batch), func(Tx, *Tail) ([]byte, error)) {
			return nil, func(tx Tx, tail *Tail) ([]byte, error) {
				if _, err := tx.Exec(ctx, insert, k+"/in-tx"); err != nil {
					return nil, err
				}
				tail.Queue(insert, k+"/tail")
				tail.Queue(insert, k+"/in-tx") // a duplicate
				return nil, nil
			}
		}, wantErr: func(err error) bool {
			pgErr, ok := errors.AsType[*pgconn.PgError](err)
			return ok && pgErr.Code == "23505" && pgErr.TableName == "tail_test"
		}},
		{name: "handler fails", fn: func(k string) (func(*pgx.Batch), func(Tx, *Tail) ([]byte, error)) {
			return nil, func(tx Tx, tail *Tail) ([]byte, error) {
				if _, err := tx.Exec(ctx, insert, k+"/in-tx"); err != nil {
					return nil, err
				}
				tail.Queue(insert, k+"/tail")
				return nil, errHandler
			}
		}, wantErr: func(err error) bool { return errors.Is(err, errHandler) }},
		{name: "head read fails", fn: func(k string) (func(*pgx.Batch), func(Tx, *Tail) ([]byte, error)) {
			head := func(b *pgx.Batch) { b.Queue(`SELECT k FROM fun.no_such_table`) }
			return head, func(Tx, *Tail) ([]byte, error) {
				t.Error("fn ran after its head read failed")
				return nil, nil
			}
		}, wantErr: func(err error) bool {
			pgErr, ok := errors.AsType[*pgconn.PgError](err)
			return ok && pgErr.Code == "42P01"
		}},
		{name: "handler panics", panics: true, fn: func(k string) (func(*pgx.Batch), func(Tx, *Tail) ([]byte, error)) {
			return nil, func(tx Tx, tail *Tail) ([]byte, error) {
				if _, err := tx.Exec(ctx, insert, k+"/in-tx"); err != nil {
					return nil, err
				}
				panic("boom")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// More transactions than the pool has connections: a connection handed back
			// still in a transaction would fail a later one.
			for i := range int(pool.Config().MaxConns) + 2 {
				k := fmt.Sprintf("%s-%d", tc.name, i)
				var err error
				panicked := func() (p any) {
					defer func() { p = recover() }()
					head, fn := tc.fn(k)
					err = InTxHandledTail(ctx, pool, "fun", k, Begin{Reads: head}, fn)
					return nil
				}()
				if (panicked != nil) != tc.panics {
					t.Fatalf("transaction %d: panic %v", i, panicked)
				}
				switch {
				case tc.wantErr == nil && err != nil:
					t.Fatalf("transaction %d: %v", i, err)
				case tc.wantErr != nil && !tc.wantErr(err):
					t.Fatalf("transaction %d: error %v", i, err)
				}
				payload, _, found, err := LoadHandled(ctx, pool, "fun", k)
				if err != nil {
					t.Fatal(err)
				}
				var rows int
				if err := pool.QueryRow(ctx, `SELECT count(*) FROM fun.tail_test WHERE k LIKE $1`, k+"/%").Scan(&rows); err != nil {
					t.Fatal(err)
				}
				want := 0
				if tc.committed {
					want = 3
				}
				if found != tc.committed || rows != want || tc.committed && payload == nil {
					t.Fatalf("transaction %d: handled record %v (payload %s), %d rows; want committed %v, %d rows", i, found, payload, rows, tc.committed, want)
				}
			}
		})
	}
	// A second handling commits nothing, whether it comes after the first committed or
	// while the first is still open (its record's insert waits for the first, then fails).
	redeliver := func(k string) error {
		return InTxHandledTail(ctx, pool, "fun", k, Begin{}, func(tx Tx, tail *Tail) ([]byte, error) {
			if _, err := tx.Exec(ctx, insert, k+"/again"); err != nil {
				return nil, err
			}
			tail.Queue(insert, k+"/again-tail")
			return []byte(`[{"content":"twice"}]`), nil
		})
	}
	if err := redeliver("commit-0"); !errors.Is(err, ErrAlreadyHandled) {
		t.Errorf("redelivery: %v, want ErrAlreadyHandled", err)
	}
	// The first handling's record is in, uncommitted, while its tail waits on a lock the
	// test holds; the second runs all of fn meanwhile and then waits on that record.
	lock, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	mustExec(t, lock, `SELECT pg_advisory_lock(7)`)
	waitOn := func(event, query string) {
		t.Helper()
		for waiting := false; !waiting; time.Sleep(5 * time.Millisecond) {
			if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_stat_activity WHERE wait_event = $1 AND query LIKE $2)`, event, query).Scan(&waiting); err != nil {
				t.Fatalf("waiting for a transaction to wait on %s: %v", event, err)
			}
		}
	}
	first := make(chan error, 1)
	go func() {
		first <- InTxHandledTail(ctx, pool, "fun", "concurrent", Begin{}, func(tx Tx, tail *Tail) ([]byte, error) {
			tail.Queue(`SELECT pg_advisory_xact_lock(7)`)
			return []byte(`[{"content":"first"}]`), nil
		})
	}()
	waitOn("advisory", "SELECT pg_advisory_xact_lock%")
	second := make(chan error, 1)
	go func() { second <- redeliver("concurrent") }()
	waitOn("transactionid", `INSERT INTO "fun"."handled_events"%`)
	mustExec(t, lock, `SELECT pg_advisory_unlock(7)`)
	if err := <-first; err != nil {
		t.Fatalf("first handling: %v", err)
	}
	if err := <-second; !errors.Is(err, ErrAlreadyHandled) {
		t.Errorf("concurrent second handling: %v, want ErrAlreadyHandled", err)
	}
	for _, k := range []string{"commit-0", "concurrent"} {
		payload, _, _, err := LoadHandled(ctx, pool, "fun", k)
		if err != nil {
			t.Fatal(err)
		}
		var again int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM fun.tail_test WHERE k LIKE $1`, k+"/again%").Scan(&again); err != nil {
			t.Fatal(err)
		}
		if again != 0 || strings.Contains(string(payload), "twice") {
			t.Errorf("%s: the second handling left %d rows and payload %s", k, again, payload)
		}
	}
}
