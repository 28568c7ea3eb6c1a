package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/pglocal/pgtest"
)

func TestOpenOptions(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	tests := []struct {
		name  string
		opts  []Option
		query string
		want  string
	}{
		{"application name", []Option{WithApplicationName("novera-fun")}, "SELECT current_setting('application_name')", "novera-fun"},
		{"search path", []Option{WithSearchPath("fun", "public")}, "SELECT current_setting('search_path')", "fun,public"},
		{"defaults", nil, "SELECT current_setting('search_path')", `"$user", public`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := openPoolAt(t, url, tt.opts...)
			var got string
			if err := pool.QueryRow(testContext(t), tt.query).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("max conns", func(t *testing.T) {
		t.Parallel()
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		for _, tt := range []struct {
			name string
			url  string
			opts []Option
			want int32
		}{
			{"default", url, nil, DefaultMaxConns},
			{"option", url, []Option{WithMaxConns(3)}, 3},
			{"url", url + sep + "pool_max_conns=5", nil, 5},
		} {
			pool := openPoolAt(t, tt.url, tt.opts...)
			if got := pool.Stat().MaxConns(); got != tt.want {
				t.Errorf("%s: MaxConns = %d, want %d", tt.name, got, tt.want)
			}
		}
	})
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: take one, then free it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	_ = l.Close()

	tests := []struct {
		name     string
		url      string
		mention  string
		opts     []Option
		maxDelay time.Duration
	}{
		{"unreachable URL", "postgres://novera:hunter2secret@127.0.0.1:" + port + "/fun?sslmode=disable", "127.0.0.1:" + port, nil, 5 * time.Second},
		{"unreachable DSN", "host=127.0.0.1 port=" + port + " user=novera password=hunter2secret dbname=fun sslmode=disable", "127.0.0.1:" + port, nil, 5 * time.Second},
		{"bad URL", "postgres://novera:hunter2secret@127.0.0.1:notaport/fun", "invalid database URL", nil, time.Second},
		{"bad search path", "postgres://novera:hunter2secret@127.0.0.1:" + port + "/fun", "schema name", []Option{WithSearchPath("Fun; DROP")}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			pool, err := Open(context.Background(), tt.url, append(tt.opts, WithPingTimeout(2*time.Second))...)
			if err == nil {
				pool.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			if strings.Contains(err.Error(), "hunter2secret") {
				t.Errorf("error reveals the password: %q", err)
			}
			if d := time.Since(start); d > tt.maxDelay {
				t.Errorf("Open took %v", d)
			}
		})
	}
}

func TestRedactKeepsChain(t *testing.T) {
	inner := context.DeadlineExceeded
	err := redact(fmt.Errorf("connect to x:secret@h: %w", inner), "secret")
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("not redacted: %q", err)
	}
	if !errors.Is(err, inner) {
		t.Errorf("chain lost: %v", err)
	}
}
