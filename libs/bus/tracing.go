package bus

import (
	"net/textproto"
	"strings"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// headerCarrier lets a propagator read and write NATS headers. NATS headers are
// case-sensitive, unlike HTTP's, so keys are written exactly as the propagator gives them
// (W3C's lowercase "traceparent") and read case-insensitively so that a canonicalised
// "Traceparent" from another client is still understood.
type headerCarrier nats.Header

func (c headerCarrier) Get(key string) string {
	if v := nats.Header(c).Get(key); v != "" {
		return v
	}
	if v := nats.Header(c).Get(textproto.CanonicalMIMEHeaderKey(key)); v != "" {
		return v
	}
	for k, vs := range c {
		if len(vs) > 0 && strings.EqualFold(k, key) {
			return vs[0]
		}
	}
	return ""
}

func (c headerCarrier) Set(key, value string) { nats.Header(c).Set(key, value) }

func (c headerCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// Attributes specific to JetStream, outside the messaging conventions.
const (
	attrStream    = attribute.Key("messaging.nats.stream")
	attrSequence  = attribute.Key("messaging.nats.stream_sequence")
	attrDelivered = attribute.Key("messaging.nats.delivery_count")
	attrDuplicate = attribute.Key("messaging.nats.duplicate")
	attrOutcome   = attribute.Key("messaging.nats.outcome")
)

// natsSystem is messaging.system for NATS. The semantic conventions list no value for it
// yet; "nats" is what other NATS instrumentations report.
func natsSystem() attribute.KeyValue { return semconv.MessagingSystemKey.String("nats") }
