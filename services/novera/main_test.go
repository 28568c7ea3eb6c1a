package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// `make run` as a new user meets it: the binary starts from an empty data directory with
// nothing configured, prints that it is ready, and answers a /headpat through the
// simulator's control API within a second; Ctrl-C stops it cleanly.
func TestRunAnswersHeadpatOutOfTheBox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the all-in-one binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "novera")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	simAddr, healthAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NOVERA_SIM_ADDR="+simAddr, "NOVERA_HEALTH_ADDR="+healthAddr, "ADMIN_ADDR="+freeAddr(t), "NOVERA_DATA_DIR="+filepath.Join(dir, "data"))
	for _, v := range []string{"DISCORD_TOKEN", "NATS_URL", "DATABASE_URL"} {
		cmd.Env = append(cmd.Env, v+"=")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var printed []string
	waitFor := func(want string, limit time.Duration) {
		t.Helper()
		timeout := time.After(limit)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("exited before %q; stdout:\n%s\nstderr tail:\n%s", want, strings.Join(printed, "\n"), tail(stderr.String(), 3000))
				}
				printed = append(printed, l)
				if strings.Contains(l, want) {
					return
				}
			case <-timeout:
				t.Fatalf("no %q within %s; stdout:\n%s\nstderr tail:\n%s", want, limit, strings.Join(printed, "\n"), tail(stderr.String(), 3000))
			}
		}
	}
	waitFor("Novera is ready.", 90*time.Second)
	ready := time.Now()

	body := `{"text":"/headpat","timeout_ms":1000}`
	resp, err := http.Post("http://"+simAddr+"/_sim/commands", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Replies []struct {
			Kind   string `json:"kind"`
			Embeds []struct {
				Description string `json:"description"`
			} `json:"embeds"`
		} `json:"replies"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || len(out.Replies) == 0 || len(out.Replies[0].Embeds) == 0 {
		t.Fatalf("status %d, answer %+v", resp.StatusCode, out)
	}
	// The control API waits a short quiet period after the answer; the answer itself must
	// come within a second of "ready".
	if took := time.Since(ready); took > time.Second+300*time.Millisecond {
		t.Errorf("first answer took %s after ready", took)
	}
	waitFor("Press Ctrl-C", 5*time.Second)
	for _, want := range []string{"NATS (embedded", "PostgreSQL (local", "Discord simulator", "curl", "Status page (every service's heartbeat): http://" + healthAddr + "/"} {
		if !strings.Contains(strings.Join(printed, "\n"), want) {
			t.Errorf("start-up output lacks %q:\n%s", want, strings.Join(printed, "\n"))
		}
	}
	// The status page has a row for every service, each ready.
	var status struct {
		Instances []struct {
			Beat struct{ Service, State string } `json:"beat"`
		} `json:"instances"`
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + healthAddr + "/api/status")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&status)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		ready := map[string]bool{}
		for _, in := range status.Instances {
			ready[in.Beat.Service] = in.Beat.State == "ready"
		}
		if ready["gateway"] && ready["fun"] && ready["community"] && ready["league"] && ready["moderation"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status page lacks a ready row per service: %+v", status)
		}
		time.Sleep(200 * time.Millisecond)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitFor("Novera stopped.", 30*time.Second)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after Ctrl-C: %v\n%s", err, tail(stderr.String(), 2000))
		}
	case <-time.After(30 * time.Second):
		t.Error("did not exit after Ctrl-C")
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

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
