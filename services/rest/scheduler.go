package rest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// errShed: the request cannot be sent before its deadline.
var errShed = errors.New("rest: cannot send before the deadline")

// errNotActive: this replica lost the lease while the request waited.
var errNotActive = errors.New("rest: this replica is not active")

// scheduler decides when each request may go to Discord: one FIFO queue per bucket (the
// route's bucket hash and its major parameter), each bucket's window as Discord reported
// it, and the global limit over a sliding window. One mutex guards it all; the work under
// it is a few comparisons, and at most about fifty requests a second get through.
type scheduler struct {
	cfg Config
	// gate reports whether this replica may send now (it holds a fresh lease).
	gate func(time.Time) gateState
	m    *metrics

	mu sync.Mutex
	// hashes maps a route ("POST /channels/{channel_id}/messages") to Discord's bucket hash.
	hashes map[string]string
	// buckets by key: "hash|major" once the route's hash is known, "route:ROUTE|major" before.
	buckets map[string]*bucket
	// The global limit is counted by answer time, not send time: Discord counted each
	// request at some moment between our sending it and our reading its answer, so a
	// request may share one of Discord's windows with a new one if it is still in flight
	// or was answered less than a window ago. Counting those keeps the limit whatever the
	// delays between here and Discord (a stall of either side cannot squeeze two of our
	// windows into one of Discord's). globalInflight counts global requests in flight;
	// answered holds the answer times of the last GlobalWindow+GlobalMargin, oldest first.
	globalInflight int
	answered       []time.Time
	// globalUntil holds every global request back (a global 429, or a takeover).
	globalUntil time.Time
	// learnt is signalled when a new bucket hash is learnt, so the state is published soon.
	learnt chan struct{}
}

type gateState int

const (
	gateOpen    gateState = iota
	gateFenced            // lease held but not renewed lately: wait
	gateStandby           // lease lost: answer as standby
)

// bucket is one of Discord's rate-limit buckets as this replica understands it.
type bucket struct {
	key   string
	label string // the route, for metrics
	// limit is 0 while unknown (one request at a time until an answer tells), -1 when
	// Discord reports no limit for the route.
	limit     int
	remaining int
	// resetAt is when the current window ends; zero while a window has not been learnt
	// (the first answer of a window sets it).
	resetAt time.Time
	// resetLow is the earliest Discord's window may have ended: Discord counted each
	// answer's request somewhere between its sending and its answer, so the reset it
	// reports lies between sent+Reset-After and answer+Reset-After; resetAt takes the late
	// end, and a request answered after resetLow may already count in the next window.
	resetLow time.Time
	answers  []time.Time   // answer times of the last two windows or so
	window   time.Duration // the longest Reset-After seen: the window's length
	// inflight counts requests sent and not yet answered; they may still land in a new
	// window, so a new window starts with limit minus them.
	inflight int
	queue    []*ticket
	changed  chan struct{} // closed and replaced on every change
	// into is where a provisional bucket's queue went when its route's hash was learnt.
	into     *bucket
	lastUsed time.Time
	// token: keyed by an interaction's or webhook's token (target.token). There is one
	// per interaction, thousands a minute under load; they are pruned soon and not handed
	// over (state.go).
	token bool
}

// ticket is one request's place in a bucket's queue.
type ticket struct {
	b        *bucket
	t        target
	global   bool
	deadline time.Time // the latest moment it may be sent
	enqueued time.Time
	sentAt   time.Time
}

func newScheduler(cfg Config, gate func(time.Time) gateState, m *metrics) *scheduler {
	return &scheduler{cfg: cfg, gate: gate, m: m, hashes: map[string]string{}, buckets: map[string]*bucket{},
		learnt: make(chan struct{}, 1)}
}

func (b *bucket) notify() {
	close(b.changed)
	b.changed = make(chan struct{})
}

