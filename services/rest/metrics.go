package rest

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the proxy's Prometheus series. Buckets are labelled by their route template
// ("POST /channels/{channel_id}/messages"): bounded, and what an operator reads; the major
// parameter (a channel, a webhook) would make a series per channel.
type metrics struct {
	depth    *prometheus.GaugeVec
	wait     *prometheus.HistogramVec
	requests *prometheus.CounterVec
	limited  *prometheus.CounterVec
	invalid  prometheus.GaugeFunc
	active   prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, invalid func() float64) (*metrics, error) {
	m := &metrics{
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "novera_rest_proxy_queue_depth",
			Help: "Requests waiting for their bucket (or the global limit), by route."}, []string{"route"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "novera_rest_proxy_queue_wait_seconds",
			Help:    "Time from arrival to sending (or shedding), by route.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15)}, []string{"route"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novera_rest_proxy_requests_total",
			Help: "Requests by route and outcome: sent, shed_deadline, shed_guard, standby, unauthorized, upstream_error, canceled."},
			[]string{"route", "outcome"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "novera_rest_proxy_upstream_429_total",
			Help: "429s Discord answered (the proxy should make these rare), by route and scope."}, []string{"route", "scope"}),
		invalid: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "novera_rest_proxy_invalid_requests",
			Help: "Invalid requests (401, 403, 429 except shared) Discord answered in the last 10 minutes; Discord bans at 10,000."}, invalid),
		active: prometheus.NewGauge(prometheus.GaugeOpts{Name: "novera_rest_proxy_active",
			Help: "1 while this replica holds the lease and sends to Discord."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.depth, m.wait, m.requests, m.limited, m.invalid, m.active} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("rest: metrics: %w", err)
			}
		}
	}
	return m, nil
}

func (m *metrics) queued(route string, d float64) { m.depth.WithLabelValues(route).Add(d) }
