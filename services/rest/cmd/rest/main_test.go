package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/natsembed"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"github.com/novera-bot/novera/services/rest"
)

// TestRunServesAndHandsOver runs the command as deployed: configuration from the
// environment, ready only once active, REST calls proxied with the token added, and on
// shutdown the lease released for the standby.
func TestRunServesAndHandsOver(t *testing.T) {
	sim, _ := simtest.Start(t, discordsim.Options{})
	natsURL := natstest.Start(t)
	env := config.FromMap(map[string]string{"DISCORD_TOKEN": sim.Token(), "DISCORD_PROXY_SECRET": "a-secret-of-some-length",
		"DISCORD_UPSTREAM_URL": sim.APIURL(), "NATS_URL": natsURL, "REST_ADDR": "127.0.0.1:0", "ADMIN_ADDR": "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addrs := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, env, func(addr, admin string) { addrs <- [2]string{addr, admin} }) }()
	var addr, admin string
	select {
	case a := <-addrs:
		addr, admin = a[0], a[1]
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not listening after 10 s")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + admin + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("never ready (active)")
		}
		time.Sleep(20 * time.Millisecond)
	}
	c, err := discord.New(discord.Config{APIURL: "http://" + addr + "/api/v10", ProxySecret: "a-secret-of-some-length"})
	if err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer ccancel()
	if me, err := c.Me(cctx); err != nil || me.ID != sim.BotUser().ID.String() {
		t.Fatalf("Me through the proxy: %v %v", me, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("no clean stop")
	}
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	kv, err := js.KeyValue(t.Context(), rest.DefaultKVBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(t.Context(), "lease")
	if err != nil {
		t.Fatal(err)
	}
	var lease struct {
		Released bool `json:"released"`
	}
	if json.Unmarshal(e.Value(), &lease); !lease.Released {
		t.Errorf("lease after a clean stop: %s; want released", e.Value())
	}
}

// TestRunWaitsForNATS: a replica started while NATS is away (restarting) waits for it and
// then serves, instead of exiting.
func TestRunWaitsForNATS(t *testing.T) {
	sim, _ := simtest.Start(t, discordsim.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there until the server starts below
	env := config.FromMap(map[string]string{"DISCORD_TOKEN": sim.Token(), "DISCORD_PROXY_SECRET": "a-secret-of-some-length",
		"DISCORD_UPSTREAM_URL": sim.APIURL(), "NATS_URL": fmt.Sprintf("nats://127.0.0.1:%d", port),
		"REST_ADDR": "127.0.0.1:0", "ADMIN_ADDR": "127.0.0.1:0"})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	listening := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, env, func(string, string) { listening <- struct{}{} }) }()
	select {
	case err := <-done:
		t.Fatalf("run gave up without NATS: %v", err)
	case <-listening:
		t.Fatal("listening without NATS")
	case <-time.After(time.Second):
	}
	natstest.StartServer(t, natsembed.Options{Port: port})
	select {
	case <-listening:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("not serving 15 s after NATS came up")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after a clean stop: %v", err)
	}
}

// TestStandbyReadiness: by default only the active replica is ready (a Service in front
// of both reaches it); with REST_STANDBY_READY=true a connected standby is ready too, for
// deployments whose clients know both addresses and where readiness gates rollouts and
// disruption budgets.
func TestStandbyReadiness(t *testing.T) {
	tests := []struct {
		standbyReady string
		wantStatus   int
	}{
		{"", http.StatusServiceUnavailable},
		{"true", http.StatusOK},
	}
	for _, tc := range tests {
		t.Run("REST_STANDBY_READY="+tc.standbyReady, func(t *testing.T) {
			sim, _ := simtest.Start(t, discordsim.Options{})
			natsURL := natstest.Start(t)
			start := func(name string) string {
				vars := map[string]string{"DISCORD_TOKEN": sim.Token(), "DISCORD_PROXY_SECRET": "a-secret-of-some-length",
					"DISCORD_UPSTREAM_URL": sim.APIURL(), "NATS_URL": natsURL, "REST_ADDR": "127.0.0.1:0", "ADMIN_ADDR": "127.0.0.1:0",
					"REST_INSTANCE": name}
				if tc.standbyReady != "" {
					vars["REST_STANDBY_READY"] = tc.standbyReady
				}
				ctx, cancel := context.WithCancel(t.Context())
				admin := make(chan string, 1)
				done := make(chan error, 1)
				go func() { done <- run(ctx, config.FromMap(vars), func(_, a string) { admin <- a }) }()
				t.Cleanup(func() { cancel(); <-done })
				select {
				case a := <-admin:
					return a
				case err := <-done:
					t.Fatalf("run %s: %v", name, err)
				case <-time.After(10 * time.Second):
					t.Fatalf("%s not listening after 10 s", name)
				}
				return ""
			}
			readyz := func(admin string) int {
				resp, err := http.Get("http://" + admin + "/readyz")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			active := start("a")
			for deadline := time.Now().Add(5 * time.Second); readyz(active) != http.StatusOK; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the first replica never became ready")
				}
			}
			standby := start("b")
			// Ready as a standby shows at once; "not ready" must hold while b watches a's
			// lease: five polls of it (every 100 ms) without b becoming ready or active.
			got := readyz(standby)
			for deadline := time.Now().Add(500 * time.Millisecond); time.Now().Before(deadline) && got == tc.wantStatus; time.Sleep(20 * time.Millisecond) {
				got = readyz(standby)
			}
			if got != tc.wantStatus {
				t.Errorf("standby /readyz %d, want %d", got, tc.wantStatus)
			}
			if got := readyz(active); got != http.StatusOK {
				t.Errorf("active /readyz %d, want 200", got)
			}
		})
	}
}
