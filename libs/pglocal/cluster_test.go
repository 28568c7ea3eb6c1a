package pglocal

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// tempDir is a fresh directory under the system temp dir, removed after the test. (Not
// t.TempDir: that one sits in a 0700 directory, which would send every test through the
// relocation path; TestStartRelocatesUnreachableDir covers that on purpose.)
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pglocal-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// startCluster starts a cluster in dir and stops it when the test ends.
func startCluster(t *testing.T, dir string) *Cluster {
	t.Helper()
	c, err := Start(testContext(t), Options{Dir: dir, Fast: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

func execSQL(t *testing.T, c *Cluster, sql string) {
	t.Helper()
	ctx := testContext(t)
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func queryInt(t *testing.T, url, sql string) int {
	t.Helper()
	ctx := testContext(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func TestStartStopRestart(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	ctx := testContext(t)

	c, err := Start(ctx, Options{Dir: dir, Fast: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Start on an empty directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		t.Fatalf("no cluster created: %v", err)
	}
	if err := c.CreateDatabase(ctx, "novera"); err != nil {
		t.Fatalf("CreateDatabase: %v", err)
	}
	conn, err := pgx.Connect(ctx, c.URL("novera"))
	if err != nil {
		t.Fatalf("connect to the new database: %v", err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("postmaster.pid after Stop: %v", err)
	}

	c2 := startCluster(t, dir)
	if got := queryInt(t, c2.URL("novera"), "SELECT n FROM kept"); got != 42 {
		t.Fatalf("after restart: got %d, want 42", got)
	}
}

// TestStartAfterCrash covers what a crashed runner can leave behind.
func TestStartAfterCrash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		crash func(t *testing.T, c *Cluster, pid int)
	}{
		{
			// The runner died, the server lived on.
			name:  "server still running",
			crash: func(t *testing.T, c *Cluster, pid int) {},
		},
		{
			name: "server killed",
			crash: func(t *testing.T, c *Cluster, pid int) {
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				waitGone(t, pid)
			},
		},
		{
			// After a reboot or in a container the dead server's PID belongs to someone else.
			name: "pid reused",
			crash: func(t *testing.T, c *Cluster, pid int) {
				stopServer(t, c)
				writePID(t, c, os.Getpid())
			},
		},
		{
			name: "pid of a dead process",
			crash: func(t *testing.T, c *Cluster, pid int) {
				stopServer(t, c)
				writePID(t, c, deadPID(t))
			},
		},
	}
	// One cluster goes through every crash in turn (initdb is the slow part of a start),
	// each restart recovering from the previous crash.
	dir := tempDir(t)
	c, err := Start(testContext(t), Options{Dir: dir, Fast: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, c, "CREATE TABLE kept (n int)")
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			execSQL(t, c, "INSERT INTO kept VALUES ("+strconv.Itoa(i)+")")
			// Fast turns synchronous_commit off, so a crash may lose the last commit; a
			// checkpoint after it (not in the same implicit transaction) writes it out.
			execSQL(t, c, "CHECKPOINT")
			pid := postmasterPID(t, c)
			tt.crash(t, c, pid)
			// The crashed runner's lock dies with its process; here we drop it by hand.
			_ = c.lock.Close()
			t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // never leak a server

			c2, err := Start(testContext(t), Options{Dir: dir, Fast: true, Logger: testLogger(t)})
			if err != nil {
				t.Fatalf("Start after the crash: %v", err)
			}
			c = c2
			if got := queryInt(t, c.URL("postgres"), "SELECT count(*) FROM kept"); got != i+1 {
				t.Fatalf("%d rows, want %d", got, i+1)
			}
		})
	}
	if err := c.Stop(testContext(t)); err != nil {
		t.Fatal(err)
	}
}

func postmasterPID(t *testing.T, c *Cluster) int {
	t.Helper()
	pid, err := readPostmasterPID(c.dir)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// stopServer stops the server but leaves the Cluster's lock to the caller.
func stopServer(t *testing.T, c *Cluster) {
	t.Helper()
	if err := c.pgCtlStop(testContext(t)); err != nil {
		t.Fatal(err)
	}
}

// writePID fakes the postmaster.pid of a crashed server, whose other lines do not matter
// to a start that finds the PID.
func writePID(t *testing.T, c *Cluster, pid int) {
	t.Helper()
	content := strconv.Itoa(pid) + "\n" + c.dir + "\n1700000000\n" + strconv.Itoa(c.port) + "\n\n127.0.0.1\n  0  0\nready   \n"
	if err := c.user.writeFile(filepath.Join(c.dir, "postmaster.pid"), []byte(content)); err != nil {
		t.Fatal(err)
	}
}

func deadPID(t *testing.T) int {
	t.Helper()
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	return p.Pid
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStartRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string) Options
		wantErr string
	}{
		{
			name: "directory in use",
			prepare: func(t *testing.T, dir string) Options {
				startCluster(t, dir)
				return Options{Dir: dir}
			},
			wantErr: "in use by another pglocal cluster",
		},
		{
			name: "directory with foreign files",
			prepare: func(t *testing.T, dir string) Options {
				if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
					t.Fatal(err)
				}
				return Options{Dir: dir}
			},
			wantErr: "no PG_VERSION",
		},
		{
			// The error must carry the server log's account of why.
			name: "port taken",
			prepare: func(t *testing.T, dir string) Options {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = l.Close() })
				return Options{Dir: dir, Port: l.Addr().(*net.TCPAddr).Port}
			},
			wantErr: "could not bind",
		},
		{
			name: "bin dir without binaries",
			prepare: func(t *testing.T, dir string) Options {
				return Options{Dir: dir, BinDir: dir}
			},
			wantErr: "has no initdb",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := tempDir(t)
			opts := tt.prepare(t, dir)
			opts.Fast, opts.Logger = true, testLogger(t)
			c, err := Start(testContext(t), opts)
			if err == nil {
				_ = c.Stop(context.Background())
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

// TestStartRelocatesUnreachableDir: as root, a data directory inside root's 0700 temp dir
// cannot be entered by the postgres user, so the data goes elsewhere behind a symlink.
func TestStartRelocatesUnreachableDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another user")
	}
	t.Parallel()
	closed := tempDir(t)
	if err := os.Chmod(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	asked := filepath.Join(closed, "pgdata")
	var actual string
	t.Cleanup(func() { _ = os.RemoveAll(actual) }) // registered first, so it runs after Stop
	c := startCluster(t, asked)
	actual = c.Dir()
	if c.Dir() == asked {
		t.Fatalf("data directory not relocated")
	}
	if target, err := os.Readlink(asked); err != nil || target != c.Dir() {
		t.Fatalf("%s should link to %s: %q, %v", asked, c.Dir(), target, err)
	}
	if got := queryInt(t, c.URL("postgres"), "SELECT 1"); got != 1 {
		t.Fatalf("got %d", got)
	}
}

func TestParseMajorVersion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"pg_ctl (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n", "15"},
		{"pg_ctl (PostgreSQL) 17beta1\n", "17"},
		{"15\n", "15"},
		{"9.6\n", "9.6"},
		{"pg_ctl (PostgreSQL) 9.6.24\n", "9.6"},
	}
	for _, tt := range tests {
		got, err := parseMajorVersion(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseMajorVersion(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := parseMajorVersion("garbage"); err == nil {
		t.Error("parseMajorVersion(garbage) succeeded")
	}
}

func TestServerArgs(t *testing.T) {
	got := serverArgs(5433, Options{Fast: true, Settings: map[string]string{"application_name": "it's", "fsync": "on"}})
	want := "-p 5433 -c 'application_name=it'\\''s' -c 'fsync=on' -c 'full_page_writes=off' -c 'listen_addresses=127.0.0.1' -c 'synchronous_commit=off' -c 'unix_socket_directories='"
	if got != want {
		t.Errorf("serverArgs:\n got %s\nwant %s", got, want)
	}
}
