// Command bench runs `make bench`'s end-to-end comparison: Novera in both shapes and the
// discord.py and discord.js peers, through the same simulator on the same workloads, and
// prints one table, which it also writes into BENCHMARKS.md.
//
//	go run ./services/novera/cmd/bench [-systems 'novera (one process),discord.py'] [-rate 500] [-for 60s]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/novera-bot/novera/services/novera/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	var o bench.Options
	systems := flag.String("systems", strings.Join(bench.SystemNames(), ","), "comma-separated systems to run")
	flag.Float64Var(&o.Rate, "rate", 500, "commands per second of the fixed-rate phases")
	flag.DurationVar(&o.RateDuration, "for", 60*time.Second, "length of the fixed-rate phases")
	flag.IntVar(&o.Concurrency, "inflight", 512, "commands in flight in the throughput phases")
	flag.DurationVar(&o.MaxDuration, "max-for", 20*time.Second, "length of the throughput phases")
	flag.IntVar(&o.Burst, "burst", 5000, "commands fired at once in the burst phase")
	flag.IntVar(&o.Guilds, "guilds", 1000, "simulated guilds")
	flag.IntVar(&o.Users, "users", 50, "members per guild")
	flag.IntVar(&o.Shards, "shards", 2, "shards every system runs")
	flag.BoolVar(&o.PGStats, "pgstats", false, "log the statements PostgreSQL spent its time on, per system (pg_stat_statements)")
	out := flag.String("out", "BENCHMARKS.md", "file whose generated section gets the table (empty: none)")
	cpuProfile := flag.String("cpuprofile", "", "write the harness's own CPU profile (simulator and load generator) here")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	o.Systems = strings.Split(*systems, ",")
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	o.Root, o.Log = root, os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	phases, startup, err := bench.Run(ctx, o)
	table := bench.Table(phases, startup, o)
	fmt.Println(table)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := bench.WriteMarkdown(filepath.Join(root, *out), table); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: table written to %s\n", *out)
	}
	return nil
}
