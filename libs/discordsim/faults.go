package discordsim

import (
	"errors"
	"fmt"
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
