package gateway

import (
	"math/rand/v2"
	"time"
)

// backoff is a capped exponential back-off with jitter. Jitter spreads the
// reconnects of many shards (and many pods) after a Discord outage so they
// do not arrive together.
type backoff struct {
	min, max time.Duration
	attempt  int
}

// next returns the wait before the next attempt: a random duration in
// [d/2, d] where d doubles from min up to max.
func (b *backoff) next() time.Duration {
	d := b.min
	for i := 0; i < b.attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	b.attempt++
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

func (b *backoff) reset() { b.attempt = 0 }
