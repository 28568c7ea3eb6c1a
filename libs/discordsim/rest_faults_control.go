package discordsim

import (
	"net/http"
	"strconv"
	"time"
)

// restFaultJSON is a REST fault on the control API; durations are in milliseconds.
type restFaultJSON struct {
	Method       string `json:"method,omitempty"`
	Route        string `json:"route,omitempty"`
	Status       int    `json:"status,omitempty"`
	Scope        string `json:"scope,omitempty"`
	RetryAfterMS int    `json:"retry_after_ms,omitempty"`
	DelayMS      int    `json:"delay_ms,omitempty"`
	Count        int    `json:"count,omitempty"`
	DurationMS   int    `json:"duration_ms,omitempty"`
}

func (j restFaultJSON) fault() RESTFault {
	return RESTFault{Method: j.Method, Route: j.Route, Status: j.Status, Scope: j.Scope,
		RetryAfter: time.Duration(j.RetryAfterMS) * time.Millisecond,
		Delay:      time.Duration(j.DelayMS) * time.Millisecond,
		Count:      j.Count, For: time.Duration(j.DurationMS) * time.Millisecond}
}

func faultJSON(f RESTFault) restFaultJSON {
	return restFaultJSON{Method: f.Method, Route: f.Route, Status: f.Status, Scope: f.Scope,
		RetryAfterMS: int(f.RetryAfter.Milliseconds()), DelayMS: int(f.Delay.Milliseconds()),
		Count: f.Count, DurationMS: int(f.For.Milliseconds())}
}

// controlRESTFaults serves /_sim/rest-faults:
//
//	POST   {"method","route","status","scope","retry_after_ms","delay_ms","count","duration_ms"} → {"id"}
//	GET    → {"faults": [...], "invalid_requests": n}
//	DELETE → removes every fault; DELETE ?id=N removes one
func (s *Server) controlRESTFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
		var req restFaultJSON
		if err := readControl(r, &req); err != nil {
			controlError(w, http.StatusBadRequest, "%v", err)
			return
		}
		if req.RetryAfterMS < 0 || req.DelayMS < 0 || req.DurationMS < 0 || req.Count < 0 {
			controlError(w, http.StatusBadRequest, "retry_after_ms, delay_ms, duration_ms and count must not be negative")
			return
		}
		id, err := s.AddRESTFault(req.fault())
		if err != nil {
			controlError(w, http.StatusBadRequest, "%v", err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": id})
	case http.MethodGet:
		out := []restFaultJSON{}
		for _, f := range s.RESTFaults() {
			out = append(out, faultJSON(f))
		}
		writeJSON(w, http.StatusOK, map[string]any{"faults": out, "invalid_requests": s.InvalidRequests()})
	case http.MethodDelete:
		raw := r.URL.Query().Get("id")
		if raw == "" {
			s.ClearRESTFaults()
			writeJSON(w, http.StatusOK, map[string]any{"removed": "all"})
			return
		}
		id, err := strconv.Atoi(raw)
		if err != nil {
			controlError(w, http.StatusBadRequest, "id %q is not a number", raw)
			return
		}
		if !s.RemoveRESTFault(id) {
			controlError(w, http.StatusNotFound, "no REST fault %d", id)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"removed": id})
	default:
		controlError(w, http.StatusMethodNotAllowed, "use GET, POST or DELETE")
	}
}

// controlRateLimits serves GET /_sim/rate-limits: the invalid-request count Discord would
// ban on, and the limits in force.
func (s *Server) controlRateLimits(w http.ResponseWriter, _ *http.Request) {
	o := s.rl.opts
	writeJSON(w, http.StatusOK, map[string]any{
		"invalid_requests":        s.InvalidRequests(),
		"invalid_request_limit":   o.InvalidRequestLimit,
		"banned_for_ms":           s.rl.banFor(time.Now()).Milliseconds(),
		"invalid_requests_window": invalidWindow.String(),
		"enforced":                o.Mode == RateLimitEnforce,
		"global_limit_per_second": o.GlobalLimit,
		"route_limit":             o.Limit,
		"route_window_ms":         o.Window.Milliseconds(),
	})
}
