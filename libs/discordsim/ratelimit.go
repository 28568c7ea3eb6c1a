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

// RateLimitMode says whether exhausted buckets are refused.
type RateLimitMode int

const (
	// RateLimitEnforce answers 429 when a route bucket or the global limit is exhausted, as
	// Discord does. It is the default.
	RateLimitEnforce RateLimitMode = iota
	// RateLimitHeadersOnly sends the X-RateLimit-* headers but never refuses a request: for
	// tests that fire bursts and are not about rate limits.
	RateLimitHeadersOnly
)

// RouteLimit is the limit of one route bucket.
type RouteLimit struct {
	Limit  int
	Window time.Duration
	// Bucket names a bucket several routes share (Discord's X-RateLimit-Bucket groups routes
	// that share a limit); empty gives the route its own.
	Bucket string
}

// RateLimitOptions shapes Discord's REST rate limits: per-route buckets keyed by the route and
// its major parameter (channel, guild, webhook or interaction), a global per-bot limit, and
// the invalid-request counter.
type RateLimitOptions struct {
	// Limit and Window are the default route bucket: Limit requests per Window; default 50
	// per second, generous enough that only a bot that hammers one route meets it.
	Limit  int
	Window time.Duration
	// Routes overrides the bucket of single routes, keyed "METHOD /template", e.g.
	// "POST /channels/{channel_id}/messages". DiscordRouteLimits has Discord's usual values.
	Routes map[string]RouteLimit
	// GlobalLimit is the number of bot-authenticated requests per second across all routes;
	// default 50, as on Discord; negative disables it. Interaction callbacks and webhook-token
	// routes do not count, as on Discord.
	GlobalLimit int
	// InvalidRequestLimit is how many invalid requests (401, 403, non-shared 429) in 10
	// minutes get the client banned, as Discord's edge bans an IP: every request is then
	// answered 429 with Cloudflare's plain-text "error code: 1015" until old invalid requests
	// age out. Default 10,000; negative disables the ban (the count is still kept).
	InvalidRequestLimit int
	// Mode enforces the limits (default) or only reports them.
	Mode RateLimitMode
	// Enforce is from when enforcement was opt-in; true forces RateLimitEnforce whatever Mode
	// says, so that callers written then keep their meaning.
	Enforce bool
}

// DiscordRouteLimits returns the limits Discord commonly reports for the routes a moderation
// bot uses. They are not the default because tests that post many messages in a row would
// spend their time waiting; pass them as RateLimitOptions.Routes to test pacing.
func DiscordRouteLimits() map[string]RouteLimit {
	return map[string]RouteLimit{
		"POST /channels/{channel_id}/messages":                                        {Limit: 5, Window: 5 * time.Second},
		"PATCH /channels/{channel_id}/messages/{message_id}":                          {Limit: 5, Window: 5 * time.Second},
		"DELETE /channels/{channel_id}/messages/{message_id}":                         {Limit: 5, Window: time.Second},
		"POST /channels/{channel_id}/messages/bulk-delete":                            {Limit: 1, Window: time.Second},
		"PATCH /channels/{channel_id}":                                                {Limit: 2, Window: 10 * time.Minute},
		"PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me": {Limit: 1, Window: 250 * time.Millisecond, Bucket: "reactions"},
		"DELETE /channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me": {
			Limit: 1, Window: 250 * time.Millisecond, Bucket: "reactions"},
		"PATCH /guilds/{guild_id}/members/{user_id}":                         {Limit: 10, Window: 10 * time.Second},
		"PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}":           {Limit: 10, Window: 10 * time.Second, Bucket: "member-roles"},
		"DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}":        {Limit: 10, Window: 10 * time.Second, Bucket: "member-roles"},
		"POST /guilds/{guild_id}/roles":                                      {Limit: 250, Window: 48 * time.Hour},
		"PUT /applications/{application_id}/commands":                        {Limit: 2, Window: time.Minute},
		"PUT /applications/{application_id}/guilds/{guild_id}/commands":      {Limit: 2, Window: time.Minute},
		"POST /users/@me/channels":                                           {Limit: 10, Window: 10 * time.Second},
		"POST /webhooks/{webhook_id}/{webhook_token}":                        {Limit: 5, Window: 2 * time.Second},
		"PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}": {Limit: 5, Window: 2 * time.Second},
	}
}

func (o RateLimitOptions) withDefaults() RateLimitOptions {
	if o.Limit <= 0 {
		o.Limit = 50
	}
	if o.Window <= 0 {
		o.Window = time.Second
	}
	if o.GlobalLimit == 0 {
		o.GlobalLimit = 50
	}
	if o.InvalidRequestLimit == 0 {
		o.InvalidRequestLimit = 10000
	}
	if o.Enforce {
		o.Mode = RateLimitEnforce
	}
	return o
}

// invalidWindow is the period over which Discord counts invalid requests (10,000 of them get
// the IP banned).
const invalidWindow = 10 * time.Minute

// globalWindow is the period of the global limit.
const globalWindow = time.Second

