package rest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestTakeOverAssumesEveryBucketUsedUp checks the new active replica's start from the old
// one's published state: a window still running when the old active stopped is waited
// out; a window that had ended may have been followed by a new one the snapshot missed, so
// a whole window after the old active stopped is waited; the global limit waits out the
// old active's last window; routes keep their learnt hashes.
func TestTakeOverAssumesEveryBucketUsedUp(t *testing.T) {
	cfg := Config{Token: "t", Secret: testSecret}.withDefaults()
	s := newScheduler(cfg, func(time.Time) gateState { return gateOpen }, nil)
	now := time.Now()
	stopped := now.Add(-1200 * time.Millisecond)
	snap := &snapshot{Hashes: map[string]string{"POST /channels/{channel_id}/messages": "h1"}, Buckets: []snapBucket{
		{Key: "h1|channel=1", Limit: 5, Remaining: 3, WindowMS: 5000, ResetMS: now.Add(2 * time.Second).UnixMilli()},
		{Key: "h1|channel=2", Limit: 5, Remaining: 5, WindowMS: 5000, ResetMS: stopped.Add(-time.Second).UnixMilli()},
		{Key: "h2|guild=3", Limit: 10, Remaining: 10, WindowMS: 100, ResetMS: 0},
	}}
	s.takeOver(snap, stopped, now)
	running, ended, short := s.buckets["h1|channel=1"], s.buckets["h1|channel=2"], s.buckets["h2|guild=3"]
	if running.remaining != 0 || running.resetAt.UnixMilli() != now.Add(2*time.Second).UnixMilli() {
		t.Errorf("running window: remaining %d until %s; want 0 until its reset", running.remaining, running.resetAt.Sub(now))
	}
	if want := stopped.Add(5*time.Second + cfg.BucketMargin); ended.remaining != 0 || !ended.resetAt.Equal(want) {
		t.Errorf("ended window: remaining %d until %s; want 0 until a window after the old active stopped", ended.remaining, ended.resetAt.Sub(now))
	}
	if short.remaining != 10 || !short.resetAt.IsZero() {
		t.Errorf("a window long over: remaining %d, reset %v; want a fresh one", short.remaining, short.resetAt)
	}
	if want := stopped.Add(cfg.GlobalWindow + cfg.GlobalMargin); !s.globalUntil.Equal(want) {
		t.Errorf("global held until %s, want %s", s.globalUntil.Sub(now), want.Sub(now))
	}
	if s.hashes["POST /channels/{channel_id}/messages"] != "h1" {
		t.Error("learnt hashes not restored")
	}
	// A bucket the snapshot lacks starts unknown: one request at a time.
	b := s.bucketFor(parseTarget("POST", "/channels/9/messages"), now)
	if b.key != "h1|channel=9" || b.limit != 0 {
		t.Errorf("new bucket %s limit %d; want h1|channel=9 unknown", b.key, b.limit)
	}
	if ok, _ := s.ready(b, false, now); !ok {
		t.Error("the first request of an unknown bucket must go")
	}
	b.inflight = 1
	if ok, _ := s.ready(b, false, now); ok {
		t.Error("a second request of an unknown bucket went before the first was answered")
	}
}

// TestBucketNotStuckWithoutAnswer: a window waiting for its first answer gets none (the
// request to Discord failed); the bucket must reopen after a window, not wait for ever.
func TestBucketNotStuckWithoutAnswer(t *testing.T) {
	cfg := Config{Token: "t", Secret: testSecret}.withDefaults()
	m, err := newMetrics(nil, func() float64 { return 0 })
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(cfg, func(time.Time) gateState { return gateOpen }, m)
	now := time.Now()
	tgt := parseTarget("POST", "/channels/1/messages")
	b := s.bucketFor(tgt, now)
	b.limit, b.remaining, b.window = 1, 1, 2*time.Second // a window just turned over
	tk, _, err := s.acquire(t.Context(), tgt, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.ready(b, false, time.Now()); ok {
		t.Fatal("a second request went in a window of one")
	}
	s.done(tk, nil, time.Now()) // no answer
	if b.resetAt.IsZero() || b.resetAt.Sub(time.Now()) < time.Second {
		t.Errorf("bucket reopens at %v; want about one window from now", b.resetAt)
	}
	if ok, next := s.ready(b, false, b.resetAt.Add(time.Millisecond)); !ok {
		t.Errorf("bucket still closed after the window: next %v", next)
	}
}

// TestGlobalCountsByAnswerTime: a request holds a global slot while in flight and for a
// window after its answer, since Discord may have counted it at any moment in between.
func TestGlobalCountsByAnswerTime(t *testing.T) {
	cfg := Config{Token: "t", Secret: testSecret, GlobalLimit: 2}.withDefaults()
	m, err := newMetrics(nil, func() float64 { return 0 })
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(cfg, func(time.Time) gateState { return gateOpen }, m)
	var tks []*ticket
	for i := range 2 {
		tk, _, err := s.acquire(t.Context(), parseTarget("GET", fmt.Sprintf("/channels/%d", i)), time.Now().Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		tks = append(tks, tk)
	}
	now := time.Now()
	if next := s.globalNext(now); !next.After(now) {
		t.Fatal("a third request may go while two are in flight")
	}
	answered := now.Add(300 * time.Millisecond) // a slow answer: Discord may have counted it late
	s.done(tks[0], nil, answered)
	span := cfg.GlobalWindow + cfg.GlobalMargin
	if next := s.globalNext(answered); !next.Equal(answered.Add(span)) {
		t.Errorf("next global slot at +%s, want a window after the answer (+%s)", next.Sub(answered), span)
	}
	s.done(tks[1], nil, answered)
	if next := s.globalNext(answered.Add(span)); !next.Equal(answered.Add(span)) {
		t.Errorf("slots not free a window after the answers")
	}
}

// Token buckets (one per interaction) stay out of the handed-over state and are pruned
// after a few idle seconds; a channel's bucket is handed over and kept for the minute.
func TestTokenBucketsNotHandedOver(t *testing.T) {
	cfg := Config{Token: "t", Secret: testSecret}.withDefaults()
	s := newScheduler(cfg, func(time.Time) gateState { return gateOpen }, nil)
	now := time.Now()
	known := func(method, path string) *bucket {
		tg := parseTarget(method, path)
		if !tg.token && strings.Contains(path, "tok") {
			t.Fatalf("%s %s: token not recognised", method, path)
		}
		b := s.bucketFor(tg, now)
		b.limit, b.remaining, b.window, b.resetAt = 5, 4, time.Second, now.Add(time.Second)
		return b
	}
	channel := known("POST", "/channels/1/messages")
	for i := range 3 {
		known("POST", fmt.Sprintf("/interactions/%d/tok%d/callback", i, i))
		known("PATCH", fmt.Sprintf("/webhooks/9/tok%d/messages/@original", i))
	}
	snap := s.snapshot(now)
	if len(snap.Buckets) != 1 || snap.Buckets[0].Key != channel.key {
		t.Errorf("snapshot holds %d buckets (%+v), want the channel's only", len(snap.Buckets), snap.Buckets)
	}
	s.prune(now.Add(tokenBucketIdle+2*time.Second), time.Minute)
	if len(s.buckets) != 1 || s.buckets[channel.key] == nil {
		t.Errorf("%d buckets left after pruning, want the channel's only", len(s.buckets))
	}
}
