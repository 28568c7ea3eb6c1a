package gateway

import (
	"math/rand/v2"
	"sync"
	"time"
)

// heartbeat tracks the heartbeat/ACK exchange of one connection. The reader
// goroutine records ACKs here directly, so a dispatch backlog in front of
// the event loop cannot make a healthy connection look like a zombie.
type heartbeat struct {
	mu          sync.Mutex
	sentAt      time.Time // last heartbeat of any kind, for latency
	awaiting    bool      // sentAt has not been acknowledged yet
	scheduledAt time.Time // last heartbeat sent on the regular schedule
	ackAt       time.Time // last ACK
}

// sent records a heartbeat; scheduled is false for one Discord asked for.
func (h *heartbeat) sent(now time.Time, scheduled bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sentAt, h.awaiting = now, true
	if scheduled {
		h.scheduledAt = now
	}
}

// acked records an ACK and returns the round trip of the heartbeat it
// answers (0 for an unsolicited ACK).
func (h *heartbeat) acked(now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ackAt = now
	if !h.awaiting {
		return 0
	}
	h.awaiting = false
	return now.Sub(h.sentAt)
}

// missed reports, when the next scheduled heartbeat is due, whether no ACK
// at all arrived since the previous scheduled one. Counting any ACK (also
// one for a heartbeat Discord requested in between) avoids calling a
// connection dead just because a requested beat went out a moment ago.
func (h *heartbeat) missed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !h.scheduledAt.IsZero() && h.ackAt.Before(h.scheduledAt)
}

// firstBeat is when the first heartbeat goes out: Discord asks for a random
// fraction of the interval so that shards reconnecting together (after an
// outage) do not heartbeat in lockstep.
func firstBeat(interval time.Duration) time.Duration {
	return time.Duration(rand.Float64() * float64(interval))
}

// heartbeatLoop sends heartbeats until the connection stops. When the next
// beat is due and the previous one was never acknowledged, the connection is
// a zombie (half-open TCP, stuck proxy...): it is failed so that Run closes
// it with a resumable code and resumes on a new one.
func (c *connection) heartbeatLoop(interval time.Duration) {
	t := time.NewTimer(firstBeat(interval))
	defer t.Stop()
	for {
		var scheduled bool
		select {
		case <-c.stop:
			return
		case <-c.beatNow:
			// Discord asked for a heartbeat (op 1): answer at once and keep
			// the regular schedule.
			scheduled = false
		case <-t.C:
			if c.hb.missed() {
				c.shard.stats.zombies.Add(1)
				c.fail(&reconnectError{
					reason: "zombie connection: no heartbeat ACK since the previous heartbeat",
					resume: true,
				})
				return
			}
			t.Reset(interval)
			scheduled = true
		}
		c.hb.sent(time.Now(), scheduled)
		if err := c.write(appendHeartbeat(nil, c.seq.Load())); err != nil {
			c.fail(&reconnectError{reason: "heartbeat write failed", resume: true, err: err})
			return
		}
	}
}

// requestBeat asks heartbeatLoop for an immediate heartbeat; requests made
// while one is already pending collapse into it.
func (c *connection) requestBeat() {
	select {
	case c.beatNow <- struct{}{}:
	default:
	}
}
