// Package peers runs the bots Novera's benchmark compares itself with: a discord.py bot and a
// discord.js bot, each one process written the way their users write them, answering the
// headpat command with the same PostgreSQL write and the same embed as Novera (issue #8).
//
//	p, err := peers.Start(ctx, peers.PyBot, peers.Env{Token: srv.Token(), APIURL: srv.APIURL(),
//		GatewayURL: srv.GatewayURL(), DatabaseURL: dbURL, ShardCount: 2})
//	defer p.Stop(ctx)
//
// Start returns once the bot has said "ready": every shard connected and /headpat registered.
package peers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Kind names a peer by its library.
type Kind string

// The peers.
const (
	PyBot Kind = "discord.py"
	JSBot Kind = "discord.js"
)

// Kinds lists every peer, in the order the benchmark runs them.
var Kinds = []Kind{PyBot, JSBot}

// Env is what a peer is told through its environment.
type Env struct {
	Token string
	// APIURL is the REST base with the version, e.g. http://127.0.0.1:8080/api/v10.
	APIURL string
	// GatewayURL is the gateway, e.g. ws://127.0.0.1:8080/gateway. discord.py dials it when
	// ShardCount is set; discord.js always asks GET /gateway/bot.
	GatewayURL string
	// DatabaseURL is a postgres:// URL; each peer creates its own schema there
	// (peer_discordpy, peer_discordjs) with a headpats table like Novera's fun.headpats.
	DatabaseURL string
	// ShardCount is how many shards the one process runs; 0 takes GET /gateway/bot's number.
	ShardCount int
	// GlobalRequestsPerSecond is the global REST rate limit Discord granted the bot; 0 means
	// Discord's usual 50. discord.js paces itself to it (every request but interaction
	// callbacks), so a benchmark that raises the simulator's GlobalLimit raises this too;
	// discord.py only reacts to the 429s the simulator sends.
	GlobalRequestsPerSecond int
}

// python is Debian's interpreter, where python3-discord and python3-asyncpg are installed; a
// python3 earlier on PATH (a virtualenv, pyenv) would not see them.
const python = "/usr/bin/python3"

// ReadyTimeout bounds how long Start waits for "ready" when ctx has no earlier deadline, plus
// IdentifyInterval per shard: both libraries identify a process's shards one at a time, 5 s
// apart (Discord's identify rate at max_concurrency 1).
var (
	ReadyTimeout     = 30 * time.Second
	IdentifyInterval = 6 * time.Second
)

// Dir is the directory holding the peers' sources (this file's directory).
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("peers: no caller information")
	}
	return filepath.Dir(file)
}

func jsDir() string { return filepath.Join(Dir(), "discordjs") }

// Available says what is missing to run a peer, and how to install it; nil when nothing is.
// It does not install anything (Start installs the JS dependencies).
func Available(kind Kind) error {
	switch kind {
	case PyBot:
		out, err := exec.Command(python, "-c", "import discord, yarl, asyncpg").CombinedOutput()
		if err != nil {
			return fmt.Errorf("peers: the discord.py peer needs %s with discord.py and asyncpg (Debian packages python3-discord "+
				"and python3-asyncpg; `bash scripts/prerequisites.sh` installs them): %v: %s", python, err, bytes.TrimSpace(out))
		}
		return nil
	case JSBot:
		if _, err := exec.LookPath("node"); err != nil {
			return fmt.Errorf("peers: the discord.js peer needs Node.js (apt-get install nodejs npm): %w", err)
		}
		if jsInstalled() {
			return nil
		}
		if _, err := exec.LookPath("npm"); err != nil {
			return fmt.Errorf("peers: the discord.js peer's packages are not installed and there is no npm to install them "+
				"(apt-get install npm, then `bash scripts/prerequisites.sh`): %w", err)
		}
		return nil
	default:
		return fmt.Errorf("peers: unknown peer %q (have %q and %q)", kind, PyBot, JSBot)
	}
}

// jsInstalled says whether node_modules matches package-lock.json: npm ci writes the lockfile
// it installed to node_modules/.package-lock.json, so comparing the two catches a lockfile
// changed since the last install.
func jsInstalled() bool {
	want, err := os.ReadFile(filepath.Join(jsDir(), "package-lock.json"))
	if err != nil {
		return false
	}
	if _, err := os.Stat(filepath.Join(jsDir(), "node_modules", "discord.js", "package.json")); err != nil {
		return false
	}
	stamp, err := os.ReadFile(filepath.Join(jsDir(), "node_modules", ".lock-sha256"))
	return err == nil && string(stamp) == lockHash(want)
}

func lockHash(lock []byte) string {
	sum := sha256.Sum256(lock)
	return hex.EncodeToString(sum[:])
}

// installMu serialises npm ci within this process (tests start peers in parallel).
var installMu sync.Mutex

