package bus_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/natsembed"
)

// A worker consumes its commands; the gateway publishes one.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	srv, err := natsembed.Start(ctx, natsembed.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown(context.Background())

	b, err := bus.Connect(ctx, srv.ClientURL(), bus.WithName("fun-0"))
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.EnsureStreams(ctx); err != nil {
		log.Fatal(err)
	}

	handled := make(chan string, 1)
	c, err := b.Consume(ctx, bus.ConsumerConfig{
		Stream:         bus.StreamCommands,
		Durable:        "fun",
		FilterSubjects: []string{bus.CommandsFilter("fun")},
		Concurrency:    4,
	}, func(ctx context.Context, m bus.Msg) error {
		handled <- fmt.Sprintf("%s %s delivery %d", m.Subject, m.MsgID, m.Delivered)
		return nil // acked
	})
	if err != nil {
		log.Fatal(err)
	}

	// The interaction id makes a replayed interaction a duplicate.
	subject := bus.CommandSubject("fun", "headpat")
	for range 2 {
		ack, err := b.Publish(ctx, subject, "interaction-1234", []byte(`{"target":"42"}`))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("duplicate:", ack.Duplicate)
	}

	fmt.Println(<-handled)
	if err := c.Stop(ctx); err != nil { // before Close: lets handlers settle
		log.Fatal(err)
	}
	// Output:
	// duplicate: false
	// duplicate: true
	// commands.fun.headpat interaction-1234 delivery 1
}
