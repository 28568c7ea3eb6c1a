package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestInTxHandledTail: reads queued with the BEGIN run in the transaction after the
// handled record, and the tail goes with the COMMIT and is part of it. A failure anywhere
// (a read with the BEGIN, fn, the tail, a panic) commits nothing, not even the handled
// record, and leaves every connection of the pool idle for the next transaction.
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
		fn        func(k string) (func(*pgx.Batch), func(Tx, *Tail) error)
		panics    bool
		wantErr   func(error) bool
		committed bool
	}{
		{name: "commit", committed: true, fn: func(k string) (func(*pgx.Batch), func(Tx, *Tail) error) {
			// The read that goes with the BEGIN sees the handled record it comes after.
			records := -1
			head := func(b *pgx.Batch) {
				b.Queue(`SELECT count(*) FROM fun.handled_events WHERE event_id = $1`, k).QueryRow(func(r pgx.Row) error { return r.Scan(&records) })
			}
			return head, func(tx Tx, tail *Tail) error {
				if records != 1 {
					return fmt.Errorf("the head read %d handled records of %s, want its own", records, k)
				}
				if _, err := tx.Exec(ctx, insert, k+"/in-tx"); err != nil {
					return err
				}
				tail.Queue(insert, k+"/tail")
				return QueuePayload(tail, "fun", k, []byte(`[{"content":"hi"}]`))
			}
		}},
		{name: "tail fails", fn: func(k string) (func(*pgx.Batch), func(Tx, *Tail) error) {
			return nil, func(tx Tx, tail *Tail) error {
				if _, err := tx.Exec(ctx, insert, k+"/in-tx"); err != nil {
					return err
				}
				tail.Queue(insert, k+"/tail")
				tail.Queue(insert, k+"/in-tx") // a duplicate
				return nil
			}
		}, wantErr: func(err error) bool {
			pgErr, ok := errors.AsType[*pgconn.PgError](err)
			return ok && pgErr.Code == "23505" && pgErr.TableName == "tail_test"
		}},
		{name: "handler fails", fn: func(k string) (func(*pgx.Batch), func(Tx, *Tail) error) {
			return nil, func(tx Tx, tail *Tail) error {
				if _, err := tx.Exec(ctx, insert, k+"/in-tx"); err != nil {
					return err
				}
				tail.Queue(insert, k+"/tail")
				return errHandler
			}
		}, wantErr: func(err error) bool { return errors.Is(err, errHandler) }},
		{name: "head read fails", fn: func(k string) (func(*pgx.Batch), func(Tx, *Tail) error) {
			head := func(b *pgx.Batch) { b.Queue(`SELECT k FROM fun.no_such_table`) }
			return head, func(Tx, *Tail) error {
				t.Error("fn ran after its head read failed")
				return nil
			}
		}, wantErr: func(err error) bool {
			pgErr, ok := errors.AsType[*pgconn.PgError](err)
			return ok && pgErr.Code == "42P01"
		}},
		{name: "handler panics", panics: true, fn: func(k string) (func(*pgx.Batch), func(Tx, *Tail) error) {
			return nil, func(tx Tx, tail *Tail) error {
				if _, err := tx.Exec(ctx, insert, k+"/in-tx"); err != nil {
					return err
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
					err = InTxHandledTail(ctx, pool, "fun", k, head, fn)
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
					want = 2
				}
				if found != tc.committed || rows != want || tc.committed && payload == nil {
					t.Fatalf("transaction %d: handled record %v (payload %s), %d rows; want committed %v, %d rows", i, found, payload, rows, tc.committed, want)
				}
			}
		})
	}
	// A redelivery never runs fn.
	err := InTxHandledTail(ctx, pool, "fun", "commit-0", nil, func(Tx, *Tail) error {
		t.Error("fn ran for a handled event")
		return nil
	})
	if !errors.Is(err, ErrAlreadyHandled) {
		t.Errorf("redelivery: %v, want ErrAlreadyHandled", err)
	}
}
