package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"pgregory.net/rapid"

	"github.com/novera-bot/novera/libs/pglocal/pgtest"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/services/league"
	"github.com/novera-bot/novera/services/league/ledger"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := store.Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := league.Migrate(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

func inTx[T any](t *testing.T, pool *pgxpool.Pool, fn func(tx pgx.Tx) (T, error)) (T, error) {
	t.Helper()
	var out T
	err := store.InTx(t.Context(), pool, func(tx pgx.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

func entry(user string, delta int64, event string) ledger.Entry {
	return ledger.Entry{GuildID: "g", UserID: user, Currency: ledger.Value, Delta: delta, Reason: ledger.Staff, ActorID: "staff", EventID: event}
}

func TestApplyRules(t *testing.T) {
	pool := open(t)
	apply := func(e ledger.Entry) (int64, error) {
		return inTx(t, pool, func(tx pgx.Tx) (int64, error) { return ledger.Apply(t.Context(), tx, e) })
	}
	tests := []struct {
		name    string
		e       ledger.Entry
		want    int64
		wantErr error
	}{
		{"credit a new member", entry("a", 30, "e1"), 30, nil},
		{"debit within balance", entry("a", -10, "e2"), 20, nil},
		{"debit below zero", entry("a", -21, "e3"), 0, ledger.ErrNegative},
		{"debit a member with nothing", entry("b", -1, "e4"), 0, ledger.ErrNegative},
		{"same event twice", entry("a", 5, "e1"), 0, ledger.ErrDuplicate},
		{"over the maximum", entry("a", ledger.MaxBalance, "e5"), 0, ledger.ErrTooLarge},
		{"zero delta", entry("a", 0, "e6"), 0, ledger.ErrInvalid},
		{"unknown reason", ledger.Entry{GuildID: "g", UserID: "a", Currency: ledger.Value, Delta: 1, Reason: "gift", EventID: "e7"}, 0, ledger.ErrInvalid},
		{"unknown currency", ledger.Entry{GuildID: "g", UserID: "a", Currency: "yen", Delta: 1, Reason: ledger.Staff, EventID: "e8"}, 0, ledger.ErrInvalid},
		{"no event", entry("a", 1, ""), 0, ledger.ErrInvalid},
		{"exactly to zero", entry("a", -20, "e9"), 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := apply(tc.e)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && got != tc.want) {
				t.Fatalf("Apply = %d, %v; want %d, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}

	// A refusal leaves the transaction usable: the caller can go on and commit.
	v, err := inTx(t, pool, func(tx pgx.Tx) (int64, error) {
		if _, err := ledger.Apply(t.Context(), tx, entry("c", -5, "f1")); !errors.Is(err, ledger.ErrNegative) {
			return 0, fmt.Errorf("want ErrNegative, got %v", err)
		}
		return ledger.Apply(t.Context(), tx, entry("c", 7, "f2"))
	})
	if err != nil || v != 7 {
		t.Fatalf("after a refusal: %d, %v", v, err)
	}

	// The database refuses a negative balance and any rewrite of history by itself.
	for _, sql := range []string{
		`UPDATE league.balances SET amount = -1 WHERE user_id = 'c'`,
		`UPDATE league.ledger SET delta = 100 WHERE user_id = 'c'`,
		`DELETE FROM league.ledger WHERE user_id = 'c'`,
	} {
		if _, err := pool.Exec(t.Context(), sql); err == nil {
			t.Errorf("%s: accepted", sql)
		}
	}
}

func TestSetAndFloor(t *testing.T) {
	pool := open(t)
	ctx := t.Context()
	type result struct{ a, b int64 }
	tests := []struct {
		name string
		op   func(tx pgx.Tx) (result, error)
		want result
	}{
		{"set from nothing", func(tx pgx.Tx) (result, error) {
			old, now, err := ledger.Set(ctx, tx, entry("a", 0, "s1"), 40)
			return result{old, now}, err
		}, result{0, 40}},
		{"set to the same value appends nothing", func(tx pgx.Tx) (result, error) {
			old, now, err := ledger.Set(ctx, tx, entry("a", 0, "s2"), 40)
			return result{old, now}, err
		}, result{40, 40}},
		{"floored subtraction", func(tx pgx.Tx) (result, error) {
			applied, now, err := ledger.AddFloored(ctx, tx, entry("a", -100, "s3"))
			return result{applied, now}, err
		}, result{-40, 0}},
		{"floored subtraction at zero appends nothing", func(tx pgx.Tx) (result, error) {
			applied, now, err := ledger.AddFloored(ctx, tx, entry("a", -5, "s4"))
			return result{applied, now}, err
		}, result{0, 0}},
	}
	for _, tc := range tests {
		got, err := inTx(t, pool, tc.op)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	hist, err := inTx(t, pool, func(tx pgx.Tx) ([]ledger.Record, error) { return ledger.History(ctx, tx, "g", "a", ledger.Value, 10) })
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Delta != -40 || hist[1].Delta != 40 || hist[0].BalanceAfter != 0 {
		t.Errorf("history: %+v", hist)
	}
	if _, err := inTx(t, pool, func(tx pgx.Tx) (result, error) {
		_, _, err := ledger.Set(ctx, tx, entry("a", 0, "s5"), -1)
		return result{}, err
	}); !errors.Is(err, ledger.ErrNegative) {
		t.Errorf("set to -1: %v", err)
	}
}

// 50 concurrent credits to one member end at the exact sum: the balance row lock queues
// them instead of losing updates.
func TestConcurrentApply(t *testing.T) {
	pool := open(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			err := store.InTx(context.Background(), pool, func(tx pgx.Tx) error {
				_, err := ledger.Apply(context.Background(), tx, entry("a", int64(i+1), fmt.Sprint("c", i)))
				return err
			})
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if v, _ := ledger.Balance(t.Context(), pool, "g", "a", ledger.Value); v != 50*51/2 {
		t.Errorf("balance %d, want %d", v, 50*51/2)
	}
}

// Random sequences of operations over a few members: the balances always equal the sum
// of their ledger entries, every entry's balance_after chains from the one before, nothing
// is ever negative, and the balances match a model that applies the documented rules.
func TestLedgerProperties(t *testing.T) {
	pool := open(t)
	ctx := t.Context()
	run := 0
	rapid.Check(t, func(rt *rapid.T) {
		run++
		guild := fmt.Sprint("p", run)
		users := []string{"u1", "u2", "u3"}
		model := map[string]int64{}
		steps := rapid.IntRange(1, 30).Draw(rt, "steps")
		for i := range steps {
			u := rapid.SampledFrom(users).Draw(rt, "user")
			op := rapid.SampledFrom([]string{"apply", "floor", "set"}).Draw(rt, "op")
			n := rapid.Int64Range(-60, 60).Draw(rt, "n")
			e := ledger.Entry{GuildID: guild, UserID: u, Currency: ledger.Value, Delta: n, Reason: ledger.Wager, EventID: fmt.Sprint("ev", i)}
			err := store.InTx(ctx, pool, func(tx pgx.Tx) error {
				switch op {
				case "apply":
					got, err := ledger.Apply(ctx, tx, e)
					switch {
					case n == 0:
						if !errors.Is(err, ledger.ErrInvalid) {
							return fmt.Errorf("zero delta: %v", err)
						}
					case model[u]+n < 0:
						if !errors.Is(err, ledger.ErrNegative) {
							return fmt.Errorf("overdraft accepted: %d %v", got, err)
						}
					default:
						if err != nil || got != model[u]+n {
							return fmt.Errorf("apply %d to %d: %d %v", n, model[u], got, err)
						}
						model[u] += n
					}
				case "floor":
					_, got, err := ledger.AddFloored(ctx, tx, e)
					if err != nil || got != max(0, model[u]+n) {
						return fmt.Errorf("floor %d on %d: %d %v", n, model[u], got, err)
					}
					model[u] = got
				case "set":
					target := max(0, n)
					old, got, err := ledger.Set(ctx, tx, e, target)
					if err != nil || old != model[u] || got != target {
						return fmt.Errorf("set %d on %d: %d %d %v", target, model[u], old, got, err)
					}
					model[u] = target
				}
				return nil
			})
			if err != nil {
				rt.Fatal(err)
			}
		}
		for _, u := range users {
			var balance, sum, entries int64
			var chained bool
			err := pool.QueryRow(ctx, `
				SELECT coalesce((SELECT amount FROM league.balances WHERE guild_id = $1 AND user_id = $2 AND currency = 'value'), 0),
				       coalesce(sum(delta), 0), count(*),
				       coalesce(bool_and(balance_after = prev + delta AND balance_after >= 0), true)
				FROM (SELECT delta, balance_after, coalesce(lag(balance_after) OVER (ORDER BY id), 0) AS prev
				      FROM league.ledger WHERE guild_id = $1 AND user_id = $2 AND currency = 'value') l`,
				guild, u).Scan(&balance, &sum, &entries, &chained)
			if err != nil {
				rt.Fatal(err)
			}
			if balance != sum || balance != model[u] || !chained {
				rt.Fatalf("%s: balance %d, ledger sum %d over %d entries, model %d, chained %v", u, balance, sum, entries, model[u], chained)
			}
		}
	})
}
