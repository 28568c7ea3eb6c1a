package pglocal

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// portAttempts bounds retries when a free port we picked was taken before the server bound it.
const portAttempts = 3

// start runs pg_ctl start and waits until the server accepts connections.
func (c *Cluster) start(ctx context.Context, opts Options) error {
	for attempt := 1; ; attempt++ {
		port := opts.Port
		if port == 0 {
			p, err := freePort()
			if err != nil {
				return err
			}
			port = p
		}
		offset := fileSize(c.logPath)
		_, err := c.run(ctx, "pg_ctl", "start", "-D", c.dir, "-l", c.logPath, "-s", "-w",
			"-t", waitSeconds(ctx), "-o", serverArgs(port, opts))
		if err == nil {
			c.port = port
			return nil
		}
		logTail := tailFrom(c.logPath, offset)
		if opts.Port == 0 && attempt < portAttempts && strings.Contains(logTail, "could not bind") {
			c.logger.Warn("port taken before postgres bound it; trying another", "port", port)
			continue
		}
		return fmt.Errorf("%w\nserver log %s:\n%s", err, c.logPath, logTail)
	}
}

// serverArgs are the postgres options pg_ctl passes on, through /bin/sh, hence the quoting.
func serverArgs(port int, opts Options) string {
	settings := map[string]string{
		"listen_addresses": "127.0.0.1",
		// No unix socket: its path would have to fit in 107 bytes (temp dirs often do not),
		// and a lock file left there by a crash could block the next start.
		"unix_socket_directories": "",
	}
	if opts.Fast {
		settings["fsync"] = "off"
		settings["synchronous_commit"] = "off"
		settings["full_page_writes"] = "off"
	}
	maps.Copy(settings, opts.Settings)
	args := []string{"-p", strconv.Itoa(port)}
	for _, name := range slices.Sorted(maps.Keys(settings)) {
		args = append(args, "-c", shellQuote(name+"="+settings[name]))
	}
	return strings.Join(args, " ")
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (c *Cluster) pgCtlStop(ctx context.Context) error {
	_, err := c.run(ctx, "pg_ctl", "stop", "-D", c.dir, "-m", "fast", "-s", "-w", "-t", waitSeconds(ctx))
	return err
}

// clearLeftovers deals with a postmaster.pid left by a previous run. If its process is a
// postgres serving this directory (the runner crashed, the server lived on; we hold the
// directory lock, so it belongs to no live Cluster) it is stopped, so this start applies
// our port and settings. Otherwise the file is stale: postgres would remove it itself if
// its PID were free, but after a crash or in a container the PID is often reused by an
// unrelated process, and then postgres refuses to start.
func (c *Cluster) clearLeftovers(ctx context.Context) error {
	pid, err := readPostmasterPID(c.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil && isPostmasterOf(pid, c.dir) {
		c.logger.Warn("stopping a server left running by a previous run", "pid", pid)
		return c.pgCtlStop(ctx)
	}
	// Unreadable or stale: either way postgres must not see it.
	c.logger.Warn("removing stale postmaster.pid", "pid", pid, "err", err)
	pidFile := filepath.Join(c.dir, "postmaster.pid")
	if err := os.Remove(pidFile); err != nil {
		return fmt.Errorf("pglocal: remove stale %s: %w", pidFile, err)
	}
	return nil
}

// abandon stops a server that a failed or cancelled Start may have left starting, so that
// giving up on the directory does not leave a postgres running on it.
func (c *Cluster) abandon() {
	pid, err := readPostmasterPID(c.dir)
	if err != nil || !isPostmasterOf(pid, c.dir) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.run(ctx, "pg_ctl", "stop", "-D", c.dir, "-m", "immediate", "-s", "-w"); err != nil {
		c.logger.Warn("could not stop the server of a failed start", "err", err)
	}
}

// readPostmasterPID reads the first line of dir/postmaster.pid: the server's PID.
func readPostmasterPID(dir string) (int, error) {
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pglocal: postmaster.pid starts with %q, not a PID", first)
	}
	return pid, nil
}

// isPostmasterOf reports whether process pid is a postgres server for data directory dir:
// it is a postgres executable and, as every postmaster does, has chdir'ed into its data
// directory. Both are needed, so an unrelated process is never signalled.
func isPostmasterOf(pid int, dir string) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false // ESRCH: gone; EPERM: someone else's, so not a server we started
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return false
	}
	if base := filepath.Base(strings.TrimSuffix(exe, " (deleted)")); base != "postgres" && base != "postmaster" {
		return false
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	return err == nil && cwd == dir
}

// run runs one of the PostgreSQL binaries as the server user and returns its output.
func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	// Our own working directory may be closed to the server user, and initdb and pg_ctl
	// complain when they cannot stat it.
	cmd.Dir = c.dir
	cmd.Env = childEnv()
	if c.user.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.user.cred}
	}
	// pg_ctl start leaves postgres running; should it ever hold our output pipe open,
	// Wait must not hang on it.
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("pglocal: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// childEnv is our environment without PG* variables (PGDATA, PGPORT, ... would redirect the
// binaries) and with C messages, so logs read the same everywhere.
func childEnv() []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG")
	})
	return append(env, "LC_ALL=C")
}

// waitSeconds is pg_ctl's -t: the time left before ctx's deadline, in whole seconds.
func waitSeconds(ctx context.Context) string {
	secs := 60.0
	if dl, ok := ctx.Deadline(); ok {
		secs = math.Max(1, math.Floor(time.Until(dl).Seconds()))
	}
	return strconv.Itoa(int(secs))
}

// freePort asks the kernel for a free port on the loopback address. Another process may
// take it before the server binds it; start retries then.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pglocal: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
