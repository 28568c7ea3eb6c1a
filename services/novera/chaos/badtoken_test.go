package chaos

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/novera-bot/novera/libs/discordsim"
)

// readyz reads a process's readiness: ok, and the body naming what is not ready.
func readyz(ctx context.Context, addr string) (bool, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/readyz", nil)
	if err != nil {
		return false, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK, string(b), err
}

// waitNotReady waits until the process at addr reports not ready with a reason holding want.
func waitNotReady(t *testing.T, addr, want string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var body string
	for {
		ok, b, err := readyz(ctx, addr)
		body = b
		if err == nil && !ok && strings.Contains(b, want) {
			return b
		}
		if ctx.Err() != nil {
			t.Fatalf("%s never reported not ready with %q (last: ok=%v %q, err %v)", addr, want, ok, body, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func countLines(t *testing.T, path, text string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), text)
}

// A bad token, the way it reaches a deployment: every process started with it (REST
// answers 401), and a gateway whose token Discord stops accepting while it is connected
// (the gateway closes with 4004). Each gateway turns not-ready with the reason, says so in
// one log line (per shard for 4004), and never retries: the simulator's invalid-request
// counter, which Discord bans on, stays under 10 for the whole scenario.
func TestBadTokenStaysQuiet(t *testing.T) {
	admin := []string{fmt.Sprintf("127.0.0.1:%d", freePort(t)), fmt.Sprintf("127.0.0.1:%d", freePort(t))}
	s := newSystem(t, systemOptions{sim: discordsim.Options{HeartbeatInterval: time.Second}, token: "not-the-token",
		gatewayEnv: func(i int) []string {
			return []string{"SHARD_COUNT=2", "GATEWAY_REPLICAS=2", fmt.Sprintf("POD_NAME=gateway-%d", i), "ADMIN_ADDR=" + admin[i]}
		}})
	for i, addr := range admin {
		body := waitNotReady(t, addr, "401")
		t.Logf("gateway-%d /readyz: %s", i, strings.TrimSpace(body))
	}

	// A gateway with the right token, whose token is then refused on the gateway (4004).
	goodAdmin := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	env := append(os.Environ(), "DISCORD_TOKEN="+s.sim.Token(), "NATS_URL="+s.natsURL, "DISCORD_API_URL="+s.sim.APIURL(),
		"ADMIN_ADDR="+goodAdmin, "SHARD_COUNT="+strconv.Itoa(s.shardCount), "POD_NAME=gateway-good")
	good := &proc{name: "gateway-good", bin: filepath.Join(s.bin, "gateway"), env: env, logPath: filepath.Join(s.logs, "gateway-good.log")}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := good.start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { good.term(30 * time.Second) })
	if err := s.waitShards(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.sim.InjectGatewayFault(discordsim.GatewayFault{Kind: discordsim.FaultClose, Code: websocket.StatusCode(4004)}); err != nil {
		t.Fatal(err)
	}
	body := waitNotReady(t, goodAdmin, "4004")
	t.Logf("gateway-good /readyz: %s", strings.TrimSpace(body))
	connections := s.sim.GatewayStats().Connections
	// Long enough for any retry loop (1 s back-off) to show itself several times.
	time.Sleep(4 * time.Second)

	if after := s.sim.GatewayStats().Connections; after != connections {
		t.Errorf("the gateway connected %d more times after 4004", after-connections)
	}
	if n := s.sim.InvalidRequests(); n >= 10 {
		t.Errorf("invalid requests over the scenario: %d, want under 10", n)
	} else {
		t.Logf("invalid requests over the scenario: %d", n)
	}
	for _, p := range s.gateways {
		if n := countLines(t, p.logPath, `"level":"ERROR"`); n != 1 {
			t.Errorf("%s logged %d error lines for the refused token, want 1:\n%s", p.name, n, p.logTail(10))
		}
	}
	if n := countLines(t, good.logPath, `"level":"ERROR"`); n != s.shardCount {
		t.Errorf("gateway-good logged %d error lines for 4004, want one per shard (%d):\n%s", n, s.shardCount, good.logTail(10))
	}
	for _, p := range append(s.all(), good) {
		if p.exited() {
			t.Errorf("%s exited; a bad token must leave it running and not ready, not crash-looping", p.name)
		}
	}
}
