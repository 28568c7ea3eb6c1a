package rest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Keys in the proxy's KV bucket.
const (
	leaseKey = "lease"
	stateKey = "state"
)

type leaseValue struct {
	Holder string `json:"holder"`
	// Process is random per process: a replica recognises its own writes by it, never by
	// its name (two replicas given the same name must not both believe they hold the lease).
	Process string `json:"process"`
	// Released: the holder stopped cleanly and sends nothing more; take over at once.
	Released bool `json:"released,omitempty"`
}

// lease elects the one replica that talks to Discord. The holder rewrites the lease key
// every LeaseRenew with a revision check, so two replicas can never both believe they hold
// it; a standby that sees the revision unchanged for LeaseTTL (by its own clock, so clock
// skew between machines does not matter) takes it over with the same check. The holder
// fences itself: it sends nothing once LeaseFence has passed since its last successful
// renewal began, and LeaseTTL-LeaseFence covers Discord's global window, so the old and
// the new active never share one.
type lease struct {
	kv      jetstream.KeyValue
	id      string
	process string
	cfg     Config
	log     *slog.Logger
	// takeOver runs before this replica starts sending, with the published bucket state
	// and the moment after which the old active sent nothing.
	takeOver func(snap *snapshot, oldStopped time.Time)
	onChange func(active bool)

	// pub serialises state writes (the periodic one and Release's last one).
	pub       sync.Mutex
	mu        sync.Mutex
	released  bool // Release was called: this replica competes no more
	held      bool
	rev       uint64
	renewedAt time.Time // when the last successful write of the lease began
	seenRev   uint64    // as standby: the holder's revision, and when it was first seen
	seenAt    time.Time
	active    chan struct{} // closed while held; replaced when lost
	stateRev  uint64        // revision of the state key this replica last wrote or read
}

func newLease(kv jetstream.KeyValue, id string, cfg Config, log *slog.Logger) *lease {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &lease{kv: kv, id: id, process: hex.EncodeToString(b[:]), cfg: cfg, log: log, active: make(chan struct{}),
		takeOver: func(*snapshot, time.Time) {}, onChange: func(bool) {}}
}

func (l *lease) gate(now time.Time) gateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !l.held:
		return gateStandby
	case now.Sub(l.renewedAt) >= l.cfg.LeaseFence:
		return gateFenced
	}
	return gateOpen
}

// stale reports, on a standby, that the holder has missed renewals: a takeover is near, so
// requests are better held than sent away.
func (l *lease) stale(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.held && !l.seenAt.IsZero() && now.Sub(l.seenAt) >= 3*l.cfg.LeaseRenew
}

