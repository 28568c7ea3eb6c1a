package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/novera-bot/novera/libs/heartbeat"
)

// Evictor asks Kubernetes to evict a pod (services/health/evict implements it with the
// Eviction API, so PodDisruptionBudgets hold). workload names the Deployment or
// StatefulSet, for per-workload limits.
type Evictor interface {
	Evict(ctx context.Context, namespace, pod, workload string) error
}

// Config is the monitor's policy. Zero fields take the defaults below.
type Config struct {
	// ExpireAfter is how many beats an instance may miss before it leaves the table.
	ExpireAfter int
	// LateAfter is how many missed beats turn an instance red on the page while it is
	// still in the table.
	LateAfter int
	// StuckBeats is how many consecutive beats must say stuck before an eviction is
	// requested: one beat could be a moment's hiccup.
	StuckBeats int
	// ProgressLimit calls an instance stuck, whatever its beat says, when its last
	// progress is older than this while work waits for it.
	ProgressLimit time.Duration
	// EvictEvery is the least time between two evictions of one workload.
	EvictEvery time.Duration
	// RetryAfter is how long to wait after a refused or failed eviction before asking again.
	RetryAfter time.Duration
	// EvictTimeout bounds one eviction request.
	EvictTimeout time.Duration
	// Tick is how often the table is swept (expiry, stuck detection).
	Tick time.Duration
}

// Defaults of Config.
const (
	DefaultExpireAfter   = 3
	DefaultLateAfter     = 1
	DefaultStuckBeats    = 2
	DefaultProgressLimit = 3 * time.Minute
	DefaultEvictEvery    = 5 * time.Minute
	DefaultRetryAfter    = 30 * time.Second
	DefaultEvictTimeout  = 30 * time.Second
	DefaultTick          = time.Second
)

// withDefaults fills zero fields and rejects negative ones.
func (c Config) withDefaults() (Config, error) {
	if c.ExpireAfter < 0 || c.LateAfter < 0 || c.StuckBeats < 0 || c.ProgressLimit < 0 ||
		c.EvictEvery < 0 || c.RetryAfter < 0 || c.EvictTimeout < 0 || c.Tick < 0 {
		return c, errors.New("health: config: negative setting")
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.ExpireAfter, DefaultExpireAfter)
	def(&c.LateAfter, DefaultLateAfter)
	def(&c.StuckBeats, DefaultStuckBeats)
	defd(&c.ProgressLimit, DefaultProgressLimit)
	defd(&c.EvictEvery, DefaultEvictEvery)
	defd(&c.RetryAfter, DefaultRetryAfter)
	defd(&c.EvictTimeout, DefaultEvictTimeout)
	defd(&c.Tick, DefaultTick)
	if c.LateAfter >= c.ExpireAfter {
		return c, fmt.Errorf("health: config: LateAfter (%d) must be below ExpireAfter (%d)", c.LateAfter, c.ExpireAfter)
	}
	return c, nil
}

// Instance is one row of the table.
type Instance struct {
	Beat     heartbeat.Beat `json:"beat"`
	Received time.Time      `json:"received"`
	// Late: at least LateAfter beats missed.
	Late bool `json:"late"`
	// Stuck: the beat says stuck, or progress stalled while work waits; StuckBeats counts
	// the consecutive beats it has been so.
	Stuck      bool   `json:"stuck"`
	StuckWhy   string `json:"stuck_why,omitempty"`
	StuckBeats int    `json:"stuck_beats,omitempty"`
	// Eviction is what the monitor did about it: "", "requested", "held: ...",
	// "failed: ...", "no evictor: ...".
	Eviction string `json:"eviction,omitempty"`
	// Color is the page's traffic light: green, amber or red.
	Color string `json:"color"`

	evicted     bool
	lastAttempt time.Time
	lastLogged  string
}

// Key identifies an instance in the table.
func (i *Instance) Key() string { return i.Beat.Service + "/" + i.Beat.Instance }

// Status is the whole table, as /api/status serves it.
type Status struct {
	GeneratedAt time.Time  `json:"generated_at"`
	Instances   []Instance `json:"instances"`
	// Hold, when set, is why no eviction may happen now (an outage affecting all alike).
	Hold      string `json:"hold,omitempty"`
	Evictions int    `json:"evictions"`
	Evictor   bool   `json:"evictor"`
}

// Monitor keeps the table of instances from their heartbeats and evicts stuck ones.
type Monitor struct {
	cfg     Config
	evictor Evictor
	log     *slog.Logger
	metrics *metrics

	mu        sync.Mutex
	instances map[string]*Instance
	lastEvict map[string]time.Time // namespace/workload → last eviction requested
	evictions int
	hold      string
	swept     time.Time // last sweep, for the monitor's own liveness
}

