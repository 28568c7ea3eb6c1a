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
	g := newDeadlineGuard(nil, nil, nil, nil)
	// What the probe would have seen: the connection's state and reconnect count.
	probed := func(ok bool, epoch uint64, at time.Time) {
		g.probedOK.Store(ok)
		g.epoch.Store(epoch)
		g.probedAt.Store(at.UnixNano())
	}
	now := time.Now()
	probed(true, 0, now)
	g.arrive("published-then-reconnect", "t3", now)
	g.published("published-then-reconnect")
	probed(true, 1, now) // NATS came back: what was published before may be lost
	g.arrive("unpublished", "t1", now)
	g.arrive("published", "t2", now)
	g.published("published")
	g.started("published") // a worker has it
	g.arrive("queued", "t7", now)
	g.published("queued") // on the stream, behind a backlog: nobody has it yet
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
	at := now.Add(guardAfter - time.Millisecond)
	probed(true, 1, at)
	if due := g.due(at); len(due) != 0 {
		t.Fatalf("deferred before guardAfter: %v", ids(due))
	}
	at = now.Add(guardAfter)
	probed(true, 1, at)
	due := ids(g.due(at))
	if !due["unpublished"] || !due["published-then-reconnect"] || !due["queued"] || due["published"] || due["too-old"] || due["forgotten"] || len(due) != 3 {
		t.Fatalf("deferred at guardAfter: %v", due)
	}
	at = now.Add(guardAfter + guardTick)
	probed(true, 1, at)
	if due := g.due(at); len(due) != 0 {
		t.Fatalf("deferred twice: %v", ids(due))
	}
	// A probe stuck behind a reconnect puts what the bus holds at risk too.
	g.arrive("stuck", "t6", now)
	g.published("stuck")
	g.started("stuck")
	at = now.Add(guardAfter + 2*guardTick)
	if due := ids(g.due(at.Add(probeStale))); !due["stuck"] || !due["published"] {
		t.Fatalf("with the probe stale: deferred %v", due)
	}
	// A started interaction its worker acknowledged is forgotten; one it did not (the
	// worker cannot reach Discord) is deferred at guardStarted.
	for _, id := range []string{"acknowledged", "silent"} {
		g.arrive(id, "t-"+id, now)
		g.published(id)
		g.started(id)
	}
	g.acknowledged("acknowledged")
	at = now.Add(guardStarted - time.Millisecond)
	probed(true, 1, at)
	if due := g.due(at); len(due) != 0 {
		t.Fatalf("deferred before guardStarted: %v", ids(due))
	}
	at = now.Add(guardStarted)
	probed(true, 1, at)
	if due := ids(g.due(at)); !due["silent"] || len(due) != 1 {
		t.Fatalf("deferred at guardStarted: %v", due)
	}
	if due := g.due(now.Add(guardUntil)); len(due) != 0 || len(g.pending) != 0 {
		t.Fatalf("past guardUntil: deferred %v, still watching %d", ids(due), len(g.pending))
	}
}

// On the way out the gateway holds open what it read but did not get onto the stream:
// only a successor's resume could deliver those, rarely within 3 seconds.
func TestDeadlineGuardUnpublishedAtShutdown(t *testing.T) {
	g := newDeadlineGuard(nil, nil, nil, nil)
	now := time.Now()
	g.arrive("unpublished", "t1", now)
	g.arrive("published", "t2", now)
	g.published("published")
	g.started("published") // a worker has it
	g.arrive("queued", "t7", now)
	g.published("queued") // on the stream, behind a backlog: nobody has it yet
	g.arrive("too-old", "t3", now.Add(-guardUntil))
	got := g.unpublished()
	if len(got) != 1 || got[0].id != "unpublished" {
		t.Fatalf("deferred at shutdown: %+v", got)
	}
	if len(g.pending) != 0 {
		t.Fatalf("still watching %d after shutdown", len(g.pending))
	}
}
