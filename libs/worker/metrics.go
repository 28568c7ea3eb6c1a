package worker

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/novera-bot/novera/libs/bus"
)

// lagCollector asks JetStream, at scrape time, how far the service's command consumer is
// behind: pending messages, messages delivered but not acknowledged, and redeliveries.
type lagCollector struct {
	w                             *Worker
	pending, ackPending, redelivs *prometheus.Desc
}

func newLagCollector(w *Worker) *lagCollector {
	labels := prometheus.Labels{"service": w.o.Service}
	return &lagCollector{w: w,
		pending:    prometheus.NewDesc("novera_consumer_pending", "Commands waiting in the stream for this service.", nil, labels),
		ackPending: prometheus.NewDesc("novera_consumer_ack_pending", "Commands delivered and not yet acknowledged.", nil, labels),
		redelivs:   prometheus.NewDesc("novera_consumer_redelivered", "Commands delivered more than once and not yet acknowledged.", nil, labels),
	}
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.ackPending
	ch <- c.redelivs
}

func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	cons, err := c.w.o.Bus.JetStream().Consumer(ctx, bus.StreamCommands, c.w.o.Service)
	if err != nil {
		return // not created yet, or NATS away: no sample rather than a wrong one
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(info.NumPending))
	ch <- prometheus.MustNewConstMetric(c.ackPending, prometheus.GaugeValue, float64(info.NumAckPending))
	ch <- prometheus.MustNewConstMetric(c.redelivs, prometheus.GaugeValue, float64(info.NumRedelivered))
}
