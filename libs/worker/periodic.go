package worker

import (
	"context"
	"fmt"
	"time"
)

// periodic is a Companion that runs round at start and then every interval, until
// stopped. A round that reports more work left runs again at once instead of waiting for
// the tick.
type periodic struct {
	name     string
	interval time.Duration
	round    func(ctx context.Context) (more bool)

	cancel context.CancelFunc
	done   chan struct{}
}

func (p *periodic) Start(ctx context.Context) error {
	ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.interval)
		defer t.Stop()
		for {
			if p.round(ctx) && ctx.Err() == nil {
				continue
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

func (p *periodic) Stop(ctx context.Context) error {
	if p.cancel == nil {
		return nil
	}
	p.cancel()
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", p.name, ctx.Err())
	}
}
