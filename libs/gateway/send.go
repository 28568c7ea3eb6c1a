package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrPayloadTooLarge is returned by Send for a payload over Discord's 4096
// byte limit (sending it would get the connection closed with 4002).
var ErrPayloadTooLarge = errors.New("gateway: payload larger than 4096 bytes")

// Send sends a payload {op, d} on the shard's connection, e.g. a presence
// update (op 3) or a guild members request (op 8). It waits until the
// shard is ready (identified or resumed) and until the connection's send
// budget allows it: Discord closes a connection that sends over 120
// payloads per 60 s, and part of that budget stays reserved for heartbeats
// and identify. ctx bounds only the waiting.
//
// Ops the shard manages itself (1 heartbeat, 2 identify, 6 resume) are
// refused. A payload that could not be written because the connection
// dropped is not retried: the caller decides.
func (s *Shard) Send(ctx context.Context, op int, d any) error {
	switch op {
	case OpHeartbeat, OpIdentify, OpResume:
		return fmt.Errorf("gateway: op %d is managed by the shard and cannot be sent", op)
	}
	b, err := json.Marshal(payload{Op: op, D: d})
	if err != nil {
		return fmt.Errorf("gateway: encode op %d: %w", op, err)
	}
	if len(b) > maxPayloadSize {
		return fmt.Errorf("%w: op %d is %d bytes", ErrPayloadTooLarge, op, len(b))
	}
	for {
		c, err := s.awaitReady(ctx)
		if err != nil {
			return fmt.Errorf("gateway: send op %d: %w", op, err)
		}
		if err := c.budget.wait(ctx); err != nil {
			return fmt.Errorf("gateway: send op %d: waiting for send budget: %w", op, err)
		}
		if c.isStopped() {
			continue // the connection went away while we waited; use the next
		}
		if err := c.write(b); err != nil {
			return fmt.Errorf("gateway: send op %d: %w", op, err)
		}
		return nil
	}
}

// UpdatePresence sends an op 3 presence update.
func (s *Shard) UpdatePresence(ctx context.Context, p Presence) error {
	return s.Send(ctx, OpPresenceUpdate, p)
}

// awaitReady returns the ready connection, waiting for one if needed.
func (s *Shard) awaitReady(ctx context.Context) (*connection, error) {
	for {
		s.mu.Lock()
		c, ch, finished := s.live, s.readyCh, s.finished
		s.mu.Unlock()
		if c != nil {
			return c, nil
		}
		if finished {
			return nil, ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
