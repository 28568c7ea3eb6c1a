package gateway

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	dgw "github.com/novera-bot/novera/libs/gateway"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// TestNewSessionSavedAtOnce: a shard's new session is saved as soon as its first dispatch
// is stored, not at the next save interval (an hour here): a gateway killed right after
// READY must leave its successor a session to resume, or Discord's events for it are lost.
func TestNewSessionSavedAtOnce(t *testing.T) {
	sim, _ := simtest.Start(t, discordsim.Options{})
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := bus.Connect(t.Context(), natstest.Start(t), bus.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := b.EnsureStreams(t.Context()); err != nil {
		t.Fatal(err)
	}
	dc, err := discord.New(discord.Config{Token: sim.Token(), APIURL: sim.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Options{Token: sim.Token(), Bus: b, Discord: dc, Registry: commands.Novera(), Health: admin.NewHealth(),
		Logger: log, ShardCount: 1, SessionSaveInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = svc.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("the shard's session was not saved within 15 s")
		}
		time.Sleep(20 * time.Millisecond)
		kv, err := b.JetStream().KeyValue(t.Context(), SessionBucket)
		if err != nil {
			continue // the gateway has not created it yet
		}
		e, err := kv.Get(t.Context(), sessionKey(0, 1))
		if err != nil {
			continue
		}
		var st dgw.SessionState
		if err := json.Unmarshal(e.Value(), &st); err != nil || !st.Resumable() {
			t.Fatalf("saved session %s is not resumable: %v", e.Value(), err)
		}
		return
	}
}
