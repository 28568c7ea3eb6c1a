// Package natstest starts embedded NATS servers for tests.
package natstest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/natsembed"
)

// Start runs an embedded NATS server with JetStream on a random loopback port and a
// temporary store, stops it when the test ends, and returns its client URL.
func Start(t testing.TB) string {
	t.Helper()
	return StartServer(t, natsembed.Options{}).ClientURL()
}

// StartServer is Start with explicit options, returning the server so a test can shut it
// down and start it again (same Port and StoreDir) to exercise reconnects. A nil Logger
// sends warnings and errors to the test log. The server is shut down at cleanup; shutting
// it down earlier is fine.
func StartServer(t testing.TB, opts natsembed.Options) *natsembed.Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := natsembed.Start(ctx, opts)
	if err != nil {
		t.Fatalf("natstest: start NATS: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("natstest: shut down NATS: %v", err)
		}
	})
	return s
}
