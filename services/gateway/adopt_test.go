package gateway

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// A gateway that goes away while its commands wait in the queue takes its deadline guard
// with it, and the resume does not replay what is already on the stream: its successor
// on the shard must take over the watch, or a backlog that outlasts the handover lets
// those interactions expire unanswered. What a worker has finished is left alone.
func TestSuccessorWatchesQueuedInteractions(t *testing.T) {
	sim, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: time.Second})
	natsURL := natstest.Start(t)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	connect := func() *bus.Bus {
		b, err := bus.Connect(t.Context(), natsURL, bus.WithLogger(log))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		return b
	}
	// Each gateway is a process of its own: its own bus connection, its own guard.
	start := func(holder string) (stop func()) {
		h := admin.NewHealth()
		dc, err := discord.New(discord.Config{Token: sim.Token(), APIURL: sim.APIURL()})
		if err != nil {
			t.Fatal(err)
		}
		b := connect()
		svc, err := New(Options{Token: sim.Token(), Bus: b, Discord: dc, Registry: commands.Novera(), Health: h,
			Logger: log.With("holder", holder), ShardCount: 1, Holder: holder})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = svc.Run(ctx)
		}()
		stop = func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("gateway did not stop")
			}
		}
		t.Cleanup(stop)
		for !h.Readiness(t.Context()).OK {
			time.Sleep(10 * time.Millisecond)
		}
		return stop
	}
	// league's worker takes its commands off the queue without answering: finished, as far
	// as the stream knows, so no guard may touch them.
	worker := connect()
	if err := worker.EnsureStreams(t.Context()); err != nil {
		t.Fatal(err)
	}
	drained := make(chan string, 1)
	c, err := worker.Consume(t.Context(), bus.ConsumerConfig{Stream: bus.StreamCommands, Durable: "league",
		FilterSubjects: []string{bus.CommandsFilter("league")}}, func(_ context.Context, m bus.Msg) error {
		drained <- m.MsgID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })

	stopFirst := start("gateway-a")
	player, other := demo.Members["player1"], demo.Members["player2"]
	// fun has no worker here: its command waits in the queue, as behind a backlog.
	queued, err := sim.Slash(t.Context(), discordsim.SlashRequest{UserID: player, Text: "/headpat member:<@" + other.String() + ">"})
	if err != nil {
		t.Fatal(err)
	}
	finished, err := sim.Slash(t.Context(), discordsim.SlashRequest{UserID: player, Text: "/checkvalue"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-drained:
	case <-time.After(2 * time.Second):
		t.Fatal("league's command never reached its consumer")
	}
	inQueue := func() bool {
		n := 0
		err := worker.Stored(t.Context(), bus.StreamCommands, bus.CommandsFilter("fun"), time.Now().Add(-time.Minute), func(bus.Msg) error {
			n++
			return nil
		})
		return err == nil && n == 1
	}
	for !inQueue() {
		if time.Since(queued.Sent()) > guardAfter/2 {
			t.Fatal("fun's command never reached the stream")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The first gateway goes before the guard would act; its successor takes the shard.
	stopFirst()
	start("gateway-b")
	handover := time.Since(queued.Sent())
	if handover >= guardAfter {
		t.Fatalf("the handover took %s, past guardAfter (%s): too slow to show anything", handover, guardAfter)
	}

	ctx, cancel := context.WithDeadline(t.Context(), queued.Sent().Add(3*time.Second))
	defer cancel()
	rs, err := queued.Wait(ctx, 1)
	if err != nil {
		t.Fatalf("the queued interaction (handover after %s) was never held open: %v", handover, err)
	}
	r := rs[0]
	if !r.Deferred {
		t.Fatalf("the queued interaction got %+v, want the successor's deferral", r)
	}
	if age := r.Time.Sub(queued.Sent()); age < guardAfter || age >= 3*time.Second {
		t.Fatalf("deferred at age %s, want between %s and 3s", age, guardAfter)
	}
	time.Sleep(time.Until(finished.Sent().Add(guardUntil + 2*guardTick)))
	if got := finished.Replies(); len(got) != 0 {
		t.Fatalf("the finished command's interaction got %+v from the gateway", got)
	}
}

func TestAdoptable(t *testing.T) {
	takeover := time.Now()
	before := snowflakeAt(takeover.Add(-time.Second))
	slash := func(f func(*busv1.Command)) *busv1.Command {
		c := &busv1.Command{Source: busv1.Source_SOURCE_SLASH, InteractionId: before, InteractionToken: "tok", Shard: 1,
			ReceivedAt: timestamppb.New(takeover.Add(-time.Second))}
		if f != nil {
			f(c)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		cmd  *busv1.Command
		want bool
	}{
		{"a slash command of the shard, read before takeover", slash(nil), true},
		{"another shard's", slash(func(c *busv1.Command) { c.Shard = 0 }), false},
		{"read after takeover: this process watches it", slash(func(c *busv1.Command) { c.InteractionId = snowflakeAt(takeover.Add(time.Second)) }), false},
		{"a component click: answered by its worker alone", slash(func(c *busv1.Command) { c.Source = busv1.Source_SOURCE_COMPONENT }), false},
		{"a prefix command: no interaction", slash(func(c *busv1.Command) {
			c.Source, c.InteractionId, c.InteractionToken = busv1.Source_SOURCE_PREFIX, "", ""
		}), false},
		{"no token: cannot be deferred", slash(func(c *busv1.Command) { c.InteractionToken = "" }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, token, created, ok := adoptable(tc.cmd, 1, takeover)
			if ok != tc.want {
				t.Fatalf("adoptable = %v, want %v", ok, tc.want)
			}
			if ok && (id != tc.cmd.InteractionId || token != "tok" || !created.Equal(snowflakeTime(before))) {
				t.Fatalf("adoptable = %q %q %v", id, token, created)
			}
		})
	}
}
