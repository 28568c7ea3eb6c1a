package chaos

import (
	"context"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/services/novera/stack"
)

// A worker (re)started while PostgreSQL is down waits for it instead of exiting, and
// serves once it is back. Found by the chaos run: a worker restarted just before a
// database crash exited at start-up and stayed down.
func TestWorkerStartWaitsForDatabase(t *testing.T) {
	s := newSystem(t, systemOptions{sim: discordsim.Options{HeartbeatInterval: time.Second}, gateways: 1, shards: 1,
		services: []string{stack.Fun}})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := s.waitShards(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.pg.crash(); err != nil {
		t.Fatal(err)
	}
	for _, w := range s.workers[stack.Fun] {
		w.kill()
		if err := w.start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(3 * time.Second)
	for _, w := range s.workers[stack.Fun] {
		if w.exited() {
			t.Fatalf("%s exited while PostgreSQL was down:\n%s", w.name, w.logTail(5))
		}
	}
	ex, err := s.sim.Prefix(ctx, discordsim.MessageRequest{UserID: s.demo.Members["player1"], Content: "!shopping"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.pg.start(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if _, err := ex.WaitAnswer(wctx); err != nil {
		t.Fatalf("no answer once PostgreSQL was back: %v", err)
	}
}
