package stack

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"github.com/novera-bot/novera/libs/pglocal/pgtest"
	"github.com/novera-bot/novera/libs/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// env is one test's world: a simulator with the demo guild, a NATS server, a database,
// and the services under test.
type env struct {
	t     testing.TB
	sim   *discordsim.Server
	demo  *discordsim.Demo
	opts  Options
	pool  *pgxpool.Pool
	spans *tracetest.InMemoryExporter
	stack *Stack
}

// newEnv starts everything; services limits which services run (default all).
func newEnv(t testing.TB, services ...string) *env {
	t.Helper()
	sim, demo := simtest.Start(t, discordsim.Options{HeartbeatInterval: time.Second})
	e := &env{t: t, sim: sim, demo: demo, spans: tracetest.NewInMemoryExporter()}
	e.opts = Options{Token: sim.Token(), APIURL: sim.APIURL(), NATSURL: natstest.Start(t), DatabaseURL: pgtest.URL(t),
		SpanExporter: e.spans, Services: services}
	pool, err := store.Open(t.Context(), e.opts.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e.pool = pool
	cfg, err := guildconfig.Open(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	if err := ConfigureDemo(t.Context(), cfg, demo); err != nil {
		t.Fatal(err)
	}
	e.start(services...)
	return e
}

// start (re)starts the stack with the given services and waits until it is ready.
func (e *env) start(services ...string) {
	e.t.Helper()
	o := e.opts
	o.Services = services
	st, err := Start(e.t.Context(), o)
	if err != nil {
		e.t.Fatal(err)
	}
	e.stack = st
	e.t.Cleanup(func() { _ = st.Stop(context.Background()) })
	ctx, cancel := context.WithTimeout(e.t.Context(), 20*time.Second)
	defer cancel()
	for !st.Ready(ctx).OK {
		select {
		case <-ctx.Done():
			e.t.Fatalf("stack not ready: %s", st.Ready(context.Background()).Summary())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// stop stops the running stack.
func (e *env) stop() {
	e.t.Helper()
	if err := e.stack.Stop(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) member(name string) discordsim.Snowflake {
	id, ok := e.demo.Members[name]
	if !ok {
		e.t.Fatalf("no demo member %q", name)
	}
	return id
}

// answer waits for the first answer of an exchange.
func (e *env) answer(x *discordsim.Exchange, err error) discordsim.Reply {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	r, err := x.WaitAnswer(ctx)
	if err != nil {
		e.t.Fatalf("no answer: %v", err)
	}
	return r
}

func (e *env) slash(user, text string) discordsim.Reply {
	e.t.Helper()
	return e.answer(e.sim.Slash(e.t.Context(), discordsim.SlashRequest{UserID: e.member(user), Text: text}))
}

func (e *env) prefix(user, text string) discordsim.Reply {
	e.t.Helper()
	return e.answer(e.sim.Prefix(e.t.Context(), discordsim.MessageRequest{UserID: e.member(user), Content: text}))
}

// pats reads the stored pat count of a member today.
func (e *env) pats(user string) int {
	e.t.Helper()
	var n int
	err := e.pool.QueryRow(e.t.Context(), `SELECT COALESCE(SUM(count), 0) FROM fun.headpats WHERE guild_id = $1 AND user_id = $2`,
		e.demo.GuildID.String(), e.member(user).String()).Scan(&n)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// hasRole reports whether a member holds a demo role, in the simulator's state.
func (e *env) hasRole(user, role string) bool {
	e.t.Helper()
	m, ok := e.sim.State().Member(e.demo.GuildID, e.member(user))
	if !ok {
		e.t.Fatalf("member %s missing", user)
	}
	return m.HasRole(e.demo.Roles[role])
}

// waitRole waits until a member's role matches want.
func (e *env) waitRole(user, role string, want bool) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	err := e.sim.WaitFor(ctx, func(st *discordsim.State) bool {
		m, _ := st.Member(e.demo.GuildID, e.member(user))
		return m.HasRole(e.demo.Roles[role]) == want
	})
	if err != nil {
		e.t.Fatalf("%s holding %s: want %v: %v", user, role, want, err)
	}
}
