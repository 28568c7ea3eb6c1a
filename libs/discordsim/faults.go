package discordsim

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/coder/websocket"
)

// Faults: ways to make the simulator misbehave the way Discord (or the network) sometimes
// does, so that a bot's defences can be tested.

// Redispatch delivers an exchange's INTERACTION_CREATE again, as a new dispatch with the
// same interaction id and token: what a bot sees when the same interaction reaches it twice
// (a replay after a resume, or the HTTP endpoint and the gateway both delivering it).
func (s *Server) Redispatch(x *Exchange) (int, error) {
	if x == nil || x.InteractionID == 0 {
		return 0, fmt.Errorf("discordsim: redispatch: %w: not an interaction exchange", ErrBadInput)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.w.interactions[x.InteractionID]
	if !ok || it.payload == nil {
		return 0, fmt.Errorf("discordsim: redispatch %s: %w", x.InteractionID, errors.New("interaction expired"))
	}
	return s.emitLocked(event{name: "INTERACTION_CREATE", guildID: it.guildID, data: it.payload}), nil
}

// SendRawFrame writes frame, unchanged and unsequenced, to every connected session holding
// guildID's shard: a malformed or unexpected payload that a robust client must survive.
// It is not kept for replay. It returns how many connections got it.
func (s *Server) SendRawFrame(guildID Snowflake, frame []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ss := range s.w.sessions {
		if ss.conn == nil || !ss.holds(guildID) {
			continue
		}
		ss.conn.enqueue(append([]byte(nil), frame...))
		n++
	}
	if n == 0 {
		return 0, fmt.Errorf("discordsim: raw frame: no connected session holds guild %s", guildID)
	}
	return n, nil
}

// FaultKind names a gateway fault for InjectGatewayFault and POST /_sim/faults.
type FaultKind string

// Gateway faults.
const (
	// FaultDrop ends the TCP connection without a close frame, as a network failure does.
	// The session stays resumable.
	FaultDrop FaultKind = "drop"
	// FaultZombie makes the connection a half-open link: the simulator keeps reading but
	// sends nothing more, heartbeat ACKs included. Dispatches meant for it stay in the
	// session's buffer, so a client that notices and resumes loses nothing.
	FaultZombie FaultKind = "zombie"
	// FaultReconnect sends op 7. From then on the connection gets no dispatches (they wait
	// in the session's buffer for the resume); it is closed with 4000 after a grace period
	// if the client does not leave.
	FaultReconnect FaultKind = "reconnect"
	// FaultInvalidSession sends op 9 with d = Resumable. With false the session is gone and
	// the client must identify again; with true it behaves like FaultReconnect. Either way
	// the client may also identify or resume on the same connection.
	FaultInvalidSession FaultKind = "invalid_session"
	// FaultClose closes the connection with Code (e.g. 4000, or 4009 to force a new
	// identify); codes after which Discord wants a new identify end the session.
	FaultClose FaultKind = "close"
	// FaultHeartbeatRequest sends op 1: the client must heartbeat at once.
	FaultHeartbeatRequest FaultKind = "heartbeat_request"
	// FaultDelayDispatches holds every dispatch back by Delay before it is written, on every
	// connection now and later, until set again (0 ends the delay). Heartbeat ACKs are not
	// delayed; dispatches keep their order.
	FaultDelayDispatches FaultKind = "delay_dispatches"
)

// GatewayFaultKinds lists every gateway fault, for help texts and tests. (A function, not a
// variable, so that no caller can change the list for everyone.)
func GatewayFaultKinds() []FaultKind {
	return []FaultKind{FaultDrop, FaultZombie, FaultReconnect, FaultInvalidSession,
		FaultClose, FaultHeartbeatRequest, FaultDelayDispatches}
}

// maxDispatchDelay bounds FaultDelayDispatches: longer than any test wants, short enough that
// a typo does not stall a playground for hours.
const maxDispatchDelay = 10 * time.Minute

// ErrNoConnection is returned when a gateway fault finds no connection to act on.
var ErrNoConnection = errors.New("discordsim: no gateway connection")

// GatewayFault describes one fault for InjectGatewayFault.
type GatewayFault struct {
	Kind FaultKind
	// Resumable is op 9's d, for FaultInvalidSession.
	Resumable bool
	// Code is the close code for FaultClose: 1000-1003, 1007-1014 or 3000-4999.
	Code websocket.StatusCode
	// Delay is the hold-back for FaultDelayDispatches.
	Delay time.Duration
	// ShardID limits the fault to connections whose session is on this shard; nil means
	// every connection (including ones that have not identified yet).
	ShardID *int
}

// Validate reports what is wrong with f, wrapping ErrBadInput.
func (f GatewayFault) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("discordsim: gateway fault: %w: %s", ErrBadInput, fmt.Sprintf(format, a...))
	}
	if kinds := GatewayFaultKinds(); !slices.Contains(kinds, f.Kind) {
		return bad("unknown fault %q (known: %v)", f.Kind, kinds)
	}
	if f.Kind == FaultClose && !sendableCloseCode(f.Code) {
		return bad("close code %d cannot be sent (use 1000-1003, 1007-1014 or 3000-4999)", f.Code)
	}
	if f.Kind == FaultDelayDispatches && (f.Delay < 0 || f.Delay > maxDispatchDelay) {
		return bad("delay %v out of range [0, %v]", f.Delay, maxDispatchDelay)
	}
	if f.ShardID != nil && *f.ShardID < 0 {
		return bad("shard id %d is negative", *f.ShardID)
	}
	return nil
}

