package bus_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

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
