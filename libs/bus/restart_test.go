package bus_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/natsembed"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

func TestConsumerSurvivesServerRestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	dir := filepath.Join(t.TempDir(), "nats")
	srv := natstest.StartServer(t, natsembed.Options{StoreDir: dir})
	b := connect(t, srv.ClientURL())

	got := make(chan string, 10)
	consume(t, b, bus.ConsumerConfig{Stream: bus.StreamEvents, Durable: "watcher"},
		func(ctx context.Context, m bus.Msg) error {
			got <- m.MsgID
			return nil
		})
	expect := func(id string) {
		t.Helper()
		select {
		case g := <-got:
			if g != id {
				t.Fatalf("handled %s, want %s", g, id)
			}
		case <-ctx.Done():
			t.Fatalf("message %s not handled", id)
		}
	}

	ack := publish(t, b, bus.EventSubject("MESSAGE_CREATE"), "before", "x")
	expect("before")
	settled(t, b, bus.StreamEvents, "watcher", ack.Sequence)

	port := srv.Port()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, func() error {
		if b.Connected() {
			return context.DeadlineExceeded
		}
		return nil
	})
	natstest.StartServer(t, natsembed.Options{Port: port, StoreDir: dir})

	// The first publishes may meet a JetStream that is still loading its store.
	eventually(t, 20*time.Second, func() error {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		var err error
		ack, err = b.Publish(pctx, bus.EventSubject("MESSAGE_CREATE"), "after", []byte("x"))
		return err
	})
	expect("after")
	settled(t, b, bus.StreamEvents, "watcher", ack.Sequence)
	if !b.Connected() {
		t.Error("bus reports disconnected after the restart")
	}
}

// TestWhenAvailableWaitsOutARestart: a start-up step that meets NATS down (the gateway's
// session bucket, in the chaos run that found it) is tried again until the server is back,
// instead of failing the start; and a step still failing when ctx ends gives up with its
// error.
func TestWhenAvailableWaitsOutARestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	b, restart := serverAway(ctx, t)
	var attempts, failed atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- bus.WhenAvailable(ctx, nil, "test bucket", func(ctx context.Context) error {
			attempts.Add(1)
			sctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			defer cancel()
			_, err := b.JetStream().CreateOrUpdateKeyValue(sctx, jetstream.KeyValueConfig{Bucket: "when_available"})
			if err != nil {
				failed.Add(1)
			}
			return err
		})
	}()
	// While NATS is down the step fails and is tried again, and WhenAvailable does not end.
	eventually(t, 10*time.Second, func() error {
		select {
		case err := <-done:
			t.Fatalf("the step ended while NATS was down: %v", err)
		default:
		}
		if n := failed.Load(); n < 2 {
			return fmt.Errorf("%d failed attempts so far", n)
		}
		return nil
	})
	restart()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("once NATS was back: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the step never succeeded once NATS was back")
	}
	if n, f := attempts.Load(), failed.Load(); n != f+1 {
		t.Errorf("%d attempts, %d failed; want every one but the last to have failed", n, f)
	}

	gctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	errDown := errors.New("still down")
	if err := bus.WhenAvailable(gctx, nil, "never", func(context.Context) error { return errDown }); !errors.Is(err, errDown) {
		t.Errorf("a step failing until the end: %v, want its own error", err)
	}

	// A failure waiting cannot cure is not tried again.
	tries := 0
	errBad := errors.New("bad migration")
	err := bus.WhenAvailable(ctx, nil, "bad", func(context.Context) error { tries++; return bus.Permanent(errBad) })
	if !errors.Is(err, errBad) || tries != 1 {
		t.Errorf("a permanent failure: %v after %d attempts, want it after 1", err, tries)
	}
}
