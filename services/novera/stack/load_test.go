package stack

import (
	"context"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim/load"
)

// TestLoadEveryCommandAnsweredOnce runs the benchmark's mixed workload, briefly and at a
// modest rate, through the whole stack: every command gets its answer within Discord's
// deadline, and every headpat is written exactly once. `make bench` runs the same
// workload for longer, faster, and measures it.
func TestLoadEveryCommandAnsweredOnce(t *testing.T) {
	e := newEnv(t)
	targets, err := load.Setup(e.sim, 20, 10)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := load.Run(ctx, load.Options{Sim: e.sim, Targets: targets, Rate: 60, Duration: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sent %d (%d commands): answered %d, p50 %v, p99 %v, max %v", res.Sent, res.Commands, res.Answered,
		res.Quantile(.5), res.Quantile(.99), res.Quantile(1))
	if res.Errors != 0 || res.DeadlineMisses != 0 || res.Answered != res.Commands {
		t.Fatalf("answered %d of %d commands, %d errors, %d deadline misses (first: %s)",
			res.Answered, res.Commands, res.Errors, res.DeadlineMisses, res.FirstError)
	}
	if res.Commands < 100 {
		t.Fatalf("only %d commands sent; the mix or the rate is wrong", res.Commands)
	}

	// Each headpat answered (slash or prefix) is one count in fun.headpats, whatever the
	// redeliveries: its effect happened exactly once.
	var counted int
	if err := e.pool.QueryRow(ctx, `SELECT coalesce(sum(count), 0) FROM fun.headpats`).Scan(&counted); err != nil {
		t.Fatal(err)
	}
	if want := res.ByKind[load.SlashHeadpat] + res.ByKind[load.PrefixHeadpat]; counted != want || want == 0 {
		t.Fatalf("fun.headpats counts %d headpats; %d were answered", counted, want)
	}
}
