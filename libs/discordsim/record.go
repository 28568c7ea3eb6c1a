package discordsim

import (
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// RecordedRequest is one REST request the simulator answered.
type RecordedRequest struct {
	Seq    int64
	Time   time.Time
	Method string
	// Path is the request path without the /api/vN prefix, e.g. "/channels/123/messages".
	Path string
	// Route is the matched template, e.g. "/channels/{channel_id}/messages"; empty when no
	// route matched.
	Route    string
	Query    url.Values
	Body     []byte
	Status   int
	Response []byte
	// Reason is the X-Audit-Log-Reason header, URL-decoded.
	Reason   string
	Duration time.Duration
}

// RequestFilter selects recorded requests; zero fields match everything.
type RequestFilter struct {
	Method     string
	Route      string
	PathPrefix string
	Status     int
	Since      time.Time
	Match      func(RecordedRequest) bool
}

func (f RequestFilter) matches(r *RecordedRequest) bool {
	return (f.Method == "" || strings.EqualFold(f.Method, r.Method)) &&
		(f.Route == "" || f.Route == r.Route) &&
		(f.PathPrefix == "" || strings.HasPrefix(r.Path, f.PathPrefix)) &&
		(f.Status == 0 || f.Status == r.Status) &&
		(f.Since.IsZero() || !r.Time.Before(f.Since)) &&
		(f.Match == nil || f.Match(*r))
}

type recorder struct {
	mu   sync.Mutex
	max  int
	seq  int64
	reqs []*RecordedRequest
}

func newRecorder(max int) *recorder { return &recorder{max: max} }

func (r *recorder) add(rr *RecordedRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	rr.Seq = r.seq
	r.reqs = append(r.reqs, rr)
	if len(r.reqs) > 2*r.max {
		r.reqs = slices.Delete(r.reqs, 0, len(r.reqs)-r.max)
	}
}

// Requests returns the recorded REST requests that match f, oldest first.
func (s *Server) Requests(f RequestFilter) []RecordedRequest {
	s.rec.mu.Lock()
	start := max(0, len(s.rec.reqs)-s.rec.max)
	all := slices.Clone(s.rec.reqs[start:])
	s.rec.mu.Unlock()
	// Filter outside the lock: f.Match is the caller's code.
	var out []RecordedRequest
	for _, r := range all {
		if f.matches(r) {
			out = append(out, *r)
		}
	}
	return out
}

// ClearRequests forgets the recorded requests.
func (s *Server) ClearRequests() {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	s.rec.reqs = nil
}
