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

// A consumer started while the server is away (a service starting as NATS restarts) is
// not an error: it is created once the server is back and then handles what arrives.
// Found by the chaos harness, where such a worker exited at start-up and stayed down.
func TestConsumeWhileServerAway(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 40*time.Second)
	b, restart := serverAway(ctx, t)
	eventually(t, 5*time.Second, func() error {
		if b.Connected() {
			return context.DeadlineExceeded
		}
		return nil
	})

	got := make(chan string, 10)
	// A service's context has no deadline: the JetStream API's own timeout bounds the try.
	c, err := b.Consume(t.Context(), bus.ConsumerConfig{Stream: bus.StreamEvents, Durable: "late"},
		func(ctx context.Context, m bus.Msg) error {
			got <- m.MsgID
			return nil
		})
	if err != nil {
		t.Fatalf("Consume while the server is away: %v", err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })

	restart()
	eventually(t, 20*time.Second, func() error {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		_, err := b.Publish(pctx, bus.EventSubject("MESSAGE_CREATE"), "after", []byte("x"))
		return err
	})
	select {
	case id := <-got:
		if id != "after" {
			t.Fatalf("handled %s", id)
		}
	case <-ctx.Done():
		t.Fatal("the consumer created in the background never handled a message")
	}
}

// serverAway starts a server with a file store, connects a bus to it and shuts the
// server down; restart brings it back on the same port with the same store.
func serverAway(ctx context.Context, t *testing.T) (b *bus.Bus, restart func()) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "nats")
	srv := natstest.StartServer(t, natsembed.Options{StoreDir: dir})
	b = connect(t, srv.ClientURL())
	port := srv.Port()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	return b, func() { natstest.StartServer(t, natsembed.Options{Port: port, StoreDir: dir}) }
}
