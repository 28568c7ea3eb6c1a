package gateway

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	dgw "github.com/novera-bot/novera/libs/gateway"
	"github.com/novera-bot/novera/libs/heartbeat"
)

// DefaultStallAfter is the gateway watchdog's limit. Discord's heartbeat interval is about
// 41 s and a shard drops a zombie connection at the second unacknowledged beat, so within
// three minutes a shard that can make progress has either had an ACK or is reconnecting.
const DefaultStallAfter = 3 * time.Minute

// Watchdog is the gateway's liveness check and the detail of its heartbeat. It fails
// liveness only when every shard cannot make progress:
//
//   - a shard READY whose heartbeats have gone unacknowledged past the limit: its own zombie
//     detection should have dropped the connection long before, so the shard's loop is
//     not running; or
//   - a shard with no ACK past the limit that has dropped two or more zombie connections
//     since its last ACK: it reaches Discord, resumes, and its connections still die.
//     (One zombie alone is how a network or Discord outage begins; after it the shard
//     waits in reconnecting, which is not being stuck.)
//
// A shard reconnecting because Discord is unreachable, or one that Discord refused for
// good (failed: readiness reports it), never fails liveness: restarting the pod would not
// help, and in an outage would only restart every gateway at once.
type Watchdog struct {
	svc     *Service
	limit   time.Duration
	started time.Time

	mu   sync.Mutex
	seen map[int]*shardSeen
}

// shardSeen is what the watchdog remembers of a shard between checks.
type shardSeen struct {
	ack          time.Time // the latest LastHeartbeatAck observed
	zombiesAtAck int64     // the shard's zombie count when that ACK was observed
}

// NewWatchdog watches svc's shards; limit 0 means DefaultStallAfter.
func NewWatchdog(svc *Service, limit time.Duration) *Watchdog {
	if limit <= 0 {
		limit = DefaultStallAfter
	}
	return &Watchdog{svc: svc, limit: limit, started: time.Now(), seen: map[int]*shardSeen{}}
}

// Check is the liveness check.
func (w *Watchdog) Check(context.Context) error {
	shards := w.svc.shardsSnapshot()
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	var stuck []error
	running := 0
	for id, sh := range shards {
		st, stats := sh.Status(), sh.Stats()
		seen := w.seen[id]
		if seen == nil {
			seen = &shardSeen{ack: st.LastHeartbeatAck, zombiesAtAck: stats.ZombieConnections}
			w.seen[id] = seen
		}
		if st.LastHeartbeatAck.After(seen.ack) {
			seen.ack, seen.zombiesAtAck = st.LastHeartbeatAck, stats.ZombieConnections
		}
		if st.State == dgw.StateFailed || st.State == dgw.StateStopped || st.State == dgw.StateIdle {
			continue // ended for good, on purpose, or not begun: not a stall
		}
		running++
		ref := seen.ack
		if ref.Before(w.started) {
			ref = w.started
		}
		zombies := stats.ZombieConnections - seen.zombiesAtAck
		switch {
		case st.State == dgw.StateReady && now.Sub(later(ref, st.Since)) > w.limit:
			stuck = append(stuck, fmt.Errorf("shard %d: ready without a heartbeat ACK for %s", id, now.Sub(later(ref, st.Since)).Round(time.Second)))
		case now.Sub(ref) > w.limit && zombies >= 2:
			stuck = append(stuck, fmt.Errorf("shard %d: no heartbeat ACK for %s; %d connections died as zombies since, resuming did not help",
				id, now.Sub(ref).Round(time.Second), zombies))
		}
	}
	if running == 0 || len(stuck) < running {
		return nil // some shard makes progress: the process is not stuck
	}
	return errors.Join(stuck...)
}

// LastProgress is the latest heartbeat ACK of any shard (zero before the first).
func (w *Watchdog) LastProgress() time.Time {
	var last time.Time
	for _, sh := range w.svc.shardsSnapshot() {
		last = later(last, sh.Status().LastHeartbeatAck)
	}
	return last
}

// Shards is the heartbeat's detail: every shard's state, in shard order.
func (w *Watchdog) Shards() []heartbeat.Shard {
	shards := w.svc.shardsSnapshot()
	out := make([]heartbeat.Shard, 0, len(shards))
	for id, sh := range shards {
		st := sh.Status()
		out = append(out, heartbeat.Shard{ID: id, State: string(st.State), Reason: st.Reason, Since: st.Since,
			LastHeartbeatAck: st.LastHeartbeatAck, LatencyMS: float64(st.Latency.Microseconds()) / 1000})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ShardStatuses is an accessor for tests and tools: every shard's status and counters.
func (s *Service) ShardStatuses() map[int]ShardView {
	out := map[int]ShardView{}
	for id, sh := range s.shardsSnapshot() {
		out[id] = ShardView{Status: sh.Status(), Stats: sh.Stats()}
	}
	return out
}

// ShardView is one shard's status and counters.
type ShardView struct {
	Status dgw.Status
	Stats  dgw.Stats
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
