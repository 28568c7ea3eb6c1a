package bus

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// Headers a dead-lettered message carries besides the original's own headers.
const (
	// HeaderDeadLetterReason is why it was dead-lettered: ReasonPermanent or
	// ReasonMaxDeliver.
	HeaderDeadLetterReason = "Deadletter-Reason"
	// HeaderDeadLetterError is the handler's last error, on one line.
	HeaderDeadLetterError     = "Deadletter-Error"
	HeaderDeadLetterSubject   = "Deadletter-Subject"
	HeaderDeadLetterStream    = "Deadletter-Stream"
	HeaderDeadLetterConsumer  = "Deadletter-Consumer"
	HeaderDeadLetterDelivered = "Deadletter-Delivered"
	HeaderDeadLetterSequence  = "Deadletter-Sequence"
	// HeaderDeadLetterMsgID is the original Nats-Msg-Id.
	HeaderDeadLetterMsgID = "Deadletter-Msg-Id"
	// HeaderDeadLetterTime is when it was dead-lettered, RFC 3339 in UTC.
	HeaderDeadLetterTime = "Deadletter-Time"
)

// Values of HeaderDeadLetterReason.
const (
	// ReasonPermanent: the handler returned a Permanent error.
	ReasonPermanent = "permanent"
	// ReasonMaxDeliver: the message failed on its MaxDeliver-th delivery, or was
	// delivered more often than that without its handler reporting an outcome.
	ReasonMaxDeliver = "max_deliver"
)

// maxErrorHeader bounds the error text kept in a header.
const maxErrorHeader = 1024

// deadLetter publishes a copy of m to deadletter.<subject>. Its message id is derived from
// the original's stream position and consumer, so dead-lettering the same delivery twice
// stores it once, while two services failing on one event each keep their own record.
func (c *Consumer) deadLetter(ctx context.Context, m Msg, reason string, cause error) error {
	h := nats.Header{}
	for k, vs := range m.Header {
		// Nats-* headers steer the server (message id, expected stream or sequence, TTL)
		// and would misdirect the copy; the original id is kept below.
		if strings.HasPrefix(strings.ToLower(k), "nats-") {
			continue
		}
		h[k] = vs
	}
	h.Set(HeaderDeadLetterReason, reason)
	h.Set(HeaderDeadLetterError, headerValue(cause.Error()))
	h.Set(HeaderDeadLetterSubject, m.Subject)
	h.Set(HeaderDeadLetterStream, m.Stream)
	h.Set(HeaderDeadLetterConsumer, m.Consumer)
	h.Set(HeaderDeadLetterDelivered, strconv.Itoa(m.Delivered))
	h.Set(HeaderDeadLetterSequence, strconv.FormatUint(m.Sequence, 10))
	h.Set(HeaderDeadLetterMsgID, m.MsgID)
	h.Set(HeaderDeadLetterTime, time.Now().UTC().Format(time.RFC3339Nano))

	id := fmt.Sprintf("%s:%s:%d", m.Stream, m.Consumer, m.Sequence)
	if _, err := c.b.Publish(ctx, DeadLetterSubject(m.Subject), id, m.Data, h); err != nil {
		return fmt.Errorf("dead-letter %s: %w", m.Subject, err)
	}
	return nil
}

// headerValue makes s safe as a NATS header value: one line, bounded length.
func headerValue(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxErrorHeader {
		s = s[:maxErrorHeader] + "…"
	}
	return s
}
