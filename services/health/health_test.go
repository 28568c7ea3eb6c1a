package health

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/heartbeat"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// beatEvery is the test instances' heartbeat interval: fast, so expiry and stuck detection
// take a second, not minutes.
const beatEvery = 100 * time.Millisecond

// recordingEvictor stands in for the Kubernetes API call only: it records what would
// have been evicted. fail, while set, makes it refuse (as a PodDisruptionBudget would).
type recordingEvictor struct {
	mu    sync.Mutex
	calls []string
	fail  atomic.Bool
}

func (e *recordingEvictor) Evict(_ context.Context, namespace, pod, workload string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, namespace+"/"+pod+"/"+workload)
	if e.fail.Load() {
		return errors.New("Cannot evict pod as it would violate the pod's disruption budget")
	}
	return nil
}

func (e *recordingEvictor) Calls() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.calls...)
}

// world is a NATS server, a running health service and its HTTP endpoints.
type world struct {
	t   *testing.T
	url string
	svc *Service
	reg *prometheus.Registry
	web *httptest.Server
}

func newWorld(t *testing.T, cfg Config, ev Evictor) *world {
	t.Helper()
	url := natstest.Start(t)
	nc := connect(t, url)
	if cfg.Tick == 0 {
		cfg.Tick = 20 * time.Millisecond
	}
	reg := prometheus.NewRegistry()
	var evictor Evictor
	if ev != nil {
		evictor = ev
	}
	svc, err := Start(t.Context(), Options{Conn: nc, Config: cfg, Evictor: evictor, Metrics: reg,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Stop(context.Background()) })
	web := httptest.NewServer(svc.Handler())
	t.Cleanup(web.Close)
	return &world{t: t, url: url, svc: svc, reg: reg, web: web}
}

func connect(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// instance is a real heartbeat publisher whose state comes from a real admin.Health, the
// way every service's does; its checks are switched by the test.
type instance struct {
	pub    *heartbeat.Publisher
	nc     *nats.Conn
	stuck  atomic.Pointer[string] // liveness failure, nil when live
	unread atomic.Pointer[string] // readiness failure, nil when ready
}

func (w *world) start(service, pod string, shards ...heartbeat.Shard) *instance {
	w.t.Helper()
	in := &instance{nc: connect(w.t, w.url)}
	h := admin.NewHealth()
	h.Live(service+".consumer", func(context.Context) error {
		if p := in.stuck.Load(); p != nil {
			return errors.New(*p)
		}
		return nil
	})
	h.Ready(service+".postgres", func(context.Context) error {
		if p := in.unread.Load(); p != nil {
			return errors.New(*p)
		}
		return nil
	})
	st := heartbeat.NewFromHealth(h)
	if len(shards) > 0 {
		st.Shards = func() []heartbeat.Shard { return shards }
	}
	pub, err := heartbeat.Start(w.t.Context(), heartbeat.Options{Conn: in.nc, Service: service, Pod: pod,
		Namespace: "novera", Version: "v-test", Interval: beatEvery, Status: st.Status})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = pub.Stop(context.Background()) })
	in.pub = pub
	return in
}

func (in *instance) setStuck(why string)    { in.stuck.Store(&why) }
func (in *instance) setNotReady(why string) { in.unread.Store(&why) }

func (w *world) status() Status {
	w.t.Helper()
	resp, err := http.Get(w.web.URL + "/api/status")
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var st Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		w.t.Fatal(err)
	}
	return st
}

