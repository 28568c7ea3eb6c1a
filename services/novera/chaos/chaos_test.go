package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/store"
)

// Settings of the chaos run, from the environment so `make chaos` can scale it.
type chaosConfig struct {
	commands int     // CHAOS_COMMANDS: inputs to send (default 600, the `make test` form)
	rate     float64 // CHAOS_RATE: inputs per second (default 40)
	kills    int     // CHAOS_KILLS: kills during the run (default: every target once, more for longer runs)
	seed     uint64  // CHAOS_SEED: the random plan (default: from the clock, printed)
}

func loadConfig(t *testing.T, restProxy bool) chaosConfig {
	c := chaosConfig{commands: 600, rate: 40, seed: uint64(time.Now().UnixNano())}
	num := func(name string, def float64) float64 {
		v := os.Getenv(name)
		if v == "" {
			return def
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			t.Fatalf("%s=%q: want a number, 0 or more", name, v)
		}
		return f
	}
	c.commands = int(num("CHAOS_COMMANDS", float64(c.commands)))
	c.rate = num("CHAOS_RATE", c.rate)
	c.kills = int(num("CHAOS_KILLS", float64(max(len(killTargets(restProxy)), c.commands/250))))
	c.seed = uint64(num("CHAOS_SEED", float64(c.seed)))
	if c.commands == 0 || c.rate == 0 {
		t.Fatal("CHAOS_COMMANDS and CHAOS_RATE must be above 0")
	}
	return c
}

// killTargets are what the harness kills: each kind at least once per run. A "term:"
// target is a graceful restart instead (SIGTERM, as a rolling deploy does), which must lose
// nothing either.
func killTargets(restProxy bool) []string {
	t := append([]string{"gateway", "nats", "postgres", "term:gateway", "term:worker"}, workerServices...)
	if restProxy {
		t = append(t, "rest", "rest", "term:rest")
	}
	return t
}

// TestChaos drives the mixed load while killing processes, then checks every answer and
// every database effect.
func TestChaos(t *testing.T) { runChaos(t, false) }

func runChaos(t *testing.T, restProxy bool) {
	cfg := loadConfig(t, restProxy)
	t.Logf("chaos: %d inputs at %.0f/s, %d kills, seed %d, REST proxy %v", cfg.commands, cfg.rate, cfg.kills, cfg.seed, restProxy)
	s := newSystem(t, systemOptions{sim: discordsim.Options{
		HeartbeatInterval: time.Second,
		// Rate limits are their own test; here every request must count.
		RateLimit: discordsim.RateLimitOptions{Mode: discordsim.RateLimitHeadersOnly},
	}, restProxy: restProxy})
	ctx := t.Context()
	failed := true
	defer func() {
		if failed {
			s.dumpLogs()
		}
	}()
	readyCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := s.waitShards(readyCtx); err != nil {
		t.Fatal(err)
	}
	if err := s.probe(readyCtx); err != nil {
		t.Fatal(err)
	}
	identifiesBefore := s.sim.GatewayStats().Identifies

	d := newDriver(s, cfg.seed)
	start := time.Now()
	sendFor := time.Duration(float64(cfg.commands) / cfg.rate * float64(time.Second))
	var wg sync.WaitGroup
	var kills []string
	wg.Go(func() { kills = s.chaos(ctx, rand.New(rand.NewPCG(cfg.seed, 7)), cfg.kills, sendFor) })
	d.run(ctx, cfg.commands, cfg.rate)
	wg.Wait()
	sendDone := time.Now()
	t.Logf("sent %d inputs in %v; kills: %s", len(d.sent), sendDone.Sub(start).Round(time.Millisecond), strings.Join(kills, ", "))
	if len(d.errs) > 0 {
		t.Fatalf("the simulator refused %d inputs, e.g. %v", len(d.errs), d.errs[0])
	}

	// Wait for everything to settle: redeliveries after a crash back off up to 30 s.
	pool, err := store.Open(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	settle := time.Now().Add(120 * time.Second)
	var tl tally
	var diffs []string
	for {
		tl = d.tally()
		diffs, err = d.dbCheck(ctx, pool)
		if err != nil {
			t.Logf("database check: %v", err)
		}
		if err == nil && tl.problems() == 0 && len(diffs) == 0 || time.Now().After(settle) {
			break
		}
		time.Sleep(time.Second)
	}
	// Late duplicates would show up now.
	time.Sleep(3 * time.Second)
	tl = d.tally()
	if diffs, err = d.dbCheck(ctx, pool); err != nil {
		t.Fatal(err)
	}
	gw := s.sim.GatewayStats()
	t.Logf("chaos result after %v (settled %v after the last input):\n%s\ndatabase: %d differences\ngateway: %d identifies during the run, %d resumes, %d invalid sessions, invalid REST requests %d",
		time.Since(start).Round(time.Millisecond), time.Since(sendDone).Round(time.Millisecond), tl, len(diffs),
		gw.Identifies-identifiesBefore, gw.Resumes, gw.InvalidSessions, s.sim.InvalidRequests())
	for _, df := range diffs {
		t.Errorf("database: %s", df)
	}
	if tl.problems() > 0 {
		t.Errorf("%d inputs were not answered exactly once", tl.problems())
	}

	// Graceful shutdown: SIGTERM stops every service cleanly within its grace period, and
	// the gateways leave their sessions resumable (they never close with 1000/1001).
	for _, p := range s.all() {
		if p.exited() {
			t.Errorf("%s exited by itself during the run (a service must wait out its dependencies, not crash):\n%s", p.name, p.logTail(5))
		}
	}
	var stops []string
	for _, p := range s.all() {
		took, clean := p.term(25 * time.Second)
		if !clean {
			t.Errorf("%s did not stop cleanly on SIGTERM (took %v)", p.name, took)
		}
		stops = append(stops, fmt.Sprintf("%s %v", p.name, took.Round(time.Millisecond)))
	}
	t.Logf("SIGTERM to exit: %s", strings.Join(stops, ", "))
	resumable := 0
	for _, ss := range s.sim.State().Sessions() {
		if !ss.Connected {
			resumable++
		}
	}
	if resumable < s.shardCount {
		t.Errorf("after SIGTERM %d sessions are resumable, want %d", resumable, s.shardCount)
	}
	failed = t.Failed()
}

// probe waits until every worker answers: one command per service.
func (s *system) probe(ctx context.Context) error {
	user := s.demo.Members["player1"]
	for _, text := range []string{"/shopping", "/help", "/checkvalue", "/modhelp"} {
		u := user
		if text == "/modhelp" {
			u = s.demo.Members["moderator"]
		}
		for {
			ex, err := s.sim.Slash(ctx, discordsim.SlashRequest{UserID: u, Text: text})
			if err != nil {
				return err
			}
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err = ex.WaitAnswer(wctx)
			cancel()
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("probe %s: %w", text, ctx.Err())
			}
		}
	}
	return nil
}

