package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/novera-bot/novera/libs/bus"
)

func TestTraceContextTravelsInHeaders(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	b := newBus(t, bus.WithTracerProvider(tp))
	ctx := testContext(t, 10*time.Second)

	type seen struct {
		span   trace.SpanContext
		header nats.Header
	}
	got := make(chan seen, 1)
	consume(t, b, bus.ConsumerConfig{Stream: bus.StreamEvents, Durable: "tracer"},
		func(ctx context.Context, m bus.Msg) error {
			got <- seen{span: trace.SpanContextFromContext(ctx), header: m.Header}
			return nil
		})

	rootCtx, root := tp.Tracer("test").Start(ctx, "gateway dispatch")
	subject := bus.EventSubject("MESSAGE_CREATE")
	if _, err := b.Publish(rootCtx, subject, "evt-1", []byte(`{"content":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	root.End()
	traceID := root.SpanContext().TraceID()

	var s seen
	select {
	case s = <-got:
	case <-ctx.Done():
		t.Fatal("message not handled")
	}
	if tp := s.header.Get("traceparent"); tp == "" {
		t.Errorf("no lowercase traceparent header; headers: %v", s.header)
	} else if want := traceID.String(); len(tp) < 35 || tp[3:35] != want {
		t.Errorf("traceparent %q does not carry trace %s", tp, want)
	}
	if s.span.TraceID() != traceID {
		t.Errorf("handler span trace %s, want the producer's %s", s.span.TraceID(), traceID)
	}

	// The process span ends after the message is settled.
	var publish, process sdktrace.ReadOnlySpan
	eventually(t, 5*time.Second, func() error {
		publish, process = nil, nil
		for _, sp := range rec.Ended() {
			switch sp.Name() {
			case "publish " + subject:
				publish = sp
			case "process " + subject:
				process = sp
			}
		}
		if publish == nil || process == nil {
			return fmt.Errorf("spans not ended yet: publish %v, process %v", publish != nil, process != nil)
		}
		return nil
	})

	if publish.SpanKind() != trace.SpanKindProducer {
		t.Errorf("publish span kind %v, want producer", publish.SpanKind())
	}
	if publish.Parent().SpanID() != root.SpanContext().SpanID() {
		t.Error("publish span is not a child of the caller's span")
	}
	if process.SpanKind() != trace.SpanKindConsumer {
		t.Errorf("process span kind %v, want consumer", process.SpanKind())
	}
	if process.SpanContext().TraceID() != traceID {
		t.Error("process span is in another trace")
	}
	if process.Parent().SpanID() != publish.SpanContext().SpanID() {
		t.Error("process span's parent is not the publish span")
	}
	if s.span.SpanID() != process.SpanContext().SpanID() {
		t.Error("handler ctx does not carry the process span")
	}

	wantAttrs := []struct {
		span sdktrace.ReadOnlySpan
		key  string
		want string
	}{
		{publish, "messaging.system", "nats"},
		{publish, "messaging.destination.name", subject},
		{publish, "messaging.message.id", "evt-1"},
		{publish, "messaging.operation.type", "send"},
		{process, "messaging.system", "nats"},
		{process, "messaging.destination.name", subject},
		{process, "messaging.message.id", "evt-1"},
		{process, "messaging.operation.type", "process"},
		{process, "messaging.consumer.group.name", "tracer"},
	}
	for _, w := range wantAttrs {
		if got := attr(w.span, w.key); got != w.want {
			t.Errorf("%s: %s = %q, want %q", w.span.Name(), w.key, got, w.want)
		}
	}
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if kv.Key == attribute.Key(key) {
			return kv.Value.Emit()
		}
	}
	return ""
}

func TestMessageWithoutTraceContextStartsItsOwnTrace(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	b := newBus(t, bus.WithTracerProvider(tp))

	// The consumer starts under a span, as a service's start-up might.
	startCtx, startup := tp.Tracer("test").Start(t.Context(), "startup")
	got := make(chan trace.SpanContext, 1)
	c, err := b.Consume(startCtx, bus.ConsumerConfig{Stream: bus.StreamEvents, Durable: "roots"},
		func(ctx context.Context, m bus.Msg) error {
			got <- trace.SpanContextFromContext(ctx)
			return nil
		})
	startup.End()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })

	// Published by a client that sends no trace context.
	if _, err := b.JetStream().Publish(t.Context(), bus.EventSubject("GUILD_CREATE"), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	var sc trace.SpanContext
	select {
	case sc = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("message not handled")
	}
	if !sc.IsValid() {
		t.Fatal("handler ctx has no span")
	}
	if sc.TraceID() == startup.SpanContext().TraceID() {
		t.Error("message joined the consumer's start-up trace")
	}
}
