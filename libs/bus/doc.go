// Package bus is Novera's contract with NATS JetStream: the streams every service shares,
// publishing with de-duplication and trace propagation, and durable pull consumers with
// bounded redelivery and a dead-letter stream.
//
// Three streams carry all traffic (see StreamsConfig):
//
//	EVENTS      events.<DISCORD_TYPE>            every gateway dispatch, kept for a day
//	COMMANDS    commands.<service>.<command>     normalised commands, removed once acked
//	DEADLETTER  deadletter.<original subject>    messages that failed for good, kept two weeks
//
// A publisher always supplies a message id; the stream drops a second publish with the same
// id inside the duplicate window, which makes retries and gateway replays safe.
//
// A consumer's Handler decides each message's fate by its return value:
//
//	nil                      acked (confirmed by the server)
//	Permanent(err)           dead-lettered at once, then terminated
//	RetryAfter(err, d)       redelivered after d
//	any other error / panic  redelivered after the consumer's back-off; dead-lettered once
//	                         the delivery count reaches MaxDeliver
//
// Nothing is dropped silently: the server's own MaxDeliver (which would discard a message)
// is disabled, and the bus dead-letters instead.
//
// Lifecycle: Connect, EnsureStreams, Consume / Publish; on shutdown Stop every Consumer
// (in-flight handlers finish and settle), then Close.
package bus
