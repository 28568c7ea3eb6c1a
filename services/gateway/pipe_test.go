package gateway

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	dgw "github.com/novera-bot/novera/libs/gateway"
	"github.com/novera-bot/novera/libs/natsembed"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"go.opentelemetry.io/otel/trace/noop"
)

// offlineService is a gateway service for tests that feed its receive path directly: it
// never connects to Discord (its REST address refuses).
func offlineService(t *testing.T, bu *bus.Bus) *Service {
	t.Helper()
	dc, err := discord.New(discord.Config{Token: "t", APIURL: "http://127.0.0.1:1/api/v10"})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Options{Token: "t", Bus: bu, Discord: dc, Registry: commands.Novera(), Health: admin.NewHealth(),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestPipeStoredPosition: the position a session may resume from follows the stream's
// acks, not the dispatches sent: while NATS is away nothing more counts as stored, and
// what was sent then is published once NATS is back, before later dispatches count.
func TestPipeStoredPosition(t *testing.T) {
	ctx := t.Context()
	srv := natstest.StartServer(t, natsembed.Options{StoreDir: t.TempDir()})
	bu, err := bus.Connect(ctx, srv.ClientURL(), bus.WithLogger(slog.New(slog.DiscardHandler)),
		bus.WithReconnectBackoff(20*time.Millisecond, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bu.Close)
	if err := bu.EnsureStreams(ctx); err != nil {
		t.Fatal(err)
	}
	svc := offlineService(t, bu)
	pipe := newShardPipe(svc)
	send := func(seq int) {
		t.Helper()
		d := dgw.Dispatch{Type: "TYPING_START", Seq: int64(seq), SessionID: "s1", Data: []byte(`{"guild_id":"10","n":` + strconv.Itoa(seq) + `}`)}
		out, err := svc.handle(ctx, d, noop.Span{})
		if err != nil {
			t.Fatal(err)
		}
		if err := pipe.send(ctx, d, out); err != nil {
			t.Fatal(err)
		}
	}
	storedSeq := func() int64 {
		st, ok := pipe.storedAt(dgw.SessionState{SessionID: "s1", Seq: 1 << 40})
		if !ok {
			return 0
		}
		return st.Seq
	}
	waitSeq := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for storedSeq() != want {
			if time.Now().After(deadline) {
				t.Fatalf("stored position %d, want %d", storedSeq(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if _, ok := pipe.storedAt(dgw.SessionState{SessionID: "s1", Seq: 5}); ok {
		t.Fatal("a position before anything was stored")
	}
	for i := 1; i <= 50; i++ {
		send(i)
	}
	waitSeq(50)
	if st, _ := pipe.storedAt(dgw.SessionState{SessionID: "s1", Seq: 20}); st.Seq != 20 {
		t.Errorf("storedAt raised the shard's own position to %d", st.Seq)
	}
	if _, ok := pipe.storedAt(dgw.SessionState{SessionID: "s2", Seq: 3}); ok {
		t.Error("a new session took the old session's position")
	}

	// NATS away: later dispatches are sent into the void and do not count.
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 51; i <= 60; i++ {
		send(i)
	}
	time.Sleep(300 * time.Millisecond)
	if got := storedSeq(); got != 50 {
		t.Fatalf("with NATS down the stored position moved to %d", got)
	}
	// Back (same store, same port): the acker publishes them again, in order.
	natstest.StartServer(t, natsembed.Options{StoreDir: srv.StoreDir(), Port: srv.Port()})
	waitSeq(60)
	pipe.close(5 * time.Second)
	stream, err := bu.JetStream().Stream(ctx, bus.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := info.State.Msgs; n != 60 {
		t.Errorf("EVENTS holds %d messages, want 60 (each dispatch once)", n)
	}
}
