package app

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"github.com/novera-bot/novera/libs/pglocal"
)

// TestWorkerDepsBehindTheProxy: with DISCORD_PROXY_SECRET a worker needs no token, and its
// REST calls carry the secret and no Authorization (the token lives in the proxy alone);
// without the secret the token is required, by name.
func TestWorkerDepsBehindTheProxy(t *testing.T) {
	var mu sync.Mutex
	var auth, secret string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth, secret = r.Header.Get("Authorization"), r.Header.Get(discord.HeaderProxySecret)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(proxy.Close)
	pg, err := pglocal.Start(t.Context(), pglocal.Options{Dir: filepath.Join(t.TempDir(), "pg"), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	settings := map[string]string{"NATS_URL": natstest.Start(t), "DATABASE_URL": pg.URL("postgres"),
		"DISCORD_API_URL": proxy.URL + "/api/v10", "DISCORD_PROXY_SECRET": "proxy-secret-1"}

	tests := []struct {
		name    string
		unset   string
		wantErr string
	}{
		{name: "behind the proxy"},
		{name: "direct without a token", unset: "DISCORD_PROXY_SECRET", wantErr: "DISCORD_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range settings {
				if k != tt.unset {
					env[k] = v
				}
			}
			a, err := New(t.Context(), Options{Name: "fun", AdminAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = a.Close(context.Background()) })
			deps, err := a.WorkerDeps(t.Context(), config.FromMap(env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("WorkerDeps: %v, want an error naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := deps.Discord.Typing(t.Context(), "123"); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if secret != "proxy-secret-1" || auth != "" {
				t.Errorf("the proxy got secret %q and Authorization %q; want the secret and no Authorization", secret, auth)
			}
		})
	}
}
