package bus_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// TestHandlerOutcomes covers how a handler's result settles a message.
func TestHandlerOutcomes(t *testing.T) {
	t.Parallel()
	errFlaky := errors.New("discord unavailable")
	tests := []struct {
		name string
		// handle is the handler's behaviour on the given delivery (1-based).
		handle       func(delivery int) error
		wantCalls    int
		wantDead     string        // dead-letter reason, "" for none
		wantErrText  string        // substring of the dead-letter error header
		wantMinGaps  time.Duration // minimum gap between successive deliveries
		wantMaxTotal time.Duration // first to last delivery, to prove no AckWait stalls
	}{
		{
			name:      "success is acked once",
			handle:    func(int) error { return nil },
			wantCalls: 1,
		},
		{
			name: "transient failure is retried then succeeds",
			handle: func(d int) error {
				if d < 3 {
					return errFlaky
				}
				return nil
			},
			wantCalls:   3,
			wantMinGaps: 50 * time.Millisecond,
		},
		{
			name:         "transient failure dead-lettered after MaxDeliver",
			handle:       func(int) error { return fmt.Errorf("post reply: %w", errFlaky) },
			wantCalls:    3,
			wantDead:     bus.ReasonMaxDeliver,
			wantErrText:  "post reply: discord unavailable",
			wantMinGaps:  50 * time.Millisecond,
			wantMaxTotal: 10 * time.Second, // far below the 30s AckWait
		},
		{
			name:        "permanent failure dead-lettered at once",
			handle:      func(int) error { return bus.Permanent(errors.New("unknown guild")) },
			wantCalls:   1,
			wantDead:    bus.ReasonPermanent,
			wantErrText: "unknown guild",
		},
		{
			name: "panic is recovered and retried",
			handle: func(d int) error {
				if d == 1 {
					panic("nil map")
				}
				return nil
			},
			wantCalls: 2,
		},
		{
			name:        "panic every time is dead-lettered",
			handle:      func(int) error { panic("always") },
			wantCalls:   3,
			wantDead:    bus.ReasonMaxDeliver,
			wantErrText: "handler panicked: always",
		},
		{
			name: "retry after overrides back-off",
			handle: func(d int) error {
				if d == 1 {
					return bus.RetryAfter(errors.New("rate limited"), 300*time.Millisecond)
				}
				return nil
			},
			wantCalls:   2,
			wantMinGaps: 300 * time.Millisecond,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBus(t)
			subject := bus.CommandSubject("test", "case"+strconv.Itoa(i))
			var rec recorder
			consume(t, b, bus.ConsumerConfig{
				Stream:         bus.StreamCommands,
				Durable:        "test",
				FilterSubjects: []string{bus.CommandsFilter("test")},
				MaxDeliver:     3,
				Backoff:        []time.Duration{50 * time.Millisecond, 100 * time.Millisecond},
			}, func(ctx context.Context, m bus.Msg) error {
				rec.add(m)
				return tt.handle(m.Delivered)
			})
			ack := publish(t, b, subject, "id-"+strconv.Itoa(i), "payload")

			info := settled(t, b, bus.StreamCommands, "test", ack.Sequence)
			calls := rec.snapshot()
			if len(calls) != tt.wantCalls {
				t.Fatalf("handler called %d times, want %d", len(calls), tt.wantCalls)
			}
			for j, c := range calls {
				if c.msg.Delivered != j+1 {
					t.Errorf("call %d: Delivered = %d, want %d", j, c.msg.Delivered, j+1)
				}
				if c.msg.MsgID != "id-"+strconv.Itoa(i) || c.msg.Subject != subject || string(c.msg.Data) != "payload" {
					t.Errorf("call %d: got %+v", j, c.msg)
				}
				if c.msg.Stream != bus.StreamCommands || c.msg.Consumer != "test" || c.msg.Sequence != 1 {
					t.Errorf("call %d: stream %q consumer %q seq %d", j, c.msg.Stream, c.msg.Consumer, c.msg.Sequence)
				}
				if j > 0 {
					if gap := c.at.Sub(calls[j-1].at); gap < tt.wantMinGaps {
						t.Errorf("delivery %d came %s after the previous, want >= %s", j+1, gap, tt.wantMinGaps)
					}
				}
			}
			if tt.wantMaxTotal > 0 {
				if total := calls[len(calls)-1].at.Sub(calls[0].at); total > tt.wantMaxTotal {
					t.Errorf("deliveries spread over %s, want <= %s", total, tt.wantMaxTotal)
				}
			}
			if info.AckFloor.Stream != 1 {
				t.Errorf("ack floor = %d, want 1 (message settled)", info.AckFloor.Stream)
			}

			if tt.wantDead == "" {
				noDeadLetter(t, b, subject)
				return
			}
			dl := deadLettered(t, b, subject)
			wantHeaders := map[string]string{
				bus.HeaderDeadLetterReason:    tt.wantDead,
				bus.HeaderDeadLetterSubject:   subject,
				bus.HeaderDeadLetterStream:    bus.StreamCommands,
				bus.HeaderDeadLetterConsumer:  "test",
				bus.HeaderDeadLetterDelivered: strconv.Itoa(tt.wantCalls),
				bus.HeaderDeadLetterSequence:  "1",
				bus.HeaderDeadLetterMsgID:     "id-" + strconv.Itoa(i),
			}
			for k, want := range wantHeaders {
				if got := dl.Header.Get(k); got != want {
					t.Errorf("dead-letter header %s = %q, want %q", k, got, want)
				}
			}
			if got := dl.Header.Get(bus.HeaderDeadLetterError); !strings.Contains(got, tt.wantErrText) {
				t.Errorf("dead-letter error %q does not contain %q", got, tt.wantErrText)
			}
			if dl.Header.Get(bus.HeaderDeadLetterTime) == "" {
				t.Error("dead-letter time header missing")
			}
			if string(dl.Data) != "payload" {
				t.Errorf("dead-letter payload = %q, want the original", dl.Data)
			}
		})
	}
}

