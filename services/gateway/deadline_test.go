package gateway

import (
	"strconv"
	"testing"
	"time"
)

// snowflakeAt makes an id Discord would have made at t.
func snowflakeAt(t time.Time) string {
	return strconv.FormatUint(uint64(t.UnixMilli()-discordEpoch)<<22|42, 10)
}

func TestSnowflakeTime(t *testing.T) {
	at := time.UnixMilli(time.Now().UnixMilli())
	if got := snowflakeTime(snowflakeAt(at)); !got.Equal(at) {
		t.Fatalf("snowflakeTime = %v, want %v", got, at)
	}
	if !snowflakeTime("not-an-id").IsZero() || !snowflakeTime("").IsZero() {
		t.Fatal("a bad id must give the zero time")
	}
}

// The gateway defers only what is at risk: not yet on the stream, or on it but with the
// NATS connection lost or renewed since; never what the bus holds on a healthy
// connection, and never past the point where a deferral could still help.
func TestDeadlineGuardDefersOnlyAtRisk(t *testing.T) {
	connected, reconnects := true, uint64(0)
	g := newDeadlineGuard(nil, nil, func() bool { return connected }, func() uint64 { return reconnects })
	now := time.Now()
	g.arrive("published-then-reconnect", "t3", now)
	g.published("published-then-reconnect")
	reconnects++ // NATS came back: what was published before may be lost
	g.arrive("unpublished", "t1", now)
	g.arrive("published", "t2", now)
	g.published("published")
	g.arrive("too-old", "t4", now.Add(-guardUntil))
	g.arrive("unpublished", "other", now.Add(-time.Hour)) // a second arrival changes nothing
	g.arrive("forgotten", "t5", now)
	g.forget("forgotten")

	ids := func(ps []*guardedInteraction) map[string]bool {
		m := map[string]bool{}
		for _, p := range ps {
			m[p.id] = true
		}
		return m
	}
	if due := g.due(now.Add(guardAfter - time.Millisecond)); len(due) != 0 {
		t.Fatalf("deferred before guardAfter: %v", ids(due))
	}
	due := ids(g.due(now.Add(guardAfter)))
	if !due["unpublished"] || !due["published-then-reconnect"] || due["published"] || due["too-old"] || due["forgotten"] || len(due) != 2 {
		t.Fatalf("deferred at guardAfter: %v", due)
	}
	if due := g.due(now.Add(guardAfter + guardTick)); len(due) != 0 {
		t.Fatalf("deferred twice: %v", ids(due))
	}
	connected = false
	if due := g.due(now.Add(guardUntil)); len(due) != 0 || len(g.pending) != 0 {
		t.Fatalf("past guardUntil: deferred %v, still watching %d", ids(due), len(g.pending))
	}
}

// On the way out the gateway holds open what it read but did not get onto the stream:
// only a successor's resume could deliver those, rarely within 3 seconds.
func TestDeadlineGuardUnpublishedAtShutdown(t *testing.T) {
	g := newDeadlineGuard(nil, nil, func() bool { return true }, func() uint64 { return 0 })
	now := time.Now()
	g.arrive("unpublished", "t1", now)
	g.arrive("published", "t2", now)
	g.published("published")
	g.arrive("too-old", "t3", now.Add(-guardUntil))
	got := g.unpublished()
	if len(got) != 1 || got[0].id != "unpublished" {
		t.Fatalf("deferred at shutdown: %+v", got)
	}
	if len(g.pending) != 0 {
		t.Fatalf("still watching %d after shutdown", len(g.pending))
	}
}
