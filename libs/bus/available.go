package bus

import (
	"context"
	"log/slog"
	"time"
)

// WhenAvailable runs a start-up step until it succeeds or ctx ends, waiting a little
// longer after each failure (200 ms doubling to 5 s) and logging it. A NATS server (or a
// database) that is restarting does not answer for a moment; a service whose start-up gave
// up then would stay down until something restarted it. A step that fails for a reason
// waiting cannot cure returns it marked Permanent, and WhenAvailable returns it at once.
// what names the step in the log.
func WhenAvailable(ctx context.Context, log *slog.Logger, what string, step func(context.Context) error) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for wait := 200 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		err := step(ctx)
		if err == nil || ctx.Err() != nil || IsPermanent(err) {
			return err
		}
		log.WarnContext(ctx, what+" not possible yet; waiting", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}
