package heartbeat

import (
	"context"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/novera-bot/novera/libs/admin"
)

// StartGrace is how long an instance that has never been ready says "starting" before it
// says "not-ready": long enough for a cold start (migrations, shard identify queues), short
// enough that an instance that can never start is not shown as merely starting.
const StartGrace = 2 * time.Minute

// FromHealth derives an instance's status from its own probes, so a beat says exactly what
// /livez and /readyz say: stuck when liveness fails, not-ready (or starting) when
// readiness fails, ready otherwise. The optional funcs add the detail.
type FromHealth struct {
	Health *admin.Health
	// Progress is the instance's last progress; nil: the time of the beat.
	Progress func() time.Time
	// Waiting is how much work waits; nil or an error: unknown.
	Waiting func(ctx context.Context) (uint64, error)
	// Shards is the gateway's shard detail.
	Shards func() []Shard

	started   time.Time
	everReady atomic.Bool
	stopping  atomic.Bool
}

// SetStopping makes every later status "stopping": the instance is draining on purpose.
func (f *FromHealth) SetStopping() { f.stopping.Store(true) }

// NewFromHealth starts the clock of StartGrace now.
func NewFromHealth(h *admin.Health) *FromHealth { return &FromHealth{Health: h, started: time.Now()} }

// Status is a Status func for Options.
func (f *FromHealth) Status(ctx context.Context) Status {
	st := Status{LastProgress: time.Now()}
	if f.Progress != nil {
		if t := f.Progress(); !t.IsZero() {
			st.LastProgress = t
		}
	}
	if f.Waiting != nil {
		if n, err := f.Waiting(ctx); err == nil {
			st.Waiting = &n
		}
	}
	if f.Shards != nil {
		st.Shards = f.Shards()
	}
	if f.stopping.Load() {
		st.State, st.Reason = StateStopping, "shutting down"
		return st
	}
	if live := f.Health.Liveness(ctx); !live.OK {
		st.State, st.Reason = StateStuck, failing(live)
		return st
	}
	ready := f.Health.Readiness(ctx)
	switch {
	case ready.OK:
		f.everReady.Store(true)
		st.State = StateReady
	case !f.everReady.Load() && time.Since(f.started) < StartGrace:
		st.State, st.Reason = StateStarting, failing(ready)
	default:
		st.State, st.Reason = StateNotReady, failing(ready)
	}
	return st
}

// failing lists the failing checks of r, "name: why", sorted.
func failing(r admin.Result) string {
	var out []string
	for name, v := range r.Checks {
		if v != "ok" {
			out = append(out, name+": "+v)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}