// NewMonitor builds a monitor. evictor may be nil (outside Kubernetes): stuck instances
// are then shown and logged, never evicted.
func NewMonitor(cfg Config, evictor Evictor, log *slog.Logger) (*Monitor, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Monitor{cfg: cfg, evictor: evictor, log: log, metrics: newMetrics(),
		instances: map[string]*Instance{}, lastEvict: map[string]time.Time{}, swept: time.Now()}, nil
}

// Observe records one beat.
func (m *Monitor) Observe(b heartbeat.Beat, now time.Time) {
	m.metrics.beats.Inc()
	key := b.Service + "/" + b.Instance
	m.mu.Lock()
	defer m.mu.Unlock()
	in := m.instances[key]
	if in == nil {
		in = &Instance{}
		m.instances[key] = in
		m.log.Info("instance appeared", "service", b.Service, "instance", b.Instance, "pod", b.Pod, "state", b.State)
	}
	in.Beat, in.Received, in.Late = b, now, false
	stuck, why := m.stuckLocked(b, now)
	if stuck {
		in.StuckBeats++
	} else {
		in.StuckBeats = 0
		if in.Stuck {
			m.log.Info("instance no longer stuck", "service", b.Service, "instance", b.Instance, "pod", b.Pod)
		}
	}
	in.Stuck, in.StuckWhy = stuck, why
	in.Color = color(in)
}

// stuckLocked decides whether a beat shows a stuck instance, and why.
func (m *Monitor) stuckLocked(b heartbeat.Beat, now time.Time) (bool, string) {
	if b.State == heartbeat.StateStuck {
		return true, "says stuck: " + b.Reason
	}
	if b.State == heartbeat.StateStopping || b.State == heartbeat.StateStarting {
		return false, ""
	}
	if b.Waiting != nil && *b.Waiting > 0 && !b.LastProgress.IsZero() {
		// Judge the instance's age of progress by its own clock (SentAt), not ours, so
		// clock skew between pods cannot make it look stuck.
		if age := b.SentAt.Sub(b.LastProgress); age > m.cfg.ProgressLimit {
			return true, fmt.Sprintf("no progress for %s while %d wait", age.Round(time.Second), *b.Waiting)
		}
	}
	return false, ""
}

func color(in *Instance) string {
	switch {
	case in.Late || in.Stuck:
		return "red"
	case in.Beat.State == heartbeat.StateReady:
		return "green"
	default:
		return "amber"
	}
}

// Sweep expires silent instances, marks late ones, and evicts what is stuck, unless an
// outage affects all alike.
func (m *Monitor) Sweep(ctx context.Context, now time.Time) {
	type request struct {
		in                       *Instance
		namespace, pod, workload string
	}
	var todo []request
	m.mu.Lock()
	m.swept = now
	for key, in := range m.instances {
		missed := int(now.Sub(in.Received) / time.Duration(in.Beat.Interval))
		if missed >= m.cfg.ExpireAfter || (in.Beat.State == heartbeat.StateStopping && missed >= 1) {
			delete(m.instances, key)
			m.log.Info("instance left the table", "service", in.Beat.Service, "instance", in.Beat.Instance,
				"pod", in.Beat.Pod, "last_state", in.Beat.State, "missed_beats", missed)
			continue
		}
		in.Late = missed >= m.cfg.LateAfter
		in.Color = color(in)
	}
	m.hold = m.holdLocked()
	for _, in := range m.instances {
		if !in.Stuck || in.StuckBeats < m.cfg.StuckBeats || in.evicted || in.Late {
			continue
		}
		b := in.Beat
		workloadKey := b.Namespace + "/" + b.Workload
		switch {
		case m.hold != "":
			m.note(in, "held: "+m.hold)
		case m.evictor == nil:
			m.note(in, "no evictor: not running in Kubernetes")
		case b.Namespace == "":
			m.note(in, "no evictor: the instance names no namespace (not in Kubernetes)")
		case now.Sub(in.lastAttempt) < m.cfg.RetryAfter:
			// an earlier attempt failed; wait before asking again
		case now.Sub(m.lastEvict[workloadKey]) < m.cfg.EvictEvery:
			m.note(in, fmt.Sprintf("held: workload %s had an eviction %s ago (at most one per %s)",
				workloadKey, now.Sub(m.lastEvict[workloadKey]).Round(time.Second), m.cfg.EvictEvery))
		default:
			in.lastAttempt = now
			m.lastEvict[workloadKey] = now
			todo = append(todo, request{in: in, namespace: b.Namespace, pod: b.Pod, workload: b.Workload})
		}
	}
	m.mu.Unlock()

	for _, r := range todo {
		ectx, cancel := context.WithTimeout(ctx, m.cfg.EvictTimeout)
		err := m.evictor.Evict(ectx, r.namespace, r.pod, r.workload)
		cancel()
		m.mu.Lock()
		if err != nil {
			// Refused (a PodDisruptionBudget, the evictor's own limit) or failed: not
			// forced, asked again after RetryAfter while it stays stuck; the workload's
			// slot is not spent on an eviction that did not happen.
			delete(m.lastEvict, r.namespace+"/"+r.workload)
			m.metrics.evictions.WithLabelValues(r.in.Beat.Service, "failed").Inc()
			m.note(r.in, "failed: "+err.Error())
		} else {
			r.in.evicted = true
			m.evictions++
			m.metrics.evictions.WithLabelValues(r.in.Beat.Service, "requested").Inc()
			m.note(r.in, "requested")
		}
		m.mu.Unlock()
	}
}

