package discordsim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimitOptions shapes the per-route buckets reported in X-RateLimit-* headers.
type RateLimitOptions struct {
	// Limit is the number of requests per Window in one bucket; default 50.
	Limit int
	// Window is the bucket period; default 1 s.
	Window time.Duration
	// Enforce answers 429 when a bucket is exhausted. Off by default: the headers are sent,
	// and well-behaved clients pace themselves by them, but nothing is refused.
	Enforce bool
}

func (o RateLimitOptions) withDefaults() RateLimitOptions {
	if o.Limit <= 0 {
		o.Limit = 50
	}
	if o.Window <= 0 {
		o.Window = time.Second
	}
	return o
}

// rateLimiter counts requests per bucket the way Discord keys them: route template plus its
// major parameter (channel, guild, or webhook id and token).
type rateLimiter struct {
	opts    RateLimitOptions
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	hash      string
	remaining int
	resetAt   time.Time
}

type rateInfo struct {
	limit, remaining int
	resetAt          time.Time
	resetAfter       time.Duration
	hash             string
	exceeded         bool
}

func newRateLimiter(opts RateLimitOptions) *rateLimiter {
	return &rateLimiter{opts: opts, buckets: map[string]*bucket{}}
}

// policy returns the limit of a route. Every route shares one policy today; per-route limits
// (5/5 s for messages, 1/5 s for channel edits...) plug in here.
func (rl *rateLimiter) policy(routeKey string) (int, time.Duration) {
	return rl.opts.Limit, rl.opts.Window
}

func (rl *rateLimiter) take(routeKey, major string, now time.Time) rateInfo {
	limit, window := rl.policy(routeKey)
	rl.mu.Lock()
	defer rl.mu.Unlock()
	key := routeKey + "|" + major
	b, ok := rl.buckets[key]
	if !ok || !now.Before(b.resetAt) {
		sum := sha256.Sum256([]byte(routeKey))
		b = &bucket{hash: hex.EncodeToString(sum[:8]), remaining: limit, resetAt: now.Add(window)}
		rl.buckets[key] = b
	}
	info := rateInfo{limit: limit, hash: b.hash, resetAt: b.resetAt, resetAfter: b.resetAt.Sub(now)}
	if b.remaining == 0 {
		info.exceeded = true
		return info
	}
	b.remaining--
	info.remaining = b.remaining
	return info
}

func (rl *rateLimiter) prune(now time.Time) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	for k, b := range rl.buckets {
		if now.After(b.resetAt) {
			delete(rl.buckets, k)
		}
	}
}

func (ri rateInfo) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(ri.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(ri.remaining))
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(ri.resetAt.UnixMilli())/1000))
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", ri.resetAfter.Seconds()))
	h.Set("X-RateLimit-Bucket", ri.hash)
}

// tooMany is the 429 body and headers for an exhausted bucket.
func (ri rateInfo) tooMany(h http.Header) map[string]any {
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(ri.resetAfter.Seconds()))))
	h.Set("X-RateLimit-Scope", "user")
	return map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": math.Round(ri.resetAfter.Seconds()*1000) / 1000,
		"global":      false,
	}
}
