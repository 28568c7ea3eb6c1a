package store

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestPoolMetrics(t *testing.T) {
	t.Parallel()
	pool := openPool(t, WithMaxConns(3))
	reg := prometheus.NewRegistry()
	if err := RegisterPoolMetrics(reg, pool, "fun"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, pool, "SELECT 1")

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			if l := m.GetLabel(); len(l) != 1 || l[0].GetName() != "pool" || l[0].GetValue() != "fun" {
				t.Errorf("%s: labels %v, want pool=fun", f.GetName(), l)
			}
			switch {
			case m.GetGauge() != nil:
				got[f.GetName()] = m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				got[f.GetName()] = m.GetCounter().GetValue()
			}
		}
	}
	tests := []struct {
		name string
		min  float64
		max  float64
	}{
		{"pgxpool_max_conns", 3, 3},
		{"pgxpool_acquired_conns", 0, 0},
		{"pgxpool_total_conns", 1, 3},
		{"pgxpool_idle_conns", 1, 3},
		{"pgxpool_acquire_total", 2, 100}, // Open's ping and the SELECT
		{"pgxpool_acquire_duration_seconds_total", 0, 10},
		{"pgxpool_empty_acquire_total", 0, 100},
		{"pgxpool_new_conns_total", 1, 3},
	}
	for _, tt := range tests {
		v, ok := got[tt.name]
		if !ok {
			t.Errorf("no metric %s", tt.name)
			continue
		}
		if v < tt.min || v > tt.max {
			t.Errorf("%s = %v, want %v..%v", tt.name, v, tt.min, tt.max)
		}
	}
	if len(got) != 13 {
		t.Errorf("%d metrics, want 13", len(got))
	}
	// A second pool needs its own name, or registration reports the clash.
	if err := RegisterPoolMetrics(reg, pool, "fun"); err == nil {
		t.Error("registering the same pool name twice succeeded")
	}
}
