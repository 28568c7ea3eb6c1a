package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	"github.com/novera-bot/novera/libs/admin"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/heartbeat"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"github.com/novera-bot/novera/libs/pglocal"
	"github.com/novera-bot/novera/libs/worker"
)

// The probes of a real worker (real NATS, real PostgreSQL, the simulator for Discord),
// served on a real admin port, exactly as WorkerMain assembles them.

const probeService = "probe"

// probeWorld is one worker service "probe" with one command, "work", whose handler the
// test controls.
type probeWorld struct {
	t       *testing.T
	app     *App
	pg      *pglocal.Cluster
	pgDir   string
	natsURL string
	w       *worker.Worker
	deps    worker.Deps
	handled atomic.Int64 // commands committed
	started chan string  // ids of commands whose handler began
	release chan struct{}
	block   atomic.Bool // handlers wait on release while set
}

func startProbeWorld(t *testing.T, stallAfter time.Duration, concurrency int) *probeWorld {
	t.Helper()
	pw := &probeWorld{t: t, natsURL: natstest.Start(t), pgDir: filepath.Join(t.TempDir(), "pg"),
		started: make(chan string, 100), release: make(chan struct{})}
	pw.startPostgres(0)
	t.Cleanup(func() { _ = pw.pg.Stop(context.Background()) })
	sim, _ := simtest.Start(t, discordsim.Options{})

	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := New(t.Context(), Options{Name: probeService, AdminAddr: "127.0.0.1:0", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	pw.app = a
	deps, err := a.Deps(t.Context(), pw.natsURL, pw.pg.URL("postgres"), sim.Token(), sim.APIURL())
	if err != nil {
		t.Fatal(err)
	}
	deps.StallAfter = stallAfter
	pw.deps = deps
	reg, err := commands.NewRegistry(commands.Command{Name: "work", Description: "does some work", Service: probeService})
	if err != nil {
		t.Fatal(err)
	}
	handlers := map[string]worker.Handler{"work": func(ctx context.Context, r *worker.Request) error {
		pw.started <- r.Cmd.Id
		if pw.block.Load() {
			<-pw.release
		}
		// Counted once committed: the handler itself may run before the database is
		// reached (its BEGIN goes with its first statement), and whatever it did is then
		// rolled back with the failed commit.
		r.AfterCommit(func(context.Context) error {
			pw.handled.Add(1)
			return nil
		})
		return nil
	}}
	w, err := deps.Build(t.Context(), probeService, fstest.MapFS{}, handlers, func(o *worker.Options) {
		o.Registry, o.Concurrency = reg, concurrency
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.WorkerHeartbeat(t.Context(), deps.Bus, Watch{Pod: "probe-0", Interval: 100 * time.Millisecond}, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pw.unblock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Stop(ctx)
	})
	pw.w = w
	return pw
}

// startPostgres starts (or starts again, on the same directory and port) the cluster.
func (pw *probeWorld) startPostgres(port int) {
	pw.t.Helper()
	pg, err := pglocal.Start(pw.t.Context(), pglocal.Options{Dir: pw.pgDir, Port: port, Fast: true})
	if err != nil {
		pw.t.Fatal(err)
	}
	pw.pg = pg
}

func (pw *probeWorld) unblock() {
	if pw.block.Swap(false) {
		close(pw.release)
	}
}

var cmdSeq atomic.Int64

// send publishes a "work" command as a timer would (no member, nothing to answer).
func (pw *probeWorld) send() string {
	pw.t.Helper()
	id := fmt.Sprintf("probe-%d-%d", time.Now().UnixNano(), cmdSeq.Add(1))
	data, err := proto.Marshal(&busv1.Command{Id: id, Name: "work", Source: busv1.Source_SOURCE_TIMER})
	if err != nil {
		pw.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(pw.t.Context(), 10*time.Second)
	defer cancel()
	if _, err := pw.deps.Bus.Publish(ctx, "commands."+probeService+".work", id, data); err != nil {
		pw.t.Fatal(err)
	}
	return id
}

// probe GETs /livez or /readyz on the admin port.
func (pw *probeWorld) probe(path string) (bool, admin.Result) {
	pw.t.Helper()
	resp, err := http.Get("http://" + pw.app.Admin.Addr() + path)
	if err != nil {
		pw.t.Fatal(err)
	}
	defer resp.Body.Close()
	var res admin.Result
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		pw.t.Fatal(err)
	}
	return resp.StatusCode == http.StatusOK, res
}

// waitFor polls path until its outcome is want, and says how long that took.
func (pw *probeWorld) waitFor(path string, want bool, limit time.Duration) (time.Duration, admin.Result) {
	pw.t.Helper()
	start := time.Now()
	for {
		ok, res := pw.probe(path)
		if ok == want {
			return time.Since(start), res
		}
		if time.Since(start) > limit {
			pw.t.Fatalf("%s did not turn ok=%v within %s: %s", path, want, limit, res.Summary())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// beats collects the worker's heartbeats.
func (pw *probeWorld) beats() <-chan heartbeat.Beat {
	pw.t.Helper()
	nc, err := nats.Connect(pw.natsURL)
	if err != nil {
		pw.t.Fatal(err)
	}
	pw.t.Cleanup(nc.Close)
	ch := make(chan heartbeat.Beat, 1000)
	if _, err := nc.Subscribe(heartbeat.Subject(probeService), func(m *nats.Msg) {
		if b, err := heartbeat.Decode(m.Data); err == nil {
			select {
			case ch <- b:
			default:
			}
		}
	}); err != nil {
		pw.t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		pw.t.Fatal(err)
	}
	return ch
}

// waitBeat waits for a beat in state want and returns it.
func waitBeat(t *testing.T, beats <-chan heartbeat.Beat, want heartbeat.State, limit time.Duration) heartbeat.Beat {
	t.Helper()
	timeout := time.After(limit)
	var seen []string
	for {
		select {
		case b := <-beats:
			if b.State == want {
				return b
			}
			seen = append(seen, string(b.State)+" ("+b.Reason+")")
		case <-timeout:
			if len(seen) > 5 {
				seen = seen[len(seen)-5:]
			}
			t.Fatalf("no %s heartbeat within %s; the last seen: %s", want, limit, strings.Join(seen, "; "))
		}
	}
}

func TestBlockedConsumerFailsLivenessWithinTheLimit(t *testing.T) {
	const stallAfter = 2 * time.Second
	pw := startProbeWorld(t, stallAfter, 2)
	beats := pw.beats()
	pw.waitFor("/readyz", true, 10*time.Second)

	pw.block.Store(true)
	pw.send()
	pw.send()
	for range 2 {
		select {
		case <-pw.started:
		case <-time.After(10 * time.Second):
			t.Fatal("handlers did not start")
		}
	}
	slotsFull := time.Now()
	// Both handlers hang, but nothing waits behind them: busy is not stuck.
	time.Sleep(stallAfter + time.Second)
	if ok, res := pw.probe("/livez"); !ok {
		t.Fatalf("not live with every handler busy and nothing waiting: %s", res.Summary())
	}

	waitingSince := time.Now()
	pw.send()
	took, res := pw.waitFor("/livez", false, stallAfter+3*time.Second)
	// The loop has been blocked since the slots filled, so it fails at once now that a
	// command waits; in any case no later than the limit after the work arrived.
	if since := time.Since(slotsFull); since < stallAfter {
		t.Errorf("liveness failed %s after the handlers blocked, before the %s limit", since, stallAfter)
	}
	if took > stallAfter+time.Second {
		t.Errorf("liveness failed %s after work started waiting, limit %s", took, stallAfter)
	}
	if got := res.Checks["probe.consumer"]; !strings.Contains(got, "all 2 handlers busy") || !strings.Contains(got, "1 commands wait") {
		t.Errorf("probe.consumer = %q", got)
	}
	if ok, _ := pw.probe("/readyz"); ok {
		t.Error("ready while not live")
	}
	b := waitBeat(t, beats, heartbeat.StateStuck, 5*time.Second)
	if !strings.Contains(b.Reason, "handlers busy") || b.Waiting == nil || *b.Waiting != 1 || b.Pod != "probe-0" {
		t.Errorf("stuck beat = %+v", b)
	}
	t.Logf("liveness failed %s after a command started waiting behind blocked handlers", time.Since(waitingSince).Round(time.Millisecond))

	// Unblocked, the loop goes round again and the waiting command is handled.
	pw.unblock()
	pw.waitFor("/livez", true, 5*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for pw.handled.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("handled %d of 3 after unblocking", pw.handled.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitBeat(t, beats, heartbeat.StateReady, 5*time.Second)
}

func TestPostgresOutageMakesNotReadyNeverDead(t *testing.T) {
	const stallAfter = 2 * time.Second
	pw := startProbeWorld(t, stallAfter, 4)
	beats := pw.beats()
	pw.waitFor("/readyz", true, 10*time.Second)
	// Once it has said ready, a failing dependency is "not-ready"; before, "starting".
	waitBeat(t, beats, heartbeat.StateReady, 5*time.Second)
	port := pw.pg.Port()

	if err := pw.pg.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, res := pw.waitFor("/readyz", false, 10*time.Second)
	if got := res.Checks["probe.postgres"]; got == "ok" || got == "" {
		t.Errorf("probe.postgres = %q, want the outage named", got)
	}
	b := waitBeat(t, beats, heartbeat.StateNotReady, 5*time.Second)
	if !strings.Contains(b.Reason, "probe.postgres") {
		t.Errorf("not-ready beat reason = %q", b.Reason)
	}

	// The process stays live throughout the outage, well past the watchdog's limit, with
	// work arriving (its handling fails and is retried with back-off).
	pw.send()
	until := time.Now().Add(3 * stallAfter)
	for time.Now().Before(until) {
		if ok, res := pw.probe("/livez"); !ok {
			t.Fatalf("liveness failed during a PostgreSQL outage: %s", res.Summary())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if pw.handled.Load() != 0 {
		t.Fatalf("handled %d commands without PostgreSQL", pw.handled.Load())
	}

	// A command sent just before PostgreSQL returns is retried after a short back-off;
	// the first one waits out a longer one.
	pw.send()
	time.Sleep(200 * time.Millisecond)
	pw.startPostgres(port)
	pw.waitFor("/readyz", true, 30*time.Second)
	waitBeat(t, beats, heartbeat.StateReady, 5*time.Second)
	// Work that waited is handled once PostgreSQL is back.
	deadline := time.Now().Add(45 * time.Second)
	for pw.handled.Load() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the command sent during the outage was never handled")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ok, res := pw.probe("/livez"); !ok {
		t.Fatalf("not live after the outage: %s", res.Summary())
	}
}
