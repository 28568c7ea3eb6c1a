package bus

import (
	"time"

	"github.com/nats-io/nats.go"
)

// Msg is a message as a Handler sees it. Handlers must not keep Data or Header after
// returning.
type Msg struct {
	Subject string
	Data    []byte
	Header  nats.Header
	// MsgID is the publisher's Nats-Msg-Id: the id to record for exactly-once effects.
	MsgID string
	// Delivered counts deliveries of this message to this consumer, 1 on the first.
	Delivered int
	// Stream and Consumer name where the message came from; Sequence is its position
	// in the stream and Timestamp when the stream stored it.
	Stream    string
	Consumer  string
	Sequence  uint64
	Timestamp time.Time
}
