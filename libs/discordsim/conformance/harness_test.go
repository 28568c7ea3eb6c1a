package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// report is one thing a bot under test saw or did, printed by the bots as a JSON line.
type report struct {
	Event     string   `json:"event"`
	ID        string   `json:"id,omitempty"`
	GuildID   string   `json:"guild_id,omitempty"`
	UserID    string   `json:"user_id,omitempty"`
	SessionID string   `json:"session_id,omitempty"`
	Content   string   `json:"content,omitempty"`
	Text      string   `json:"text,omitempty"`
	Names     []string `json:"names,omitempty"`
	Error     string   `json:"error,omitempty"`
	// Replayed is how many dispatches a resume replayed, for clients that say (discord.js).
	Replayed *int `json:"replayed,omitempty"`
	// Code is the close code or HTTP status a client gave up on, when it said.
	Code *int `json:"code,omitempty"`
}

func (r report) String() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// reports collects what a bot reports and lets a test wait for it. Bots in other processes
// feed it from their stdout; the discordgo bot feeds it from its handlers, so every client is
// checked by the same scenario code.
type reports struct {
	mu      sync.Mutex
	all     []report
	changed chan struct{}
}

func newReports() *reports { return &reports{changed: make(chan struct{})} }

func (rs *reports) add(r report) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.all = append(rs.all, r)
	close(rs.changed)
	rs.changed = make(chan struct{})
}

func (rs *reports) snapshot() ([]report, <-chan struct{}) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return slices.Clone(rs.all), rs.changed
}

// count returns how many reports match.
func (rs *reports) count(match func(report) bool) int {
	all, _ := rs.snapshot()
	n := 0
	for _, r := range all {
		if match(r) {
			n++
		}
	}
	return n
}

// wait returns the first report that matches, waiting up to timeout for it.
func (rs *reports) wait(t *testing.T, timeout time.Duration, what string, match func(report) bool) report {
	t.Helper()
	r, err := rs.waitErr(t.Context(), timeout, match)
	if err != nil {
		t.Fatalf("waiting %v for %s: %v", timeout, what, err)
	}
	return r
}

func (rs *reports) waitErr(ctx context.Context, timeout time.Duration, match func(report) bool) (report, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		all, changed := rs.snapshot()
		for _, r := range all {
			if match(r) {
				return r, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return report{}, ctx.Err()
		}
	}
}

func (rs *reports) dump() string {
	all, _ := rs.snapshot()
	var b strings.Builder
	for _, r := range all {
		b.WriteString(r.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func event(name string) func(report) bool {
	return func(r report) bool { return r.Event == name }
}

// bot is a client under test: its reports and, for bots in another process, how it ended.
type bot struct {
	*reports
	// exited is closed when the process has ended; nil for in-process bots.
	exited  chan struct{}
	exitErr error       // valid once exited is closed
	stderr  *tailBuffer // the process's stderr, for failure messages
}

// startProcess runs cmd as a bot: stdout lines are decoded as reports, stderr is kept for
// when the test fails, and the process is killed when the test ends.
func startProcess(t *testing.T, cmd *exec.Cmd) *bot {
	t.Helper()
	b := &bot{reports: newReports(), exited: make(chan struct{}), stderr: &tailBuffer{max: 16 << 10}}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = b.stderr
	// Bots shut their sockets down gracefully when told; do not wait long for it.
	cmd.WaitDelay = 3 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var r report
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				// Libraries sometimes print to stdout; keep it visible without failing on it.
				r = report{Event: "stdout", Text: sc.Text()}
			}
			b.add(r)
		}
	}()
	go func() {
		<-lines // Wait must not run before stdout is drained (os/exec closes the pipe).
		b.exitErr = cmd.Wait()
		close(b.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-b.exited:
		default:
			_ = cmd.Process.Kill()
			<-b.exited
		}
		if t.Failed() {
			t.Logf("%s ran %v; its reports:\n%s\nits stderr (tail):\n%s", cmd.Path, time.Since(start).Round(time.Millisecond),
				b.dump(), b.stderr.String())
		}
	})
	return b
}

// waitExit waits for the process to end and returns its exit error (nil for status 0).
func (b *bot) waitExit(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case <-b.exited:
		return b.exitErr
	case <-time.After(timeout):
		t.Fatalf("the client was still running %v later: it must give up, not retry", timeout)
		return nil
	}
}

// tailBuffer is an io.Writer that keeps the last max bytes written, safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

var _ io.Writer = (*tailBuffer)(nil)

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if over := w.buf.Len() - w.max; over > 0 {
		w.buf.Next(over)
	}
	return len(p), nil
}

func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// missingTool fails the test with how to install what is missing. These tests do not skip:
// a skipped conformance test would look like a passing one in `make test`.
func missingTool(t *testing.T, what, install string, err error) {
	t.Helper()
	msg := fmt.Sprintf("%s is not available (%v).\nInstall it with `bash scripts/prerequisites.sh` from the repository root "+
		"(which `make test` runs first), or by hand: %s", what, err, install)
	t.Fatal(msg)
}
