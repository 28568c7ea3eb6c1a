package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/services/novera/stack"
)

// workerServices are the command services; each runs as two processes.
var workerServices = []string{stack.Fun, stack.Community, stack.League, stack.Moderation}

// binDir is where the binaries are built, once per test binary.
var (
	buildOnce sync.Once
	binDir    string
)

// TestMain removes the built binaries after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func binaries(t testing.TB) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "novera-chaos-bin-")
		if err != nil {
			t.Fatal(err)
		}
		buildBinaries(t, dir)
		binDir = dir
	})
	if binDir == "" {
		t.Fatal("binaries were not built")
	}
	return binDir
}

// system is every process of one Novera deployment plus the simulator they talk to.
type system struct {
	t    testing.TB
	logs string // directory of the processes' logs
	bin  string
	sim  *discordsim.Server
	demo *discordsim.Demo
	// guild2 lives on the other shard, so both gateways carry traffic.
	guild2 guild2

	nats *proc
	pg   postgres
	// rests are the REST proxy's two replicas when the workers go through it.
	rests    []*proc
	natsURL  string
	dbURL    string
	gateways []*proc
	workers  map[string][]*proc
	// shardCount is the SHARD_COUNT every gateway gets.
	shardCount int
	// gatewayEnv returns the environment of gateway i (how it picks its shards).
	gatewayEnv func(i int) []string
}

// guild2 is a small second guild for the shard the demo guild is not on.
type guild2 struct {
	id      discordsim.Snowflake
	channel discordsim.Snowflake
	members []discordsim.Snowflake
}

type systemOptions struct {
	sim discordsim.Options
	// gateways is how many gateway processes run (default 2).
	gateways int
	// gatewayEnv, if set, replaces the default shard assignment (SHARD_IDS=i).
	gatewayEnv func(i int) []string
	// token the services use (default the simulator's).
	token string
	// services limits which workers run (default all).
	services []string
	// shards is the shard count (default 2; with 1 there is no second guild).
	shards int
	// restProxy puts the REST proxy (services/rest, two replicas) between the workers and
	// Discord, as in production: the workers hold no token.
	restProxy bool
}

// proxySecret is what the workers show the REST proxy.
const proxySecret = "chaos-proxy-secret-0123456789"

// newSystem starts the simulator, NATS, PostgreSQL, the workers and the gateways, and waits
// until both shards are connected. Everything is stopped when the test ends.
func newSystem(t testing.TB, o systemOptions) *system {
	t.Helper()
	s := &system{t: t, bin: binaries(t), workers: map[string][]*proc{}, shardCount: max(o.shards, 1)}
	if o.shards == 0 {
		s.shardCount = 2
	}
	logs, err := os.MkdirTemp("", "novera-chaos-logs-")
	if err != nil {
		t.Fatal(err)
	}
	s.logs = logs
	t.Logf("process logs in %s", logs)
	// Registered first, so it runs last: the logs stay for a failed test to be read.
	t.Cleanup(func() {
		if !t.Failed() {
			_ = os.RemoveAll(logs)
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	s.sim = discordsim.New(o.sim)
	if err := s.sim.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.sim.Close)
	demo, err := s.sim.SeedDemo()
	if err != nil {
		t.Fatal(err)
	}
	s.demo = demo
	if s.shardCount > 1 {
		s.addGuild2()
	}

	s.nats = &proc{name: "nats", bin: filepath.Join(s.bin, "chaosinfra"), infra: true, logPath: filepath.Join(logs, "nats.log"),
		args: []string{"nats", "-port", strconv.Itoa(freePort(t)), "-store", filepath.Join(logs, "nats-store")}, env: os.Environ()}
	pgDir, err := os.MkdirTemp("", "novera-chaos-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = os.RemoveAll(pgDir)
		// pglocal may have put the data where the postgres user can enter it.
		if s.pg.proc != nil && s.pg.ready.Dir != "" {
			_ = os.RemoveAll(s.pg.ready.Dir)
		}
	})
	s.pg = postgres{&proc{name: "postgres", bin: filepath.Join(s.bin, "chaosinfra"), infra: true, logPath: filepath.Join(logs, "postgres.log"),
		args: []string{"postgres", "-port", strconv.Itoa(freePort(t)), "-dir", filepath.Join(pgDir, "data")}, env: os.Environ()}}
	for _, p := range []*proc{s.nats, s.pg.proc} {
		if err := p.start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.term(30 * time.Second) })
	}
	s.natsURL, s.dbURL = s.nats.ready.URL, s.pg.ready.URL
	s.configureDemo(ctx)

	token := o.token
	if token == "" {
		token = s.sim.Token()
	}
	common := append(os.Environ(), "DISCORD_TOKEN="+token, "NATS_URL="+s.natsURL, "DISCORD_API_URL="+s.sim.APIURL(),
		"DATABASE_URL="+s.dbURL, "ADMIN_ADDR=127.0.0.1:0")
	workerEnv := common
	if o.restProxy {
		ports := []int{freePort(t), freePort(t)}
		for i, port := range ports {
			p := &proc{name: fmt.Sprintf("rest-%d", i), bin: filepath.Join(s.bin, "rest"),
				env: append(append([]string{}, common...), "DISCORD_PROXY_SECRET="+proxySecret, "DISCORD_UPSTREAM_URL="+s.sim.APIURL(),
					fmt.Sprintf("REST_ADDR=127.0.0.1:%d", port), fmt.Sprintf("REST_INSTANCE=rest-%d", i)),
				logPath: filepath.Join(logs, fmt.Sprintf("rest-%d.log", i))}
			s.rests = append(s.rests, p)
		}
		// The workers try the first replica and, refused (a standby's 503, a dead port),
		// the other: the lease decides which one is active, whichever was killed last.
		url := func(port int) string { return fmt.Sprintf("http://127.0.0.1:%d/api/v10", port) }
		workerEnv = func(first, second int) []string {
			return append(append([]string{}, common...), "DISCORD_TOKEN=", "DISCORD_PROXY_SECRET="+proxySecret,
				"DISCORD_API_URL="+url(first), "DISCORD_API_FALLBACK_URLS="+url(second))
		}(ports[0], ports[1])
	}
	services := o.services
	if services == nil {
		services = workerServices
	}
	for _, name := range services {
		for i := range 2 {
			p := &proc{name: fmt.Sprintf("%s-%d", name, i), bin: filepath.Join(s.bin, name), env: workerEnv,
				logPath: filepath.Join(logs, fmt.Sprintf("%s-%d.log", name, i))}
			s.workers[name] = append(s.workers[name], p)
		}
	}
	n := o.gateways
	if n == 0 {
		n = 2
	}
	s.gatewayEnv = o.gatewayEnv
	if s.gatewayEnv == nil {
		// A StatefulSet: each pod takes its shards from its ordinal, and a restarted pod
		// (same name) takes its shard leases back at once.
		s.gatewayEnv = func(i int) []string {
			return []string{"SHARD_COUNT=" + strconv.Itoa(s.shardCount), "GATEWAY_REPLICAS=" + strconv.Itoa(n),
				fmt.Sprintf("POD_NAME=gateway-%d", i), "GATEWAY_LEASE_TTL=3s"}
		}
	}
	for i := range n {
		p := &proc{name: fmt.Sprintf("gateway-%d", i), bin: filepath.Join(s.bin, "gateway"),
			env: append(append([]string{}, common...), s.gatewayEnv(i)...), logPath: filepath.Join(logs, fmt.Sprintf("gateway-%d.log", i))}
		s.gateways = append(s.gateways, p)
	}
	for _, p := range s.all() {
		if err := p.start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Services first, infrastructure last (cleanups run in reverse).
	t.Cleanup(func() {
		for _, p := range s.all() {
			p.term(30 * time.Second)
		}
	})
	return s
}

