package bus_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// BenchmarkCommandRoundTrip is one command's trip over the bus, as the gateway and a
// worker make it: publish to COMMANDS and wait for the stream's ack, the worker's pull
// consumer receives it, handles it (nothing here) and acknowledges it. Sequential, so
// ns/op is the bus's share of a command's latency.
func BenchmarkCommandRoundTrip(b *testing.B) {
	ctx := context.Background()
	bu, err := bus.Connect(ctx, natstest.Start(b), bus.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(bu.Close)
	if err := bu.EnsureStreams(ctx); err != nil {
		b.Fatal(err)
	}
	got := make(chan struct{}, 1)
	c, err := bu.Consume(ctx, bus.ConsumerConfig{Stream: bus.StreamCommands, Durable: "bench",
		FilterSubjects: []string{"commands.bench.>"}, Concurrency: 8}, func(context.Context, bus.Msg) error {
		got <- struct{}{}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Stop(context.Background()) })
	payload := make([]byte, 600) // a normalised command's usual size
	i := 0
	for b.Loop() {
		i++
		if _, err := bu.Publish(ctx, "commands.bench.headpat", "rt-"+strconv.Itoa(i), payload); err != nil {
			b.Fatal(err)
		}
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			b.Fatal("message not delivered")
		}
	}
}
