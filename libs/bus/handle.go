package bus

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Handler outcomes, as metric and span labels.
const (
	outcomeOK        = "ok"
	outcomeError     = "error"
	outcomePermanent = "permanent"
	outcomePanic     = "panic"
)

// errHandlerPanic marks an error made from a recovered panic.
var errHandlerPanic = errors.New("handler panicked")

// handle runs the handler for one message and settles the message by the outcome.
func (c *Consumer) handle(jm jetstream.Msg) {
	m, err := toMsg(jm)
	if err != nil {
		// Not a JetStream delivery (no ack metadata): nothing to settle, nothing to retry.
		c.log.Error("message without JetStream metadata", "subject", jm.Subject(), "err", err)
		return
	}
	// Drop any span inherited from Consume's ctx: without trace headers the message starts
	// its own trace instead of joining whatever was running when the consumer started.
	ctx := trace.ContextWithSpanContext(c.handlerCtx, trace.SpanContext{})
	ctx = c.b.propagator.Extract(ctx, headerCarrier(m.Header))
	ctx, span := c.b.tracer.Start(ctx, "process "+m.Subject,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			natsSystem(),
			semconv.MessagingDestinationName(m.Subject),
			semconv.MessagingMessageID(m.MsgID),
			semconv.MessagingOperationTypeProcess,
			semconv.MessagingOperationName("process"),
			semconv.MessagingConsumerGroupName(m.Consumer),
			semconv.MessagingMessageBodySize(len(m.Data)),
			attrStream.String(m.Stream),
			attrSequence.Int64(int64(m.Sequence)),
			attrDelivered.Int(m.Delivered),
		))
	defer span.End()
	c.b.metrics.consumed.WithLabelValues(m.Stream, m.Consumer).Inc()

	if m.Delivered > c.cfg.MaxDeliver {
		// Earlier deliveries never reported an outcome (handler timed out, process died,
		// or dead-lettering failed): stop here rather than loop on a poison message.
		reason := fmt.Errorf("delivered %d times (max %d) without a handler outcome", m.Delivered, c.cfg.MaxDeliver)
		span.SetAttributes(attrOutcome.String("max_deliver"))
		span.SetStatus(codes.Error, "max deliveries exceeded")
		c.log.ErrorContext(ctx, "message redelivered past MaxDeliver without an outcome; dead-lettering",
			"subject", m.Subject, "msg_id", m.MsgID, "delivered", m.Delivered)
		c.deadLetterAndTerm(ctx, jm, m, ReasonMaxDeliver, reason)
		return
	}

	start := time.Now()
	outcome, err := c.call(ctx, jm, m)
	c.b.metrics.handlerSeconds.WithLabelValues(m.Stream, m.Consumer, outcome).Observe(time.Since(start).Seconds())
	span.SetAttributes(attrOutcome.String(outcome))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, outcome)
	}

	switch {
	case err == nil:
		c.ack(ctx, jm, m)
	case IsPermanent(err):
		c.log.ErrorContext(ctx, "handler failed permanently; dead-lettering",
			"subject", m.Subject, "msg_id", m.MsgID, "delivered", m.Delivered, "err", err)
		c.deadLetterAndTerm(ctx, jm, m, ReasonPermanent, err)
	case m.Delivered >= c.cfg.MaxDeliver:
		c.log.ErrorContext(ctx, "handler failed on last delivery; dead-lettering",
			"subject", m.Subject, "msg_id", m.MsgID, "delivered", m.Delivered, "err", err)
		c.deadLetterAndTerm(ctx, jm, m, ReasonMaxDeliver, err)
	default:
		delay, ok := retryDelay(err)
		if !ok {
			delay = c.cfg.backoff(m.Delivered)
		}
		c.log.WarnContext(ctx, "handler failed; will retry",
			"subject", m.Subject, "msg_id", m.MsgID, "delivered", m.Delivered, "retry_in", delay, "err", err)
		c.nak(ctx, jm, delay)
	}
}

