package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/store"
)

// EventHandler applies one gateway event inside tx, the transaction that also records the
// event as handled: whatever it writes happens exactly once per event.
type EventHandler func(ctx context.Context, tx pgx.Tx, ev *busv1.Event) error

// Companion is something that starts and stops with a Worker (see Options.Companions).
type Companion interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// EventConsumer feeds a service's handler with raw gateway dispatches (events.<TYPE> on the
// EVENTS stream), for state that is not a command: activity counters, membership. It
// answers nobody, so there is no outbox: the handler's writes and the handled record are
// one transaction, and a redelivered event is skipped.
type EventConsumer struct {
	// Keep, if set, picks the events worth a transaction; the rest are acknowledged at
	// once (a service that cares about a few chat messages must not pay for all of them).
	Keep func(*busv1.Event) bool
	// Concurrency bounds events in flight (default 8); 1 keeps the stream's order, for
	// handlers where a later event depends on an earlier one.
	Concurrency int
	// Idempotent, if set, applies instead of the handler the events whose effect is the
	// same however often it is applied (setting a value, never adding to one) and reports
	// whether it did. Those skip the transaction and the handled record: one statement and
	// one round trip instead of three, and no handled row to keep and prune. Events it
	// reports false for go to the handler, exactly once.
	Idempotent func(ctx context.Context, db store.Querier, ev *busv1.Event) (bool, error)

	deps    Deps
	service string
	types   []string
	h       EventHandler
	log     *slog.Logger
	c       *bus.Consumer
}

// NotFromBots is a Keep for consumers of members' chat: it passes over messages and edits
// whose author the gateway marked as a bot, and keeps every other event.
func NotFromBots(ev *busv1.Event) bool {
	return ev.Type != "MESSAGE_CREATE" && ev.Type != "MESSAGE_UPDATE" || !ev.AuthorBot
}

// NewEventConsumer prepares a consumer of the given dispatch types (e.g. MESSAGE_CREATE)
// for service, whose PostgreSQL schema (named after it) holds the handled records. Pass it
// to Options.Companions, or Start and Stop it yourself.
func NewEventConsumer(deps Deps, service string, types []string, h EventHandler) (*EventConsumer, error) {
	if deps.Bus == nil || deps.Pool == nil || service == "" || len(types) == 0 || h == nil {
		return nil, errors.New("worker: event consumer needs a bus, a pool, a service, event types and a handler")
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &EventConsumer{Concurrency: 8, deps: deps, service: service, types: types, h: h, log: log.With("service", service, "consumer", "events")}, nil
}

// Durable is the consumer's name on the EVENTS stream. EVENTS keeps messages by limits, not
// as a work queue, so every service has its own durable over the subjects it needs, and
// instances of one service share it.
func (c *EventConsumer) Durable() string { return c.service + "-events" }

// Start creates or resumes the durable consumer and begins handling events.
func (c *EventConsumer) Start(ctx context.Context) error {
	subjects := make([]string, len(c.types))
	for i, t := range c.types {
		subjects[i] = bus.EventSubject(t)
	}
	cons, err := c.deps.Bus.Consume(ctx, bus.ConsumerConfig{
		Stream: bus.StreamEvents, Durable: c.Durable(), FilterSubjects: subjects, Concurrency: max(c.Concurrency, 1),
		Description: "gateway events for the " + c.service + " service",
	}, c.handle)
	if err != nil {
		return fmt.Errorf("worker %s: consume events: %w", c.service, err)
	}
	c.c = cons
	return nil
}

// Stop stops fetching and waits for events in flight, within ctx.
func (c *EventConsumer) Stop(ctx context.Context) error {
	if c.c == nil {
		return nil
	}
	return c.c.Stop(ctx)
}

func (c *EventConsumer) handle(ctx context.Context, m bus.Msg) error {
	var ev busv1.Event
	if err := proto.Unmarshal(m.Data, &ev); err != nil {
		return bus.Permanent(fmt.Errorf("decode event: %w", err))
	}
	if c.Keep != nil && !c.Keep(&ev) {
		return nil
	}
	if c.Idempotent != nil {
		done, err := c.Idempotent(ctx, c.deps.Pool, &ev)
		if err != nil {
			return fmt.Errorf("apply %s %s: %w", ev.Type, ev.Id, err)
		}
		if done {
			return nil
		}
	}
	return c.Handle(ctx, &ev)
}

// Handle applies one event exactly once. It is exported for tests that drive it directly.
func (c *EventConsumer) Handle(ctx context.Context, ev *busv1.Event) error {
	// Events share handled_events with commands, and a prefix command's id is its message's
	// id, which is also the MESSAGE_CREATE event's id: the type keeps them apart.
	key := "event:" + ev.Type + ":" + ev.Id
	// Nothing is owed after commit, so the record is complete at once.
	err := store.InTxHandledDone(ctx, c.deps.Pool, c.service, key, func(tx pgx.Tx) error {
		if err := c.h(ctx, tx, ev); err != nil {
			return fmt.Errorf("handle %s %s: %w", ev.Type, ev.Id, err)
		}
		return nil
	})
	if errors.Is(err, store.ErrAlreadyHandled) {
		return nil // a redelivery: its effects are in already
	}
	return err
}
