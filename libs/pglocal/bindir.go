package pglocal

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// debianBinGlob is where Debian and Ubuntu install each major version side by side.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// resolveBinDir returns the directory holding the server binaries: dir if given, else the
// newest Debian-style installation, else wherever pg_ctl is on PATH.
func resolveBinDir(dir string) (string, error) {
	if dir != "" {
		if err := hasServerBinaries(dir); err != nil {
			return "", err
		}
		return dir, nil
	}
	if dir := newestDebianBinDir(); dir != "" {
		return dir, nil
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		dir := filepath.Dir(p)
		if err := hasServerBinaries(dir); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("pglocal: no PostgreSQL server binaries found (looked in " +
		debianBinGlob + " and PATH); install postgresql or set Options.BinDir")
}

func newestDebianBinDir() string {
	dirs, _ := filepath.Glob(debianBinGlob) // the pattern is valid, so no error
	best, bestVersion := "", -1.0
	for _, d := range dirs {
		// The version is the directory above bin: "15", or "9.6" for old releases.
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
		if err != nil || v <= bestVersion || hasServerBinaries(d) != nil {
			continue
		}
		best, bestVersion = d, v
	}
	return best
}

func hasServerBinaries(dir string) error {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("pglocal: %s has no %s: %w", dir, name, err)
		}
	}
	return nil
}

// parseMajorVersion reads the major version from "pg_ctl (PostgreSQL) 15.14 (Debian ...)"
// or from the contents of a PG_VERSION file ("15").
func parseMajorVersion(s string) (string, error) {
	s = strings.TrimSpace(s)
	if _, after, ok := strings.Cut(s, "(PostgreSQL) "); ok {
		s = after
	}
	major, rest := leadingDigits(s)
	n, err := strconv.Atoi(major)
	if err != nil {
		return "", fmt.Errorf("pglocal: cannot read a PostgreSQL version from %q", s)
	}
	// Before PostgreSQL 10 the major version had two parts (9.6).
	if n < 10 && strings.HasPrefix(rest, ".") {
		if minor, _ := leadingDigits(rest[1:]); minor != "" {
			return major + "." + minor, nil
		}
	}
	return major, nil
}

// leadingDigits splits s after its leading decimal digits ("17beta1" → "17", "beta1").
func leadingDigits(s string) (digits, rest string) {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}