// call runs the handler with its timeout, keeping the message's ack deadline extended
// while it runs, and turns a panic into an error.
func (c *Consumer) call(ctx context.Context, jm jetstream.Msg, m Msg) (outcome string, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.HandlerTimeout)
	defer cancel()
	stopProgress := c.keepInProgress(ctx, jm)
	defer stopProgress()

	defer func() {
		if r := recover(); r != nil {
			c.log.ErrorContext(ctx, "handler panicked", "subject", m.Subject, "msg_id", m.MsgID,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			outcome, err = outcomePanic, fmt.Errorf("%w: %v", errHandlerPanic, r)
		}
	}()
	err = c.h(ctx, m)
	switch {
	case err == nil:
		return outcomeOK, nil
	case IsPermanent(err):
		return outcomePermanent, err
	default:
		return outcomeError, err
	}
}

// keepInProgress tells the server every AckWait/3 that the message is still being worked
// on, so a slow handler is not raced by a redelivery. It stops when the returned function
// is called or ctx ends: past the handler timeout the bus no longer vouches for it.
func (c *Consumer) keepInProgress(ctx context.Context, jm jetstream.Msg) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(max(c.cfg.AckWait/3, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if err := jm.InProgress(); err != nil {
					c.log.DebugContext(ctx, "extending ack deadline failed", "err", err)
				}
			case <-quit:
				return
			case <-ctx.Done():
				return
			}
		}
	})
	return func() {
		close(quit)
		wg.Wait()
	}
}

// settleContext bounds one settle operation. It keeps ctx's span, so a dead-letter publish
// continues the trace, but not its cancellation: a handler that just timed out must still
// have its message settled.
func settleContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
}

func (c *Consumer) ack(ctx context.Context, jm jetstream.Msg, m Msg) {
	sctx, cancel := settleContext(ctx)
	defer cancel()
	// DoubleAck waits for the server to confirm, so an ack lost on the way is noticed
	// (the message will then be redelivered, which exactly-once effects absorb).
	if err := jm.DoubleAck(sctx); err != nil {
		c.log.WarnContext(ctx, "ack not confirmed; message may be redelivered",
			"subject", m.Subject, "msg_id", m.MsgID, "err", err)
		return
	}
	c.b.metrics.acked.WithLabelValues(m.Stream, m.Consumer).Inc()
}

func (c *Consumer) nak(ctx context.Context, jm jetstream.Msg, delay time.Duration) {
	if err := jm.NakWithDelay(delay); err != nil {
		// Not fatal: without a nak the server redelivers after AckWait.
		c.log.WarnContext(ctx, "nak failed; message returns after the ack wait", "err", err)
		return
	}
	md, _ := jm.Metadata()
	if md != nil {
		c.b.metrics.naked.WithLabelValues(md.Stream, md.Consumer).Inc()
	}
}

// deadLetterAndTerm moves the message to the dead-letter stream and only then terminates
// it, so it is never lost in between. If the dead-letter publish fails, the message is
// handed back for redelivery instead, and the next delivery tries again.
func (c *Consumer) deadLetterAndTerm(ctx context.Context, jm jetstream.Msg, m Msg, reason string, cause error) {
	sctx, cancel := settleContext(ctx)
	defer cancel()
	if err := c.deadLetter(sctx, m, reason, cause); err != nil {
		c.log.ErrorContext(ctx, "dead-lettering failed; message will be redelivered",
			"subject", m.Subject, "msg_id", m.MsgID, "err", err)
		c.nak(ctx, jm, c.cfg.Backoff[len(c.cfg.Backoff)-1])
		return
	}
	c.b.metrics.deadLettered.WithLabelValues(m.Stream, m.Consumer, reason).Inc()
	if err := jm.TermWithReason(reason); err != nil {
		// The copy is safe in DEADLETTER; a redelivery would be dead-lettered again under
		// the same id, which the stream drops as a duplicate.
		c.log.WarnContext(ctx, "terminating dead-lettered message failed", "err", err)
	}
}

func toMsg(jm jetstream.Msg) (Msg, error) {
	md, err := jm.Metadata()
	if err != nil {
		return Msg{}, err
	}
	h := jm.Headers()
	return Msg{
		Subject:   jm.Subject(),
		Data:      jm.Data(),
		Header:    h,
		MsgID:     h.Get(jetstream.MsgIDHeader),
		Delivered: int(md.NumDelivered),
		Stream:    md.Stream,
		Consumer:  md.Consumer,
		Sequence:  md.Sequence.Stream,
		Timestamp: md.Timestamp,
	}, nil
}