// TestRedeliveryWithoutOutcomeIsDeadLettered covers a message whose deliveries never
// report back (here: the handler outlives its timeout and AckWait each time), so the
// server redelivers it past MaxDeliver: it must be dead-lettered, not dropped or looped.
func TestRedeliveryWithoutOutcomeIsDeadLettered(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	subject := bus.CommandSubject("test", "stuck")
	var calls atomic.Int32
	release := make(chan struct{})
	defer close(release)
	consume(t, b, bus.ConsumerConfig{
		Stream:         bus.StreamCommands,
		Durable:        "test",
		MaxDeliver:     2,
		AckWait:        200 * time.Millisecond,
		HandlerTimeout: 100 * time.Millisecond,
		Concurrency:    4,
	}, func(ctx context.Context, m bus.Msg) error {
		calls.Add(1)
		<-release // ignores ctx: the worst kind of handler
		return nil
	})
	publish(t, b, subject, "stuck-1", "x")
	dl := deadLettered(t, b, subject)
	if got := dl.Header.Get(bus.HeaderDeadLetterReason); got != bus.ReasonMaxDeliver {
		t.Errorf("reason = %q, want %s", got, bus.ReasonMaxDeliver)
	}
	if got := dl.Header.Get(bus.HeaderDeadLetterDelivered); got != "3" {
		t.Errorf("delivered = %q, want 3", got)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("handler called %d times, want 2 (the third delivery goes straight to dead letter)", n)
	}
}

func TestSlowHandlerIsNotRedelivered(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	var calls atomic.Int32
	consume(t, b, bus.ConsumerConfig{
		Stream:  bus.StreamCommands,
		Durable: "test",
		AckWait: 500 * time.Millisecond,
	}, func(ctx context.Context, m bus.Msg) error {
		calls.Add(1)
		time.Sleep(2 * time.Second) // four AckWaits
		return nil
	})
	ack := publish(t, b, bus.CommandSubject("test", "slow"), "slow-1", "x")
	info := settled(t, b, bus.StreamCommands, "test", ack.Sequence)
	if n := calls.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
	if info.NumRedelivered != 0 {
		t.Errorf("server redelivered %d messages, want 0", info.NumRedelivered)
	}
}

