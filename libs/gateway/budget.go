package gateway

import (
	"context"
	"sync"
	"time"
)

// Discord closes a connection with 4008 when a client sends more than
// sendLimit payloads in sendWindow.
const (
	sendLimit  = 120
	sendWindow = 60 * time.Second
)

// appSendLimit is how many application payloads (Send) a connection may
// send per sendWindow: the hard limit minus a reserve for what the client
// must always be able to send, i.e. one identify or resume plus the
// heartbeats of one window (and one answer to a server heartbeat request).
// Heartbeats themselves never wait: they are what keeps the session alive.
func appSendLimit(heartbeat time.Duration) int {
	reserve := 20 // floor for absurdly short intervals (tests, simulators)
	if heartbeat > 0 {
		reserve = min(reserve, int((sendWindow+heartbeat-1)/heartbeat)+2)
	}
	return sendLimit - max(reserve, 3)
}

// sendBudget is a sliding-window limiter: it allows at most limit events in
// any window-long interval, which a token bucket cannot promise (a full
// bucket plus a window of refill is up to twice the limit).
type sendBudget struct {
	limit  int
	window time.Duration

	mu   sync.Mutex
	sent []time.Time // ring of the last limit send times
	next int         // index of the oldest entry once the ring is full
}

func newSendBudget(limit int, window time.Duration) *sendBudget {
	return &sendBudget{limit: limit, window: window, sent: make([]time.Time, 0, limit)}
}

// wait blocks until one more send fits in the window, then records it.
func (b *sendBudget) wait(ctx context.Context) error {
	for {
		d := b.reserve(time.Now())
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// reserve records a send at now if it fits and returns 0, or returns how
// long to wait before trying again.
func (b *sendBudget) reserve(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.sent) < b.limit {
		b.sent = append(b.sent, now)
		return 0
	}
	oldest := b.sent[b.next]
	if free := oldest.Add(b.window); free.After(now) {
		return free.Sub(now)
	}
	b.sent[b.next] = now
	b.next = (b.next + 1) % b.limit
	return 0
}
