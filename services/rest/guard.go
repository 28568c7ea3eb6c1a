package rest

import (
	"net/http"
	"sync"
	"time"

	"github.com/novera-bot/novera/libs/discord"
)

// guard counts the invalid requests Discord answered (401, 403, and 429 except the shared
// scope: what Discord counts towards its ban of 10,000 per 10 minutes) and sheds traffic
// by priority as the count nears the ceiling: low first, then normal, essential last.
type guard struct {
	ceiling          int
	low, normal, all float64
	mu               sync.Mutex
	slots            [600]int   // per second of the last 10 minutes
	stamps           [600]int64 // the unix second each slot counts
}

func newGuard(cfg Config) *guard {
	return &guard{ceiling: cfg.InvalidCeiling, low: cfg.ShedLow, normal: cfg.ShedNormal, all: cfg.ShedAll}
}

// observe counts an answer from Discord.
func (g *guard) observe(now time.Time, status int, scope string) {
	if !(status == http.StatusUnauthorized || status == http.StatusForbidden || (status == http.StatusTooManyRequests && scope != "shared")) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	sec := now.Unix()
	i := sec % int64(len(g.slots))
	if g.stamps[i] != sec {
		g.stamps[i], g.slots[i] = sec, 0
	}
	g.slots[i]++
}

// count is the number of invalid requests in the last 10 minutes.
func (g *guard) count(now time.Time) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, _ := g.countLocked(now, 0)
	return n
}

// countLocked counts, and reports when the count falls below limit as old slots age out.
func (g *guard) countLocked(now time.Time, limit int) (int, time.Duration) {
	sec := now.Unix()
	n := 0
	for i := range g.slots {
		if sec-g.stamps[i] < int64(len(g.slots)) {
			n += g.slots[i]
		}
	}
	if n < limit || limit <= 0 {
		return n, 0
	}
	// Walk from the oldest second until enough have aged out.
	left := n
	for age := int64(len(g.slots)) - 1; age >= 0; age-- {
		s := sec - age
		i := s % int64(len(g.slots))
		if g.stamps[i] == s {
			left -= g.slots[i]
		}
		if left < limit {
			return n, time.Duration(int64(len(g.slots))-age) * time.Second
		}
	}
	return n, invalidWindow
}

// shed reports whether a request of priority p must be refused now, and for how long.
func (g *guard) shed(now time.Time, p string) (bool, time.Duration) {
	frac := g.low
	switch p {
	case discord.PriorityEssential:
		frac = g.all
	case discord.PriorityNormal:
		frac = g.normal
	}
	limit := max(1, int(frac*float64(g.ceiling)))
	g.mu.Lock()
	defer g.mu.Unlock()
	n, wait := g.countLocked(now, limit)
	return n >= limit, wait
}
