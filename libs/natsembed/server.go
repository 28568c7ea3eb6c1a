package natsembed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// DefaultMaxPayload is the largest message the embedded server accepts. NATS defaults to
// 1 MiB, but a single Discord dispatch (GUILD_CREATE of a large guild) can be several
// megabytes, and the gateway must be able to publish every dispatch.
const DefaultMaxPayload = 8 << 20

// defaultReadyTimeout bounds the wait for the server to accept clients when the caller's
// context has no deadline of its own.
const defaultReadyTimeout = 10 * time.Second

// Options configures an embedded server. The zero value is usable: loopback, a random
// port, a temporary store directory.
type Options struct {
	// Host is the interface to listen on; empty means 127.0.0.1.
	Host string
	// Port is the client port; 0 or -1 picks a free port.
	Port int
	// StoreDir holds JetStream's file store. Empty means a temporary directory that
	// Shutdown removes; a set directory is created if missing and kept, so a restarted
	// server finds its streams and consumers again.
	StoreDir string
	// ServerName names the server in logs and monitoring; empty lets NATS choose.
	ServerName string
	// MaxPayload is the largest accepted message in bytes; 0 means DefaultMaxPayload.
	MaxPayload int32
	// Logger receives the server's log lines; nil discards them.
	Logger *slog.Logger
}

// Server is a running embedded NATS server.
type Server struct {
	ns       *server.Server
	addr     *net.TCPAddr // bound address, kept so it is still known after Shutdown
	storeDir string
	tempDir  bool // storeDir was created by Start and is removed by Shutdown
	log      *slog.Logger
}

// Start launches the server and waits until it accepts clients with JetStream enabled. The
// wait is bounded by ctx, or by ten seconds when ctx has no deadline.
func Start(ctx context.Context, opts Options) (*Server, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	host := opts.Host
	if host == "" {
		host = "127.0.0.1"
	}
	port := opts.Port
	if port == 0 {
		// NATS treats 0 as "the default port 4222"; we mean "any free port".
		port = server.RANDOM_PORT
	}
	maxPayload := opts.MaxPayload
	if maxPayload == 0 {
		maxPayload = DefaultMaxPayload
	}

	s := &Server{storeDir: opts.StoreDir, log: logger}
	if s.storeDir == "" {
		dir, err := os.MkdirTemp("", "natsembed-*")
		if err != nil {
			return nil, fmt.Errorf("natsembed: create store dir: %w", err)
		}
		s.storeDir, s.tempDir = dir, true
	} else if err := os.MkdirAll(s.storeDir, 0o750); err != nil {
		return nil, fmt.Errorf("natsembed: create store dir %q: %w", s.storeDir, err)
	}

	ns, err := server.NewServer(&server.Options{
		ServerName: opts.ServerName,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   s.storeDir,
		MaxPayload: maxPayload,
		// The host process owns signal handling; the server must not exit it on SIGTERM.
		NoSigs: true,
		// No monitoring, cluster, gateway or leaf listeners: only the client port is opened.
		HTTPPort: 0,
	})
	if err != nil {
		s.removeTemp()
		return nil, fmt.Errorf("natsembed: configure server: %w", err)
	}
	adapter := newLogAdapter(logger)
	ns.SetLoggerV2(adapter, logger.Enabled(ctx, slog.LevelDebug), logger.Enabled(ctx, levelTrace), false)
	s.ns = ns

	// Start returns once the listeners are up or failed; failures are only reported through
	// the logger, so readiness below is the real check.
	ns.Start()
	if err := s.waitReady(ctx, adapter); err != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
		s.removeTemp()
		return nil, err
	}
	logger.InfoContext(ctx, "embedded NATS server ready", "url", s.ClientURL(), "store_dir", s.storeDir)
	return s, nil
}

func (s *Server) waitReady(ctx context.Context, adapter *logAdapter) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultReadyTimeout)
		defer cancel()
	}
	// Poll in short steps: ReadyForConnections cannot be cancelled, ctx can.
	for !s.ns.ReadyForConnections(100 * time.Millisecond) {
		if msg := adapter.fatal(); msg != "" {
			return fmt.Errorf("natsembed: server failed to start: %s", msg)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("natsembed: waiting for server to accept clients: %w", err)
		}
	}
	if msg := adapter.fatal(); msg != "" {
		return fmt.Errorf("natsembed: server failed to start: %s", msg)
	}
	if !s.ns.JetStreamEnabled() {
		return errors.New("natsembed: server started without JetStream")
	}
	addr, ok := s.ns.Addr().(*net.TCPAddr)
	if !ok {
		return errors.New("natsembed: server has no TCP client listener")
	}
	s.addr = addr
	return nil
}

// ClientURL is the nats:// URL clients connect to, with the port actually bound.
func (s *Server) ClientURL() string {
	return "nats://" + s.addr.String()
}

// Port is the client port actually bound, useful to restart a server on the same address.
func (s *Server) Port() int { return s.addr.Port }

// StoreDir is the JetStream store directory in use.
func (s *Server) StoreDir() string { return s.storeDir }

// Shutdown stops the server, closing client connections, and removes the store directory
// if Start created it. It waits for the server to finish, bounded by ctx; if ctx ends
// first the server keeps shutting down in the background and the temporary store is left.
func (s *Server) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("natsembed: shutdown: %w", ctx.Err())
	}
	if err := s.removeTemp(); err != nil {
		return fmt.Errorf("natsembed: remove store dir: %w", err)
	}
	return nil
}

func (s *Server) removeTemp() error {
	if !s.tempDir {
		return nil
	}
	return os.RemoveAll(s.storeDir)
}