// bucketFor returns the bucket a request of t joins now. Locked.
func (s *scheduler) bucketFor(t target, now time.Time) *bucket {
	key := "route:" + t.route + "|" + t.major
	if h, ok := s.hashes[t.route]; ok {
		key = h + "|" + t.major
	}
	b := s.buckets[key]
	if b == nil {
		b = &bucket{key: key, label: t.route, changed: make(chan struct{}), token: t.token}
		s.buckets[key] = b
	}
	b.lastUsed = now
	return b
}

// acquire waits until the request may be sent and counts it as sent. It returns errShed
// with how long a retry should wait when the request cannot be sent before deadline,
// errNotActive when the lease was lost, or ctx's error.
func (s *scheduler) acquire(ctx context.Context, t target, deadline time.Time) (*ticket, time.Duration, error) {
	now := time.Now()
	s.mu.Lock()
	b := s.bucketFor(t, now)
	// A token route (an interaction's callback, its follow-ups and edits) is outside the
	// bot's global limit, and its bucket is its own token's, which no other replica and no
	// other request shares: no lease is needed to send it. So interaction answers go out
	// even while NATS (and with it the lease) is away.
	tk := &ticket{b: b, t: t, global: !t.token, deadline: deadline, enqueued: now}
	b.queue = append(b.queue, tk)
	s.m.queued(b.label, 1)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now = time.Now()
		b = tk.b
		s.refresh(b, now)
		pos := slices.Index(b.queue, tk)
		var until time.Time // when the head could go, as far as we know; zero: on a change
		if pos == 0 {
			g := gateOpen
			if !t.token {
				g = s.gate(now)
			}
			if g == gateStandby {
				s.leave(tk)
				s.mu.Unlock()
				return nil, 0, errNotActive
			}
			ok, next := s.ready(b, tk.global, now)
			if ok && g == gateOpen {
				s.take(tk, now)
				s.mu.Unlock()
				return tk, 0, nil
			}
			until = next
			if g == gateFenced {
				until = now.Add(10 * time.Millisecond)
			}
		}
		est := s.estimate(b, pos, tk.global, now)
		if !now.Before(deadline) || est.After(deadline) {
			s.leave(tk)
			s.mu.Unlock()
			return nil, max(est.Sub(now), time.Millisecond), errShed
		}
		wake := deadline
		if !until.IsZero() && until.Before(wake) {
			wake = until
		}
		changed := b.changed
		s.mu.Unlock()
		timer.Reset(max(time.Until(wake), 0))
		select {
		case <-changed:
		case <-timer.C:
		case <-ctx.Done():
			s.mu.Lock()
			s.leave(tk)
			s.mu.Unlock()
			return nil, 0, ctx.Err()
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		s.mu.Lock()
	}
}

// leave takes tk out of its queue without sending it. Locked.
func (s *scheduler) leave(tk *ticket) {
	b := tk.b
	if i := slices.Index(b.queue, tk); i >= 0 {
		b.queue = slices.Delete(b.queue, i, i+1)
		s.m.queued(b.label, -1)
		if i == 0 {
			b.notify()
		}
	}
}

// refresh starts a new window when the current one is over. Locked.
func (s *scheduler) refresh(b *bucket, now time.Time) {
	if b.limit > 0 && !b.resetAt.IsZero() && !now.Before(b.resetAt) {
		// Requests still in flight, and those answered after Discord's window may have
		// ended, may count in Discord's new window: count them there.
		since := b.resetLow
		if since.IsZero() {
			since = now.Add(-max(b.window, time.Second))
		}
		late := 0
		for _, at := range b.answers {
			if !at.Before(since) {
				late++
			}
		}
		b.remaining = max(0, b.limit-b.inflight-late)
		b.resetAt, b.resetLow = time.Time{}, time.Time{}
	}
}

// ready reports whether the head of b may go now, or else when it might (zero: when
// something changes, such as an answer arriving). Locked.
func (s *scheduler) ready(b *bucket, global bool, now time.Time) (bool, time.Time) {
	var next time.Time
	switch {
	case b.limit == 0:
		if b.inflight > 0 {
			return false, time.Time{} // an answer will tell us the limit
		}
	case b.limit > 0 && b.remaining <= 0:
		if b.resetAt.IsZero() {
			return false, time.Time{} // waiting for the first answer of the window
		}
		next = b.resetAt
	}
	if global {
		if g := s.globalNext(now); g.After(now) && g.After(next) {
			next = g
		}
	}
	if next.After(now) {
		return false, next
	}
	return true, time.Time{}
}