func (w *world) page() string {
	w.t.Helper()
	resp, err := http.Get(w.web.URL + "/")
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		w.t.Fatalf("page: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// eventually polls cond until it holds or limit passes.
func (w *world) eventually(limit time.Duration, what string, cond func(Status) bool) Status {
	w.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		st := w.status()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(st, "", "  ")
			w.t.Fatalf("%s: not within %s; status:\n%s", what, limit, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func find(st Status, pod string) (Instance, bool) {
	for _, in := range st.Instances {
		if in.Beat.Pod == pod {
			return in, true
		}
	}
	return Instance{}, false
}

func TestHeartbeatsShowOnTheAPIAndThePage(t *testing.T) {
	w := newWorld(t, Config{}, nil)
	w.start("fun", "fun-7d9f-abcde")
	gw := w.start("gateway", "gateway-0", heartbeat.Shard{ID: 0, State: "ready", LatencyMS: 42},
		heartbeat.Shard{ID: 1, State: "reconnecting", Reason: "zombie connection"})
	league := w.start("league", "league-0")
	league.setNotReady(`connection refused <script>alert("x")</script>`)

	st := w.eventually(5*time.Second, "three instances, league not ready", func(st Status) bool {
		in, ok := find(st, "league-0")
		return len(st.Instances) == 3 && ok && in.Beat.State != heartbeat.StateReady
	})
	fun, _ := find(st, "fun-7d9f-abcde")
	if fun.Beat.Service != "fun" || fun.Beat.State != heartbeat.StateReady || fun.Color != "green" ||
		fun.Beat.Version != "v-test" || fun.Beat.Namespace != "novera" || fun.Beat.Instance == "" {
		t.Errorf("fun row = %+v", fun)
	}
	g, _ := find(st, "gateway-0")
	if len(g.Beat.Shards) != 2 || g.Beat.Shards[1].State != "reconnecting" || g.Beat.Instance != gw.pub.Instance() {
		t.Errorf("gateway row = %+v", g)
	}
	l, _ := find(st, "league-0")
	// Never ready since start: "starting" for StartGrace, amber either way.
	if l.Color != "amber" || !strings.Contains(l.Beat.Reason, "league.postgres: connection refused") {
		t.Errorf("league row = %+v", l)
	}

	page := w.page()
	for _, want := range []string{`http-equiv="refresh"`, "fun-7d9f-abcde", "gateway-0", "league-0",
		`class="green"`, `class="amber"`, "shard 1: reconnecting (zombie connection)", "42 ms",
		"connection refused &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `<script>alert`) {
		t.Error("page carries an instance's text unescaped")
	}

	got, err := testutil.GatherAndCount(w.reg, "novera_health_instances")
	if err != nil || got != 3 {
		t.Errorf("novera_health_instances series = %d (%v), want 3 (fun ready, gateway ready, league starting)", got, err)
	}
}

func TestStuckInstanceIsEvictedOnce(t *testing.T) {
	ev := &recordingEvictor{}
	w := newWorld(t, Config{StuckBeats: 2}, ev)
	w.start("fun", "fun-a")
	b := w.start("fun", "fun-b")
	w.start("league", "league-a")
	w.eventually(5*time.Second, "three ready", func(st Status) bool {
		n := 0
		for _, in := range st.Instances {
			if in.Beat.State == heartbeat.StateReady {
				n++
			}
		}
		return n == 3
	})
	if calls := ev.Calls(); len(calls) != 0 {
		t.Fatalf("evictions while all are well: %v", calls)
	}

	b.setStuck("command consumer: all 32 handlers busy for 2m0s while 17 commands wait")
	st := w.eventually(5*time.Second, "fun-b evicted", func(st Status) bool {
		in, _ := find(st, "fun-b")
		return in.Eviction == "requested"
	})
	in, _ := find(st, "fun-b")
	if in.Color != "red" || !in.Stuck || !strings.Contains(in.StuckWhy, "handlers busy") {
		t.Errorf("fun-b row = %+v", in)
	}
	// It keeps beating stuck; the request is not repeated.
	time.Sleep(15 * beatEvery)
	if calls := ev.Calls(); len(calls) != 1 || calls[0] != "novera/fun-b/fun" {
		t.Fatalf("eviction requests = %v, want exactly [novera/fun-b/fun]", calls)
	}
	if st := w.status(); st.Evictions != 1 || st.Hold != "" {
		t.Errorf("status evictions=%d hold=%q", st.Evictions, st.Hold)
	}
	if n := testutil.ToFloat64(w.svc.metrics.evictions.WithLabelValues("fun", "requested")); n != 1 {
		t.Errorf("novera_health_evictions_total{service=fun,outcome=requested} = %v", n)
	}
	if !strings.Contains(w.page(), "requested") {
		t.Error("page does not show the eviction")
	}
}

func TestRefusedEvictionIsRetriedNotRepeated(t *testing.T) {
	ev := &recordingEvictor{}
	ev.fail.Store(true)
	w := newWorld(t, Config{StuckBeats: 1, RetryAfter: 300 * time.Millisecond}, ev)
	w.start("fun", "fun-a")
	w.start("league", "league-a")
	b := w.start("fun", "fun-b")
	b.setStuck("stalled")
	w.eventually(5*time.Second, "eviction refused", func(st Status) bool {
		in, _ := find(st, "fun-b")
		return strings.HasPrefix(in.Eviction, "failed: ")
	})
	// A budget refusal is asked again after RetryAfter, not at every sweep.
	time.Sleep(200 * time.Millisecond)
	if n := len(ev.Calls()); n != 1 {
		t.Fatalf("asked %d times within RetryAfter, want 1", n)
	}
	ev.fail.Store(false)
	w.eventually(5*time.Second, "eviction requested after the refusal", func(st Status) bool {
		in, _ := find(st, "fun-b")
		return in.Eviction == "requested"
	})
	time.Sleep(10 * beatEvery)
	calls := ev.Calls()
	if len(calls) < 2 || len(calls) > 3 || calls[len(calls)-1] != "novera/fun-b/fun" {
		t.Fatalf("calls = %v: want the refusal(s) then one success, nothing after", calls)
	}
	if w.status().Evictions != 1 {
		t.Errorf("evictions = %d, want 1", w.status().Evictions)
	}
}

func TestOutageAffectingAllEvictsNothing(t *testing.T) {
	const refused = "dial tcp 10.0.0.5:5432: connect: connection refused"
	for _, tc := range []struct {
		name string
		// arrange unsettles the instances fun-a, fun-b (always stuck), league-a, community-a.
		arrange  func(funA, league, community *instance)
		wantHold string
	}{
		{"every instance stuck", func(a, l, c *instance) {
			for _, in := range []*instance{a, l, c} {
				in.setStuck("command consumer: all handlers busy")
			}
		}, "4 of 4 instances are stuck at once"},
		{"a shared dependency down everywhere, one of them stuck", func(a, l, c *instance) {
			for _, in := range []*instance{a, l, c} {
				in.setNotReady(refused)
			}
		}, "4 of 4 instances are unwell at once"},
		{"every instance of the service unwell alike", func(a, l, c *instance) {
			a.setNotReady("NATS is not connected")
		}, "every instance of fun (2) is unwell alike"},
		{"two services report the same dependency problem", func(a, l, c *instance) {
			l.setNotReady(refused)
			c.setNotReady(refused)
		}, "3 of 4 instances are unwell at once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := &recordingEvictor{}
			// Three stuck beats before an eviction: the others' beats, which report the
			// outage, have time to arrive, as the default of two beats gives in production.
			w := newWorld(t, Config{StuckBeats: 3}, ev)
			a, b := w.start("fun", "fun-a"), w.start("fun", "fun-b")
			l, c := w.start("league", "league-a"), w.start("community", "community-a")
			w.eventually(5*time.Second, "four instances", func(st Status) bool { return len(st.Instances) == 4 })
			tc.arrange(a, l, c)
			b.setStuck("command consumer: all handlers busy")
			st := w.eventually(5*time.Second, "held", func(st Status) bool {
				in, _ := find(st, "fun-b")
				return in.Stuck && strings.HasPrefix(in.Eviction, "held: ") && strings.Contains(st.Hold, tc.wantHold)
			})
			if in, _ := find(st, "fun-b"); !strings.Contains(in.Eviction, tc.wantHold) {
				t.Errorf("fun-b eviction = %q", in.Eviction)
			}
			time.Sleep(10 * beatEvery)
			if calls := ev.Calls(); len(calls) != 0 {
				t.Fatalf("evicted during an outage: %v", calls)
			}
			if !strings.Contains(w.page(), "Evictions held: "+st.Hold) {
				t.Error("page does not say why evictions are held")
			}
		})
	}
}

func TestSilentInstancesTurnRedThenExpire(t *testing.T) {
	w := newWorld(t, Config{ExpireAfter: 5, LateAfter: 2}, nil)
	w.start("fun", "fun-a")
	gone := w.start("fun", "fun-gone")
	stopped := w.start("league", "league-stopped")
	w.eventually(5*time.Second, "three instances", func(st Status) bool { return len(st.Instances) == 3 })

	// A clean stop says so and leaves at once (within a beat).
	if err := stopped.pub.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	w.eventually(5*time.Second, "stopped instance gone", func(st Status) bool {
		_, ok := find(st, "league-stopped")
		return !ok
	})

	// A pod that dies says nothing: its connection just ends.
	gone.nc.Close()
	late := w.eventually(5*time.Second, "silent instance red", func(st Status) bool {
		in, _ := find(st, "fun-gone")
		return in.Late
	})
	if in, _ := find(late, "fun-gone"); in.Color != "red" {
		t.Errorf("late instance colour = %s", in.Color)
	}
	start := time.Now()
	w.eventually(5*time.Second, "silent instance expired", func(st Status) bool {
		_, ok := find(st, "fun-gone")
		return !ok
	})
	if d := time.Since(start); d > 10*beatEvery {
		t.Errorf("expiry took %s after turning late, want about 3 beats", d)
	}
	if st := w.status(); len(st.Instances) != 1 || st.Instances[0].Beat.Pod != "fun-a" {
		t.Errorf("table = %+v", st.Instances)
	}
}

func TestConfigRejectsNonsense(t *testing.T) {
	for _, c := range []Config{{ExpireAfter: -1}, {LateAfter: 3, ExpireAfter: 3}, {RetryAfter: -time.Second}} {
		if _, err := NewMonitor(c, nil, nil); err == nil {
			t.Errorf("NewMonitor(%+v) accepted", c)
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{0: "just now", 10 * time.Second: "10s ago",
		3*time.Minute + 5*time.Second: "3m ago", 2*time.Hour + 7*time.Minute: "2h07m ago"} {
		if got := ago(now, now.Add(-d)); got != want {
			t.Errorf("ago(%s) = %q, want %q", d, got, want)
		}
	}
	if got := ago(now, time.Time{}); got != "never" {
		t.Errorf("ago(zero) = %q", got)
	}
}

// An instance that still says ready but whose progress stopped while work waits for it is
// stuck too: its own watchdog may be the part that hangs.
func TestStalledProgressWhileWorkWaitsIsStuck(t *testing.T) {
	ev := &recordingEvictor{}
	w := newWorld(t, Config{StuckBeats: 2, ProgressLimit: 300 * time.Millisecond}, ev)
	w.start("fun", "fun-a")
	w.start("league", "league-a")
	frozen := time.Now()
	var waiting atomic.Uint64
	st := heartbeat.NewFromHealth(admin.NewHealth())
	st.Progress = func() time.Time { return frozen }
	st.Waiting = func(context.Context) (uint64, error) { return waiting.Load(), nil }
	pub, err := heartbeat.Start(t.Context(), heartbeat.Options{Conn: connect(t, w.url), Service: "fun", Pod: "fun-b",
		Namespace: "novera", Interval: beatEvery, Status: st.Status})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Stop(context.Background()) })

	// Old progress with nothing waiting is an idle instance, not a stuck one.
	time.Sleep(8 * beatEvery)
	if in, ok := find(w.status(), "fun-b"); !ok || in.Stuck || len(ev.Calls()) != 0 {
		t.Fatalf("idle instance judged stuck: %+v, evictions %v", in, ev.Calls())
	}
	waiting.Store(5)
	got := w.eventually(5*time.Second, "fun-b evicted", func(st Status) bool {
		in, _ := find(st, "fun-b")
		return in.Eviction == "requested"
	})
	if in, _ := find(got, "fun-b"); !strings.Contains(in.StuckWhy, "while 5 wait") || in.Beat.State != heartbeat.StateReady {
		t.Errorf("fun-b = %+v", in)
	}
	if calls := ev.Calls(); len(calls) != 1 || calls[0] != "novera/fun-b/fun" {
		t.Errorf("calls = %v", calls)
	}
}
