package natsembed_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/novera-bot/novera/libs/natsembed"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func connectJS(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return js
}

func TestStartServesJetStreamOnLoopback(t *testing.T) {
	ctx := testContext(t)
	url := natstest.Start(t)
	if !strings.HasPrefix(url, "nats://127.0.0.1:") {
		t.Fatalf("ClientURL = %q, want nats://127.0.0.1:<port>", url)
	}
	js := connectJS(t, url)
	if _, err := js.AccountInfo(ctx); err != nil {
		t.Fatalf("JetStream account info: %v", err)
	}
}

func TestTemporaryStoreIsRemovedOnShutdown(t *testing.T) {
	ctx := testContext(t)
	s, err := natsembed.Start(ctx, natsembed.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := s.StoreDir()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("store dir missing while running: %v", err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("store dir %s still present after shutdown (err=%v)", dir, err)
	}
}

func TestRestartOnSamePortAndStoreKeepsStreams(t *testing.T) {
	ctx := testContext(t)
	dir := filepath.Join(t.TempDir(), "nats")
	first := natstest.StartServer(t, natsembed.Options{StoreDir: dir})
	js := connectJS(t, first.ClientURL())
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "KEEP", Subjects: []string{"keep.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "keep.one", []byte("x")); err != nil {
		t.Fatal(err)
	}
	port := first.Port()
	if err := first.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("explicit store dir removed on shutdown: %v", err)
	}

	second := natstest.StartServer(t, natsembed.Options{Port: port, StoreDir: dir})
	if second.ClientURL() != first.ClientURL() {
		t.Fatalf("restarted URL %s, want %s", second.ClientURL(), first.ClientURL())
	}
	js = connectJS(t, second.ClientURL())
	st, err := js.Stream(ctx, "KEEP")
	if err != nil {
		t.Fatalf("stream after restart: %v", err)
	}
	if n := st.CachedInfo().State.Msgs; n != 1 {
		t.Fatalf("messages after restart = %d, want 1", n)
	}
}

func TestStartFailsWhenPortIsTaken(t *testing.T) {
	ctx := testContext(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port

	s, err := natsembed.Start(ctx, natsembed.Options{Port: port})
	if err == nil {
		_ = s.Shutdown(ctx)
		t.Fatal("Start succeeded on a port already in use")
	}
	if !strings.Contains(err.Error(), "listening") {
		t.Errorf("error %q does not name the listen failure", err)
	}
}
