package worker

import (
	"context"
	"time"

	"github.com/novera-bot/novera/libs/store"
)

// pruner deletes the service's records of handled events and fired timers once they are
// older than Options.KeepHandled. Without it both tables grow by a row for every command
// and event for as long as the bot runs, and every insert and lookup pays for the size.
// Replicas prune the same rows at times; a delete that finds them gone deletes nothing.
type pruner struct {
	w *Worker
}

func (p *pruner) companion() Companion {
	return &periodic{name: "pruner", interval: p.w.o.PruneInterval, round: func(ctx context.Context) bool {
		p.prune(ctx)
		return false
	}}
}

// prune runs one round. A failure is logged and left to the next round: the records only
// grow meanwhile.
func (p *pruner) prune(ctx context.Context) {
	w := p.w
	cutoff := time.Now().Add(-w.o.KeepHandled)
	handled, err := store.PruneHandled(ctx, w.o.Pool, w.schema(), cutoff)
	if err == nil {
		var timers int64
		timers, err = store.PruneTimers(ctx, w.o.Pool, w.schema(), cutoff)
		if handled+timers > 0 {
			w.o.Logger.InfoContext(ctx, "old records pruned", "handled_events", handled, "timers", timers, "before", cutoff)
		}
	}
	if err != nil && ctx.Err() == nil {
		w.o.Logger.WarnContext(ctx, "old records not pruned; trying again later", "err", err)
	}
}
