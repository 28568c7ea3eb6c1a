package bus

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the bus's Prometheus collectors. Publish-side series are labelled by the
// stream that stored the message (unknown when publishing failed), consume-side ones by
// stream and durable consumer: both are small fixed sets, never message subjects or ids.
type metrics struct {
	published      *prometheus.CounterVec   // stream
	duplicates     *prometheus.CounterVec   // stream
	publishErrors  prometheus.Counter       //
	consumed       *prometheus.CounterVec   // stream, consumer
	acked          *prometheus.CounterVec   // stream, consumer
	naked          *prometheus.CounterVec   // stream, consumer
	deadLettered   *prometheus.CounterVec   // stream, consumer, reason
	handlerSeconds *prometheus.HistogramVec // stream, consumer, outcome
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "novera", "bus"
	m := &metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "published_total",
			Help: "Messages stored by a stream after a publish.",
		}, []string{"stream"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "publish_duplicates_total",
			Help: "Publishes dropped by a stream because their message id was already seen.",
		}, []string{"stream"}),
		publishErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "publish_errors_total",
			Help: "Publishes that were not acknowledged by a stream.",
		}),
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "consumed_total",
			Help: "Messages delivered to a handler (redeliveries included).",
		}, []string{"stream", "consumer"}),
		acked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "acked_total",
			Help: "Messages acknowledged after their handler succeeded.",
		}, []string{"stream", "consumer"}),
		naked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "naked_total",
			Help: "Messages handed back for redelivery after a transient failure.",
		}, []string{"stream", "consumer"}),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "dead_lettered_total",
			Help: "Messages moved to the dead-letter stream, by reason (permanent, max_deliver).",
		}, []string{"stream", "consumer", "reason"}),
		handlerSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "handler_duration_seconds",
			Help:    "Time spent in message handlers, by outcome (ok, error, permanent, panic).",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10), // 1ms .. ~4.4min
		}, []string{"stream", "consumer", "outcome"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	m.published = register(reg, m.published, &err)
	m.duplicates = register(reg, m.duplicates, &err)
	m.publishErrors = register(reg, m.publishErrors, &err)
	m.consumed = register(reg, m.consumed, &err)
	m.acked = register(reg, m.acked, &err)
	m.naked = register(reg, m.naked, &err)
	m.deadLettered = register(reg, m.deadLettered, &err)
	m.handlerSeconds = register(reg, m.handlerSeconds, &err)
	if err != nil {
		return nil, fmt.Errorf("bus: register metrics: %w", err)
	}
	return m, nil
}

// register registers c, or returns the identical collector already registered by another
// Bus sharing the registerer (the all-in-one runner connects one Bus per service).
func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		*errp = errors.Join(*errp, err)
	}
	return c
}