func TestStopWaitsForInFlightHandlers(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	ctx := testContext(t, 20*time.Second)
	started := make(chan string, 10)
	release := make(chan struct{})
	var finished atomic.Int32
	c, err := b.Consume(ctx, bus.ConsumerConfig{
		Stream:      bus.StreamCommands,
		Durable:     "test",
		Concurrency: 2,
	}, func(ctx context.Context, m bus.Msg) error {
		started <- m.MsgID
		<-release
		finished.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, b, bus.CommandSubject("test", "a"), "a", "x")
	publish(t, b, bus.CommandSubject("test", "b"), "b", "x")
	for range 2 {
		select {
		case <-started:
		case <-ctx.Done():
			t.Fatal("handlers did not start")
		}
	}

	stopped := make(chan error, 1)
	go func() { stopped <- c.Stop(ctx) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while handlers were running", err)
	case <-time.After(200 * time.Millisecond):
	}
	// Published after Stop: must not be taken.
	publish(t, b, bus.CommandSubject("test", "c"), "c", "x")
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if n := finished.Load(); n != 2 {
		t.Fatalf("%d handlers finished before Stop returned, want 2", n)
	}
	select {
	case id := <-started:
		t.Fatalf("message %s taken after Stop", id)
	case <-time.After(100 * time.Millisecond):
	}

	cons, err := b.JetStream().Consumer(ctx, bus.StreamCommands, "test")
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.AckFloor.Stream != 2 || info.NumAckPending != 0 || info.NumPending != 1 {
		t.Errorf("after Stop: ack floor %d, ack pending %d, pending %d; want 2, 0, 1",
			info.AckFloor.Stream, info.NumAckPending, info.NumPending)
	}
}

func TestStopGivesUpAtDeadlineAndCancelsHandlers(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	ctx := testContext(t, 20*time.Second)
	started := make(chan struct{})
	cancelled := make(chan struct{})
	c, err := b.Consume(ctx, bus.ConsumerConfig{Stream: bus.StreamCommands, Durable: "test"},
		func(ctx context.Context, m bus.Msg) error {
			close(started)
			<-ctx.Done()
			close(cancelled)
			return ctx.Err()
		})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, b, bus.CommandSubject("test", "a"), "a", "x")
	<-started

	stopCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := c.Stop(stopCtx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v, want deadline exceeded", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("handler context not cancelled after Stop gave up")
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("consumer not done after its handler returned")
	}
}

func TestCancellingConsumeContextLetsHandlersFinish(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	ctx, cancel := context.WithCancel(testContext(t, 20*time.Second))
	started := make(chan struct{})
	var handlerErr atomic.Value
	c, err := b.Consume(ctx, bus.ConsumerConfig{Stream: bus.StreamCommands, Durable: "test"},
		func(hctx context.Context, m bus.Msg) error {
			close(started)
			time.Sleep(200 * time.Millisecond)
			handlerErr.Store(fmt.Sprint(hctx.Err()))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	ack := publish(t, b, bus.CommandSubject("test", "a"), "a", "x")
	<-started
	cancel()
	if err := c.Stop(testContext(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := handlerErr.Load(); got != "<nil>" {
		t.Errorf("handler ctx err = %v after Consume's ctx was cancelled, want nil", got)
	}
	settled(t, b, bus.StreamCommands, "test", ack.Sequence)
}

func TestInstancesSharingADurableSplitTheWork(t *testing.T) {
	t.Parallel()
	url := natstest.Start(t)
	const messages = 60
	var (
		mu      sync.Mutex
		handled = map[string]int{}
		byInst  = map[int]int{}
	)
	for inst := range 2 {
		b := connect(t, url, bus.WithName(fmt.Sprintf("fun-%d", inst)))
		consume(t, b, bus.ConsumerConfig{
			Stream:         bus.StreamCommands,
			Durable:        "fun",
			FilterSubjects: []string{bus.CommandsFilter("fun")},
			Concurrency:    2,
		}, func(ctx context.Context, m bus.Msg) error {
			time.Sleep(10 * time.Millisecond)
			mu.Lock()
			defer mu.Unlock()
			handled[m.MsgID]++
			byInst[inst]++
			return nil
		})
	}
	pub := connect(t, url)
	var last bus.PubAck
	for i := range messages {
		last = publish(t, pub, bus.CommandSubject("fun", "headpat"), "cmd-"+strconv.Itoa(i), "x")
	}
	settled(t, pub, bus.StreamCommands, "fun", last.Sequence)

	mu.Lock()
	defer mu.Unlock()
	if len(handled) != messages {
		t.Fatalf("%d distinct messages handled, want %d", len(handled), messages)
	}
	for id, n := range handled {
		if n != 1 {
			t.Errorf("message %s handled %d times, want 1", id, n)
		}
	}
	if byInst[0] == 0 || byInst[1] == 0 {
		t.Errorf("work not shared: instance counts %v", byInst)
	}
}