// all lists the service processes: REST proxies, workers, then gateways.
func (s *system) all() []*proc {
	out := append([]*proc{}, s.rests...)
	for _, name := range workerServices {
		out = append(out, s.workers[name]...)
	}
	return append(out, s.gateways...)
}

func (s *system) addGuild2() {
	demoShard := shardOf(s.demo.GuildID, s.shardCount)
	owner, err := s.sim.AddUser(discordsim.User{Username: "owner2"})
	if err != nil {
		s.t.Fatal(err)
	}
	for range 50 {
		g, err := s.sim.AddGuild(discordsim.Guild{Name: "Chaos Two", OwnerID: owner.ID})
		if err != nil {
			s.t.Fatal(err)
		}
		if shardOf(g.ID, s.shardCount) == demoShard {
			// The shard comes from the id's millisecond: an empty guild is harmless; try
			// again a millisecond later.
			time.Sleep(time.Millisecond)
			continue
		}
		s.guild2.id = g.ID
		break
	}
	if s.guild2.id == 0 {
		s.t.Fatal("no guild id landed on the other shard")
	}
	if _, err := s.sim.AddMember(discordsim.Member{GuildID: s.guild2.id, User: owner}); err != nil {
		s.t.Fatal(err)
	}
	c, err := s.sim.AddChannel(discordsim.Channel{GuildID: s.guild2.id, Name: "general", Type: discordsim.ChannelGuildText})
	if err != nil {
		s.t.Fatal(err)
	}
	s.guild2.channel = c.ID
	for i := range 4 {
		m, err := s.sim.AddMember(discordsim.Member{GuildID: s.guild2.id, User: discordsim.User{Username: fmt.Sprintf("member%d", i+1)}})
		if err != nil {
			s.t.Fatal(err)
		}
		s.guild2.members = append(s.guild2.members, m.User.ID)
	}
}

func shardOf(g discordsim.Snowflake, count int) int { return int((uint64(g) >> 22) % uint64(count)) }

func (s *system) configureDemo(ctx context.Context) {
	pool, err := store.Open(ctx, s.dbURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer pool.Close()
	cfg, err := guildconfig.Open(ctx, pool)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := stack.ConfigureDemo(ctx, cfg, s.demo); err != nil {
		s.t.Fatal(err)
	}
}

// waitShards waits until every shard has a connected session.
func (s *system) waitShards(ctx context.Context) error {
	for {
		connected := map[int]bool{}
		for _, ss := range s.sim.State().Sessions() {
			if ss.Connected && ss.ShardCount == s.shardCount {
				connected[ss.ShardID] = true
			}
		}
		if len(connected) == s.shardCount {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("shards connected: %v of %d: %w", connected, s.shardCount, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// dumpLogs prints the problems each process logged, for a failing test.
func (s *system) dumpLogs() {
	for _, p := range append([]*proc{s.nats, s.pg.proc}, s.all()...) {
		s.t.Logf("---- %s (%s)\n%s", p.name, p.logPath, p.logTail(15))
	}
}
