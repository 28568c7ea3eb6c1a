package worker

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/store"
)

// doneBatch records finished events (store.MarkDone) for many commands at once. Marking
// an event done is a commit of its own after the answer has gone out; under load, one
// statement and one commit for everything finished meanwhile costs far less than one
// each, and it adds nothing when the worker is idle (a lone event is written at once).
// mark returns only once its event is recorded, so the bus message is acknowledged after
// the record, as before.
type doneBatch struct {
	pool   *pgxpool.Pool
	schema string

	mu       sync.Mutex
	pending  []doneWaiter
	flushing bool
}

type doneWaiter struct {
	ctx context.Context
	id  string
	err chan error
}

// mark records eventID done, together with whatever else is waiting.
func (b *doneBatch) mark(ctx context.Context, eventID string) error {
	w := doneWaiter{ctx: ctx, id: eventID, err: make(chan error, 1)}
	b.mu.Lock()
	b.pending = append(b.pending, w)
	if !b.flushing {
		b.flushing = true
		go b.flush()
	}
	b.mu.Unlock()
	select {
	case err := <-w.err:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flush writes batches until nothing is left waiting. Whatever arrives while a batch is
// being written makes the next one.
func (b *doneBatch) flush() {
	for {
		b.mu.Lock()
		batch := b.pending
		b.pending = nil
		if len(batch) == 0 {
			b.flushing = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		ids := make([]string, len(batch))
		for i, w := range batch {
			ids[i] = w.id
		}
		// The statement belongs to the first command's trace; it must finish even if that
		// command's context ends, since the others wait for it too.
		err := store.MarkDoneMany(context.WithoutCancel(batch[0].ctx), b.pool, b.schema, ids)
		for _, w := range batch {
			w.err <- err
		}
	}
}
