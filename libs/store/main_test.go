package store

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/pglocal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openPool opens a pool on a fresh database, closed when the test ends.
func openPool(t *testing.T, opts ...Option) *pgxpool.Pool {
	t.Helper()
	return openPoolAt(t, pgtest.URL(t), opts...)
}

func openPoolAt(t *testing.T, url string, opts ...Option) *pgxpool.Pool {
	t.Helper()
	pool, err := Open(testContext(t), url, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func mustExec(t *testing.T, q Querier, sql string, args ...any) {
	t.Helper()
	if _, err := q.Exec(testContext(t), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryInt(t *testing.T, q Querier, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRow(testContext(t), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
