package discordsim

import (
	"errors"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// POST /_sim/faults injects a gateway fault:
//
//	{"fault": "drop"}                                 end the TCP connection, no close frame
//	{"fault": "zombie"}                               stop sending anything (heartbeat ACKs too)
//	{"fault": "reconnect"}                            op 7
//	{"fault": "invalid_session", "resumable": false}  op 9
//	{"fault": "close", "code": 4000}                  close with a code
//	{"fault": "heartbeat_request"}                    op 1
//	{"fault": "delay_dispatches", "delay_ms": 2000}   hold dispatches back (0 ends it)
//
// "shard_id" limits the fault to one shard's connections. The answer is
// {"fault", "connections"}; bad input is a 400 {"error"} and a fault with no connection to act
// on a 409 {"error"}.
//
// GET /_sim/faults reports the gateway counters and the current dispatch delay.

type controlFaultRequest struct {
	Fault     FaultKind `json:"fault"`
	Resumable *bool     `json:"resumable"`
	Code      *int      `json:"code"`
	DelayMS   *int64    `json:"delay_ms"`
	ShardID   *int      `json:"shard_id"`
}

// gatewayFault checks that only the fields the fault uses are set: a "code" sent with
// "reconnect" is a mistake a person wants to hear about.
func (req controlFaultRequest) gatewayFault() (GatewayFault, error) {
	f := GatewayFault{Kind: req.Fault, ShardID: req.ShardID}
	if req.Fault == "" {
		return f, errors.New(`"fault" is required`)
	}
	switch {
	case req.Resumable != nil && req.Fault != FaultInvalidSession:
		return f, errors.New(`"resumable" only goes with "invalid_session"`)
	case req.Code != nil && req.Fault != FaultClose:
		return f, errors.New(`"code" only goes with "close"`)
	case req.DelayMS != nil && req.Fault != FaultDelayDispatches:
		return f, errors.New(`"delay_ms" only goes with "delay_dispatches"`)
	}
	switch req.Fault {
	case FaultInvalidSession:
		if req.Resumable == nil {
			return f, errors.New(`"invalid_session" needs "resumable": true or false`)
		}
		f.Resumable = *req.Resumable
	case FaultClose:
		if req.Code == nil {
			return f, errors.New(`"close" needs "code", e.g. 4000`)
		}
		f.Code = websocket.StatusCode(*req.Code)
	case FaultDelayDispatches:
		if req.DelayMS == nil {
			return f, errors.New(`"delay_dispatches" needs "delay_ms" (0 ends the delay)`)
		}
		ms := *req.DelayMS
		if ms < 0 || ms > maxDispatchDelay.Milliseconds() {
			return f, errors.New(`"delay_ms" must be between 0 and 600000`)
		}
		f.Delay = time.Duration(ms) * time.Millisecond
	}
	return f, f.Validate()
}

func (s *Server) controlFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		st := s.GatewayStats()
		writeJSON(w, http.StatusOK, map[string]any{
			"faults":            GatewayFaultKinds(),
			"dispatch_delay_ms": time.Duration(s.gw.dispatchDelay.Load()).Milliseconds(),
			"gateway":           st,
		})
	case http.MethodPost:
		var req controlFaultRequest
		if err := readControl(r, &req); err != nil {
			controlError(w, http.StatusBadRequest, "%v", err)
			return
		}
		f, err := req.gatewayFault()
		if err != nil {
			controlError(w, http.StatusBadRequest, "%v", err)
			return
		}
		n, err := s.InjectGatewayFault(f)
		switch {
		case errors.Is(err, ErrNoConnection):
			controlError(w, http.StatusConflict, "%v", err)
		case err != nil:
			controlError(w, http.StatusBadRequest, "%v", err)
		default:
			writeJSON(w, http.StatusOK, map[string]any{"fault": f.Kind, "connections": n})
		}
	default:
		controlError(w, http.StatusMethodNotAllowed, "use GET or POST")
	}
}