// globalNext is the earliest moment a global request may go. Locked.
func (s *scheduler) globalNext(now time.Time) time.Time {
	span := s.cfg.GlobalWindow + s.cfg.GlobalMargin
	i := 0
	for i < len(s.answered) && now.Sub(s.answered[i]) >= span {
		i++
	}
	s.answered = s.answered[i:]
	next := now
	if over := s.globalInflight + len(s.answered) - s.cfg.GlobalLimit; over >= 0 {
		if over < len(s.answered) {
			next = s.answered[over].Add(span) // when enough answers have aged out
		} else {
			next = now.Add(10 * time.Millisecond) // every slot is in flight: look again soon
		}
	}
	if s.globalUntil.After(next) {
		next = s.globalUntil
	}
	return next
}

// estimate is when the request at pos in b's queue could be sent at the earliest. Locked.
func (s *scheduler) estimate(b *bucket, pos int, global bool, now time.Time) time.Time {
	est := now
	if b.limit > 0 {
		avail := b.remaining
		if pos >= avail {
			reset := b.resetAt
			if reset.IsZero() {
				reset = now.Add(b.window)
			}
			windows := (pos - avail) / b.limit
			est = reset.Add(time.Duration(windows) * b.window)
		}
	}
	if global {
		// Other buckets compete for the global limit too; this is the least wait.
		if g := s.globalNext(now); g.After(est) {
			est = g
		}
	}
	return est
}

// take counts the head of its queue as sent. Locked.
func (s *scheduler) take(tk *ticket, now time.Time) {
	b := tk.b
	tk.sentAt = now
	b.queue = b.queue[1:]
	s.m.queued(b.label, -1)
	if b.limit > 0 {
		b.remaining--
	}
	b.inflight++
	if tk.global {
		s.globalInflight++
	}
	b.notify() // the next in line is now the head
}

// done records Discord's answer to tk (nil when none came) and what its headers say.
func (s *scheduler) done(tk *ticket, resp *http.Response, recv time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := tk.b
	for b.into != nil {
		b = b.into // its bucket learnt its hash while it was in flight
	}
	b.inflight--
	if tk.global {
		s.globalInflight--
		// No answer (resp nil) proves nothing about when Discord saw it: count it now too.
		// Answers are read outside the lock, so keep the times in order.
		i := len(s.answered)
		for i > 0 && s.answered[i-1].After(recv) {
			i--
		}
		s.answered = slices.Insert(s.answered, i, recv)
	}
	defer b.notify()
	defer func() {
		// A window that waits for its first answer, with none left to come (the request
		// failed, or the answer had no rate-limit headers), would wait for ever: assume the
		// requests reached Discord and wait one whole window.
		if b.limit > 0 && b.resetAt.IsZero() && b.remaining <= 0 && b.inflight == 0 {
			b.resetAt = recv.Add(max(b.window, time.Second) + s.cfg.BucketMargin)
		}
	}()
	if resp == nil {
		b.noteAnswer(recv)
		return
	}
	h := resp.Header
	if hash := h.Get("X-RateLimit-Bucket"); hash != "" && s.hashes[tk.t.route] != hash {
		s.hashes[tk.t.route] = hash
		b = s.rehome(b, hash+"|"+tk.t.major, recv)
		select {
		case s.learnt <- struct{}{}:
		default:
		}
	}
	defer b.notify()
	b.noteAnswer(recv)
	if resp.StatusCode == http.StatusTooManyRequests {
		wait := headerSeconds(h, "Retry-After")
		if ra := headerSeconds(h, "X-RateLimit-Reset-After"); ra > wait {
			wait = ra
		}
		if wait <= 0 {
			wait = time.Second
		}
		until := recv.Add(wait + s.cfg.BucketMargin)
		if strings.EqualFold(h.Get("X-RateLimit-Global"), "true") || h.Get("X-RateLimit-Scope") == "global" {
			if until.After(s.globalUntil) {
				s.globalUntil = until
			}
			return
		}
		if b.limit <= 0 {
			b.limit = 1
		}
		b.remaining = 0
		if until.After(b.resetAt) {
			b.resetAt = until
		}
		if low := tk.sentAt.Add(wait); low.After(b.resetLow) {
			b.resetLow = low
		}
		return
	}
	limit, err1 := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	rem, err2 := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	after := headerSeconds(h, "X-RateLimit-Reset-After")
	if err1 != nil || err2 != nil || limit <= 0 || after < 0 {
		if b.limit == 0 {
			b.limit = -1 // no bucket for this route: only the global limit applies
		}
		return
	}
	if after > b.window {
		b.window = after
	}
	reset := recv.Add(after + s.cfg.BucketMargin)
	low := tk.sentAt.Add(after)
	tolerance := min(b.window/2, 250*time.Millisecond)
	switch {
	case b.limit <= 0 || b.resetAt.IsZero():
		// The first answer of a window (or ever): others may be in flight in it too.
		if b.limit <= 0 {
			b.remaining = rem - b.inflight
		} else {
			b.remaining = min(b.remaining, rem-b.inflight)
		}
		b.limit, b.resetAt, b.resetLow = limit, reset, low
	case reset.After(b.resetAt.Add(tolerance)):
		// Discord's window turned before ours did: follow it.
		b.limit, b.resetAt, b.resetLow = limit, reset, low
		b.remaining = rem - b.inflight
	default:
		b.limit = limit
		b.remaining = min(b.remaining, rem)
		if reset.After(b.resetAt) {
			b.resetAt = reset
		}
		if low.After(b.resetLow) {
			b.resetLow = low
		}
	}
	b.remaining = max(b.remaining, 0)
}

