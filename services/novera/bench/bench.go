// Package bench runs `make bench`: the same workloads, through the same Discord
// simulator, against Novera in its two shapes (one process; a process per service) and
// against the bots users would otherwise pick (discord.py, discord.js), one system after
// another, and reports one table (see Report).
package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/load"
	"github.com/novera-bot/novera/libs/pglocal"
	"github.com/novera-bot/novera/services/novera/bench/peers"
)

// Options configures a benchmark run.
type Options struct {
	// Root is the repository's root (to build the binaries from).
	Root string
	// Systems to run, by name (see SystemNames); default all.
	Systems []string
	// Rate and RateDuration are the fixed-rate phase (default 500/s for 60 s).
	Rate         float64
	RateDuration time.Duration
	// Concurrency and MaxDuration are the throughput phase: that many commands in flight
	// (default 512) for that long (default 20 s).
	Concurrency int
	MaxDuration time.Duration
	// Burst is the number of commands fired at once (default 5000).
	Burst int
	// Guilds and Users shape the simulated community (default 1000 guilds of 50 members).
	Guilds, Users int
	// Shards is the shard count every system uses (default 2).
	Shards int
	// Log receives progress lines.
	Log io.Writer
	// PGStats loads pg_stat_statements and logs, after each system, the statements
	// PostgreSQL spent its time on: a profile of the database side.
	PGStats bool
}

