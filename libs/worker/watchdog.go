package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/novera-bot/novera/libs/bus"
)

// DefaultStallAfter is how long the command consumer may go without taking new work,
// every handler slot busy and commands waiting, before the worker calls itself stuck. A
// healthy handler takes milliseconds to a few seconds (Discord's 429 back-offs included);
// two minutes is far beyond that and well inside the bus's 5-minute handler timeout.
const DefaultStallAfter = 2 * time.Minute

// stalled is the worker's liveness check. It fails only when this process cannot make
// progress: every handler slot has been held by a running handler for StallAfter, with
// no slot freed, while commands wait in the stream; or the fetch loop has not gone round
// for longer than it ever legitimately takes with a slot free (bus.MaxRoundGap, or
// StallAfter if longer). An outage of NATS, PostgreSQL or Discord does not fail it: the
// loop keeps going round while fetches fail, and handlers waiting on a dead dependency
// are cut off by their own timeouts; readiness reports the outage instead.
func (w *Worker) stalled(ctx context.Context) error {
	c := w.watched.Load()
	if c == nil {
		return nil // not started yet: the startup probe's business, not liveness's
	}
	select {
	case <-c.Done():
		return nil // stopped on purpose (shutdown)
	default:
	}
	last, handlers, capacity := c.Progress()
	idle := time.Since(last)
	if handlers < capacity {
		if limit := max(w.o.StallAfter, bus.MaxRoundGap); idle > limit {
			return fmt.Errorf("command consumer: fetch loop has not gone round for %s with %d of %d handler slots free",
				idle.Round(time.Second), capacity-handlers, capacity)
		}
		return nil
	}
	if idle < w.o.StallAfter {
		return nil
	}
	waiting, err := w.Waiting(ctx)
	if err != nil || waiting == 0 {
		// Nothing waits (or NATS cannot say, which readiness reports): busy handlers
		// hold no one up.
		return nil
	}
	return fmt.Errorf("command consumer: all %d handlers busy for %s while %d commands wait",
		capacity, idle.Round(time.Second), waiting)
}

// Waiting asks JetStream how many commands wait for this service, not yet delivered.
func (w *Worker) Waiting(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	cons, err := w.o.Bus.JetStream().Consumer(ctx, bus.StreamCommands, w.o.Service)
	if err != nil {
		return 0, fmt.Errorf("worker %s: consumer info: %w", w.o.Service, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("worker %s: consumer info: %w", w.o.Service, err)
	}
	return info.NumPending, nil
}

// LastProgress is when the command consumer last took new work or looked for it: the
// "last progress" of this instance's heartbeat. Zero before Start.
func (w *Worker) LastProgress() time.Time {
	c := w.watched.Load()
	if c == nil {
		return time.Time{}
	}
	last, _, _ := c.Progress()
	return last
}
