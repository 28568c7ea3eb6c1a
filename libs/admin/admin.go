// Package admin serves a process's small operations port: /livez, /readyz and /metrics.
//
// Liveness answers "can this process still make progress?" and is fed only by the
// process's own watchdogs, never by the reachability of Discord, NATS or PostgreSQL, so
// that an outage of a dependency never makes Kubernetes restart every pod at once.
// Readiness answers "can this instance serve now?" and does include dependencies.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check reports nil when healthy, or the reason it is not.
type Check func(ctx context.Context) error

// Health collects named liveness and readiness checks. Safe for concurrent use.
type Health struct {
	mu    sync.RWMutex
	live  map[string]Check
	ready map[string]Check
}

// NewHealth returns an empty set of checks: live and ready until checks say otherwise.
func NewHealth() *Health {
	return &Health{live: map[string]Check{}, ready: map[string]Check{}}
}

// Live adds or replaces a liveness check.
func (h *Health) Live(name string, c Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.live[name] = c
}

// Ready adds or replaces a readiness check.
func (h *Health) Ready(name string, c Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ready[name] = c
}

// Result is the outcome of one round of checks.
type Result struct {
	OK     bool              `json:"ok"`
	Checks map[string]string `json:"checks"`
}

// Liveness runs the liveness checks.
func (h *Health) Liveness(ctx context.Context) Result { return h.run(ctx, true) }

// Readiness runs the readiness checks (a process that is not live is not ready either).
func (h *Health) Readiness(ctx context.Context) Result {
	r := h.run(ctx, true)
	rr := h.run(ctx, false)
	for k, v := range rr.Checks {
		r.Checks[k] = v
	}
	r.OK = r.OK && rr.OK
	return r
}

func (h *Health) run(ctx context.Context, live bool) Result {
	h.mu.RLock()
	set := h.ready
	if live {
		set = h.live
	}
	names := make([]string, 0, len(set))
	checks := make([]Check, 0, len(set))
	for n, c := range set {
		names = append(names, n)
		checks = append(checks, c)
	}
	h.mu.RUnlock()
	res := Result{OK: true, Checks: make(map[string]string, len(names))}
	for i, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := c(cctx)
		cancel()
		if err != nil {
			res.OK = false
			res.Checks[names[i]] = err.Error()
		} else {
			res.Checks[names[i]] = "ok"
		}
	}
	return res
}

// Server is the admin HTTP server of one process.
type Server struct {
	Health   *Health
	Registry *prometheus.Registry
	srv      *http.Server
	ln       net.Listener
	log      *slog.Logger
}

// New builds an admin server with a fresh Prometheus registry holding the Go runtime and
// process collectors. Other packages register their metrics on Registry.
func New(health *Health, log *slog.Logger) *Server {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{Health: health, Registry: reg, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", s.probe(health.Liveness))
	mux.HandleFunc("GET /readyz", s.probe(health.Readiness))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	// Profiles of the running process (CPU, heap, goroutines): the admin port is internal
	// (never exposed outside the pod's network policy), and a slow service is best
	// understood from where it is slow.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return s
}

func (s *Server) probe(run func(context.Context) Result) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res := run(r.Context())
		w.Header().Set("Content-Type", "application/json")
		if !res.OK {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(res)
	}
}

// Listen binds addr ("127.0.0.1:0" picks a free port) and serves in the background.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("admin: listen %s: %w", addr, err)
	}
	s.ln = ln
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("admin server stopped", "err", err)
		}
	}()
	return nil
}

// Addr is the bound address, once Listen has succeeded.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops serving within ctx's deadline.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}

// Summary renders a result on one line for logs, names sorted.
func (r Result) Summary() string {
	names := make([]string, 0, len(r.Checks))
	for n := range r.Checks {
		names = append(names, n)
	}
	sort.Strings(names)
	out := ""
	for _, n := range names {
		if out != "" {
			out += ", "
		}
		out += n + "=" + r.Checks[n]
	}
	return out
}
