package rest

import (
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// TestReleaseAfterUnseenRenewal: while NATS is away a renewal can time out here yet land,
// so the revision this replica remembers is behind. Releasing must still hand the lease
// over (the chaos run saw SIGTERM exit with an error instead), and must leave alone a lease
// another replica took meanwhile.
func TestReleaseAfterUnseenRenewal(t *testing.T) {
	tests := []struct {
		name         string
		other        bool // the lease moved to another replica instead of our landed renewal
		wantReleased bool
	}{
		{name: "own renewal landed unseen", wantReleased: true},
		{name: "another replica took it", other: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			js := startJetStream(t)
			cfg := Config{}.withDefaults()
			kv, err := js.CreateOrUpdateKeyValue(t.Context(), jetstream.KeyValueConfig{Bucket: cfg.KVBucket, History: 1})
			if err != nil {
				t.Fatal(err)
			}
			l := newLease(kv, "rest-0", cfg, slog.New(slog.DiscardHandler))
			l.step(t.Context())
			if l.gate(l.renewedAt) != gateOpen {
				t.Fatal("the first replica did not take the free lease")
			}
			mark := l.value(false)
			if tc.other {
				mark = newLease(kv, "rest-1", cfg, slog.New(slog.DiscardHandler)).value(false)
			}
			if _, err := kv.Put(t.Context(), leaseKey, mark); err != nil {
				t.Fatal(err)
			}
			if err := l.release(t.Context()); err != nil {
				t.Fatalf("release: %v", err)
			}
			e, err := kv.Get(t.Context(), leaseKey)
			if err != nil {
				t.Fatal(err)
			}
			var v leaseValue
			if err := json.Unmarshal(e.Value(), &v); err != nil {
				t.Fatal(err)
			}
			if v.Released != tc.wantReleased {
				t.Errorf("lease after release: %+v; want released %v", v, tc.wantReleased)
			}
			if tc.other && v.Holder != "rest-1" {
				t.Errorf("release overwrote another replica's lease: %+v", v)
			}
		})
	}
}
