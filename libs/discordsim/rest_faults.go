package discordsim

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// RESTFault makes chosen REST routes misbehave: answer 429 or a 5xx, or answer slowly. It
// applies to the next Count matching requests, or to every matching request until For has
// passed (both zero: until ClearRESTFaults).
type RESTFault struct {
	// Method matches the HTTP method; empty matches any.
	Method string
	// Route matches the route template, e.g. "/channels/{channel_id}/messages"; empty matches
	// every route.
	Route string
	// Status is 429 or 500–599; 0 sends the real answer (after Delay).
	Status int
	// Scope is the X-RateLimit-Scope of a 429: "user" (default), "global" or "shared".
	Scope string
	// RetryAfter is the retry_after of a 429; default 1 s.
	RetryAfter time.Duration
	// Delay holds the answer back this long (the request still happens afterwards unless
	// Status is set).
	Delay time.Duration
	// Count limits the fault to the next Count matching requests.
	Count int
	// For limits the fault to a period from now.
	For time.Duration
}

// restFaultRec is an installed fault. Guarded by restFaults.mu.
type restFaultRec struct {
	RESTFault
	id        int
	remaining int // meaningful when Count > 0
	until     time.Time
}

type restFaults struct {
	mu     sync.Mutex
	nextID int
	list   []*restFaultRec
}

func validMethod(m string) bool {
	switch m {
	case "", http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// checkRESTFault validates a fault against the simulator's routes and fills in defaults;
// its errors are for people.
func (s *Server) checkRESTFault(f *RESTFault) error {
	f.Method = strings.ToUpper(f.Method)
	if !validMethod(f.Method) {
		return fmt.Errorf("%w: method %q is not one of GET, POST, PUT, PATCH, DELETE", ErrBadInput, f.Method)
	}
	if f.Route != "" {
		known := slices.ContainsFunc(s.routes, func(r *route) bool {
			return r.pattern == f.Route && (f.Method == "" || r.method == f.Method)
		})
		if !known {
			return fmt.Errorf("%w: no route %s %s (use a template such as /channels/{channel_id}/messages)", ErrBadInput, f.Method, f.Route)
		}
	}
	switch {
	case f.Status == 0 && f.Delay <= 0:
		return fmt.Errorf("%w: a fault needs a status (429 or 5xx) or a delay", ErrBadInput)
	case f.Status != 0 && f.Status != http.StatusTooManyRequests && (f.Status < 500 || f.Status > 599):
		return fmt.Errorf("%w: status %d is not 429 or 500-599", ErrBadInput, f.Status)
	case f.Delay < 0 || f.For < 0 || f.RetryAfter < 0 || f.Count < 0:
		return fmt.Errorf("%w: delay, duration, retry_after and count must not be negative", ErrBadInput)
	case f.Delay > time.Minute:
		return fmt.Errorf("%w: delay %v is over a minute", ErrBadInput, f.Delay)
	}
	switch f.Scope {
	case "":
		f.Scope = "user"
	case "user", "global", "shared":
	default:
		return fmt.Errorf("%w: scope %q is not user, global or shared", ErrBadInput, f.Scope)
	}
	if f.Status == http.StatusTooManyRequests && f.RetryAfter == 0 {
		f.RetryAfter = time.Second
	}
	return nil
}

// AddRESTFault installs a fault and returns its id (for RemoveRESTFault). Faults are checked in
// the order they were added; the first that matches a request applies.
func (s *Server) AddRESTFault(f RESTFault) (int, error) {
	if err := s.checkRESTFault(&f); err != nil {
		return 0, err
	}
	rf := &s.restFaults
	rf.mu.Lock()
	defer rf.mu.Unlock()
	rf.nextID++
	rec := &restFaultRec{RESTFault: f, id: rf.nextID, remaining: f.Count}
	if f.For > 0 {
		rec.until = time.Now().Add(f.For)
	}
	rf.list = append(rf.list, rec)
	s.log.Info("rest fault added", "id", rec.id, "method", f.Method, "route", f.Route, "status", f.Status, "delay", f.Delay)
	return rec.id, nil
}

// RemoveRESTFault removes one fault; it reports whether it was installed.
func (s *Server) RemoveRESTFault(id int) bool {
	rf := &s.restFaults
	rf.mu.Lock()
	defer rf.mu.Unlock()
	n := len(rf.list)
	rf.list = slices.DeleteFunc(rf.list, func(r *restFaultRec) bool { return r.id == id })
	return len(rf.list) != n
}

// ClearRESTFaults removes every REST fault.
func (s *Server) ClearRESTFaults() {
	rf := &s.restFaults
	rf.mu.Lock()
	defer rf.mu.Unlock()
	rf.list = nil
}

// RESTFaults lists the installed faults that are still active; Count is what remains of it.
func (s *Server) RESTFaults() []RESTFault {
	rf := &s.restFaults
	rf.mu.Lock()
	defer rf.mu.Unlock()
	now := time.Now()
	var out []RESTFault
	for _, r := range rf.list {
		if r.expired(now) {
			continue
		}
		f := r.RESTFault
		if f.Count > 0 {
			f.Count = r.remaining
		}
		out = append(out, f)
	}
	return out
}

func (r *restFaultRec) expired(now time.Time) bool {
	return (r.Count > 0 && r.remaining <= 0) || (!r.until.IsZero() && now.After(r.until))
}

// take finds the fault for a request and consumes one use of it.
func (rf *restFaults) take(method, pattern string, now time.Time) (RESTFault, bool) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	rf.list = slices.DeleteFunc(rf.list, func(r *restFaultRec) bool { return r.expired(now) })
	for _, r := range rf.list {
		if (r.Method == "" || r.Method == method) && (r.Route == "" || r.Route == pattern) {
			if r.Count > 0 {
				r.remaining--
			}
			return r.RESTFault, true
		}
	}
	return RESTFault{}, false
}

// applyRESTFault delays the request and reports the faulty answer to send instead of the real
// one, if any.
func (s *Server) applyRESTFault(ctx context.Context, h http.Header, method, pattern string) (status int, body any, faulted bool) {
	f, ok := s.restFaults.take(method, pattern, time.Now())
	if !ok {
		return 0, nil, false
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	switch {
	case f.Status == http.StatusTooManyRequests:
		return f.Status, tooManyRequests(h, f.RetryAfter, f.Scope, f.Scope == "global"), true
	case f.Status >= 500:
		return f.Status, map[string]any{"message": fmt.Sprintf("%d: %s", f.Status, http.StatusText(f.Status)), "code": 0}, true
	}
	return 0, nil, false
}
