package worker

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"github.com/novera-bot/novera/libs/pglocal/pgtest"
	"github.com/novera-bot/novera/libs/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestPrunerKeepsWhatTheBusMayRepeat: a running worker deletes its records of handled
// events and fired timers once they are older than KeepHandled, and nothing younger; a
// KeepHandled within the bus's horizon is refused at start-up.
func TestPrunerKeepsWhatTheBusMayRepeat(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	b, err := bus.Connect(ctx, natstest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.EnsureStreams(ctx); err != nil {
		t.Fatal(err)
	}
	pool, err := store.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	const schema = "prunetest" // a service with no commands: the worker only prunes
	if err := store.Migrate(ctx, pool, schema, fstest.MapFS{}); err != nil {
		t.Fatal(err)
	}
	dc, err := discord.New(discord.Config{Token: "unused", APIURL: "http://127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Service: schema, Bus: b, Pool: pool, Discord: dc, Registry: commands.Novera()}

	horizon := b.Horizon()
	for _, keep := range []time.Duration{horizon / 2, horizon} {
		o := opts
		o.KeepHandled = keep
		if _, err := New(o); err == nil {
			t.Errorf("KeepHandled %v with a horizon of %v was accepted", keep, horizon)
		}
	}

	keep := horizon + time.Hour
	for _, sql := range []string{`
		INSERT INTO prunetest.handled_events (event_id, handled_at) VALUES
			('past', now() - $1::interval - interval '1 minute'), ('within', now() - $1::interval + interval '1 minute')`, `
		INSERT INTO prunetest.timers (key, command, due_at, fired_at) VALUES
			('fired past', 'x', now() - $1::interval - interval '2 minutes', now() - $1::interval - interval '1 minute'),
			('fired within', 'x', now() - $1::interval, now() - $1::interval + interval '1 minute'),
			('not fired', 'x', now() - $1::interval - interval '1 minute', NULL)`} {
		if _, err := pool.Exec(ctx, sql, keep.String()); err != nil {
			t.Fatal(err)
		}
	}
	o := opts
	o.KeepHandled, o.PruneInterval = keep, 20*time.Millisecond
	w, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := w.Stop(context.WithoutCancel(ctx)); err != nil {
			t.Error(err)
		}
	}()
	left := func() (handled, timers []string) {
		t.Helper()
		for _, q := range []struct {
			sql  string
			into *[]string
		}{
			{`SELECT event_id FROM prunetest.handled_events ORDER BY 1`, &handled},
			{`SELECT key FROM prunetest.timers ORDER BY 1`, &timers},
		} {
			rows, err := pool.Query(ctx, q.sql)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				*q.into = append(*q.into, s)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}
		return handled, timers
	}
	for {
		handled, timers := left()
		if len(handled) == 1 && len(timers) == 2 {
			if handled[0] != "within" || timers[0] != "fired within" || timers[1] != "not fired" {
				t.Fatalf("left: records %v, timers %v; want [within] and [fired within, not fired]", handled, timers)
			}
			break
		}
		if len(handled) < 1 || len(timers) < 2 || ctx.Err() != nil {
			t.Fatalf("left: records %v, timers %v; want [within] and [fired within, not fired]", handled, timers)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