// installJS runs npm ci in the peer's directory when node_modules is missing or stale, and
// records the lockfile's hash so that the next Start skips it.
func installJS(ctx context.Context) error {
	installMu.Lock()
	defer installMu.Unlock()
	if jsInstalled() {
		return nil
	}
	lock, err := os.ReadFile(filepath.Join(jsDir(), "package-lock.json"))
	if err != nil {
		return fmt.Errorf("peers: %w", err)
	}
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = jsDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("peers: npm ci in %s: %v: %s", jsDir(), err, bytes.TrimSpace(out))
	}
	return os.WriteFile(filepath.Join(jsDir(), "node_modules", ".lock-sha256"), []byte(lockHash(lock)), 0o644)
}

// Process is a running peer.
type Process struct {
	Kind   Kind
	cmd    *exec.Cmd
	stderr *tail
	exited chan struct{} // closed once the process has ended
	err    error         // how it ended, once exited is closed
}

// Start runs a peer and returns once it has printed "ready". On failure (the process ends or
// ReadyTimeout passes first) the process is stopped and the error carries its stderr.
func Start(ctx context.Context, kind Kind, env Env) (*Process, error) {
	if err := Available(kind); err != nil {
		return nil, err
	}
	var cmd *exec.Cmd
	switch kind {
	case PyBot:
		cmd = exec.Command(python, "-u", filepath.Join(Dir(), "discordpy", "bot.py"))
	case JSBot:
		if err := installJS(ctx); err != nil {
			return nil, err
		}
		node, _ := exec.LookPath("node")
		cmd = exec.Command(node, "bot.js")
		cmd.Dir = jsDir()
	}
	cmd.Env = processEnv(env)
	p := &Process{Kind: kind, cmd: cmd, stderr: &tail{max: 16 << 10}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("peers: start %s: %w", kind, err)
	}
	ready := make(chan struct{})
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		p.watchStdout(stdout, ready)
	}()
	go func() {
		<-drained // Wait closes the pipe; read it to the end first.
		p.err = cmd.Wait()
		close(p.exited)
	}()

	wait, cancel := context.WithTimeout(ctx, ReadyTimeout+time.Duration(max(env.ShardCount, 1)-1)*IdentifyInterval)
	defer cancel()
	select {
	case <-ready:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("peers: %s ended before it was ready (%v); its stderr:\n%s", kind, p.err, p.stderr)
	case <-wait.Done():
		_ = p.Stop(context.Background())
		return nil, fmt.Errorf("peers: %s not ready: %w; its stderr:\n%s", kind, wait.Err(), p.stderr)
	}
}

// watchStdout closes ready at the line "ready" and keeps the rest (libraries do print to
// stdout at times) with stderr, where a failure message shows it.
func (p *Process) watchStdout(stdout io.Reader, ready chan struct{}) {
	buf := make([]byte, 4096)
	var line []byte
	said := false
	for {
		n, err := stdout.Read(buf)
		for _, b := range buf[:n] {
			if b != '\n' {
				line = append(line, b)
				continue
			}
			if !said && strings.TrimSpace(string(line)) == "ready" {
				said = true
				close(ready)
			} else {
				_, _ = p.stderr.Write(append([]byte("stdout: "), append(line, '\n')...))
			}
			line = line[:0]
		}
		if err != nil {
			return
		}
	}
}

// processEnv is a small, fixed environment, so that a developer's settings (PYTHONPATH,
// NODE_OPTIONS, proxies) cannot change what the libraries do.
func processEnv(env Env) []string {
	return []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + os.TempDir(),
		"LANG=C.UTF-8",
		"PYTHONDONTWRITEBYTECODE=1",
		"NODE_ENV=production",
		"DISCORD_TOKEN=" + env.Token,
		"DISCORD_API_URL=" + env.APIURL,
		"DISCORD_GATEWAY_URL=" + env.GatewayURL,
		"DATABASE_URL=" + env.DatabaseURL,
		"SHARD_COUNT=" + strconv.Itoa(env.ShardCount),
		"DISCORD_GLOBAL_RPS=" + strconv.Itoa(env.GlobalRequestsPerSecond),
	}
}

// PID is the peer's process id, for measuring its RSS and CPU.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Stderr is the tail of what the peer wrote to stderr (and any stdout besides "ready").
func (p *Process) Stderr() string { return p.stderr.String() }

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Stop asks the peer to close its sessions (SIGTERM) and kills it when it has not ended
// within 5 s or by ctx's deadline, whichever comes first. A process that had already ended is
// not an error; one that ended with a failure before Stop is.
func (p *Process) Stop(ctx context.Context) error {
	select {
	case <-p.exited:
		return p.exitError(false)
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	grace, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	select {
	case <-p.exited:
		return p.exitError(true)
	case <-grace.Done():
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("peers: %s did not end within 5 s of SIGTERM and was killed; its stderr:\n%s", p.Kind, p.stderr)
	}
}

// exitError treats the end that SIGTERM asked for as success.
func (p *Process) exitError(signalled bool) error {
	if p.err == nil {
		return nil
	}
	var exit *exec.ExitError
	if signalled && errors.As(p.err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
	}
	return fmt.Errorf("peers: %s ended: %v; its stderr:\n%s", p.Kind, p.err, p.stderr)
}

// tail keeps the last max bytes written to it; safe for concurrent use.
type tail struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (w *tail) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	if over := w.buf.Len() - w.max; over > 0 {
		w.buf.Next(over)
	}
	return len(b), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