// chaos kills n processes at random moments over d (every kind at least once, in random
// order) and restarts each after a short random pause. It returns what it did.
func (s *system) chaos(ctx context.Context, rng *rand.Rand, n int, d time.Duration) []string {
	plan := killTargets(len(s.rests) > 0)
	rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	for len(plan) < n {
		all := killTargets(len(s.rests) > 0)
		plan = append(plan, all[rng.IntN(len(all))])
	}
	plan = plan[:n]
	if n == 0 {
		return nil
	}
	// Leave the last tenth of the run without kills so the tail is not all recovery.
	slot := d * 9 / 10 / time.Duration(n)
	var did []string
	begin := time.Now()
	for i, target := range plan {
		at := begin.Add(time.Duration(i)*slot + time.Duration(rng.Int64N(int64(slot/2)+1)))
		select {
		case <-ctx.Done():
			return did
		case <-time.After(time.Until(at)):
		}
		pause := time.Duration(100+rng.IntN(900)) * time.Millisecond
		var p *proc
		graceful := strings.HasPrefix(target, "term:")
		if target == "term:worker" {
			target = workerServices[rng.IntN(len(workerServices))]
		}
		switch strings.TrimPrefix(target, "term:") {
		case "gateway":
			p = s.gateways[rng.IntN(len(s.gateways))]
		case "nats":
			p = s.nats
		case "postgres":
			p = s.pg.proc
		case "rest":
			p = s.rests[rng.IntN(len(s.rests))]
		default:
			p = s.workers[target][rng.IntN(2)]
		}
		at0 := time.Since(begin).Round(100 * time.Millisecond)
		switch {
		case graceful:
			if took, clean := p.term(25 * time.Second); !clean {
				s.t.Errorf("%s did not stop cleanly on SIGTERM under load (took %v)", p.name, took)
			}
		case target == "postgres":
			if err := s.pg.crash(); err != nil {
				s.t.Errorf("crash postgres: %v", err)
			}
		default:
			p.kill()
		}
		time.Sleep(pause)
		sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err := p.start(sctx)
		cancel()
		if err != nil {
			s.t.Errorf("restart %s: %v", p.name, err)
			return did
		}
		how := "kill"
		if graceful {
			how = "term"
		}
		did = append(did, fmt.Sprintf("%s %s@%v", how, p.name, at0))
	}
	return did
}
