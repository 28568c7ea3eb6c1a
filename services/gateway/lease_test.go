package gateway

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

func TestAssignShards(t *testing.T) {
	for _, tc := range []struct {
		name            string
		ids             []int
		count, replicas int
		ordinal         int
		want            []int
		wantErr         bool
	}{
		{name: "all", count: 3, want: []int{0, 1, 2}},
		{name: "explicit", ids: []int{2, 0}, count: 4, want: []int{2, 0}},
		{name: "explicit wins over ordinal", ids: []int{1}, count: 4, replicas: 2, ordinal: 0, want: []int{1}},
		{name: "ordinal 0 of 2", count: 5, replicas: 2, ordinal: 0, want: []int{0, 1}},
		{name: "ordinal 1 of 2", count: 5, replicas: 2, ordinal: 1, want: []int{2, 3, 4}},
		{name: "ordinal 2 of 3", count: 8, replicas: 3, ordinal: 2, want: []int{5, 6, 7}},
		{name: "more replicas than shards", count: 1, replicas: 2, ordinal: 0, want: nil},
		{name: "more replicas than shards, last pod", count: 1, replicas: 2, ordinal: 1, want: []int{0}},
		{name: "outside the count", ids: []int{3}, count: 3, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := assignShards(tc.ids, tc.count, tc.replicas, tc.ordinal)
			if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
				t.Fatalf("assignShards = %v, %v; want %v (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestOrdinal(t *testing.T) {
	for _, tc := range []struct {
		pod      string
		replicas int
		want     int
		wantErr  bool
	}{
		{"", 0, 0, false},
		{"gateway-0", 2, 0, false},
		{"novera-gateway-1", 2, 1, false},
		{"gateway-2", 2, 0, true},
		{"gateway", 2, 0, true},
		{"", 3, 0, true},
	} {
		got, err := Ordinal(tc.pod, tc.replicas)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("Ordinal(%q, %d) = %d, %v; want %d (error %v)", tc.pod, tc.replicas, got, err, tc.want, tc.wantErr)
		}
	}
}

// Two processes want one shard: the second waits while the first renews; once the first
// stops renewing, the second takes the lease only after the first's own validity has
// ended (fencing), and the first then learns it lost the lease.
func TestShardLeaseFencing(t *testing.T) {
	ctx := t.Context()
	b, err := bus.Connect(ctx, natstest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const ttl = 1500 * time.Millisecond
	a, err := openLeases(ctx, b.JetStream(), "pod-a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	c, err := openLeases(ctx, b.JetStream(), "pod-b", ttl)
	if err != nil {
		t.Fatal(err)
	}
	la, err := a.acquireShard(ctx, 0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	keepCtx, stopKeep := context.WithCancel(ctx)
	lost := make(chan struct{})
	go la.keep(keepCtx, func() { close(lost) })

	// While pod-a renews, pod-b stands by and learns who holds the shard.
	wctx, cancel := context.WithTimeout(ctx, 3*ttl)
	var holder string
	_, err = c.acquireShard(wctx, 0, 1, func(h string) { holder = h })
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || holder != "pod-a" {
		t.Fatalf("pod-b while pod-a renews: err %v, holder %q", err, holder)
	}
	if err := la.await(ctx); err != nil || !la.held() {
		t.Fatalf("pod-a's lease: %v", err)
	}

	// pod-a stops renewing (a stalled or partitioned process, not a dead one).
	stopKeep()
	validUntil := func() time.Time { la.mu.Lock(); defer la.mu.Unlock(); return la.valid }()
	lb, err := c.acquireShard(ctx, 0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Now(); took.Before(validUntil) {
		t.Fatalf("pod-b took the lease at %v, before pod-a's validity ended at %v", took, validUntil)
	}
	if la.held() {
		t.Fatal("pod-a still thinks it holds the lease after pod-b took it")
	}
	// pod-a's next renewal finds pod-b's revision: lost for good, and its handler stops.
	go la.keep(ctx, func() { close(lost) })
	select {
	case <-lost:
	case <-time.After(2 * ttl):
		t.Fatal("pod-a never noticed it lost the lease")
	}
	if err := la.await(ctx); !errors.Is(err, errLeaseLost) {
		t.Fatalf("pod-a's await after the loss: %v", err)
	}
	if !lb.held() {
		t.Fatal("pod-b does not hold the lease")
	}

	// A clean stop hands the lease over at once.
	lb.release(ctx)
	start := time.Now()
	if _, err := a.acquireShard(ctx, 0, 1, nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > ttl/2 {
		t.Errorf("taking a released lease took %v", d)
	}
}

// Identifies of one max_concurrency bucket are 5 s apart across processes; other buckets
// are not held up.
func TestIdentifyLimiterPacesBuckets(t *testing.T) {
	ctx := t.Context()
	b, err := bus.Connect(ctx, natstest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	a, err := openLeases(ctx, b.JetStream(), "pod-a", time.Second*3)
	if err != nil {
		t.Fatal(err)
	}
	c, err := openLeases(ctx, b.JetStream(), "pod-b", time.Second*3)
	if err != nil {
		t.Fatal(err)
	}
	la := &identifyLimiter{store: a, maxConcurrency: 2}
	lc := &identifyLimiter{store: c, maxConcurrency: 2}
	start := time.Now()
	if err := la.Wait(ctx, 0); err != nil { // bucket 0
		t.Fatal(err)
	}
	if err := lc.Wait(ctx, 1); err != nil { // bucket 1: free
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("two buckets took %v", d)
	}
	if err := lc.Wait(ctx, 2); err != nil { // bucket 0 again, from the other process
		t.Fatal(err)
	}
	if d := time.Since(start); d < identifyInterval-100*time.Millisecond {
		t.Fatalf("a second identify in bucket 0 after %v, want %v", d, identifyInterval)
	}
}

// A renewal whose answer was lost but which landed leaves the lease's revision ahead of
// what the holder knows; the holder recognises its own write and keeps the shard instead
// of failing it over to nobody.
func TestShardLeaseKeepsAfterLostRenewalAnswer(t *testing.T) {
	ctx := t.Context()
	b, err := bus.Connect(ctx, natstest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const ttl = 1500 * time.Millisecond
	a, err := openLeases(ctx, b.JetStream(), "pod-a", ttl)
	if err != nil {
		t.Fatal(err)
	}
	la, err := a.acquireShard(ctx, 0, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The "lost" renewal: same holder, a newer revision the lease does not know of.
	if _, _, err := a.tryTake(ctx, la.key, ttl); err != nil {
		t.Fatal(err)
	}
	keepCtx, stop := context.WithCancel(ctx)
	defer stop()
	lost := make(chan struct{})
	go la.keep(keepCtx, func() { close(lost) })
	select {
	case <-lost:
		t.Fatal("the holder gave its shard up over its own renewal")
	case <-time.After(2 * ttl):
	}
	if !la.held() {
		t.Fatal("the lease is not held after renewals went on")
	}
}
