package bus_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/novera-bot/novera/libs/bus"
)

func TestEnsureStreamsIsIdempotent(t *testing.T) {
	t.Parallel()
	b := newBus(t) // ensures once
	ctx := testContext(t, 10*time.Second)
	if err := b.EnsureStreams(ctx); err != nil {
		t.Fatalf("second EnsureStreams: %v", err)
	}

	tests := []struct {
		stream    string
		subject   string
		retention jetstream.RetentionPolicy
		maxAge    time.Duration
	}{
		{bus.StreamEvents, "events.>", jetstream.LimitsPolicy, 24 * time.Hour},
		{bus.StreamCommands, "commands.>", jetstream.WorkQueuePolicy, 24 * time.Hour},
		{bus.StreamDeadLetter, "deadletter.>", jetstream.LimitsPolicy, 14 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.stream, func(t *testing.T) {
			s, err := b.JetStream().Stream(ctx, tt.stream)
			if err != nil {
				t.Fatal(err)
			}
			cfg := s.CachedInfo().Config
			if len(cfg.Subjects) != 1 || cfg.Subjects[0] != tt.subject {
				t.Errorf("subjects = %v, want [%s]", cfg.Subjects, tt.subject)
			}
			if cfg.Retention != tt.retention {
				t.Errorf("retention = %v, want %v", cfg.Retention, tt.retention)
			}
			if cfg.MaxAge != tt.maxAge {
				t.Errorf("max age = %v, want %v", cfg.MaxAge, tt.maxAge)
			}
			if cfg.Duplicates != 2*time.Minute {
				t.Errorf("duplicate window = %v, want 2m", cfg.Duplicates)
			}
			if cfg.Storage != jetstream.FileStorage || cfg.Replicas != 1 {
				t.Errorf("storage %v replicas %d, want file and 1", cfg.Storage, cfg.Replicas)
			}
		})
	}
}

func TestSubjects(t *testing.T) {
	tests := []struct{ got, want string }{
		{bus.EventSubject("MESSAGE_CREATE"), "events.MESSAGE_CREATE"},
		{bus.CommandSubject("fun", "headpat"), "commands.fun.headpat"},
		{bus.CommandsFilter("fun"), "commands.fun.>"},
		{bus.DeadLetterSubject("commands.fun.headpat"), "deadletter.commands.fun.headpat"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
