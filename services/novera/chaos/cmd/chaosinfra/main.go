// Command chaosinfra runs one piece of infrastructure as its own OS process for the chaos
// harness (services/novera/chaos), so the harness can kill it with SIGKILL and start it again
// on the same data:
//
//	chaosinfra nats -port 4222 -store DIR        a NATS server with JetStream (libs/natsembed)
//	chaosinfra postgres -dir DIR -port 5432       a PostgreSQL cluster (libs/pglocal)
//
// Once ready it prints one JSON line on stdout ({"url":...,"dir":...,"pid":...}) and runs
// until SIGTERM or SIGINT, then stops cleanly.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/novera-bot/novera/libs/natsembed"
	"github.com/novera-bot/novera/libs/pglocal"
)

// ready is what the harness reads from stdout.
type ready struct {
	URL string `json:"url"`
	// Dir is the data directory actually used (pglocal may relocate it).
	Dir string `json:"dir,omitempty"`
	// PID is the PostgreSQL postmaster's pid, the process a crash test kills.
	PID int `json:"pid,omitempty"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: chaosinfra nats|postgres [flags]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil)).With("component", "chaosinfra-"+os.Args[1])
	var err error
	switch os.Args[1] {
	case "nats":
		err = runNATS(ctx, log, os.Args[2:])
	case "postgres":
		err = runPostgres(ctx, log, os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaosinfra:", err)
		os.Exit(1)
	}
}

func announce(r ready) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode ready line: %w", err)
	}
	_, err = fmt.Println(string(b))
	return err
}

func runNATS(ctx context.Context, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("nats", flag.ContinueOnError)
	port := fs.Int("port", 0, "client port")
	store := fs.String("store", "", "JetStream store directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *store == "" || *port == 0 {
		return errors.New("nats: -port and -store are required")
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// A restart after SIGKILL finds the port in TIME_WAIT or the store being recovered;
	// retry for a while rather than fail the harness.
	var srv *natsembed.Server
	var err error
	for {
		srv, err = natsembed.Start(sctx, natsembed.Options{Port: *port, StoreDir: *store, ServerName: "chaos", Logger: log})
		if err == nil || sctx.Err() != nil {
			break
		}
		log.Warn("nats not started yet; retrying", "err", err)
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	if err := announce(ready{URL: srv.ClientURL(), Dir: srv.StoreDir()}); err != nil {
		return err
	}
	<-ctx.Done()
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	return srv.Shutdown(dctx)
}

func runPostgres(ctx context.Context, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("postgres", flag.ContinueOnError)
	port := fs.Int("port", 0, "TCP port")
	dir := fs.String("dir", "", "data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *port == 0 {
		return errors.New("postgres: -port and -dir are required")
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	opts := pglocal.Options{Dir: *dir, Port: *port, Logger: log, Fast: true,
		// Fast turns synchronous_commit off, which acknowledges a commit before its WAL
		// leaves shared memory: a SIGKILL would then lose committed transactions, which is
		// exactly what the harness must not blame on the services. fsync stays off (the
		// harness kills processes, not the machine).
		Settings: map[string]string{"synchronous_commit": "on", "max_connections": "200"}}
	var c *pglocal.Cluster
	var err error
	for {
		// After a SIGKILL of the postmaster its backends linger a moment on the old shared
		// memory, and postgres refuses to start until they are gone: retry.
		c, err = pglocal.Start(sctx, opts)
		if err == nil || sctx.Err() != nil {
			break
		}
		log.Warn("postgres not started yet; retrying", "err", err)
		time.Sleep(300 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	pid, err := postmasterPID(c.Dir())
	if err != nil {
		return err
	}
	if err := announce(ready{URL: c.URL("postgres"), Dir: c.Dir(), PID: pid}); err != nil {
		return err
	}
	<-ctx.Done()
	dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer dcancel()
	return c.Stop(dctx)
}

func postmasterPID(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("read postmaster.pid: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("postmaster.pid: %w", err)
	}
	return pid, nil
}
