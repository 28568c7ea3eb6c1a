package discord

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"
)

// retry429 waits out a 429's Retry-After and tries again, a bounded number of times and
// never past the caller's deadline. Discord's limits are per bot, so a short wait is the
// polite answer; an unbounded one (discordgo's default) stalls a worker forever.
type retry429 struct {
	next     http.RoundTripper
	attempts int
	maxWait  time.Duration
}

func (t *retry429) RoundTrip(r *http.Request) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := t.next.RoundTrip(r)
		// The proxy's own 429 already means "not before your deadline": no retry.
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || attempt >= t.attempts || resp.Header.Get(HeaderProxy) != "" {
			return resp, err
		}
		wait := retryAfter(resp)
		if wait > t.maxWait || !fitsDeadline(r.Context(), wait) || (r.Body != nil && r.GetBody == nil) {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		select {
		case <-r.Context().Done():
			return nil, r.Context().Err()
		case <-time.After(wait):
		}
		if r.GetBody != nil {
			body, err := r.GetBody()
			if err != nil {
				return nil, err
			}
			r = r.Clone(r.Context())
			r.Body = body
		}
	}
}

func retryAfter(resp *http.Response) time.Duration {
	for _, h := range []string{"Retry-After", "X-RateLimit-Reset-After"} {
		if s := resp.Header.Get(h); s != "" {
			if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 {
				return time.Duration(f * float64(time.Second))
			}
		}
	}
	return time.Second
}

func fitsDeadline(ctx context.Context, wait time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > wait
}
