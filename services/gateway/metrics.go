package gateway

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	dgw "github.com/novera-bot/novera/libs/gateway"
)

// shardCollector reports each shard's state from its own status at scrape time, so the
// numbers are never stale and the hot path records nothing extra.
type shardCollector struct {
	s                          *Service
	latency, ready, dispatches *prometheus.Desc
	reconnects, resumes        *prometheus.Desc
}

func newShardCollector(s *Service) *shardCollector {
	l := []string{"shard"}
	return &shardCollector{s: s,
		latency:    prometheus.NewDesc("novera_gateway_heartbeat_latency_seconds", "Time from the last heartbeat to Discord's ACK, per shard.", l, nil),
		ready:      prometheus.NewDesc("novera_gateway_shard_ready", "1 when the shard is connected and READY.", l, nil),
		dispatches: prometheus.NewDesc("novera_gateway_shard_dispatches_total", "Dispatches the shard received.", l, nil),
		reconnects: prometheus.NewDesc("novera_gateway_shard_reconnects_total", "Connection attempts after the first.", l, nil),
		resumes:    prometheus.NewDesc("novera_gateway_shard_resumes_total", "Resumes sent.", l, nil),
	}
}

func (c *shardCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.latency, c.ready, c.dispatches, c.reconnects, c.resumes} {
		ch <- d
	}
}

func (c *shardCollector) Collect(ch chan<- prometheus.Metric) {
	for id, sh := range c.s.shardsSnapshot() {
		shard := strconv.Itoa(id)
		st, stats := sh.Status(), sh.Stats()
		ready := 0.0
		if st.State == dgw.StateReady {
			ready = 1
		}
		ch <- prometheus.MustNewConstMetric(c.latency, prometheus.GaugeValue, st.Latency.Seconds(), shard)
		ch <- prometheus.MustNewConstMetric(c.ready, prometheus.GaugeValue, ready, shard)
		ch <- prometheus.MustNewConstMetric(c.dispatches, prometheus.CounterValue, float64(stats.Dispatches), shard)
		ch <- prometheus.MustNewConstMetric(c.reconnects, prometheus.CounterValue, float64(stats.Reconnects), shard)
		ch <- prometheus.MustNewConstMetric(c.resumes, prometheus.CounterValue, float64(stats.Resumes), shard)
	}
}
