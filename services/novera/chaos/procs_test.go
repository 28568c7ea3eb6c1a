package chaos

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binaries builds the services' commands and chaosinfra once per test binary, into dir.
func buildBinaries(t testing.TB, dir string) {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command("go", "build", "-o", dir+string(os.PathSeparator),
		"./services/gateway/cmd/gateway", "./services/fun/cmd/fun", "./services/community/cmd/community",
		"./services/league/cmd/league", "./services/moderation/cmd/moderation", "./services/novera/chaos/cmd/chaosinfra",
		"./services/rest/cmd/rest")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the services in %v", time.Since(start).Round(time.Millisecond))
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// readyLine is what chaosinfra prints once its server accepts clients.
type readyLine struct {
	URL string `json:"url"`
	Dir string `json:"dir"`
	PID int    `json:"pid"`
}

// proc is one OS process of the system under test, restartable with the same command.
type proc struct {
	name    string
	bin     string
	args    []string
	env     []string
	logPath string
	// infra processes announce readiness with a JSON line on stdout.
	infra bool

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	ready  readyLine
	starts int
	kills  int
}

// start launches the process; for infra it waits for the ready line.
func (p *proc) start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("%s: log: %w", p.name, err)
	}
	fmt.Fprintf(logf, "==== start %d at %s\n", p.starts+1, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stderr = logf
	// Its own process group: a SIGKILL of the test binary must not leave it orphaned with
	// the terminal's signals, and our signals reach only this process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout *bufio.Reader
	if p.infra {
		out, err := cmd.StdoutPipe()
		if err != nil {
			_ = logf.Close()
			return err
		}
		stdout = bufio.NewReader(out)
	} else {
		cmd.Stdout = logf
	}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return fmt.Errorf("%s: start: %w", p.name, err)
	}
	p.starts++
	p.cmd = cmd
	done := make(chan struct{})
	p.done = done
	if p.infra {
		lines := make(chan string, 1)
		go func() {
			line, _ := stdout.ReadString('\n')
			lines <- line
		}()
		select {
		case line := <-lines:
			if err := json.Unmarshal([]byte(line), &p.ready); err != nil {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				_ = logf.Close()
				close(done)
				return fmt.Errorf("%s: no ready line (got %q); see %s", p.name, line, p.logPath)
			}
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			_ = logf.Close()
			close(done)
			return fmt.Errorf("%s: not ready: %w; see %s", p.name, ctx.Err(), p.logPath)
		}
	}
	go func() {
		_ = cmd.Wait()
		_ = logf.Close()
		close(done)
	}()
	return nil
}

// running returns the process's handle and its done channel.
func (p *proc) current() (*exec.Cmd, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd, p.done
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	cmd, done := p.current()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	p.mu.Lock()
	p.kills++
	p.mu.Unlock()
}

// term sends SIGTERM and waits up to grace; it reports how long the process took and
// whether it exited by itself (else it was killed) and with status 0.
func (p *proc) term(grace time.Duration) (took time.Duration, clean bool) {
	cmd, done := p.current()
	if cmd == nil {
		return 0, true
	}
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
		return time.Since(start), cmd.ProcessState != nil && cmd.ProcessState.Success()
	case <-time.After(grace):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return time.Since(start), false
	}
}

// exited reports whether the process has ended on its own.
func (p *proc) exited() bool {
	_, done := p.current()
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// logTail returns the last n lines of the process's log that look like problems.
func (p *proc) logTail(n int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, `"level":"WARN"`) || strings.HasPrefix(l, "====") ||
			strings.Contains(l, "panic") || strings.HasPrefix(l, "novera:") {
			keep = append(keep, l)
		}
	}
	if len(keep) > n {
		keep = keep[len(keep)-n:]
	}
	return strings.Join(keep, "\n")
}

// postgres is the database process: chaosinfra's helper plus the postmaster it started.
// A crash kills the postmaster itself (its backends then die on their own) and the helper.
type postgres struct{ *proc }

func (pg postgres) crash() error {
	pg.mu.Lock()
	pid := pg.ready.PID
	pg.mu.Unlock()
	if pid > 0 {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("kill postmaster %d: %w", pid, err)
		}
	}
	pg.kill()
	return nil
}
