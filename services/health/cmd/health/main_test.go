package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/novera-bot/novera/libs/heartbeat"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

// The binary as Kubernetes runs it (minus Kubernetes): it reads heartbeats from NATS and
// serves them, answers its probes, exports metrics, and stops cleanly on SIGTERM.
func TestHealthBinaryServesTheTable(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "health")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	natsURL := natstest.Start(t)

	// A wrong setting stops it at once, naming the variable.
	bad := exec.Command(bin)
	bad.Env = append(os.Environ(), "NATS_URL="+natsURL, "HEALTH_EXPIRE_BEATS=1", "KUBERNETES_SERVICE_HOST=")
	if out, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(out), "HEALTH_EXPIRE_BEATS") {
		t.Errorf("bad HEALTH_EXPIRE_BEATS: err %v, output %s", err, out)
	}

	statusAddr, adminAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "NATS_URL="+natsURL, "STATUS_ADDR="+statusAddr, "ADMIN_ADDR="+adminAddr, "KUBERNETES_SERVICE_HOST=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20s; stderr:\n%s", what, stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("ready", func() bool { code, _ := get("http://" + adminAddr + "/readyz"); return code == http.StatusOK })

	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	pub, err := heartbeat.Start(t.Context(), heartbeat.Options{Conn: nc, Service: "league", Pod: "league-5c8d-x2k4q",
		Interval: 100 * time.Millisecond, Status: func(context.Context) heartbeat.Status {
			return heartbeat.Status{State: heartbeat.StateReady, LastProgress: time.Now()}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Stop(context.Background())

	waitFor("the instance on /api/status", func() bool {
		code, body := get("http://" + statusAddr + "/api/status")
		var st struct {
			Instances []struct {
				Beat  heartbeat.Beat `json:"beat"`
				Color string         `json:"color"`
			} `json:"instances"`
			Evictor bool `json:"evictor"`
		}
		if code != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil {
			return false
		}
		return len(st.Instances) == 1 && st.Instances[0].Beat.Pod == "league-5c8d-x2k4q" && st.Instances[0].Color == "green" && !st.Evictor
	})
	if code, body := get("http://" + statusAddr + "/"); code != http.StatusOK || !strings.Contains(body, "league-5c8d-x2k4q") {
		t.Errorf("status page: %d\n%s", code, body)
	}
	if code, body := get("http://" + adminAddr + "/livez"); code != http.StatusOK || !strings.Contains(body, "health.sweep") {
		t.Errorf("/livez: %d %s", code, body)
	}
	if _, body := get("http://" + adminAddr + "/metrics"); !strings.Contains(body, `novera_health_instances{service="league",state="ready"} 1`) {
		t.Errorf("/metrics lacks the instance gauge")
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop after SIGTERM")
	}
	if !strings.Contains(stderr.String(), "not in Kubernetes") {
		t.Errorf("no word that nothing will be evicted outside Kubernetes:\n%s", stderr.String())
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