func (o *Options) defaults() {
	if len(o.Systems) == 0 {
		o.Systems = SystemNames()
	}
	if o.Rate <= 0 {
		o.Rate = 500
	}
	if o.RateDuration <= 0 {
		o.RateDuration = 60 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 512
	}
	if o.MaxDuration <= 0 {
		o.MaxDuration = 20 * time.Second
	}
	if o.Burst <= 0 {
		o.Burst = 5000
	}
	if o.Guilds <= 0 {
		o.Guilds = 1000
	}
	if o.Users <= 0 {
		o.Users = 50
	}
	if o.Shards <= 0 {
		o.Shards = 2
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// sampleEvery is how often the processes' CPU is read (their PSS, which is not free to
// read, every pssEvery): at 50 ms a sampler reading both took most of a core from the
// benchmark it measured.
const sampleEvery = 500 * time.Millisecond

// globalLimit is the simulator's global request limit per second during the benchmark, and
// what the peers' libraries are told: Discord raises the default 50 for big bots, and
// prefix answers (channel messages) would otherwise queue behind it.
const globalLimit = 2000

// System names.
const (
	NoveraOne      = "novera (one process)"
	NoveraSeparate = "novera (process per service)"
	NoveraProxied  = "novera (process per service + REST proxy)"
	DiscordPy      = "discord.py"
	DiscordJS      = "discord.js"
)

// SystemNames lists every system in the order they run.
func SystemNames() []string {
	return []string{NoveraOne, NoveraSeparate, NoveraProxied, DiscordPy, DiscordJS}
}

// Phase is one workload's outcome on one system.
type Phase struct {
	System, Workload string
	Result           *load.Result
	Usage            []Usage
}

// Run runs every system through every workload and returns the phases in order, plus
// each Novera shape's start-up time on an existing database.
func Run(ctx context.Context, o Options) ([]Phase, map[string]time.Duration, error) {
	o.defaults()
	work, err := os.MkdirTemp("", "novera-bench-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(work)
	say := func(format string, a ...any) { fmt.Fprintf(o.Log, "bench: "+format+"\n", a...) }

	say("building the binaries")
	bin := filepath.Join(work, "bin")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin+"/",
		"./services/novera", "./services/gateway/cmd/gateway", "./services/fun/cmd/fun", "./services/community/cmd/community",
		"./services/league/cmd/league", "./services/moderation/cmd/moderation", "./services/novera/chaos/cmd/chaosinfra",
		"./services/rest/cmd/rest")
	build.Dir, build.Stdout, build.Stderr = o.Root, o.Log, o.Log
	if err := build.Run(); err != nil {
		return nil, nil, fmt.Errorf("build: %w", err)
	}

	say("starting PostgreSQL (default durability: fsync and synchronous commit on)")
	settings := map[string]string{"max_connections": "300"}
	if o.PGStats {
		settings["shared_preload_libraries"] = "pg_stat_statements"
	}
	pg, err := pglocal.Start(ctx, pglocal.Options{Dir: filepath.Join(work, "pg"), Settings: settings})
	if err != nil {
		return nil, nil, err
	}
	defer pg.Stop(context.WithoutCancel(ctx))
	pgGroup := Group{Name: "postgres", PIDs: cachedFor(2*time.Second, func() []int {
		pm := postmasterPID(pg.Dir())
		return append(children(pm), pm)
	})}

	var phases []Phase
	startup := map[string]time.Duration{}
	for i, name := range o.Systems {
		db := "bench" + strconv.Itoa(i)
		if err := pg.CreateDatabase(ctx, db); err != nil {
			return phases, startup, err
		}
		// A fresh simulator per system: nothing one bot did is seen by the next.
		sim := discordsim.New(discordsim.Options{
			// Big bots get a higher global limit from Discord; prefix answers are channel
			// messages and would otherwise queue behind 50/s.
			RateLimit: discordsim.RateLimitOptions{GlobalLimit: globalLimit},
			// Load runs minutes; the defaults would hold every REST request, and every
			// interaction for Discord's 15 minutes: the harness grew past a gigabyte, and
			// its garbage collector took the CPU the systems under test needed. An answer
			// after 10 s is an error here anyway.
			MaxRecordedRequests: 1000, MaxMessagesPerChannel: 50, InteractionTokenTTL: 30 * time.Second,
			// Checking every body against Discord's OpenAPI description cost the harness
			// about a tenth of its CPU; Discord's checks do not run on the bot's machine,
			// and the conformance tests keep them on.
			SkipSchemaValidation: true,
			Gateway:              discordsim.GatewayOptions{MaxGuildsPerShard: 2500, MaxConcurrency: 16},
		})
		if err := sim.Start(ctx); err != nil {
			return phases, startup, err
		}
		targets, err := load.Setup(sim, o.Guilds, o.Users)
		if err != nil {
			sim.Close()
			return phases, startup, err
		}
		// The build's binaries, and the previous system's stream store, are still in the
		// page cache, unwritten: the kernel writes back what is over 30 s old in bursts,
		// and a commit's WAL flush that queues behind one waits tens of milliseconds (p99.9
		// 40-70 ms in the first system's 500/s phase, about 25 s in). Written out now, the
		// burst lands before the system runs, for every system alike.
		syscall.Sync()
		say("%s: starting", name)
		sys, err := startSystem(ctx, name, systemEnv{bin: bin, dir: filepath.Join(work, "sys"+strconv.Itoa(i)), sim: sim,
			dbURL: pg.URL(db), shards: o.Shards, log: o.Log})
		if err != nil {
			sim.Close()
			return phases, startup, fmt.Errorf("%s: %w", name, err)
		}
		if err := waitCommands(ctx, sim, "headpat"); err != nil {
			sys.stop()
			sim.Close()
			return phases, startup, fmt.Errorf("%s: %w", name, err)
		}
		groups := append(sys.groups(), pgGroup, Group{Name: "simulator+load", PIDs: pids(os.Getpid())})
		mix := load.HeadpatOnly()
		workloads := []struct {
			name string
			lo   load.Options
		}{
			{"warm-up", load.Options{Rate: 200, Duration: 3 * time.Second, Mix: mix}},
			{fmt.Sprintf("headpat %g/s", o.Rate), load.Options{Rate: o.Rate, Duration: o.RateDuration, Mix: mix}},
			{"headpat max", load.Options{Concurrency: o.Concurrency, Duration: o.MaxDuration, Mix: mix}},
			{fmt.Sprintf("headpat burst %d", o.Burst), load.Options{Burst: true, Count: o.Burst, Mix: mix}},
		}
		if sys.novera {
			// Only Novera has the other commands; the mixed workload is for its targets.
			workloads = append(workloads,
				struct {
					name string
					lo   load.Options
				}{fmt.Sprintf("mix %g/s", o.Rate), load.Options{Rate: o.Rate, Duration: o.RateDuration}},
				struct {
					name string
					lo   load.Options
				}{"mix max", load.Options{Concurrency: o.Concurrency, Duration: o.MaxDuration}})
		}
		// Idle memory, before any load.
		idle := startSampler(groups, sampleEvery)
		time.Sleep(300 * time.Millisecond)
		phases = append(phases, Phase{System: name, Workload: "idle", Usage: idle.finish()})
		for _, w := range workloads {
			say("%s: %s", name, w.name)
			lo := w.lo
			lo.Sim, lo.Targets = sim, targets
			smp := startSampler(groups, sampleEvery)
			res, err := load.Run(ctx, lo)
			usage := smp.finish()
			if err != nil {
				sys.stop()
				sim.Close()
				return phases, startup, fmt.Errorf("%s %s: %w", name, w.name, err)
			}
			if w.name != "warm-up" {
				phases = append(phases, Phase{System: name, Workload: w.name, Result: res, Usage: usage})
			}
			say("%s: %s: %d answered, p50 %v, p99 %v, %.0f/s, %d errors%s", name, w.name, res.Answered,
				res.Quantile(.5), res.Quantile(.99), res.Throughput(), res.Errors, firstErr(res))
			// The next phase measures a system at rest: wait until the bot has finished
			// what this one left (answers still arriving, however late).
			drain(ctx, sim, 2*time.Second, 5*time.Minute)
		}
		sys.stop()
		if o.PGStats {
			if err := logStatements(ctx, pg.URL(db), o.Log); err != nil {
				say("%s: pg_stat_statements: %v", name, err)
			}
		}
		if sys.novera {
			// Start-up on an existing database: the second start of the same shape.
			d, err := timeStartup(ctx, name, systemEnv{bin: bin, dir: filepath.Join(work, "sys"+strconv.Itoa(i)), sim: sim,
				dbURL: pg.URL(db), shards: o.Shards, log: o.Log})
			if err != nil {
				sim.Close()
				return phases, startup, fmt.Errorf("%s restart: %w", name, err)
			}
			startup[name] = d
		}
		sim.Close()
	}
	return phases, startup, nil
}

// drain waits until the simulator has had no REST request from the bot for quiet, or
// limit: a bot still working through a backlog (even one whose answers Discord refuses
// as too late) would otherwise slow the next phase down.
func drain(ctx context.Context, sim *discordsim.Server, quiet, limit time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	last := func() int64 {
		rs := sim.Requests(discordsim.RequestFilter{})
		if len(rs) == 0 {
			return 0
		}
		return rs[len(rs)-1].Seq
	}
	seen, since := last(), time.Now()
	for time.Since(since) < quiet {
		select {
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
		if n := last(); n != seen {
			seen, since = n, time.Now()
		}
	}
}

func firstErr(r *load.Result) string {
	if r.FirstError == "" {
		return ""
	}
	return " (first: " + r.FirstError + ")"
}

// waitCommands waits until the bot has registered the named slash command.
func waitCommands(ctx context.Context, sim *discordsim.Server, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	err := sim.WaitFor(ctx, func(st *discordsim.State) bool {
		for _, c := range st.Commands(0) {
			if c.Name == name {
				return true
			}
		}
		return false
	})
	if err != nil {
		return fmt.Errorf("the bot never registered /%s: %w", name, err)
	}
	return nil
}

type systemEnv struct {
	bin, dir, dbURL string
	sim             *discordsim.Server
	shards          int
	log             io.Writer
}

// system is one running system under test.
type system struct {
	novera bool
	procs  []*proc
	extra  []Group
	stopFn func()
}

func (s *system) groups() []Group {
	var g []Group
	for _, p := range s.procs {
		g = append(g, Group{Name: p.name, PIDs: pids(p.cmd.Process.Pid)})
	}
	return append(g, s.extra...)
}

func (s *system) stop() {
	for i := len(s.procs) - 1; i >= 0; i-- {
		s.procs[i].stop()
	}
	if s.stopFn != nil {
		s.stopFn()
	}
}

type proc struct {
	name string
	cmd  *exec.Cmd
	out  *os.File
	done chan struct{}
}

// spawn starts a binary with env, its output in dir/<name>.log.
func spawn(e systemEnv, name, binary string, env []string, args ...string) (*proc, error) {
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(e.dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(e.bin, binary), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.out.Close()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func get200(ctx context.Context, url string) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err.Error()
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, resp.Status + " " + string(b)
}

func startSystem(ctx context.Context, name string, e systemEnv) (*system, error) {
	switch name {
	case NoveraOne:
		return startNoveraOne(ctx, e)
	case NoveraSeparate:
		return startNoveraSeparate(ctx, e, false)
	case NoveraProxied:
		return startNoveraSeparate(ctx, e, true)
	case DiscordPy, DiscordJS:
		kind := peers.PyBot
		if name == DiscordJS {
			kind = peers.JSBot
		}
		p, err := peers.Start(ctx, kind, peers.Env{Token: e.sim.Token(), APIURL: e.sim.APIURL(), GatewayURL: e.sim.GatewayURL(),
			DatabaseURL: e.dbURL, ShardCount: e.shards, GlobalRequestsPerSecond: globalLimit})
		if err != nil {
			return nil, err
		}
		return &system{extra: []Group{{Name: name, PIDs: pids(p.PID())}}, stopFn: func() { _ = p.Stop(context.Background()) }}, nil
	}
	return nil, fmt.Errorf("unknown system %q (have %v)", name, SystemNames())
}

func noveraEnv(e systemEnv, admin string) []string {
	return []string{"DISCORD_TOKEN=" + e.sim.Token(), "DISCORD_API_URL=" + e.sim.APIURL(), "DATABASE_URL=" + e.dbURL,
		"ADMIN_ADDR=" + admin, "SHARD_COUNT=" + strconv.Itoa(e.shards), "LOG_LEVEL=info", "OTEL_TRACES_SAMPLER=always_off"}
}

func startNoveraOne(ctx context.Context, e systemEnv) (*system, error) {
	admin, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := append(noveraEnv(e, admin), "NOVERA_DATA_DIR="+filepath.Join(e.dir, "data"))
	p, err := spawn(e, "novera", "novera", env)
	if err != nil {
		return nil, err
	}
	s := &system{novera: true, procs: []*proc{p}}
	if err := waitReadyOrExit(ctx, p, "http://"+admin+"/readyz"); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// workers are Novera's command services, each its own binary.
var workers = []string{"fun", "community", "league", "moderation"}

// proxySecret is what the workers show the REST proxy in the proxied shape.
const proxySecret = "bench-proxy-secret-0123456789"

// startNoveraSeparate starts NATS, the gateway and the workers as processes; proxied puts
// the REST proxy (services/rest) between the workers and Discord, as in Kubernetes.
func startNoveraSeparate(ctx context.Context, e systemEnv, proxied bool) (*system, error) {
	natsAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(natsAddr)
	s := &system{novera: true}
	nats, err := spawn(e, "nats", "chaosinfra", nil, "nats", "-port", port, "-store", filepath.Join(e.dir, "nats"))
	if err != nil {
		return nil, err
	}
	s.procs = append(s.procs, nats)
	natsURL := "nats://" + natsAddr
	if err := waitTCP(ctx, natsAddr); err != nil {
		s.stop()
		return nil, err
	}
	var workerEnv []string
	if proxied {
		restAddr, err := freeAddr()
		if err != nil {
			s.stop()
			return nil, err
		}
		admin, err := freeAddr()
		if err != nil {
			s.stop()
			return nil, err
		}
		p, err := spawn(e, "rest", "rest", []string{"DISCORD_TOKEN=" + e.sim.Token(), "DISCORD_PROXY_SECRET=" + proxySecret,
			"NATS_URL=" + natsURL, "DISCORD_UPSTREAM_URL=" + e.sim.APIURL(), "REST_ADDR=" + restAddr, "ADMIN_ADDR=" + admin,
			"REST_GLOBAL_LIMIT=" + strconv.Itoa(globalLimit)})
		if err != nil {
			s.stop()
			return nil, err
		}
		s.procs = append(s.procs, p)
		if err := waitReadyOrExit(ctx, p, "http://"+admin+"/readyz"); err != nil {
			s.stop()
			return nil, err
		}
		// The workers hold no token: the proxy adds it.
		workerEnv = []string{"DISCORD_TOKEN=", "DISCORD_API_URL=http://" + restAddr + "/api/v10", "DISCORD_PROXY_SECRET=" + proxySecret}
	}
	first := len(s.procs)
	var admins []string
	for _, name := range append([]string{"gateway"}, workers...) {
		admin, err := freeAddr()
		if err != nil {
			s.stop()
			return nil, err
		}
		env := append(noveraEnv(e, admin), "NATS_URL="+natsURL)
		if name != "gateway" {
			env = append(env, workerEnv...)
		}
		p, err := spawn(e, name, name, env)
		if err != nil {
			s.stop()
			return nil, err
		}
		s.procs = append(s.procs, p)
		admins = append(admins, admin)
	}
	for i, a := range admins {
		if err := waitReadyOrExit(ctx, s.procs[first+i], "http://"+a+"/readyz"); err != nil {
			s.stop()
			return nil, err
		}
	}
	return s, nil
}

// timeStartup starts the shape again on its existing database and NATS store and returns
// how long the slowest process took from exec to ready.
func timeStartup(ctx context.Context, name string, e systemEnv) (time.Duration, error) {
	start := time.Now()
	s, err := startSystem(ctx, name, e)
	if err != nil {
		return 0, err
	}
	d := time.Since(start)
	s.stop()
	return d, nil
}

func waitTCP(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s never listened: %w", addr, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// waitReadyOrExit waits for url to answer 200, failing early if the process exits.
func waitReadyOrExit(ctx context.Context, p *proc, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- waitHTTP(ctx, url) }()
	select {
	case err := <-errc:
		return err
	case <-p.done:
		cancel()
		return fmt.Errorf("%s exited before it was ready (see %s)", p.name, p.out.Name())
	}
}

// logStatements writes the statements that took most of PostgreSQL's time in the
// database at url, with their calls and mean time, and resets the counters.
func logStatements(ctx context.Context, url string, w io.Writer) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return err
	}
	rows, err := conn.Query(ctx, `SELECT calls, total_exec_time, mean_exec_time, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
		FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
		ORDER BY total_exec_time DESC LIMIT 25`)
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Fprintf(w, "%10s %12s %9s  %s\n", "calls", "total ms", "mean ms", "statement")
	for rows.Next() {
		var calls int64
		var total, mean float64
		var q string
		if err := rows.Scan(&calls, &total, &mean, &q); err != nil {
			return err
		}
		fmt.Fprintf(w, "%10d %12.1f %9.3f  %s\n", calls, total, mean, q)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "SELECT pg_stat_statements_reset()")
	return err
}
