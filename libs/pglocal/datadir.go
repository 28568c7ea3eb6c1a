package pglocal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// logFileName is the server log inside the data directory; pg_ctl appends to it.
const logFileName = "server.log"

// hbaConf replaces initdb's pg_hba.conf: no unix socket lines (sockets are off) and trust
// only on the loopback address, the only one the server listens on.
const hbaConf = `# Written by pglocal: a throwaway cluster reachable only from this machine.
host all         all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
`

// prepareDir makes sure dir exists and can be reached by u, and returns the absolute path
// of the data directory to give the server.
func prepareDir(dir string, u osUser, logger *slog.Logger) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("pglocal: %w", err)
	}
	// Follow a link left by an earlier relocation (see relocate), or made by hand.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	// Parents are made world-enterable so the server user can reach the data directory.
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", fmt.Errorf("pglocal: %w", err)
	}
	if blocked := u.blockedAncestor(abs); blocked != "" {
		return relocate(abs, blocked, u, logger)
	}
	if fi, err := os.Lstat(abs); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		// A dangling link: its target is gone (a reboot cleaned the temp dir), so start anew.
		if err := os.Remove(abs); err != nil {
			return "", fmt.Errorf("pglocal: %w", err)
		}
	}
	if err := os.Mkdir(abs, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("pglocal: %w", err)
	}
	return abs, nil
}

// relocate handles a data directory under a directory that the server user cannot enter,
// typically a 0700 home or temp directory of root. Loosening the permissions of a directory
// whose purpose we do not know (root's home, say) would be a quiet security change, so
// instead the data lives in a fresh directory under the system temp dir, which everyone may
// enter, and abs becomes a symbolic link to it: people and later runs still find the cluster
// at the path they asked for. Only an empty or missing abs can be relocated this way.
func relocate(abs, blocked string, u osUser, logger *slog.Logger) (string, error) {
	fi, err := os.Lstat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return "", fmt.Errorf("pglocal: %w", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		// A dangling link, or one into another closed place: replace it.
		if err := os.Remove(abs); err != nil {
			return "", fmt.Errorf("pglocal: %w", err)
		}
	case fi.IsDir():
		if empty, err := isEmptyDir(abs); err != nil {
			return "", err
		} else if !empty {
			return "", fmt.Errorf("pglocal: data directory %s is not empty and user %s cannot reach it: %s is closed to it (give it search permission or move the cluster)", abs, u.name, blocked)
		}
		if err := os.Remove(abs); err != nil {
			return "", fmt.Errorf("pglocal: %w", err)
		}
	default:
		return "", fmt.Errorf("pglocal: data directory %s is not a directory", abs)
	}
	target, err := os.MkdirTemp("", "pglocal-")
	if err != nil {
		return "", fmt.Errorf("pglocal: %w", err)
	}
	if u.blockedAncestor(target) != "" {
		_ = os.Remove(target)
		return "", fmt.Errorf("pglocal: user %s can reach neither %s (%s is closed to it) nor the temp dir %s", u.name, abs, blocked, filepath.Dir(target))
	}
	if err := os.Symlink(target, abs); err != nil {
		_ = os.Remove(target)
		return "", fmt.Errorf("pglocal: %w", err)
	}
	logger.Info("data directory relocated: the server user cannot enter its parent",
		"asked", abs, "closed", blocked, "actual", target, "server_user", u.name)
	return target, nil
}

func isEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, fmt.Errorf("pglocal: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if len(names) > 0 {
		return false, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("pglocal: read %s: %w", dir, err)
	}
	return true, nil
}

// lockDir takes an exclusive flock on the directory itself. The kernel drops it when the
// process exits, however it exits, so a crashed runner never leaves the directory locked,
// while a second runner on the same directory is refused.
func lockDir(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("pglocal: data directory %s is in use by another pglocal cluster", dir)
		}
		return nil, fmt.Errorf("pglocal: lock %s: %w", dir, err)
	}
	return f, nil
}

// ensureCluster runs initdb if the directory is empty, or checks that the cluster in it
// matches the binaries. It reports whether it created the cluster.
func (c *Cluster) ensureCluster(ctx context.Context) (bool, error) {
	versionFile, err := os.ReadFile(filepath.Join(c.dir, "PG_VERSION"))
	switch {
	case err == nil:
		return false, c.checkVersion(ctx, string(versionFile))
	case !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("pglocal: %w", err)
	}
	if empty, err := isEmptyDir(c.dir); err != nil {
		return false, err
	} else if !empty {
		return false, fmt.Errorf("pglocal: data directory %s holds files but no PostgreSQL cluster (no PG_VERSION); refusing to touch it", c.dir)
	}
	c.logger.Info("creating cluster", "bin", c.binDir)
	// --no-sync: a crash during initdb just means running it again on an empty directory.
	// --no-locale: C collation, the same on every machine, whatever its locales.
	if _, err := c.run(ctx, "initdb", "-D", c.dir, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions"); err != nil {
		return false, err
	}
	if err := c.user.writeFile(filepath.Join(c.dir, "pg_hba.conf"), []byte(hbaConf)); err != nil {
		return false, err
	}
	return true, nil
}

// checkVersion refuses a cluster made by another major version, which postgres would
// refuse too, but with a less helpful message.
func (c *Cluster) checkVersion(ctx context.Context, pgVersion string) error {
	out, err := c.run(ctx, "pg_ctl", "--version")
	if err != nil {
		return err
	}
	have, err := parseMajorVersion(string(out))
	if err != nil {
		return err
	}
	want, err := parseMajorVersion(pgVersion)
	if err != nil {
		return err
	}
	if have != want {
		return fmt.Errorf("pglocal: the cluster in %s was made by PostgreSQL %s but the binaries in %s are %s; remove the directory or set Options.BinDir",
			c.dir, want, c.binDir, strings.TrimSpace(have))
	}
	return nil
}
