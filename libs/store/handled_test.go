package store

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func migratedPool(t *testing.T, schema string) *pgxpool.Pool {
	t.Helper()
	pool := openPool(t)
	if err := Migrate(testContext(t), pool, schema, fstest.MapFS{}); err != nil {
		t.Fatal(err)
	}
	return pool
}

func TestMarkHandled(t *testing.T) {
	t.Parallel()
	pool := migratedPool(t, "fun")
	ctx := testContext(t)
	mark := func(id string, rollback bool) bool {
		t.Helper()
		var first bool
		errRollback := errors.New("rollback")
		err := InTx(ctx, pool, func(tx pgx.Tx) error {
			var err error
			first, err = MarkHandled(ctx, tx, "fun", id)
			if err == nil && rollback {
				return errRollback
			}
			return err
		})
		if err != nil && !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		return first
	}
	steps := []struct {
		id       string
		rollback bool
		want     bool
	}{
		{"evt-1", false, true},
		{"evt-1", false, false}, // redelivery
		{"evt-2", true, true},   // its transaction failed...
		{"evt-2", false, true},  // ...so the retry is the first that counts
		{"evt-2", false, false},
	}
	for i, s := range steps {
		if got := mark(s.id, s.rollback); got != s.want {
			t.Errorf("step %d: MarkHandled(%s) = %v, want %v", i, s.id, got, s.want)
		}
	}
}

// TestMarkHandledConcurrentRedelivery: a redelivery arriving while the first delivery's
// transaction is still open waits for it, then finds the event handled.
func TestMarkHandledConcurrentRedelivery(t *testing.T) {
	t.Parallel()
	pool := migratedPool(t, "fun")
	ctx := testContext(t)
	tx1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	if first, err := MarkHandled(ctx, tx1, "fun", "evt"); err != nil || !first {
		t.Fatalf("first delivery: %v, %v", first, err)
	}
	second := make(chan bool)
	go func() {
		var first bool
		err := InTx(ctx, pool, func(tx pgx.Tx) error {
			var err error
			first, err = MarkHandled(ctx, tx, "fun", "evt")
			return err
		})
		if err != nil {
			t.Error(err)
		}
		second <- first
	}()
	select {
	case <-second:
		t.Fatal("redelivery did not wait for the open transaction")
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if <-second {
		t.Error("redelivery was told it was first")
	}
}

// TestOutboxFlow walks the worker's path: handle, store replies, commit, (crash), find the
// stored replies on redelivery, send, mark done.
func TestOutboxFlow(t *testing.T) {
	t.Parallel()
	pool := migratedPool(t, "fun")
	ctx := testContext(t)
	replies := []byte(`[{"content":"*pats you*","nonce":"n1"}]`)

	if _, _, found, err := LoadHandled(ctx, pool, "fun", "evt"); err != nil || found {
		t.Fatalf("before: found=%v err=%v", found, err)
	}
	err := InTx(ctx, pool, func(tx pgx.Tx) error {
		if first, err := MarkHandled(ctx, tx, "fun", "evt"); err != nil || !first {
			return errors.Join(err, errors.New("not first"))
		}
		return SetPayload(ctx, tx, "fun", "evt", replies)
	})
	if err != nil {
		t.Fatal(err)
	}
	// The worker died before sending: the redelivery finds the replies.
	payload, done, found, err := LoadHandled(ctx, pool, "fun", "evt")
	if err != nil || !found || done {
		t.Fatalf("after commit: found=%v done=%v err=%v", found, done, err)
	}
	if !sameJSON(t, payload, replies) {
		t.Errorf("payload = %s, want %s", payload, replies)
	}
	for range 2 { // twice: marking done again is harmless
		if err := MarkDone(ctx, pool, "fun", "evt"); err != nil {
			t.Fatal(err)
		}
	}
	if payload, done, _, err := LoadHandled(ctx, pool, "fun", "evt"); err != nil || !done || payload != nil {
		t.Fatalf("after MarkDone: done=%v payload=%s err=%v; want done without the owed calls", done, payload, err)
	}
	// MarkDoneMany, the worker's batched form, drops them too (and ignores unknown ids).
	err = InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := MarkHandled(ctx, tx, "fun", "evt2"); err != nil {
			return err
		}
		return SetPayload(ctx, tx, "fun", "evt2", replies)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := MarkDoneMany(ctx, pool, "fun", []string{"evt2", "unknown"}); err != nil {
		t.Fatal(err)
	}
	if payload, done, _, err := LoadHandled(ctx, pool, "fun", "evt2"); err != nil || !done || payload != nil {
		t.Fatalf("after MarkDoneMany: done=%v payload=%s err=%v; want done without the owed calls", done, payload, err)
	}

	// Unknown events.
	if err := MarkDone(ctx, pool, "fun", "nope"); !errors.Is(err, ErrNotHandled) {
		t.Errorf("MarkDone(unknown) = %v, want ErrNotHandled", err)
	}
	err = InTx(ctx, pool, func(tx pgx.Tx) error { return SetPayload(ctx, tx, "fun", "nope", replies) })
	if !errors.Is(err, ErrNotHandled) {
		t.Errorf("SetPayload(unknown) = %v, want ErrNotHandled", err)
	}
	// An event without payload.
	err = InTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := MarkHandled(ctx, tx, "fun", "quiet")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if payload, _, found, err := LoadHandled(ctx, pool, "fun", "quiet"); err != nil || !found || payload != nil {
		t.Errorf("quiet event: payload=%q found=%v err=%v", payload, found, err)
	}
}

// TestPrune: records and fired timers older than the cutoff go, in batches when there are
// more than one statement deletes; recent ones and timers still to fire stay.
func TestPrune(t *testing.T) {
	t.Parallel()
	pool := migratedPool(t, "fun")
	ctx := testContext(t)
	mustExec(t, pool, `INSERT INTO fun.handled_events (event_id, handled_at)
		SELECT 'old-' || i, now() - interval '2 days' FROM generate_series(1, $1::int) i`, pruneBatch+7)
	mustExec(t, pool, `INSERT INTO fun.handled_events (event_id, handled_at) VALUES ('new', now())`)
	mustExec(t, pool, `INSERT INTO fun.timers (key, command, state, guild_id, channel_id, due_at, fired_at) VALUES
		('fired long ago', 'giveaway', '', 'g', 'c', now() - interval '3 days', now() - interval '2 days'),
		('fired just now', 'giveaway', '', 'g', 'c', now(), now()),
		('due long ago, not fired', 'giveaway', '', 'g', 'c', now() - interval '3 days', NULL)`)
	cutoff := time.Now().Add(-24 * time.Hour)
	if n, err := PruneHandled(ctx, pool, "fun", cutoff); err != nil || n != pruneBatch+7 {
		t.Fatalf("PruneHandled = %d, %v; want %d", n, err, pruneBatch+7)
	}
	if _, _, found, _ := LoadHandled(ctx, pool, "fun", "new"); !found {
		t.Error("recent event pruned")
	}
	if n, err := PruneTimers(ctx, pool, "fun", cutoff); err != nil || n != 1 {
		t.Fatalf("PruneTimers = %d, %v; want 1", n, err)
	}
	if left := queryInt(t, pool, `SELECT count(*) FROM fun.timers WHERE key <> 'fired long ago'`); left != 2 {
		t.Errorf("%d of the 2 timers to keep are left", left)
	}
	if n, err := PruneHandled(ctx, pool, "fun", cutoff); err != nil || n != 0 {
		t.Errorf("second PruneHandled = %d, %v; want nothing left to prune", n, err)
	}
}

func TestHandledRejectsBadSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, _, _, err := LoadHandled(ctx, nil, "fun; DROP TABLE x", "evt"); err == nil {
		t.Error("LoadHandled accepted a bad schema name")
	}
	if err := MarkDone(ctx, nil, "Fun", "evt"); err == nil {
		t.Error("MarkDone accepted a bad schema name")
	}
}

