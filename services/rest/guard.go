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
//
// Every request asks it, so the count is kept as a running total, not summed over the
// ten minutes' slots each time: walking 600 slots on every request was a visible part of
// the proxy's own time per request.
type guard struct {
	ceiling          int
	low, normal, all float64
	mu               sync.Mutex
	// slots[s%600] counts unix second s, for the seconds in (last-600, last].
	slots [600]int
	last  int64
	total int
}

func newGuard(cfg Config) *guard {
	return &guard{ceiling: cfg.InvalidCeiling, low: cfg.ShedLow, normal: cfg.ShedNormal, all: cfg.ShedAll}
}

// advance moves the window's end to sec, dropping the seconds that leave it. A clock
// that steps back keeps the window where it is. Locked.
func (g *guard) advance(sec int64) {
	if sec <= g.last {
		return
	}
	n := int64(len(g.slots))
	for s := max(g.last+1, sec-n+1); s <= sec; s++ {
		i := s % n
		g.total -= g.slots[i]
		g.slots[i] = 0
	}
	g.last = sec
}

// observe counts an answer from Discord.
func (g *guard) observe(now time.Time, status int, scope string) {
	if !(status == http.StatusUnauthorized || status == http.StatusForbidden || (status == http.StatusTooManyRequests && scope != "shared")) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	sec := now.Unix()
	g.advance(sec)
	n := int64(len(g.slots))
	if sec <= g.last-n {
		sec = g.last - n + 1 // answers are read out of order: count a late one as the oldest second
	}
	g.slots[sec%n]++
	g.total++
}

// count is the number of invalid requests in the last 10 minutes.
func (g *guard) count(now time.Time) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.advance(now.Unix())
	return g.total
}

// overLocked reports whether the count has reached limit and, if so, how long until
// enough old seconds age out to bring it below. Locked.
func (g *guard) overLocked(now time.Time, limit int) (bool, time.Duration) {
	g.advance(now.Unix())
	if g.total < limit {
		return false, 0
	}
	n := int64(len(g.slots))
	left := g.total
	for s := g.last - n + 1; s <= g.last; s++ {
		if left -= g.slots[s%n]; left < limit {
			return true, time.Duration(s+n-g.last) * time.Second
		}
	}
	return true, invalidWindow
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
	return g.overLocked(now, limit)
}
