package bus_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

func TestMetricsCountOutcomes(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	url := natstest.Start(t)
	b := connect(t, url, bus.WithRegisterer(reg))
	// A second Bus on the same registerer (the all-in-one runner) shares the collectors.
	connect(t, url, bus.WithRegisterer(reg))

	consume(t, b, bus.ConsumerConfig{Stream: bus.StreamCommands, Durable: "m"},
		func(ctx context.Context, m bus.Msg) error {
			if m.MsgID == "bad" {
				return bus.Permanent(errors.New("bad input"))
			}
			return nil
		})
	publish(t, b, bus.CommandSubject("m", "x"), "good", "x")
	publish(t, b, bus.CommandSubject("m", "x"), "good", "x") // duplicate
	last := publish(t, b, bus.CommandSubject("m", "x"), "bad", "x")
	settled(t, b, bus.StreamCommands, "m", last.Sequence)
	deadLettered(t, b, bus.CommandSubject("m", "x"))

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"novera_bus_published_total", map[string]string{"stream": "COMMANDS"}, 2},
		{"novera_bus_published_total", map[string]string{"stream": "DEADLETTER"}, 1},
		{"novera_bus_publish_duplicates_total", map[string]string{"stream": "COMMANDS"}, 1},
		{"novera_bus_consumed_total", map[string]string{"stream": "COMMANDS", "consumer": "m"}, 2},
		{"novera_bus_acked_total", map[string]string{"stream": "COMMANDS", "consumer": "m"}, 1},
		{"novera_bus_dead_lettered_total", map[string]string{"stream": "COMMANDS", "consumer": "m", "reason": "permanent"}, 1},
		{"novera_bus_handler_duration_seconds", map[string]string{"outcome": "ok"}, 1},
		{"novera_bus_handler_duration_seconds", map[string]string{"outcome": "permanent"}, 1},
	}
	eventually(t, 5*time.Second, func() error {
		families, err := reg.Gather()
		if err != nil {
			return err
		}
		for _, tt := range tests {
			if got := metricValue(families, tt.name, tt.labels); got != tt.want {
				return fmt.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
			}
		}
		return nil
	})
}

// metricValue sums the counters (or histogram sample counts) of name whose labels
// include want.
func metricValue(families []*dto.MetricFamily, name string, want map[string]string) float64 {
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if have[k] != v {
					continue metrics
				}
			}
			if h := m.GetHistogram(); h != nil {
				sum += float64(h.GetSampleCount())
			} else {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
