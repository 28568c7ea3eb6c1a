package pglocal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options says where and how to run a cluster.
type Options struct {
	// Dir is the data directory. If it is missing or empty a new cluster is created in it
	// with initdb; if it already holds a cluster that cluster is started again.
	Dir string
	// Port is the TCP port on 127.0.0.1; 0 picks a free one on every start.
	Port int
	// BinDir holds initdb, pg_ctl and postgres. Empty means the newest
	// /usr/lib/postgresql/*/bin, else the directory of pg_ctl on PATH.
	BinDir string
	// Logger receives what the cluster does; nil discards it.
	Logger *slog.Logger
	// Fast trades durability for speed (fsync, synchronous_commit and full_page_writes
	// off): for tests, whose data is thrown away anyway.
	Fast bool
	// Settings are extra server settings (name → value), applied last so they win.
	Settings map[string]string
}

// Cluster is a running server. Its methods are safe for concurrent use.
type Cluster struct {
	dir     string // the real data directory, after any relocation
	binDir  string
	port    int
	user    osUser
	logger  *slog.Logger
	logPath string
	lock    *os.File // flock on dir, held until Stop

	mu      sync.Mutex
	stopped bool
}

// defaultWait bounds Start and Stop when the caller's context has no deadline of its own.
const defaultWait = 2 * time.Minute

// Start creates (if needed) and starts the cluster in opts.Dir and waits until it accepts
// connections. A server left running on the directory by a crashed predecessor is stopped
// first, and a stale postmaster.pid is removed.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("pglocal: Options.Dir is empty")
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("pglocal: Options.Port %d is out of range", opts.Port)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := withDefaultDeadline(ctx, defaultWait)
	defer cancel()

	binDir, err := resolveBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	u, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := prepareDir(opts.Dir, u, logger)
	if err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		dir:     dir,
		binDir:  binDir,
		user:    u,
		logger:  logger.With("pgdata", dir),
		logPath: filepath.Join(dir, logFileName),
		lock:    lock,
	}
	started := false
	defer func() {
		if !started {
			c.abandon()
			_ = lock.Close()
		}
	}()

	if err := u.own(dir); err != nil {
		return nil, err
	}
	created, err := c.ensureCluster(ctx)
	if err != nil {
		return nil, err
	}
	if !created {
		if err := c.clearLeftovers(ctx); err != nil {
			return nil, err
		}
	}
	if err := c.start(ctx, opts); err != nil {
		return nil, err
	}
	started = true
	c.logger.Info("postgres started", "port", c.port, "created", created)
	return c, nil
}

// URL returns a connection URL for database dbname as the superuser "postgres".
func (c *Cluster) URL(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     "127.0.0.1:" + strconv.Itoa(c.port),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port returns the TCP port the server listens on.
func (c *Cluster) Port() int { return c.port }

// Dir returns the data directory actually used. It differs from Options.Dir when that path
// could not be entered by the server's OS user and the data was placed elsewhere (Options.Dir
// is then a symbolic link to it).
func (c *Cluster) Dir() string { return c.dir }

// LogPath returns the server's log file.
func (c *Cluster) LogPath() string { return c.logPath }

// CreateDatabase creates an empty database.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pglocal: create database %q: %w", name, err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("pglocal: create database %q: %w", name, err)
	}
	return nil
}

// Stop shuts the server down (fast mode: sessions are disconnected, no crash recovery
// next time) and releases the data directory. Calling it again does nothing.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	ctx, cancel := withDefaultDeadline(ctx, defaultWait)
	defer cancel()
	if err := c.pgCtlStop(ctx); err != nil {
		return err
	}
	c.stopped = true
	c.logger.Info("postgres stopped")
	if err := c.lock.Close(); err != nil {
		return fmt.Errorf("pglocal: release %s: %w", c.dir, err)
	}
	return nil
}

// withDefaultDeadline gives ctx a deadline d from now unless it already has one.
func withDefaultDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}
