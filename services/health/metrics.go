package health

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	beats, badBeats prometheus.Counter
	evictions       *prometheus.CounterVec
}

func newMetrics() *metrics {
	return &metrics{
		beats: prometheus.NewCounter(prometheus.CounterOpts{Name: "novera_health_heartbeats_total",
			Help: "Heartbeats received."}),
		badBeats: prometheus.NewCounter(prometheus.CounterOpts{Name: "novera_health_heartbeats_invalid_total",
			Help: "Heartbeats ignored because they could not be read."}),
		evictions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novera_health_evictions_total",
			Help: "Evictions of stuck instances, by service and outcome (requested, failed)."}, []string{"service", "outcome"}),
	}
}

// Register adds the monitor's metrics to reg: heartbeats, evictions, and the instances in
// the table by service and state ("late" and "stuck" as their own states, as the page
// shows them).
func (m *Monitor) Register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.metrics.beats, m.metrics.badBeats, m.metrics.evictions, newTableCollector(m)} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("health: metrics: %w", err)
		}
	}
	return nil
}

type tableCollector struct {
	m               *Monitor
	instances, hold *prometheus.Desc
}

func newTableCollector(m *Monitor) *tableCollector {
	return &tableCollector{m: m,
		instances: prometheus.NewDesc("novera_health_instances", "Instances in the table, by service and state.", []string{"service", "state"}, nil),
		hold:      prometheus.NewDesc("novera_health_eviction_hold", "1 while evictions are held because an outage affects many instances alike.", nil, nil),
	}
}

func (c *tableCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.instances
	ch <- c.hold
}

func (c *tableCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.m.Status(time.Now())
	counts := map[[2]string]int{}
	for _, in := range st.Instances {
		state := string(in.Beat.State)
		switch {
		case in.Late:
			state = "late"
		case in.Stuck:
			state = "stuck"
		}
		counts[[2]string{in.Beat.Service, state}]++
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.instances, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
	hold := 0.0
	if st.Hold != "" {
		hold = 1
	}
	ch <- prometheus.MustNewConstMetric(c.hold, prometheus.GaugeValue, hold)
}
