package stack

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discordsim"
)

// At start-up the gateway registers every command of the registry with one bulk
// overwrite and identifies with the presence "Listening to commands | !help".
func TestGatewayRegistersCommandsAndPresence(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t, Gateway)
	var registered []string
	for _, c := range e.sim.State().Commands(0) {
		registered = append(registered, c.Name)
	}
	for _, c := range commands.Novera().All() {
		if !slices.Contains(registered, c.Name) {
			t.Errorf("%s not registered (have %v)", c.Name, registered)
		}
	}
	if n := len(e.sim.Requests(discordsim.RequestFilter{Method: "PUT", Route: "/applications/{application_id}/commands"})); n != 1 {
		t.Errorf("%d bulk overwrites, want 1", n)
	}
	sessions := e.sim.State().Sessions()
	if len(sessions) != 1 {
		t.Fatalf("%d sessions", len(sessions))
	}
	p := sessions[0].Presence
	if len(p.Activities) != 1 || p.Activities[0].Type != discordsim.ActivityListening || p.Activities[0].Name != "commands | !help" {
		t.Errorf("presence %+v", p)
	}
}

// A bad token stops the gateway with a clear reason on /readyz, and it does not retry:
// Discord bans addresses that send too many unauthorised requests.
func TestBadTokenStopsWithoutRetrying(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t, Community)
	o := e.opts
	o.Token, o.Services = "not-the-token", []string{Gateway}
	st, err := Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Stop(context.Background())
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var summary string
	for {
		res := st.Ready(ctx)
		summary = res.Summary()
		if strings.Contains(summary, "token") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("readiness never named the token: %s", summary)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st.Ready(ctx).OK {
		t.Fatal("ready with a bad token")
	}
	unauthorized := func() int { return len(e.sim.Requests(discordsim.RequestFilter{Status: 401})) }
	before := unauthorized()
	// Give a retry loop the time to show itself: at the client's one-second back-off it
	// would have tried at least twice.
	time.Sleep(2500 * time.Millisecond)
	if after := unauthorized(); after > 2 || after != before {
		t.Errorf("unauthorised requests: %d, then %d", before, after)
	}
}

// Discord closing the gateway with 4004 stops the shard for good: /readyz names the
// reason, and the gateway never connects again (a bad token must not loop).
func TestGateway4004StopsAndReportsNotReady(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t, Gateway)
	before := e.sim.GatewayStats().Connections
	if _, err := e.sim.InjectGatewayFault(discordsim.GatewayFault{Kind: discordsim.FaultClose, Code: 4004}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var summary string
	for {
		res := e.stack.Ready(ctx)
		summary = res.Summary()
		if !res.OK && strings.Contains(summary, "4004") {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("readiness never reported 4004: %s", summary)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The client's reconnect back-off starts at a second; wait past it to see no attempt.
	time.Sleep(1500 * time.Millisecond)
	if after := e.sim.GatewayStats().Connections; after != before {
		t.Errorf("connections went from %d to %d after 4004", before, after)
	}
	t.Logf("readiness: %s", summary)
}

// A gateway process that stops and a new one that starts for the same shard: the new one
// resumes the saved session (no new identify) and Discord replays what was sent meanwhile,
// so a command typed while no gateway was running is still answered.
func TestGatewayRestartResumesSession(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t, Gateway, Fun)
	before := e.sim.GatewayStats()
	e.stop()
	x, err := e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("player1"), Content: "!confess"})
	if err != nil {
		t.Fatal(err)
	}
	e.start(Gateway, Fun)
	if r := e.answer(x, nil); len(r.Message.Embeds) == 0 {
		t.Fatalf("the command sent while the gateway was away got %+v", r)
	}
	after := e.sim.GatewayStats()
	if after.Identifies != before.Identifies || after.Resumes != before.Resumes+1 {
		t.Errorf("identifies %d → %d, resumes %d → %d; want the same identifies and one resume",
			before.Identifies, after.Identifies, before.Resumes, after.Resumes)
	}
}

// A worker whose token Discord refuses (401) turns not-ready with the reason, logs it
// once, and does not retry the refused calls.
func TestWorkerRefusedTokenTurnsNotReady(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t, Gateway)
	o := e.opts
	o.Token, o.Services = "not-the-token", []string{Fun}
	fun, err := Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer fun.Stop(context.Background())
	if !fun.Ready(t.Context()).OK {
		t.Fatalf("not ready before any call: %s", fun.Ready(t.Context()).Summary())
	}
	// A prefix command's answer is a channel message, which needs the token (interaction
	// callbacks do not).
	if _, err := e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("player1"), Content: "!confess"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for !strings.Contains(fun.Ready(ctx).Summary(), "401") {
		if ctx.Err() != nil {
			t.Fatalf("readiness never reported the refused token: %s", fun.Ready(context.Background()).Summary())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if fun.Ready(ctx).OK {
		t.Error("ready although Discord refuses the token")
	}
	b, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	e.waitDrained(b, Fun)
	if n := len(e.sim.Requests(discordsim.RequestFilter{Status: 401})); n > 2 {
		t.Errorf("%d unauthorised requests for one command: refused calls were retried", n)
	}
}
