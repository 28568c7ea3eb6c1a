package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// roundTrips counts what a connection sends: every query and every batch is one round
// trip.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestInTxHandledTailLazyBegin: with nothing to read with the BEGIN, the BEGIN and its
// checks go with the transaction's first statement, whichever way it is sent, or with the
// COMMIT when there is none: one round trip less, and the same transaction. A first
// statement that fails rolls back, and so does a handler that fails before sending
// anything (with nothing to roll back on the wire). A check that fails is the
// transaction's error, even when the handler ignores what its statement got.
func TestInTxHandledTailLazyBegin(t *testing.T) {
	t.Parallel()
	trips := &roundTrips{}
	pool := openPool(t, WithTracer(trips))
	ctx := testContext(t)
	if err := Migrate(ctx, pool, "fun", fstest.MapFS{}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, pool, `CREATE TABLE fun.lazy_test (k text PRIMARY KEY)`)
	insert := `INSERT INTO fun.lazy_test VALUES ($1)`
	errHandler := errors.New("handler refused")
	errChanged := errors.New("changed")
	division := func(err error) bool {
		pgErr, ok := errors.AsType[*pgconn.PgError](err)
		return errors.Is(err, errChanged) && ok && pgErr.Code == "22012"
	}
	tests := []struct {
		name string
		// first sends the transaction's first statement (an insert of k) and reports an
		// error; nil sends nothing.
		first func(tx Tx, k string) error
		fail  error  // what the handler returns after it
		check string // a check to go with the BEGIN
		read  bool   // a read too: the BEGIN goes in a round trip of its own
		// trips: the round trips of the whole transaction, its ROLLBACK included, without
		// the handler's check that it is in one.
		trips     int64
		committed bool
		wantErr   func(error) bool
	}{
		{name: "Exec", trips: 2, committed: true, first: func(tx Tx, k string) error {
			_, err := tx.Exec(ctx, insert, k)
			return err
		}},
		{name: "QueryRow", trips: 2, committed: true, first: func(tx Tx, k string) error {
			var got string
			if err := tx.QueryRow(ctx, insert+` RETURNING k`, k).Scan(&got); err != nil || got != k {
				return fmt.Errorf("returned %q, %v", got, err)
			}
			return nil
		}},
		{name: "Query", trips: 2, committed: true, first: func(tx Tx, k string) error {
			rows, err := tx.Query(ctx, insert+` RETURNING k`, k)
			if err != nil {
				return err
			}
			got, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil || len(got) != 1 || got[0] != k {
				return fmt.Errorf("returned %q, %v", got, err)
			}
			return nil
		}},
		{name: "Query read to the end, never closed", trips: 2, committed: true, first: func(tx Tx, k string) error {
			rows, err := tx.Query(ctx, insert+` RETURNING k`, k)
			if err != nil {
				return err
			}
			var got []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return err
				}
				got = append(got, s)
			}
			if err := rows.Err(); err != nil || len(got) != 1 || got[0] != k {
				return fmt.Errorf("returned %q, %v", got, err)
			}
			return nil
		}},
		{name: "SendBatch", trips: 2, committed: true, first: func(tx Tx, k string) error {
			var b pgx.Batch
			b.Queue(insert, k)
			var n int
			b.Queue(`SELECT count(*) FROM fun.lazy_test WHERE k = $1`, k).QueryRow(func(r pgx.Row) error { return r.Scan(&n) })
			if err := tx.SendBatch(ctx, &b).Close(); err != nil || n != 1 {
				return fmt.Errorf("the batch saw %d rows of its insert: %v", n, err)
			}
			return nil
		}},
		{name: "nothing but the tail", trips: 1, committed: true},
		{name: "first statement fails", trips: 2, first: func(tx Tx, k string) error {
			_, err := tx.Exec(ctx, `INSERT INTO fun.no_such_table VALUES ($1)`, k)
			return err
		}, wantErr: func(err error) bool {
			pgErr, ok := errors.AsType[*pgconn.PgError](err)
			return ok && pgErr.Code == "42P01"
		}},
		{name: "handler fails after its first statement", trips: 2, fail: errHandler, first: func(tx Tx, k string) error {
			_, err := tx.Exec(ctx, insert, k)
			return err
		}, wantErr: func(err error) bool { return errors.Is(err, errHandler) }},
		{name: "handler fails before sending anything", trips: 0, fail: errHandler,
			wantErr: func(err error) bool { return errors.Is(err, errHandler) }},
		{name: "a check that holds, with the first statement", trips: 2, committed: true, check: `SELECT 1/1`,
			first: func(tx Tx, k string) error {
				_, err := tx.Exec(ctx, insert, k)
				return err
			}},
		{name: "a check that holds, with the COMMIT", trips: 1, committed: true, check: `SELECT 1/1`},
		{name: "a check that fails, with the first statement", trips: 2, check: `SELECT 1/0`,
			first: func(tx Tx, k string) error {
				_, err := tx.Exec(ctx, insert, k)
				return err
			}, wantErr: division},
		{name: "a check that fails, the handler ignoring its statement's error", trips: 2, check: `SELECT 1/0`,
			first: func(tx Tx, k string) error {
				_, _ = tx.Exec(ctx, insert, k)
				return nil
			}, wantErr: division},
		{name: "a check that fails, with the COMMIT", trips: 2, check: `SELECT 1/0`, wantErr: division},
		{name: "a check that holds, with a read", trips: 2, committed: true, check: `SELECT 1/1`, read: true},
		{name: "a check that fails, with a read", trips: 2, check: `SELECT 1/0`, read: true, wantErr: division},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// More transactions than the pool has connections: one handed back in a
			// transaction would fail a later one.
			for i := range int(pool.Config().MaxConns) + 2 {
				k := fmt.Sprintf("%s-%d", tc.name, i)
				before := trips.n.Load()
				var begin Begin
				if tc.check != "" {
					begin.Checks = []Check{{SQL: tc.check, Err: errChanged}}
				}
				read := 0
				if tc.read {
					begin.Reads = func(b *pgx.Batch) {
						b.Queue(`SELECT 1`).QueryRow(func(r pgx.Row) error { return r.Scan(&read) })
					}
				}
				err := InTxHandledTail(ctx, pool, "fun", k, begin, func(tx Tx, tail *Tail) ([]byte, error) {
					if tc.first != nil {
						if err := tc.first(tx, k); err != nil {
							return nil, err
						}
						if tc.wantErr != nil && tc.fail == nil {
							return nil, nil // the check failed the transaction: nothing more to see
						}
						// Later statements are in the same transaction: it has an id by now.
						var assigned bool
						if err := tx.QueryRow(ctx, `SELECT txid_current_if_assigned() IS NOT NULL`).Scan(&assigned); err != nil || !assigned {
							return nil, fmt.Errorf("after the first statement, in a transaction with writes: %v (%v)", assigned, err)
						}
					}
					if tc.read && read != 1 {
						return nil, fmt.Errorf("fn runs before its read is in: %d", read)
					}
					if tc.fail != nil {
						return nil, tc.fail
					}
					tail.Queue(insert, k+"/tail")
					return []byte(`[]`), nil
				})
				trips := trips.n.Load() - before
				if tc.first != nil && (tc.wantErr == nil || tc.fail != nil) {
					trips-- // the handler's check that it is in a transaction
				}
				switch {
				case tc.wantErr == nil && err != nil:
					t.Fatalf("transaction %d: %v", i, err)
				case tc.wantErr != nil && !tc.wantErr(err):
					t.Fatalf("transaction %d: error %v", i, err)
				}
				if trips != tc.trips {
					t.Errorf("transaction %d: %d round trips, want %d", i, trips, tc.trips)
				}
				_, _, found, err := LoadHandled(ctx, pool, "fun", k)
				if err != nil {
					t.Fatal(err)
				}
				rows := queryInt(t, pool, `SELECT count(*) FROM fun.lazy_test WHERE k LIKE $1`, k+"%")
				want := 0
				if tc.committed {
					want = 1
					if tc.first != nil {
						want = 2
					}
				}
				if found != tc.committed || rows != want {
					t.Fatalf("transaction %d: handled record %v, %d rows; want committed %v, %d rows", i, found, rows, tc.committed, want)
				}
			}
		})
	}
}