// note records what was done about a stuck instance and logs it once per change.
func (m *Monitor) note(in *Instance, what string) {
	in.Eviction = what
	if in.lastLogged == what {
		return
	}
	in.lastLogged = what
	b := in.Beat
	level := slog.LevelWarn
	if what == "requested" {
		level = slog.LevelError
	}
	m.log.Log(context.Background(), level, "stuck instance: "+what, "service", b.Service, "instance", b.Instance,
		"pod", b.Pod, "namespace", b.Namespace, "workload", b.Workload, "why", in.StuckWhy)
}

// holdLocked says why no eviction may happen now, or "". Evicting helps when one instance
// is stuck and its peers are fine; when many are unwell at once the cause is shared (a
// dependency, Discord, the network), and evicting would only add restarts to an outage.
func (m *Monitor) holdLocked() string {
	type tally struct{ total, unwell, stuck int }
	all := tally{}
	bySvc := map[string]*tally{}
	reasons := map[string]int{}
	for _, in := range m.instances {
		if in.Beat.State == heartbeat.StateStopping {
			continue
		}
		t := bySvc[in.Beat.Service]
		if t == nil {
			t = &tally{}
			bySvc[in.Beat.Service] = t
		}
		all.total++
		t.total++
		if in.Stuck {
			all.stuck++
			t.stuck++
		}
		if in.Stuck || in.Late || in.Beat.State == heartbeat.StateNotReady {
			all.unwell++
			t.unwell++
		}
		if in.Beat.State == heartbeat.StateNotReady {
			reasons[in.Beat.Reason]++
		}
	}
	if all.total == 0 {
		return ""
	}
	if all.stuck*2 > all.total {
		return fmt.Sprintf("%d of %d instances are stuck at once", all.stuck, all.total)
	}
	if all.unwell*2 > all.total {
		return fmt.Sprintf("%d of %d instances are unwell at once (a shared outage)", all.unwell, all.total)
	}
	for _, svc := range sortedKeys(bySvc) {
		t := bySvc[svc]
		if t.total >= 2 && t.unwell == t.total {
			return fmt.Sprintf("every instance of %s (%d) is unwell alike", svc, t.total)
		}
		if t.total >= 2 && t.stuck*2 > t.total {
			return fmt.Sprintf("%d of %d instances of %s are stuck at once", t.stuck, t.total, svc)
		}
	}
	for reason, n := range reasons {
		if n >= 2 && reason != "" {
			return fmt.Sprintf("%d instances report the same problem: %s", n, reason)
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Status snapshots the table, sorted by service and pod.
func (m *Monitor) Status(now time.Time) Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := Status{GeneratedAt: now, Hold: m.hold, Evictions: m.evictions, Evictor: m.evictor != nil,
		Instances: make([]Instance, 0, len(m.instances))}
	for _, in := range m.instances {
		st.Instances = append(st.Instances, *in)
	}
	sort.Slice(st.Instances, func(i, j int) bool {
		a, b := st.Instances[i].Beat, st.Instances[j].Beat
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.Pod != b.Pod {
			return a.Pod < b.Pod
		}
		return a.Instance < b.Instance
	})
	return st
}

// Subscribe feeds the monitor every heartbeat on nc until the subscription is drained.
func (m *Monitor) Subscribe(nc *nats.Conn) (*nats.Subscription, error) {
	sub, err := nc.Subscribe(heartbeat.SubjectAll, func(msg *nats.Msg) {
		b, err := heartbeat.Decode(msg.Data)
		if err != nil {
			m.metrics.badBeats.Inc()
			m.log.Debug("heartbeat ignored", "subject", msg.Subject, "err", err)
			return
		}
		m.Observe(b, time.Now())
	})
	if err != nil {
		return nil, fmt.Errorf("health: subscribe %s: %w", heartbeat.SubjectAll, err)
	}
	return sub, nil
}

// Run sweeps every Tick until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			m.Sweep(ctx, now)
		}
	}
}

// Live is the monitor's own liveness check: its sweep keeps running.
func (m *Monitor) Live(context.Context) error {
	m.mu.Lock()
	last := m.swept
	m.mu.Unlock()
	if limit := 10*m.cfg.Tick + m.cfg.EvictTimeout; time.Since(last) > limit {
		return fmt.Errorf("table not swept for %s", time.Since(last).Round(time.Second))
	}
	return nil
}
