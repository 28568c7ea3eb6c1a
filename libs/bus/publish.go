package bus

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// PubAck is a stream's acknowledgement of a publish.
type PubAck struct {
	Stream   string
	Sequence uint64
	// Duplicate is true when the stream already held a message with the same id inside
	// its duplicate window and dropped this one. That is a success, not an error: the
	// message is stored exactly once.
	Duplicate bool
}

// ErrMissingMsgID is returned by Publish and PublishAsync when no message id is given;
// without one the stream cannot drop a replayed or retried message.
var ErrMissingMsgID = errors.New("bus: publish without a message id")

// Publish stores payload on subject and waits for the stream's acknowledgement, bounded by
// ctx (five seconds when ctx has no deadline). msgID becomes the Nats-Msg-Id header, so
// publishing the same id again within the duplicate window is dropped and reported as
// PubAck.Duplicate. The trace context of ctx travels in the headers, under a producer
// span "publish <subject>". hdr adds headers; they are copied, never modified.
//
// An error means the message may or may not be stored (the ack can be lost after the
// store): retrying with the same msgID is always safe.
func (b *Bus) Publish(ctx context.Context, subject, msgID string, payload []byte, hdr ...nats.Header) (PubAck, error) {
	ctx, span, msg, err := b.prepare(ctx, subject, msgID, payload, hdr)
	if err != nil {
		return PubAck{}, err
	}
	defer span.End()
	ack, err := b.js.PublishMsg(ctx, msg)
	return b.published(ctx, span, subject, msgID, ack, err)
}

// prepare builds the message and starts its producer span; the caller ends the span.
func (b *Bus) prepare(ctx context.Context, subject, msgID string, payload []byte, hdr []nats.Header) (context.Context, trace.Span, *nats.Msg, error) {
	if msgID == "" {
		b.metrics.publishErrors.Inc()
		return ctx, nil, nil, fmt.Errorf("%w (subject %s)", ErrMissingMsgID, subject)
	}
	ctx, span := b.tracer.Start(ctx, "publish "+subject,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			natsSystem(),
			semconv.MessagingDestinationName(subject),
			semconv.MessagingMessageID(msgID),
			semconv.MessagingOperationTypeSend,
			semconv.MessagingOperationName("publish"),
			semconv.MessagingMessageBodySize(len(payload)),
		))
	msg := &nats.Msg{Subject: subject, Data: payload, Header: nats.Header{}}
	for _, h := range hdr {
		for k, vs := range h {
			msg.Header[k] = append(msg.Header[k], vs...)
		}
	}
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	// Trace context rides in headers so the payload stays exactly what the producer wrote.
	b.propagator.Inject(ctx, headerCarrier(msg.Header))
	return ctx, span, msg, nil
}

// published records the outcome of a publish on its span and in the metrics.
func (b *Bus) published(ctx context.Context, span trace.Span, subject, msgID string, ack *jetstream.PubAck, err error) (PubAck, error) {
	if err != nil {
		b.metrics.publishErrors.Inc()
		span.RecordError(err)
		span.SetStatus(codes.Error, "publish failed")
		return PubAck{}, fmt.Errorf("bus: publish %s (id %s): %w", subject, msgID, err)
	}
	span.SetAttributes(attrStream.String(ack.Stream), attrSequence.Int64(int64(ack.Sequence)), attrDuplicate.Bool(ack.Duplicate))
	if ack.Duplicate {
		b.metrics.duplicates.WithLabelValues(ack.Stream).Inc()
		b.log.DebugContext(ctx, "duplicate publish dropped by stream", "subject", subject, "msg_id", msgID, "stream", ack.Stream)
	} else {
		b.metrics.published.WithLabelValues(ack.Stream).Inc()
	}
	return PubAck{Stream: ack.Stream, Sequence: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

// PubFuture is the pending result of PublishAsync.
type PubFuture struct {
	done chan struct{}
	ack  PubAck
	err  error
}

// Done is closed once the outcome is known.
func (f *PubFuture) Done() <-chan struct{} { return f.done }

// Result is the outcome; call it after Done is closed.
func (f *PubFuture) Result() (PubAck, error) {
	<-f.done
	return f.ack, f.err
}

// Wait waits for the outcome, bounded by ctx. Giving up does not cancel the publish.
func (f *PubFuture) Wait(ctx context.Context) (PubAck, error) {
	select {
	case <-f.done:
		return f.ack, f.err
	case <-ctx.Done():
		return PubAck{}, fmt.Errorf("bus: waiting for publish ack: %w", ctx.Err())
	}
}

// PublishAsync is Publish without waiting for the acknowledgement, for the gateway's hot
// path. The message is written to the connection before it returns; the outcome arrives on
// the returned future, always within the async timeout (WithAsyncPublish), and is counted
// and traced whether or not anyone reads it.
//
// Ordering: messages published from one goroutine reach the server, and so the stream, in
// call order. A failed message is not retried by the bus, so a caller that retries it
// reorders it after later ones; message ids keep such retries free of duplicates. Call
// WaitAsync before shutting down to know every message was acknowledged.
//
// ctx supplies only the trace context. When the limit of unacknowledged messages is
// reached (WithAsyncPublish), PublishAsync waits briefly for room and then fails.
func (b *Bus) PublishAsync(ctx context.Context, subject, msgID string, payload []byte, hdr ...nats.Header) (*PubFuture, error) {
	ctx, span, msg, err := b.prepare(ctx, subject, msgID, payload, hdr)
	if err != nil {
		return nil, err
	}
	paf, err := b.js.PublishMsgAsync(msg)
	if err != nil {
		_, err = b.published(ctx, span, subject, msgID, nil, err)
		span.End()
		return nil, err
	}
	f := &PubFuture{done: make(chan struct{})}
	b.async.add()
	go func() {
		defer b.async.done()
		defer close(f.done)
		defer span.End()
		select {
		case ack := <-paf.Ok():
			f.ack, f.err = b.published(ctx, span, subject, msgID, ack, nil)
		case err := <-paf.Err():
			f.ack, f.err = b.published(ctx, span, subject, msgID, nil, err)
		}
	}()
	return f, nil
}

// WaitAsync waits until every PublishAsync so far has its outcome, bounded by ctx.
func (b *Bus) WaitAsync(ctx context.Context) error {
	select {
	case <-b.async.idle():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("bus: waiting for async publishes: %w", ctx.Err())
	}
}
