package worker

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
)

// Some gateway events need an answer on Discord (a welcome when a member joins). Those go
// through the same path as commands, outbox and all: the event becomes a Command with
// Source EVENT, handled by Options.Events[type]. Events that only change state (activity
// counters) use the lighter EventConsumer.

// eventReplies consumes the event types of Options.Events.
type eventReplies struct {
	w *Worker
	c *bus.Consumer
}

func (e *eventReplies) Start(ctx context.Context) error {
	var subjects []string
	for t := range e.w.o.Events {
		subjects = append(subjects, bus.EventSubject(t))
	}
	c, err := e.w.o.Bus.Consume(ctx, bus.ConsumerConfig{
		Stream: bus.StreamEvents, Durable: e.w.o.Service + "-answers", FilterSubjects: subjects, Concurrency: 8,
		Description: "gateway events the " + e.w.o.Service + " service answers",
	}, e.handle)
	if err != nil {
		return fmt.Errorf("consume events: %w", err)
	}
	e.c = c
	return nil
}

func (e *eventReplies) Stop(ctx context.Context) error {
	if e.c == nil {
		return nil
	}
	return e.c.Stop(ctx)
}

func (e *eventReplies) handle(ctx context.Context, m bus.Msg) error {
	var ev busv1.Event
	if err := proto.Unmarshal(m.Data, &ev); err != nil {
		return bus.Permanent(fmt.Errorf("decode event: %w", err))
	}
	if keep := e.w.o.KeepEvent; keep != nil && !keep(&ev) {
		return nil
	}
	return e.w.Handle(ctx, EventCommand(&ev))
}

// EventCommand wraps a gateway event as the Command its handler receives. The id carries
// the type because a message's id is also its prefix command's id.
func EventCommand(ev *busv1.Event) *busv1.Command {
	return &busv1.Command{
		Id: "event:" + ev.Type + ":" + ev.Id, Name: "event " + ev.Type, Source: busv1.Source_SOURCE_EVENT,
		GuildId: ev.GuildId, ReceivedAt: ev.ReceivedAt, Shard: ev.Shard, Invoker: &busv1.Member{},
		EventType: ev.Type, EventRaw: ev.Raw,
	}
}
