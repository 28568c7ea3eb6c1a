// Package config reads a service's configuration from environment variables once, at
// start-up, and reports every bad value together, each naming its variable.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Env reads typed values from an environment. Errors accumulate so that a person fixing
// a deployment sees all of them at once instead of one per restart.
type Env struct {
	lookup func(string) (string, bool)
	errs   []error
}

// FromOS reads the process environment.
func FromOS() *Env { return &Env{lookup: os.LookupEnv} }

// FromMap reads a fixed set of variables; tests and the all-in-one runner use it.
func FromMap(m map[string]string) *Env {
	return &Env{lookup: func(k string) (string, bool) { v, ok := m[k]; return v, ok }}
}

// Lookup returns the raw value and whether it is set to something non-empty.
func (e *Env) Lookup(name string) (string, bool) {
	v, ok := e.lookup(name)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

// String returns the variable or def when it is unset.
func (e *Env) String(name, def string) string {
	if v, ok := e.Lookup(name); ok {
		return v
	}
	return def
}

// Required returns the variable and records an error when it is unset.
func (e *Env) Required(name string) string {
	v, ok := e.Lookup(name)
	if !ok {
		e.errs = append(e.errs, fmt.Errorf("%s is required but not set", name))
	}
	return v
}

// Int returns the variable as an integer within [lo, hi].
func (e *Env) Int(name string, def, lo, hi int) int {
	v, ok := e.Lookup(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a whole number from %d to %d", name, v, lo, hi))
		return def
	}
	return n
}

// Bool accepts the usual spellings of true and false.
func (e *Env) Bool(name string, def bool) bool {
	v, ok := e.Lookup(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want true or false", name, v))
		return def
	}
	return b
}

// Duration parses Go duration syntax ("500ms", "30s") and requires a positive value.
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v, ok := e.Lookup(name)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want a positive duration such as 30s", name, v))
		return def
	}
	return d
}

// URL parses an absolute URL with one of the given schemes.
func (e *Env) URL(name, def string, schemes ...string) string {
	v := e.String(name, def)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (len(schemes) > 0 && !contains(schemes, u.Scheme)) {
		e.errs = append(e.errs, fmt.Errorf("%s: want an absolute %s URL", name, strings.Join(schemes, " or ")))
		return def
	}
	return v
}

// Addr checks a host:port listen address.
func (e *Env) Addr(name, def string) string {
	v := e.String(name, def)
	if _, port, err := splitHostPort(v); err != nil || port == "" {
		e.errs = append(e.errs, fmt.Errorf("%s=%q: want host:port", name, v))
		return def
	}
	return v
}

// Err returns every problem found so far, or nil.
func (e *Env) Err() error {
	if len(e.errs) == 0 {
		return nil
	}
	return fmt.Errorf("configuration: %w", errors.Join(e.errs...))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func splitHostPort(v string) (string, string, error) {
	i := strings.LastIndexByte(v, ':')
	if i < 0 {
		return "", "", errors.New("missing port")
	}
	if _, err := strconv.Atoi(v[i+1:]); err != nil {
		return "", "", fmt.Errorf("bad port: %w", err)
	}
	return v[:i], v[i+1:], nil
}
