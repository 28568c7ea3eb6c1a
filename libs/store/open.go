package store

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Option adjusts Open.
type Option func(*options)

type options struct {
	maxConns    int32
	appName     string
	searchPath  []string
	tracer      pgx.QueryTracer
	pingTimeout time.Duration
}

// DefaultMaxConns is the pool's size unless WithMaxConns or the URL's pool_max_conns says
// otherwise. pgxpool's own default, max(4, CPUs), is far below the handlers a worker runs
// at once (32): they queued for a connection, and commits could not share WAL flushes.
const DefaultMaxConns = 16

// WithMaxConns caps the pool's connections (default DefaultMaxConns).
func WithMaxConns(n int32) Option { return func(o *options) { o.maxConns = n } }

// WithApplicationName names the connections in pg_stat_activity and the server log,
// e.g. "novera-fun".
func WithApplicationName(name string) Option { return func(o *options) { o.appName = name } }

// WithSearchPath sets the search_path of every connection, so a service can name its own
// tables without their schema.
func WithSearchPath(schemas ...string) Option {
	return func(o *options) { o.searchPath = schemas }
}

// WithTracer traces every statement, typically with NewTracer. Combine several tracers
// with github.com/jackc/pgx/v5/multitracer.
func WithTracer(t pgx.QueryTracer) Option { return func(o *options) { o.tracer = t } }

// WithPingTimeout bounds the first connection Open makes (default 10s, or less if ctx
// ends sooner).
func WithPingTimeout(d time.Duration) Option { return func(o *options) { o.pingTimeout = d } }

// Open creates a pool for the PostgreSQL server at url (a postgres:// URL or a key=value
// DSN) and checks that it answers. Errors name the server, never the password.
func Open(ctx context.Context, url string, opts ...Option) (*pgxpool.Pool, error) {
	o := options{pingTimeout: 10 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	secret := password(url)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, redact(fmt.Errorf("store: invalid database URL: %w", err), secret)
	}
	switch {
	case o.maxConns > 0:
		cfg.MaxConns = o.maxConns
		cfg.MinConns = min(cfg.MinConns, o.maxConns)
	case !strings.Contains(url, "pool_max_conns"):
		cfg.MaxConns = DefaultMaxConns
	}
	if o.appName != "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = o.appName
	}
	if len(o.searchPath) > 0 {
		for _, s := range o.searchPath {
			if err := checkSchema(s); err != nil {
				return nil, err
			}
		}
		cfg.ConnConfig.RuntimeParams["search_path"] = strings.Join(o.searchPath, ",")
	}
	if o.tracer != nil {
		cfg.ConnConfig.Tracer = o.tracer
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// Without it a connection attempt to a black-holed address waits for the kernel.
		cfg.ConnConfig.ConnectTimeout = o.pingTimeout
	}
	where := describeServer(cfg)

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, redact(fmt.Errorf("store: open pool for %s: %w", where, err), secret)
	}
	pingCtx, cancel := context.WithTimeout(ctx, o.pingTimeout)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, redact(fmt.Errorf("store: connect to %s: %w", where, err), secret)
	}
	return pool, nil
}

// describeServer names the server for error messages: host, port, database and user.
func describeServer(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("postgres %s/%s as %s", net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))), c.Database, c.User)
}

// password digs the password out of a URL or DSN, so that it can be scrubbed from errors.
// pgx already redacts the ones it recognises; this makes sure.
func password(connString string) string {
	if u, err := url.Parse(connString); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			return p
		}
	}
	for _, field := range strings.Fields(connString) {
		if v, ok := strings.CutPrefix(field, "password="); ok {
			return strings.Trim(v, `'`)
		}
	}
	return ""
}

// redactedError hides a secret from the message but keeps the chain for errors.Is/As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, secret string) error {
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), secret, "xxxxx"), err: err}
}