// sendableCloseCode reports whether a websocket close frame may carry code; 1004-1006 and
// 1015 are reserved for "no frame" situations and 1015-2999 for the protocol itself.
func sendableCloseCode(code websocket.StatusCode) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// InjectGatewayFault makes the gateway misbehave on purpose. It returns how many connections
// the fault touched (0 for FaultDelayDispatches with no connection open: the delay applies to
// later ones too). Bad input wraps ErrBadInput; a fault that needs a connection and finds none
// wraps ErrNoConnection.
func (s *Server) InjectGatewayFault(f GatewayFault) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	if f.Kind == FaultDelayDispatches {
		s.gw.dispatchDelay.Store(int64(f.Delay))
		s.log.Info("gateway fault", "fault", f.Kind, "delay", f.Delay)
		s.mu.Lock()
		n := len(s.w.conns)
		conns := make([]*gwConn, 0, n)
		for c := range s.w.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, c := range conns {
			c.poke() // re-evaluate held-back dispatches if the delay ended
		}
		return n, nil
	}

	s.mu.Lock()
	var drop []*gwConn
	n := 0
	for c := range s.w.conns {
		if f.ShardID != nil && (c.sess == nil || c.sess.shardID != *f.ShardID) {
			continue
		}
		if c.isClosing() {
			continue
		}
		if f.Kind == FaultDrop {
			drop = append(drop, c)
		} else {
			s.applyFaultLocked(c, f)
		}
		n++
	}
	s.mu.Unlock()
	for _, c := range drop {
		// No close frame: the client sees the TCP connection end. The read loop notices and
		// dropConn keeps the session resumable (no close code either way). Done outside s.mu
		// because closing waits for the websocket's own goroutines.
		_ = c.ws.CloseNow()
	}
	if n == 0 {
		return 0, fmt.Errorf("discordsim: gateway fault %s: %w", f.Kind, ErrNoConnection)
	}
	s.log.Info("gateway fault", "fault", f.Kind, "connections", n, "code", int(f.Code), "resumable", f.Resumable)
	return n, nil
}

func (s *Server) applyFaultLocked(c *gwConn, f GatewayFault) {
	switch f.Kind {
	case FaultZombie:
		c.zombie.Store(true)
	case FaultHeartbeatRequest:
		c.enqueue(frame(opHeartbeat, "", 0, nil))
	case FaultClose:
		c.closeWith(f.Code)
	case FaultReconnect:
		c.enqueue(frame(opReconnect, "", 0, nil))
		s.detachLocked(c)
	case FaultInvalidSession:
		s.gw.invalidSessions.Add(1)
		if f.Resumable {
			c.enqueue(frame(opInvalidSession, "", 0, []byte("true")))
			s.detachLocked(c)
		} else {
			c.enqueue(frame(opInvalidSession, "", 0, []byte("false")))
			if ss := c.sess; ss != nil && ss.conn == c {
				delete(s.w.sessions, ss.id)
				s.touchLocked()
			}
			c.sess = nil
		}
		// The client may start over on this very connection.
		c.identified.Store(false)
	}
}

// detachLocked parts c from its session after op 7 or a resumable op 9: later dispatches wait
// in the session's buffer for the resume instead of going to a connection the client is
// leaving. A client that stays anyway is closed after reconnectGrace.
func (s *Server) detachLocked(c *gwConn) {
	if ss := c.sess; ss != nil && ss.conn == c {
		ss.conn = nil
		ss.disconnectedAt = time.Now()
		s.touchLocked()
	}
	time.AfterFunc(reconnectGrace, func() { c.closeWith(CloseUnknownError) })
}
