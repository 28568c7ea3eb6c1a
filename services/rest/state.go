package rest

import (
	"time"
)

// snapshot is the bucket state the active replica publishes for its standby: which route
// has which bucket hash, and the window of every bucket that is still running.
type snapshot struct {
	Written int64             `json:"written_ms"`
	Hashes  map[string]string `json:"hashes"`
	Buckets []snapBucket      `json:"buckets"`
}

type snapBucket struct {
	Key       string `json:"key"`
	Label     string `json:"label"`
	Limit     int    `json:"limit"`
	Remaining int    `json:"remaining"`
	WindowMS  int64  `json:"window_ms"`
	ResetMS   int64  `json:"reset_ms"` // 0: between windows
}

// snapshot copies the state worth handing over: buckets with a known limit whose window
// runs, or ran recently enough that the next one may have begun. Token buckets are left
// out: there is one per interaction, and encoding thousands of them five times a second,
// under the lock every request takes, was most of the proxy's CPU and its latency under
// load. A new active learns such a bucket again from its first answer.
func (s *scheduler) snapshot(now time.Time) snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := snapshot{Written: now.UnixMilli(), Hashes: make(map[string]string, len(s.hashes))}
	for k, v := range s.hashes {
		snap.Hashes[k] = v
	}
	for _, b := range s.buckets {
		if b.limit <= 0 || b.into != nil || b.token {
			continue
		}
		if !b.resetAt.IsZero() && now.Sub(b.resetAt) > time.Minute {
			continue
		}
		sb := snapBucket{Key: b.key, Label: b.label, Limit: b.limit, Remaining: b.remaining, WindowMS: b.window.Milliseconds()}
		if !b.resetAt.IsZero() {
			sb.ResetMS = b.resetAt.UnixMilli()
		}
		snap.Buckets = append(snap.Buckets, sb)
	}
	return snap
}

// takeOver prepares the scheduler of a replica that just became active. The old active
// sent nothing after oldStopped (its fence), but what it sent since its last snapshot is
// unknown, so every bucket is assumed used up: until its window ends if that was after
// oldStopped, else for one whole window after oldStopped (it may have begun a new one).
// Buckets missing from the snapshot start unknown: one request until Discord's headers
// tell the limit. The global limit waits out the old active's last window.
func (s *scheduler) takeOver(snap *snapshot, oldStopped, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Whatever this replica knew of buckets from an earlier term is stale; its own global
	// count stays (requests from that term may still be in flight).
	s.buckets = map[string]*bucket{}
	if g := oldStopped.Add(s.cfg.GlobalWindow + s.cfg.GlobalMargin); g.After(s.globalUntil) {
		s.globalUntil = g
	}
	if snap == nil {
		return
	}
	for k, v := range snap.Hashes {
		s.hashes[k] = v
	}
	for _, sb := range snap.Buckets {
		window := time.Duration(sb.WindowMS) * time.Millisecond
		b := &bucket{key: sb.Key, label: sb.Label, limit: sb.Limit, window: window, changed: make(chan struct{}), lastUsed: now}
		hold := oldStopped.Add(window + s.cfg.BucketMargin)
		if reset := time.UnixMilli(sb.ResetMS); sb.ResetMS != 0 && reset.After(oldStopped) {
			hold = reset
		}
		if hold.After(now) {
			b.remaining, b.resetAt = 0, hold
		} else {
			b.remaining = b.limit // the window is over: a fresh one, learnt from its first answer
		}
		s.buckets[sb.Key] = b
	}
}
