// Package pgtest gives each test its own empty PostgreSQL database.
//
// A package whose tests need PostgreSQL calls Main from its TestMain and URL in each test:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()
//		pool, err := store.Open(t.Context(), pgtest.URL(t))
//		...
//	}
//
// If DATABASE_URL is set (a postgres:// URL of a role allowed to create databases), the
// databases are made on that server. Otherwise Main starts one throwaway cluster for the
// test binary (pglocal, Fast mode, in a temp dir) and stops and removes it when the tests
// are done. Either way every URL call creates a fresh database, dropped when its test
// ends, so tests are isolated and may run in parallel.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/pglocal"
)

const (
	// EnvDatabaseURL names a server to use instead of a throwaway cluster.
	EnvDatabaseURL = "DATABASE_URL"
	// envClusterURL is how Main hands its cluster to URL: the environment is the one place
	// a test binary already shares between TestMain and the tests, so no package state.
	envClusterURL = "NOVERA_PGTEST_CLUSTER_URL"
)

// Main runs the tests of the package, with a throwaway cluster unless DATABASE_URL is set.
// Call it from TestMain; it does not return if the cluster cannot start.
func Main(m *testing.M) {
	if os.Getenv(EnvDatabaseURL) != "" {
		m.Run()
		return
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	c, err := pglocal.Start(ctx, pglocal.Options{
		Dir:    dir,
		Fast:   true,
		Logger: slog.New(slog.DiscardHandler),
		// Parallel tests each hold a pool; the default 100 connections run out quickly.
		Settings: map[string]string{"max_connections": "300"},
	})
	cancel()
	if err != nil {
		_ = os.RemoveAll(dir)
		fmt.Fprintf(os.Stderr, "pgtest: no PostgreSQL for the tests (set %s to use a running server): %v\n", EnvDatabaseURL, err)
		os.Exit(1)
	}
	cleanup := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
		_ = os.RemoveAll(dir)
	}
	// An interrupted test run (^C) would otherwise leave the server running.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cleanup()
			os.Exit(1)
		case <-done:
		}
	}()
	_ = os.Setenv(envClusterURL, c.URL("postgres"))

	m.Run() // since Go 1.15 the testing package exits with m.Run's code when Main returns

	signal.Stop(sigs)
	close(done)
	cleanup()
}

// URL creates an empty database for this test and returns its URL; the database is dropped
// when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvDatabaseURL)
	if server == "" {
		server = os.Getenv(envClusterURL)
	}
	if server == "" {
		t.Fatalf("pgtest: no PostgreSQL: call pgtest.Main from TestMain, or set %s", EnvDatabaseURL)
	}
	base, err := url.Parse(server)
	if err != nil || (base.Scheme != "postgres" && base.Scheme != "postgresql") {
		t.Fatalf("pgtest: %s must be a postgres:// URL", EnvDatabaseURL)
	}
	name := databaseName(t.Name())

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", base.Redacted(), err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s on %s: %v", name, base.Host, err)
	}
	t.Cleanup(func() { dropDatabase(t, server, name) })

	u := *base
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// dropDatabase matters on a shared DATABASE_URL server; FORCE ends sessions a test left open.
func dropDatabase(t testing.TB, server, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Logf("pgtest: drop database %s: %v", name, err)
		return
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Logf("pgtest: drop database %s: %v", name, err)
	}
}

// databaseName is readable (the test's name) and unique (a random suffix), within
// PostgreSQL's 63-byte limit on names.
func databaseName(testName string) string {
	var suffix [4]byte
	_, _ = rand.Read(suffix[:]) // crypto/rand.Read never fails
	slug := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(testName))
	const maxSlug = 63 - len("t__") - 2*len(suffix)
	if len(slug) > maxSlug {
		slug = slug[:maxSlug]
	}
	return "t_" + slug + "_" + hex.EncodeToString(suffix[:])
}