// waitActive waits until this replica holds the lease or until deadline.
func (l *lease) waitActive(ctx context.Context, deadline time.Time) bool {
	l.mu.Lock()
	ch := l.active
	l.mu.Unlock()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// run keeps the lease (or watches for the chance to take it) until ctx ends.
func (l *lease) run(ctx context.Context) {
	tick := time.NewTicker(l.cfg.LeaseRenew)
	defer tick.Stop()
	for {
		l.step(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (l *lease) value(released bool) []byte {
	b, _ := json.Marshal(leaseValue{Holder: l.id, Process: l.process, Released: released})
	return b
}

func (l *lease) step(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.LeaseFence)
	defer cancel()
	start := time.Now()
	l.mu.Lock()
	held, rev, released := l.held, l.rev, l.released
	l.mu.Unlock()
	if released {
		return
	}
	if held {
		nrev, err := l.kv.Update(ctx, leaseKey, l.value(false), rev)
		switch {
		case err == nil:
			l.mu.Lock()
			l.rev, l.renewedAt = nrev, start
			l.mu.Unlock()
		case errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound):
			// Either another replica took the lease, or our previous renewal timed out here
			// but landed: only our own process writes its mark, so read and see which.
			if e, gerr := l.kv.Get(ctx, leaseKey); gerr == nil {
				var v leaseValue
				if json.Unmarshal(e.Value(), &v) == nil && v.Process == l.process && !v.Released {
					l.mu.Lock()
					l.rev = e.Revision()
					l.mu.Unlock()
					return
				}
			}
			l.lose("another replica holds the lease")
		default:
			// NATS trouble: keep trying; the fence stops sending in the meantime.
			l.log.Warn("renew the REST lease", "err", err)
		}
		return
	}
	e, err := l.kv.Get(ctx, leaseKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		// Nobody held it yet. Whoever ran before may have sent just now: assume so.
		if nrev, err := l.kv.Create(ctx, leaseKey, l.value(false)); err == nil {
			l.acquire(ctx, nrev, start, start)
		}
		return
	}
	if err != nil {
		l.log.Warn("read the REST lease", "err", err)
		return
	}
	var v leaseValue
	_ = json.Unmarshal(e.Value(), &v)
	l.mu.Lock()
	if e.Revision() != l.seenRev {
		l.seenRev, l.seenAt = e.Revision(), start
	}
	seenAt := l.seenAt
	l.mu.Unlock()
	switch {
	case v.Released:
		// A clean hand-over: the holder stopped sending before it wrote this, which we saw
		// no earlier than seenAt.
		if nrev, err := l.kv.Update(ctx, leaseKey, l.value(false), e.Revision()); err == nil {
			l.acquire(ctx, nrev, start, seenAt)
		}
	case v.Process == l.process:
		// Our own write that timed out here but landed: the lease is ours. Nobody else
		// sent since the holder before us stopped, which was before we saw this write.
		if nrev, err := l.kv.Update(ctx, leaseKey, l.value(false), e.Revision()); err == nil {
			l.acquire(ctx, nrev, start, seenAt)
		}
	case start.Sub(seenAt) >= l.cfg.LeaseTTL:
		// The holder's last renewal began before we saw it, so it stopped sending by
		// seenAt+LeaseFence at the latest.
		if nrev, err := l.kv.Update(ctx, leaseKey, l.value(false), e.Revision()); err == nil {
			l.acquire(ctx, nrev, start, seenAt.Add(l.cfg.LeaseFence))
		}
	}
}

// acquire becomes active: load the old active's bucket state, then open the gate.
func (l *lease) acquire(ctx context.Context, rev uint64, start, oldStopped time.Time) {
	snap, stateRev, err := l.readState(ctx)
	if err != nil {
		l.log.Warn("read the REST bucket state; starting with every bucket unknown", "err", err)
	}
	l.takeOver(snap, oldStopped)
	l.mu.Lock()
	l.held, l.rev, l.renewedAt, l.stateRev = true, rev, start, stateRev
	close(l.active)
	l.mu.Unlock()
	l.onChange(true)
	l.log.Info("REST proxy active", "instance", l.id, "old_stopped_ago", time.Since(oldStopped).Round(time.Millisecond))
}

func (l *lease) lose(why string) {
	l.mu.Lock()
	if !l.held {
		l.mu.Unlock()
		return
	}
	l.held = false
	l.active = make(chan struct{})
	l.seenRev, l.seenAt = 0, time.Time{}
	l.mu.Unlock()
	l.onChange(false)
	l.log.Warn("REST proxy standing by", "instance", l.id, "why", why)
}

func (l *lease) readState(ctx context.Context) (*snapshot, uint64, error) {
	e, err := l.kv.Get(ctx, stateKey)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("rest: read state: %w", err)
	}
	var s snapshot
	if err := json.Unmarshal(e.Value(), &s); err != nil {
		return nil, e.Revision(), fmt.Errorf("rest: decode state: %w", err)
	}
	return &s, e.Revision(), nil
}

// publish writes the bucket state, revision-checked so that a replica that lost the lease
// cannot overwrite its successor's.
func (l *lease) publish(ctx context.Context, snap snapshot) error {
	l.pub.Lock()
	defer l.pub.Unlock()
	l.mu.Lock()
	held, rev := l.held, l.stateRev
	l.mu.Unlock()
	if !held {
		return nil
	}
	data, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("rest: encode state: %w", err)
	}
	var nrev uint64
	if rev == 0 {
		nrev, err = l.kv.Create(ctx, stateKey, data)
	} else {
		nrev, err = l.kv.Update(ctx, stateKey, data, rev)
	}
	if err != nil {
		// A write that timed out may still have landed, leaving our revision behind: read
		// the current one so the next write can succeed (we hold the lease, so it is ours).
		if e, gerr := l.kv.Get(ctx, stateKey); gerr == nil {
			l.mu.Lock()
			l.stateRev = e.Revision()
			l.mu.Unlock()
		}
		return fmt.Errorf("rest: publish state: %w", err)
	}
	l.mu.Lock()
	l.stateRev = nrev
	l.mu.Unlock()
	return nil
}

// release hands the lease over cleanly: nothing is sent any more, the last state is out.
func (l *lease) release(ctx context.Context) error {
	l.mu.Lock()
	held, rev := l.held, l.rev
	l.held, l.released = false, true
	l.active = make(chan struct{})
	l.mu.Unlock()
	if !held {
		return nil
	}
	l.onChange(false)
	_, err := l.kv.Update(ctx, leaseKey, l.value(true), rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		// A renewal that timed out here (NATS was away) may have landed and moved the
		// revision on, or another replica took the lease while we could not renew: only
		// our own mark is ours to release.
		var e jetstream.KeyValueEntry
		if e, err = l.kv.Get(ctx, leaseKey); err == nil {
			var v leaseValue
			if json.Unmarshal(e.Value(), &v) != nil || v.Process != l.process || v.Released {
				return nil
			}
			_, err = l.kv.Update(ctx, leaseKey, l.value(true), e.Revision())
		}
	}
	if err != nil {
		return fmt.Errorf("rest: release lease: %w", err)
	}
	return nil
}
