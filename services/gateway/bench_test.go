package gateway

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"syscall"
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

const benchInteraction = `{"id":"5","application_id":"9","type":2,"token":"tok","guild_id":"10","channel_id":"11",
	"member":{"user":{"id":"2","username":"amy"},"roles":["30"],"permissions":"1099511628800"},
	"data":{"name":"headpat","options":[{"name":"member","type":6,"value":"3"}],
	"resolved":{"users":{"3":{"id":"3","username":"bo"}},"members":{"3":{"roles":[]}}}}}`

// BenchmarkNormalizeInteraction is an INTERACTION_CREATE turned into a bus Command.
func BenchmarkNormalizeInteraction(b *testing.B) {
	n := newTestNormalizer()
	raw := []byte(benchInteraction)
	now := time.Now()
	for b.Loop() {
		if _, _, ok, err := n.fromInteraction(raw, 0, now); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// chatMessage is a plain chat message of the size members write, with the fields Discord
// sends.
func chatMessage(id int) []byte {
	return []byte(`{"type":0,"tts":false,"timestamp":"2026-11-27T12:00:00.000000+00:00","pinned":false,"nonce":"` + strconv.Itoa(id) +
		`","mentions":[],"mention_roles":[],"mention_everyone":false,"member":{"roles":["30"],"premium_since":null,"pending":false,` +
		`"nick":null,"mute":false,"joined_at":"2026-01-01T00:00:00.000000+00:00","flags":0,"deaf":false,"communication_disabled_until":null,"avatar":null},` +
		`"id":"` + strconv.Itoa(1000000+id) + `","flags":0,"embeds":[],"edited_timestamp":null,"content":"gg everyone, that last match was close, who is up for a scrim tonight?",` +
		`"components":[],"channel_id":"11","author":{"username":"amy","public_flags":0,"id":"2","global_name":"Amy","discriminator":"0","avatar":null},` +
		`"attachments":[],"guild_id":"10"}`)
}

// BenchmarkIngestChat is the gateway's whole path for a chat message once its frame is
// read: route, identify, publish to JetStream through the shard's pipe, until the
// stream's ack (a real embedded NATS). Several shards run at once (b.RunParallel), as in
// production.
func BenchmarkIngestChat(b *testing.B) {
	ctx := context.Background()
	bu, err := bus.Connect(ctx, natstest.Start(b), bus.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(bu.Close)
	if err := bu.EnsureStreams(ctx); err != nil {
		b.Fatal(err)
	}
	// The service runs against a simulator, as it would against Discord; the benchmark then
	// feeds its receive path directly, so what is measured is the gateway's own work.
	sim, _ := simtest.Start(b, discordsim.Options{})
	dc, err := discord.New(discord.Config{Token: sim.Token(), APIURL: sim.APIURL()})
	if err != nil {
		b.Fatal(err)
	}
	h := admin.NewHealth()
	svc, err := New(Options{Token: sim.Token(), Bus: bu, Discord: dc, Registry: commands.Novera(), Health: h,
		Logger: slog.New(slog.DiscardHandler), ShardCount: 1})
	if err != nil {
		b.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Run(rctx) }()
	b.Cleanup(func() { cancel(); <-done })
	for !h.Readiness(ctx).OK {
		time.Sleep(10 * time.Millisecond)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	b.SetParallelism(4)
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		// Each goroutine is a shard with its pipe; the benchmark ends when every ack is in.
		pipe := newShardPipe(svc)
		defer pipe.close(time.Minute)
		for pb.Next() {
			id := int(next.Add(1))
			d := dgw.Dispatch{Type: "MESSAGE_CREATE", Seq: int64(id), Data: chatMessage(id), ShardID: id % 4, SessionID: "s", ReceivedAt: time.Now()}
			if err := svc.receive(ctx, d, viaGateway, pipe); err != nil {
				b.Fatal(err)
			}
		}
	})
	// CPU per event (this process: the gateway and the embedded NATS server) says how many
	// events a core can take, whatever else the machine is doing.
	perOp := (cpuTime() - cpu0) / time.Duration(b.N)
	b.ReportMetric(float64(perOp.Nanoseconds())/1000, "cpu-µs/op")
	b.ReportMetric(float64(time.Second)/float64(perOp), "events/s/core")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
