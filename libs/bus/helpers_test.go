package bus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// testContext bounds a test's waits.
func testContext(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// connect opens a Bus on url with the shared streams in place, closed at cleanup.
func connect(t *testing.T, url string, opts ...bus.Option) *bus.Bus {
	t.Helper()
	ctx := testContext(t, 10*time.Second)
	opts = append([]bus.Option{bus.WithLogger(testLogger(t)), bus.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond)}, opts...)
	b, err := bus.Connect(ctx, url, opts...)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(b.Close)
	if err := b.EnsureStreams(ctx); err != nil {
		t.Fatalf("ensure streams: %v", err)
	}
	return b
}

// newBus starts a private NATS server and connects to it.
func newBus(t *testing.T, opts ...bus.Option) *bus.Bus {
	t.Helper()
	return connect(t, natstest.Start(t), opts...)
}

// consume starts a consumer that is stopped at cleanup.
func consume(t *testing.T, b *bus.Bus, cfg bus.ConsumerConfig, h bus.Handler) *bus.Consumer {
	t.Helper()
	c, err := b.Consume(t.Context(), cfg, h)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stop consumer: %v", err)
		}
	})
	return c
}

func publish(t *testing.T, b *bus.Bus, subject, id, payload string) bus.PubAck {
	t.Helper()
	ack, err := b.Publish(testContext(t, 5*time.Second), subject, id, []byte(payload))
	if err != nil {
		t.Fatalf("publish %s: %v", id, err)
	}
	return ack
}

// eventually retries check every 20ms until it passes or timeout elapses.
func eventually(t *testing.T, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %s: %v", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settled waits until the consumer has settled (acked or terminated) every message up to
// stream sequence upTo and has nothing else pending.
func settled(t *testing.T, b *bus.Bus, stream, durable string, upTo uint64) *jetstream.ConsumerInfo {
	t.Helper()
	var info *jetstream.ConsumerInfo
	eventually(t, 10*time.Second, func() error {
		ctx := testContext(t, 2*time.Second)
		c, err := b.JetStream().Consumer(ctx, stream, durable)
		if err != nil {
			return err
		}
		info, err = c.Info(ctx)
		if err != nil {
			return err
		}
		// The ack floor is checked first: the server updates NumPending asynchronously,
		// so "nothing pending" alone can be seen before the consumer noticed a publish.
		if info.AckFloor.Stream < upTo || info.NumAckPending != 0 || info.NumPending != 0 {
			return fmt.Errorf("ack floor %d (want %d), ack pending %d, pending %d",
				info.AckFloor.Stream, upTo, info.NumAckPending, info.NumPending)
		}
		return nil
	})
	return info
}

// deadLettered waits for the dead-letter copy of a message published on subject.
func deadLettered(t *testing.T, b *bus.Bus, subject string) *jetstream.RawStreamMsg {
	t.Helper()
	var msg *jetstream.RawStreamMsg
	eventually(t, 10*time.Second, func() error {
		ctx := testContext(t, 2*time.Second)
		s, err := b.JetStream().Stream(ctx, bus.StreamDeadLetter)
		if err != nil {
			return err
		}
		msg, err = s.GetLastMsgForSubject(ctx, bus.DeadLetterSubject(subject))
		return err
	})
	return msg
}

// noDeadLetter asserts nothing was dead-lettered for subject.
func noDeadLetter(t *testing.T, b *bus.Bus, subject string) {
	t.Helper()
	ctx := testContext(t, 2*time.Second)
	s, err := b.JetStream().Stream(ctx, bus.StreamDeadLetter)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetLastMsgForSubject(ctx, bus.DeadLetterSubject(subject)); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Fatalf("dead letter for %s: got err %v, want ErrMsgNotFound", subject, err)
	}
}

// recorder remembers handler calls.
type recorder struct {
	mu    sync.Mutex
	calls []call
}

type call struct {
	at  time.Time
	msg bus.Msg
}

func (r *recorder) add(m bus.Msg) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call{at: time.Now(), msg: m})
	return len(r.calls)
}

func (r *recorder) snapshot() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}