// rehome moves a provisional bucket's queue into the bucket its hash names. Locked.
func (s *scheduler) rehome(b *bucket, key string, now time.Time) *bucket {
	if b.key == key {
		return b
	}
	to := s.buckets[key]
	if to == nil {
		to = &bucket{key: key, label: b.label, changed: make(chan struct{}), lastUsed: now}
		s.buckets[key] = to
	}
	if !strings.HasPrefix(b.key, "route:") {
		return to // a hash bucket whose route now reports another hash: leave it be
	}
	// The provisional bucket's only state is its probe and its queue; waiters re-read their
	// ticket's bucket when woken.
	to.inflight += b.inflight
	b.inflight = 0
	for _, tk := range b.queue {
		tk.b = to
	}
	to.queue = append(to.queue, b.queue...)
	b.queue = nil
	b.into = to
	delete(s.buckets, b.key)
	b.notify()
	return to
}

// noteAnswer records when an answer (or the failure to get one) came, forgetting those
// too old to matter. Locked.
func (b *bucket) noteAnswer(at time.Time) {
	keep := at.Add(-2 * max(b.window, time.Second))
	i := 0
	for i < len(b.answers) && b.answers[i].Before(keep) {
		i++
	}
	b.answers = append(b.answers[i:], at)
}

func headerSeconds(h http.Header, name string) time.Duration {
	v := h.Get(name)
	if v == "" {
		return -1
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return -1
	}
	return time.Duration(f * float64(time.Second))
}

// tokenBucketIdle is how long an idle token bucket is kept: an interaction's few calls
// come within seconds, and a bucket dropped too soon is only learnt again.
const tokenBucketIdle = 5 * time.Second

// prune forgets idle buckets whose window is over, so the map does not grow with every
// channel (and every interaction) ever seen.
func (s *scheduler) prune(now time.Time, idle time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, b := range s.buckets {
		limit := idle
		if b.token {
			limit = min(idle, tokenBucketIdle)
		}
		if len(b.queue) == 0 && b.inflight == 0 && now.Sub(b.lastUsed) > limit && (b.resetAt.IsZero() || now.After(b.resetAt)) {
			delete(s.buckets, k)
		}
	}
}
