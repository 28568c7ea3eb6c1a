package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestProbes(t *testing.T) {
	h := NewHealth()
	s := New(h, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	var dbDown error
	h.Live("loop", func(context.Context) error { return nil })
	h.Ready("postgres", func(context.Context) error { return dbDown })

	get := func(path string) (int, Result) {
		t.Helper()
		resp, err := http.Get("http://" + s.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r Result
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, r
	}
	tests := []struct {
		name       string
		down       error
		path       string
		wantStatus int
	}{
		{"live while db up", nil, "/livez", 200},
		{"ready while db up", nil, "/readyz", 200},
		{"still live while db down", errors.New("connection refused"), "/livez", 200},
		{"not ready while db down", errors.New("connection refused"), "/readyz", 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dbDown = tc.down
			code, r := get(tc.path)
			if code != tc.wantStatus {
				t.Fatalf("status %d, want %d (%v)", code, tc.wantStatus, r)
			}
			if tc.wantStatus == 503 && !strings.Contains(r.Checks["postgres"], "refused") {
				t.Errorf("reason missing: %v", r.Checks)
			}
		})
	}
	resp, err := http.Get("http://" + s.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("metrics lack the Go collector")
	}
}
