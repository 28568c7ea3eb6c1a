package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream names and the subjects they capture.
const (
	StreamEvents     = "EVENTS"
	StreamCommands   = "COMMANDS"
	StreamDeadLetter = "DEADLETTER"

	SubjectsEvents     = "events.>"
	SubjectsCommands   = "commands.>"
	SubjectsDeadLetter = "deadletter.>"
)

// SubjectStarted is a core NATS subject (no stream captures it): a worker publishes an
// interaction's id there when it starts handling the command, so that the gateway's
// deadline guard knows the interaction has an owner and stops watching it. Best effort: a
// lost notice only makes the guard defer an interaction its worker would have answered.
const SubjectStarted = "interactions.started"

// SubjectAcknowledged is a core NATS subject where a worker publishes an interaction's id
// once Discord has its first response (the answer or a deferral): from then on the
// interaction cannot expire, and the gateway's deadline guard forgets it. An interaction
// started but never acknowledged (its worker cannot reach Discord) is deferred by the
// gateway itself before its 3 seconds run out.
const SubjectAcknowledged = "interactions.acknowledged"

// EventSubject is the subject of a Discord gateway dispatch, e.g. events.MESSAGE_CREATE.
func EventSubject(discordType string) string { return "events." + discordType }

// BotMessageCreate is the type to consume (EventSubject) for the MESSAGE_CREATE dispatches
// of bots and webhooks, our own answers above all: the gateway publishes those apart from
// members' messages, so the consumers of members' chat (the filter, activity) are never
// sent one answer per command only to pass it over. No service consumes them today; they
// stay in the stream's record of what Discord sent. The events keep their type,
// MESSAGE_CREATE.
const BotMessageCreate = "MESSAGE_CREATE.bot"

// BotMessageUpdate is BotMessageCreate for MESSAGE_UPDATE: every answer that fills a
// deferred response ("thinking…") is an edit, and comes back as one.
const BotMessageUpdate = "MESSAGE_UPDATE.bot"

// CommandSubject is the subject of a normalised command, e.g. commands.fun.headpat.
func CommandSubject(service, command string) string { return "commands." + service + "." + command }

// CommandsFilter is the subject filter a service's COMMANDS consumer uses, e.g.
// commands.fun.>.
func CommandsFilter(service string) string { return "commands." + service + ".>" }

// DeadLetterSubject is where a message published on subject goes when it fails for good.
func DeadLetterSubject(subject string) string { return "deadletter." + subject }

// StreamsConfig sizes the shared streams. Zero fields take the defaults of
// DefaultStreamsConfig, so StreamsConfig{Replicas: 3} is a valid production setting.
type StreamsConfig struct {
	// Replicas is the number of copies each stream keeps in a NATS cluster; 1 outside one.
	Replicas int
	// DuplicateWindow is how long a message id is remembered to drop a repeated publish.
	DuplicateWindow time.Duration
	// EventsMaxAge bounds how long gateway dispatches are kept.
	EventsMaxAge time.Duration
	// CommandsMaxAge bounds how long an unhandled command waits; an answer much later
	// than that is no use to anybody.
	CommandsMaxAge time.Duration
	// DeadLetterMaxAge is how long failed messages are kept for inspection.
	DeadLetterMaxAge time.Duration
	// Storage is where streams live; the zero value is file storage.
	Storage jetstream.StorageType
}

// DefaultStreamsConfig is the configuration used when Connect is given none.
func DefaultStreamsConfig() StreamsConfig {
	return StreamsConfig{
		Replicas:         1,
		DuplicateWindow:  2 * time.Minute,
		EventsMaxAge:     24 * time.Hour,
		CommandsMaxAge:   24 * time.Hour,
		DeadLetterMaxAge: 14 * 24 * time.Hour,
		Storage:          jetstream.FileStorage,
	}
}

func (c StreamsConfig) withDefaults() StreamsConfig {
	d := DefaultStreamsConfig()
	if c.Replicas <= 0 {
		c.Replicas = d.Replicas
	}
	if c.DuplicateWindow <= 0 {
		c.DuplicateWindow = d.DuplicateWindow
	}
	if c.EventsMaxAge <= 0 {
		c.EventsMaxAge = d.EventsMaxAge
	}
	if c.CommandsMaxAge <= 0 {
		c.CommandsMaxAge = d.CommandsMaxAge
	}
	if c.DeadLetterMaxAge <= 0 {
		c.DeadLetterMaxAge = d.DeadLetterMaxAge
	}
	return c
}

// StreamConfigs is the JetStream configuration of every shared stream.
func (c StreamsConfig) StreamConfigs() []jetstream.StreamConfig {
	c = c.withDefaults()
	stream := func(name, subjects, desc string, retention jetstream.RetentionPolicy, maxAge time.Duration) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: desc,
			Subjects:    []string{subjects},
			Retention:   retention,
			MaxAge:      maxAge,
			Storage:     c.Storage,
			Replicas:    c.Replicas,
			// The window can never exceed the age limit; JetStream rejects that.
			Duplicates: min(c.DuplicateWindow, maxAge),
			Discard:    jetstream.DiscardOld,
		}
	}
	return []jetstream.StreamConfig{
		stream(StreamEvents, SubjectsEvents, "Discord gateway dispatches",
			jetstream.LimitsPolicy, c.EventsMaxAge),
		// Work-queue retention removes a command once a consumer acks it. JetStream then
		// requires the consumers of this stream to have disjoint filters: one durable per
		// service, filtering CommandsFilter(service); instances of a service share it.
		stream(StreamCommands, SubjectsCommands, "Normalised bot commands",
			jetstream.WorkQueuePolicy, c.CommandsMaxAge),
		stream(StreamDeadLetter, SubjectsDeadLetter, "Messages that failed for good",
			jetstream.LimitsPolicy, c.DeadLetterMaxAge),
	}
}

// Horizon is the longest after its first publish that a message may still be delivered,
// or published again and not be dropped as a duplicate: the streams' age limits and the
// duplicate window. A record of a handled message kept longer than this is never needed
// to recognise a repeat (store.PruneHandled).
func (b *Bus) Horizon() time.Duration {
	c := b.streams.withDefaults()
	return max(c.EventsMaxAge, c.CommandsMaxAge, c.DuplicateWindow)
}

// EnsureStreams creates the shared streams or updates them to the configured settings. It
// is safe to call from every service at start-up, concurrently.
func (b *Bus) EnsureStreams(ctx context.Context) error {
	for _, cfg := range b.streams.StreamConfigs() {
		if _, err := b.js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("bus: ensure stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}