// sameJSON compares JSON by value: jsonb keeps neither key order nor spacing.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

func TestProgress(t *testing.T) {
	pool := migratedPool(t, "fun")
	ctx := t.Context()
	if _, err := Progress(ctx, pool, "fun", "nope"); !errors.Is(err, ErrNotHandled) {
		t.Errorf("unknown event: %v", err)
	}
	if err := InTx(ctx, pool, func(tx pgx.Tx) error {
		_, err := MarkHandled(ctx, tx, "fun", "evt")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ set, want int }{{0, 0}, {3, 3}, {1, 3}, {5, 5}} {
		if err := SetProgress(ctx, pool, "fun", "evt", step.set); err != nil {
			t.Fatal(err)
		}
		if got, err := Progress(ctx, pool, "fun", "evt"); err != nil || got != step.want {
			t.Errorf("after SetProgress(%d): %d, %v; want %d", step.set, got, err, step.want)
		}
	}
}

// TestInTxHandled: the handled record sent with BEGIN behaves as MarkHandled does: fn runs
// for a new event, a recorded one is ErrAlreadyHandled without running fn, a rolled-back
// handling leaves the event new, ids are quoted safely, and the pool stays usable.
func TestInTxHandled(t *testing.T) {
	t.Parallel()
	pool := migratedPool(t, "fun")
	ctx := testContext(t)
	errRollback := errors.New("rollback")
	steps := []struct {
		id       string
		fail     bool
		wantRun  bool
		wantDone error
	}{
		{"evt-1", false, true, nil},
		{"evt-1", false, false, ErrAlreadyHandled},
		{"evt-2", true, true, errRollback},
		{"evt-2", false, true, nil},
		{"it's; DROP TABLE fun.handled_events; --", false, true, nil},
		{"it's; DROP TABLE fun.handled_events; --", false, false, ErrAlreadyHandled},
	}
	for i, s := range steps {
		ran := false
		err := InTxHandled(ctx, pool, "fun", s.id, func(tx pgx.Tx) error {
			ran = true
			if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
				return err
			}
			if s.fail {
				return errRollback
			}
			return nil
		})
		if ran != s.wantRun || !errors.Is(err, s.wantDone) || (s.wantDone == nil && err != nil) {
			t.Errorf("step %d (%q): ran %v, err %v; want ran %v, err %v", i, s.id, ran, err, s.wantRun, s.wantDone)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM fun.handled_events").Scan(&n); err != nil || n != 3 {
		t.Fatalf("handled_events holds %d rows (%v), want 3", n, err)
	}
}

// TestInTxHandledConcurrent: two handlings of one event at once apply it once.
func TestInTxHandledConcurrent(t *testing.T) {
	t.Parallel()
	pool := migratedPool(t, "fun")
	ctx := testContext(t)
	if _, err := pool.Exec(ctx, "CREATE TABLE fun.effects (id int)"); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			errs <- InTxHandled(ctx, pool, "fun", "evt", func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO fun.effects VALUES (1); SELECT pg_sleep(0.1)")
				return err
			})
		}()
	}
	var already int
	for range 2 {
		if err := <-errs; errors.Is(err, ErrAlreadyHandled) {
			already++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM fun.effects").Scan(&n); err != nil || n != 1 || already != 1 {
		t.Fatalf("effects applied %d times, %d told already handled (%v); want 1 and 1", n, already, err)
	}
}
