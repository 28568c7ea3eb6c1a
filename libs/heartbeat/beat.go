// Package heartbeat is the message every instance of every Novera service publishes every
// few seconds on core NATS (not JetStream: a beat is worth nothing once the next one is
// out), and the publisher that sends it. The health service (services/health) listens to
// them all, keeps the table of instances and evicts a pod that says it is stuck.
//
// Beats are JSON: they are read by people (nats sub 'health.heartbeat.>') as often as by
// the health service, and they are no part of the command path's protobuf contract.
package heartbeat

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SubjectPrefix starts every heartbeat subject; the service's name ends it.
const SubjectPrefix = "health.heartbeat."

// SubjectAll matches the heartbeats of every service.
const SubjectAll = SubjectPrefix + ">"

// Subject is where instances of service beat.
func Subject(service string) string { return SubjectPrefix + service }

// State is what an instance says about itself.
type State string

const (
	// StateStarting: connecting and not yet ready for the first time.
	StateStarting State = "starting"
	// StateReady: live and ready, serving.
	StateReady State = "ready"
	// StateNotReady: live but a dependency (NATS, PostgreSQL, Discord) is unreachable or a
	// shard is not READY; Reason says which. Waiting, not stuck.
	StateNotReady State = "not-ready"
	// StateStuck: the process's own watchdog says it cannot make progress (liveness fails).
	StateStuck State = "stuck"
	// StateStopping: shutting down on purpose; the last beat of an instance.
	StateStopping State = "stopping"
)

// Valid reports whether s is one of the known states.
func (s State) Valid() bool {
	switch s {
	case StateStarting, StateReady, StateNotReady, StateStuck, StateStopping:
		return true
	}
	return false
}

// Beat is one heartbeat.
type Beat struct {
	Service  string `json:"service"`
	Instance string `json:"instance"` // unique per process start
	Pod      string `json:"pod"`      // POD_NAME, else the host name
	// Namespace is the pod's Kubernetes namespace (POD_NAMESPACE); empty outside Kubernetes.
	Namespace string `json:"namespace,omitempty"`
	// Workload is the Deployment or StatefulSet the pod belongs to, for per-workload
	// eviction limits; the service's name unless set.
	Workload string `json:"workload,omitempty"`
	Version  string `json:"version"`
	State    State  `json:"state"`
	// Reason explains a state other than ready: the failing checks.
	Reason string `json:"reason,omitempty"`
	// LastProgress is when the instance last did or looked for work (a worker's fetch
	// loop; a gateway's latest heartbeat ACK).
	LastProgress time.Time `json:"last_progress"`
	// Waiting is how much work waits for this service, when the instance knows (a
	// worker's undelivered commands); nil when unknown.
	Waiting *uint64 `json:"waiting,omitempty"`
	// Interval is how often this instance beats, so a listener knows when one is missed.
	Interval  Duration  `json:"interval"`
	SentAt    time.Time `json:"sent_at"`
	StartedAt time.Time `json:"started_at"`
	// Shards is the gateway's detail: one entry per shard it runs.
	Shards []Shard `json:"shards,omitempty"`
}

// Shard is the state of one gateway shard.
type Shard struct {
	ID               int       `json:"id"`
	State            string    `json:"state"`
	Reason           string    `json:"reason,omitempty"`
	Since            time.Time `json:"since"`
	LastHeartbeatAck time.Time `json:"last_heartbeat_ack,omitzero"`
	LatencyMS        float64   `json:"latency_ms"`
}

// Duration is a time.Duration that reads and writes as a Go duration string ("5s").
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("heartbeat: duration: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("heartbeat: duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// Validate reports what makes b unusable: the table is keyed by service and instance, and
// a listener must know the state and the cadence.
func (b *Beat) Validate() error {
	var missing []string
	if b.Service == "" {
		missing = append(missing, "service")
	}
	if b.Instance == "" {
		missing = append(missing, "instance")
	}
	if !b.State.Valid() {
		missing = append(missing, fmt.Sprintf("state (%q)", b.State))
	}
	if b.Interval <= 0 {
		missing = append(missing, "interval")
	}
	if len(missing) > 0 {
		return fmt.Errorf("heartbeat: bad beat: %s", strings.Join(missing, ", "))
	}
	return nil
}

// Decode parses and validates a beat.
func Decode(data []byte) (Beat, error) {
	var b Beat
	if err := json.Unmarshal(data, &b); err != nil {
		return Beat{}, fmt.Errorf("heartbeat: decode: %w", err)
	}
	return b, b.Validate()
}
