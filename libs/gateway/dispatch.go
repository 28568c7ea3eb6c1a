package gateway

import (
	"context"
	"encoding/json"
	"time"
)

// Events the shard itself acts on (they reach the handler too).
const (
	EventReady   = "READY"
	EventResumed = "RESUMED"
)

// Dispatch is one op 0 event.
type Dispatch struct {
	Type string // t, e.g. "MESSAGE_CREATE"
	Seq  int64  // s
	// Data is the raw d, exactly as Discord sent it (not decoded). The
	// handler owns it and may keep it.
	Data       json.RawMessage
	ShardID    int
	SessionID  string
	ReceivedAt time.Time // when the frame was read from the socket
}

// Handler receives every dispatch, in order, one at a time. An error is
// logged and the sequence still advances: the handler decides its own
// retries. While it runs, heartbeats continue on their own goroutine, but a
// handler blocked for longer than a heartbeat interval will eventually stall
// reading and cost a resume.
type Handler func(ctx context.Context, d Dispatch) error
