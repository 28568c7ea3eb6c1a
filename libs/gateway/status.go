package gateway

import (
	"sync/atomic"
	"time"
)

// State is where a shard is in its lifecycle.
type State string

const (
	StateIdle         State = "idle"         // created, Run not called yet
	StateConnecting   State = "connecting"   // dialing and waiting for HELLO
	StateIdentifying  State = "identifying"  // identify sent (or waiting for the limiter), READY pending
	StateResuming     State = "resuming"     // resume sent, RESUMED pending (Discord replays missed events)
	StateReady        State = "ready"        // READY or RESUMED received
	StateReconnecting State = "reconnecting" // connection lost; waiting before the next attempt
	StateStopped      State = "stopped"      // Run returned because its context ended
	StateFailed       State = "failed"       // Run returned a *FatalError; Reason says why
)

// Status is a snapshot of a shard, for health checks and status pages.
type Status struct {
	ShardID int
	State   State
	// Reason explains the state: why it is reconnecting, why it failed.
	Reason    string
	Since     time.Time // when State was entered
	SessionID string
	Seq       int64
	// LastHeartbeatAck is when Discord last acknowledged a heartbeat, and
	// Latency the time between that heartbeat and its ACK.
	LastHeartbeatAck time.Time
	Latency          time.Duration
}

// Stats are cumulative counters, meant to back Prometheus CounterFuncs
// (the package registers nothing globally).
type Stats struct {
	Dispatches        int64 // dispatches passed to the handler
	HandlerErrors     int64 // handler calls that returned an error
	MalformedFrames   int64 // frames dropped as invalid JSON or unknown op
	Connects          int64 // connection attempts
	Reconnects        int64 // connection attempts after the first
	Identifies        int64 // identify payloads sent
	Resumes           int64 // resume payloads sent
	InvalidSessions   int64 // op 9 received
	ZombieConnections int64 // connections dropped for a missing heartbeat ACK
}

type counters struct {
	dispatches, handlerErrors, malformed atomic.Int64
	connects, reconnects                 atomic.Int64
	identifies, resumes                  atomic.Int64
	invalidSessions, zombies             atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Dispatches:        c.dispatches.Load(),
		HandlerErrors:     c.handlerErrors.Load(),
		MalformedFrames:   c.malformed.Load(),
		Connects:          c.connects.Load(),
		Reconnects:        c.reconnects.Load(),
		Identifies:        c.identifies.Load(),
		Resumes:           c.resumes.Load(),
		InvalidSessions:   c.invalidSessions.Load(),
		ZombieConnections: c.zombies.Load(),
	}
}
