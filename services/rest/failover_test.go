package rest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
)

// TestFailoverKillActiveMidLoad is the second demonstration: under the same load,
// the active replica is killed (listener and connections closed, its requests to Discord
// cut, its lease left to expire). The standby serves within 2 s, Discord still answers no
// 429 (the new active starts from the published bucket state, assuming the old one used
// every bucket up), and no message is lost or posted twice.
func TestFailoverKillActiveMidLoad(t *testing.T) {
	sim, demo := startSim(t)
	js := startJetStream(t)
	tune := func(c *Config) { c.SendMargin = 150 * time.Millisecond }
	a := startReplica(t, js, sim, "a", nil, tune)
	waitActive(t, a, 5*time.Second)
	b := startReplica(t, js, sim, "b", nil, tune)
	// Half the workers list a first, half b first: b answers those as a standby until a dies.
	l := newLoad(t, demo, func(i int) []string {
		if i%2 == 0 {
			return []string{a.url, b.url}
		}
		return []string{b.url, a.url}
	})
	st := newLoadStats()
	total := loadTime(10 * time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), total)
	defer cancel()
	killed := make(chan time.Time, 1)
	go func() {
		time.Sleep(total * 4 / 10)
		if b.p.Active() {
			t.Error("b became active while a was alive")
		}
		at := time.Now()
		st.mu.Lock()
		st.killedAt = at
		st.mu.Unlock()
		a.kill()
		killed <- at
	}()
	l.run(ctx, st)
	killAt := <-killed

	if !b.p.Active() {
		t.Fatal("b did not take over")
	}
	var lastA time.Time
	for _, at := range st.okAt["a"] {
		if at.After(lastA) {
			lastA = at
		}
		if at.After(killAt) {
			t.Errorf("a success from the killed replica at kill+%s", at.Sub(killAt))
		}
	}
	firstB, ok := st.firstOK["b"]
	if !ok {
		t.Fatal("b served nothing")
	}
	failover := firstB.Sub(killAt)
	limited, _ := simCounts(sim, messagesRoute)
	posted, ambiguous := checkMessages(t, sim, l.hot, st)
	t.Logf("%d calls; ok post=%d get=%d; proxy 429 post=%d get=%d; standby 503 at the kill post=%d get=%d; other=%d; simulator 429s=%d; messages posted=%d (ambiguous attempts retried: %d); "+
		"killed a at %s (+%s); last success via a %s before the kill; first success via b %s after it (%d successes via b)",
		st.calls, st.ok["post"], st.ok["get"], st.shed["post"], st.shed["get"], st.standby["post"], st.standby["get"], len(st.other), limited, posted, ambiguous,
		killAt.Format("15:04:05.000"), (total * 4 / 10).Round(time.Millisecond), killAt.Sub(lastA).Round(time.Millisecond), failover.Round(time.Millisecond), len(st.okAt["b"]))
	if failover > 2*time.Second {
		t.Errorf("traffic moved to b %s after the kill; want within 2 s", failover)
	}
	for _, r := range sim.Requests(discordsim.RequestFilter{Status: http.StatusTooManyRequests}) {
		t.Logf("simulator 429 at kill%+s: %s %s %s", r.Time.Sub(killAt).Round(time.Millisecond), r.Method, r.Path, r.Response)
	}
	if limited != 0 {
		t.Errorf("the simulator answered %d 429s; want none, also across the takeover", limited)
	}
	if len(st.other) > 0 {
		t.Errorf("%d calls neither succeeded nor got the proxy's 429:\n%s", len(st.other), strings.Join(st.other, "\n"))
	}
	if st.maxWait > l.deadline {
		t.Errorf("a call took %s, past its %s deadline", st.maxWait, l.deadline)
	}
	var postedAfter bool
	for _, at := range st.okAt["b"] {
		postedAfter = postedAfter || at.Sub(killAt) > 0
	}
	if !postedAfter {
		t.Error("nothing succeeded after the kill")
	}
}