// rateLimiter counts requests per bucket the way Discord keys them: the route's bucket plus
// its major parameter. It has its own lock: REST requests must not wait on the state mutex to
// learn they are rate limited.
type rateLimiter struct {
	opts    RateLimitOptions
	mu      sync.Mutex
	buckets map[string]*bucket
	// global is a fixed one-second window of bot-authenticated requests.
	globalStart time.Time
	globalCount int
	// invalid holds the times of 401, 403 and non-shared 429 answers in the last 10 minutes.
	invalid []time.Time
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

func (rl *rateLimiter) enforce() bool { return rl.opts.Mode == RateLimitEnforce }

// policy returns a route's limit and the name of the bucket it counts against.
func (rl *rateLimiter) policy(routeKey string) (limit int, window time.Duration, name string) {
	if r, ok := rl.opts.Routes[routeKey]; ok && r.Limit > 0 && r.Window > 0 {
		name = routeKey
		if r.Bucket != "" {
			name = "bucket:" + r.Bucket
		}
		return r.Limit, r.Window, name
	}
	return rl.opts.Limit, rl.opts.Window, routeKey
}

// take counts one request against its route bucket.
func (rl *rateLimiter) take(routeKey, major string, now time.Time) rateInfo {
	limit, window, name := rl.policy(routeKey)
	rl.mu.Lock()
	defer rl.mu.Unlock()
	key := name + "|" + major
	b, ok := rl.buckets[key]
	if !ok || !now.Before(b.resetAt) {
		sum := sha256.Sum256([]byte(name))
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

// takeGlobal counts one bot request against the global limit and reports how long to wait
// when it is exhausted (0 when the request may go ahead).
func (rl *rateLimiter) takeGlobal(now time.Time) time.Duration {
	if rl.opts.GlobalLimit < 0 {
		return 0
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if now.Sub(rl.globalStart) >= globalWindow {
		rl.globalStart, rl.globalCount = now, 0
	}
	if rl.globalCount >= rl.opts.GlobalLimit {
		return rl.globalStart.Add(globalWindow).Sub(now)
	}
	rl.globalCount++
	return 0
}

// noteInvalid records an answer that counts towards Discord's invalid-request ban.
func (rl *rateLimiter) noteInvalid(now time.Time) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rl.invalid = append(rl.invalid, now)
	rl.pruneInvalidLocked(now)
}

func (rl *rateLimiter) pruneInvalidLocked(now time.Time) {
	i := 0
	for i < len(rl.invalid) && now.Sub(rl.invalid[i]) > invalidWindow {
		i++
	}
	if i > 0 {
		rl.invalid = append(rl.invalid[:0], rl.invalid[i:]...)
	}
}

// banFor reports how long the client stays banned for too many invalid requests; 0 when it
// is not banned. The ban ends when enough of the invalid requests have aged out of the window.
func (rl *rateLimiter) banFor(now time.Time) time.Duration {
	limit := rl.opts.InvalidRequestLimit
	if limit < 0 || rl.opts.Mode != RateLimitEnforce {
		return 0
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rl.pruneInvalidLocked(now)
	n := len(rl.invalid)
	if n < limit {
		return 0
	}
	return max(rl.invalid[n-limit].Add(invalidWindow).Sub(now), time.Millisecond)
}

func (rl *rateLimiter) invalidCount(now time.Time) int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rl.pruneInvalidLocked(now)
	return len(rl.invalid)
}

func (rl *rateLimiter) prune(now time.Time) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	for k, b := range rl.buckets {
		if now.After(b.resetAt) {
			delete(rl.buckets, k)
		}
	}
	rl.pruneInvalidLocked(now)
}

// countsAsInvalid is Discord's rule: 401, 403 and 429 answers count, except 429s of the
// shared scope (a limit on a resource others use too, which the bot could not foresee).
func countsAsInvalid(status int, scope string) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return true
	case http.StatusTooManyRequests:
		return scope != "shared"
	}
	return false
}

// InvalidRequests is the number of requests answered 401, 403 or 429 (except shared-scope
// 429s) in the last 10 minutes: what Discord counts towards its 10,000 IP ban. A well-behaved
// bot keeps it near zero.
func (s *Server) InvalidRequests() int { return s.rl.invalidCount(time.Now()) }

func (ri rateInfo) setHeaders(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(ri.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(ri.remaining))
	h.Set("X-RateLimit-Reset", fmt.Sprintf("%.3f", float64(ri.resetAt.UnixMilli())/1000))
	h.Set("X-RateLimit-Reset-After", fmt.Sprintf("%.3f", ri.resetAfter.Seconds()))
	h.Set("X-RateLimit-Bucket", ri.hash)
}

// tooMany is the 429 body and headers for an exhausted route bucket.
func (ri rateInfo) tooMany(h http.Header) map[string]any {
	return tooManyRequests(h, ri.resetAfter, "user", false)
}

// tooManyRequests writes Discord's 429: Retry-After in whole seconds (rounded up), the scope,
// X-RateLimit-Global on global limits, and a body whose retry_after is in fractional seconds.
func tooManyRequests(h http.Header, retryAfter time.Duration, scope string, global bool) map[string]any {
	retryAfter = max(retryAfter, time.Millisecond)
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
	h.Set("X-RateLimit-Scope", scope)
	if global {
		h.Set("X-RateLimit-Global", "true")
	}
	return map[string]any{
		"message":     "You are being rate limited.",
		"retry_after": math.Round(retryAfter.Seconds()*1000) / 1000,
		"global":      global,
	}
}
