package chaos

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/services/novera/stack"
)

// sendWhileDown posts n prefix headpats from player1 to player2 and returns their
// exchanges; the gateway that should read them may be dead at the time.
func sendWhileDown(t *testing.T, s *system, n int) []*discordsim.Exchange {
	t.Helper()
	var out []*discordsim.Exchange
	for i := range n {
		ex, err := s.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: s.demo.Members["player1"],
			Content: fmt.Sprintf("!headpat <@%s>", s.demo.Members["player2"])})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ex)
		if _, err := s.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: s.demo.Members["player3"],
			Content: fmt.Sprintf("chatting while the gateway is away, %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// expectDelivered waits until every exchange has exactly one answer and player2 holds n
// pats in the database.
func expectDelivered(t *testing.T, s *system, xs []*discordsim.Exchange, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for i, x := range xs {
		if _, err := x.WaitAnswer(ctx); err != nil {
			t.Fatalf("headpat %d sent while the gateway was down: no answer: %v", i, err)
		}
	}
	time.Sleep(500 * time.Millisecond) // a duplicate would arrive now
	for i, x := range xs {
		if o := classify(&sent{ex: x}); !o.ok {
			t.Errorf("headpat %d: %s", i, describe(x.Replies()))
		}
	}
	pool, err := store.Open(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var pats int64
	if err := pool.QueryRow(ctx, `SELECT COALESCE(SUM(count), 0)::bigint FROM fun.headpats WHERE user_id = $1`,
		s.demo.Members["player2"].String()).Scan(&pats); err != nil {
		t.Fatal(err)
	}
	if pats != int64(n) {
		t.Errorf("player2 has %d pats, want %d (one per headpat sent while the gateway was down)", pats, n)
	}
}

// A gateway pod killed with SIGKILL and started again under the same name resumes its
// session (no new identify), and Discord replays what was dispatched while it was down.
func TestGatewayKilledResumes(t *testing.T) {
	s := newSystem(t, systemOptions{sim: discordsim.Options{HeartbeatInterval: time.Second}, gateways: 1, shards: 1,
		services: []string{stack.Fun}})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := s.waitShards(ctx); err != nil {
		t.Fatal(err)
	}
	// Let the session (with its sequence) be saved at least once.
	time.Sleep(time.Second)
	before := s.sim.GatewayStats()
	gw := s.gateways[0]
	gw.kill()
	xs := sendWhileDown(t, s, 5)
	if err := gw.start(ctx); err != nil {
		t.Fatal(err)
	}
	expectDelivered(t, s, xs, 5)
	after := s.sim.GatewayStats()
	if after.Identifies != before.Identifies {
		t.Errorf("the restarted gateway identified %d times; it must resume", after.Identifies-before.Identifies)
	}
	if after.Resumes != before.Resumes+1 {
		t.Errorf("resumes: %d, want %d", after.Resumes, before.Resumes+1)
	}
	if t.Failed() {
		s.dumpLogs()
	}
}

// Two gateway processes configured for the same shard: only the lease holder connects;
// when it dies, the other takes the shard over once the lease expires and resumes the
// session, delivering what was dispatched in between.
func TestShardLeaseTakeover(t *testing.T) {
	const ttl = 2 * time.Second
	s := newSystem(t, systemOptions{sim: discordsim.Options{HeartbeatInterval: time.Second}, gateways: 2, shards: 1,
		services: []string{stack.Fun},
		gatewayEnv: func(int) []string {
			return []string{"SHARD_COUNT=1", "SHARD_IDS=0", "GATEWAY_LEASE_TTL=" + ttl.String(), "POD_NAME="}
		}})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := s.waitShards(ctx); err != nil {
		t.Fatal(err)
	}
	// Well past a lease's life: the standby must still be standing by.
	time.Sleep(2 * ttl)
	if st := s.sim.GatewayStats(); st.Identifies != 1 || st.Connections != 1 {
		t.Fatalf("two processes for one shard: %d identifies over %d connections, want 1 and 1", st.Identifies, st.Connections)
	}
	holder, standby := s.gateways[0], s.gateways[1]
	if logHas(holder, "standing by") {
		holder, standby = standby, holder
	}
	if !logHas(standby, "standing by") {
		t.Fatalf("neither gateway says it is standing by:\n%s\n%s", holder.logTail(5), standby.logTail(5))
	}
	before := s.sim.GatewayStats()
	holder.kill()
	killed := time.Now()
	xs := sendWhileDown(t, s, 5)
	expectDelivered(t, s, xs, 5)
	t.Logf("the standby took over and delivered everything %v after the holder was killed", time.Since(killed).Round(time.Millisecond))
	after := s.sim.GatewayStats()
	if after.Identifies != before.Identifies || after.Resumes != before.Resumes+1 {
		t.Errorf("takeover: %d identifies and %d resumes, want 0 and 1", after.Identifies-before.Identifies, after.Resumes-before.Resumes)
	}
	if t.Failed() {
		s.dumpLogs()
	}
}

func logHas(p *proc, text string) bool {
	b, err := os.ReadFile(p.logPath)
	return err == nil && strings.Contains(string(b), text)
}

// Two gateway processes starting together take turns to identify: Discord (the simulator,
// enforcing it) allows one identify per max_concurrency bucket per 5 s and answers an early
// one with an invalid session. No identify is refused, and the second comes ~5 s later.
func TestIdentifyPacedAcrossProcesses(t *testing.T) {
	s := newSystem(t, systemOptions{sim: discordsim.Options{HeartbeatInterval: time.Second,
		Gateway: discordsim.GatewayOptions{EnforceIdentifyRate: true, MaxConcurrency: 1}},
		services: []string{stack.Fun}})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := s.waitShards(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.sim.GatewayStats()
	if st.Identifies != 2 || st.InvalidSessions != 0 {
		t.Fatalf("two shards in two processes: %d identifies, %d refused (op 9); want 2 and 0", st.Identifies, st.InvalidSessions)
	}
	var created []time.Time
	for _, ss := range s.sim.State().Sessions() {
		created = append(created, ss.CreatedAt)
	}
	if len(created) != 2 {
		t.Fatalf("%d sessions", len(created))
	}
	gap := created[1].Sub(created[0])
	if gap < 0 {
		gap = -gap
	}
	if gap < 4900*time.Millisecond {
		t.Errorf("the two identifies were %v apart; Discord allows one per 5 s in a bucket", gap)
	}
	t.Logf("identifies %v apart", gap.Round(time.Millisecond))
}
