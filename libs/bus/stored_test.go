package bus_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/bus"
)

// Stored reads what a work-queue stream still holds from a moment on, by subject, without
// a consumer (COMMANDS allows none that overlaps its services' own) and without taking
// anything from the queue.
func TestStored(t *testing.T) {
	b := newBus(t)
	ctx := testContext(t, 20*time.Second)
	publish := func(subject, id string) {
		t.Helper()
		if _, err := b.Publish(ctx, subject, id, []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	publish("commands.fun.headpat", "old")
	time.Sleep(20 * time.Millisecond)
	since := time.Now()
	time.Sleep(20 * time.Millisecond)
	publish("commands.fun.headpat", "new-1")
	publish("commands.league.checkvalue", "taken")
	publish("commands.league.addvalue", "new-2")
	// league's worker takes one command off the queue.
	taken := make(chan struct{})
	consume(t, b, bus.ConsumerConfig{Stream: bus.StreamCommands, Durable: "league", FilterSubjects: []string{bus.CommandsFilter("league")}},
		func(_ context.Context, m bus.Msg) error {
			if m.MsgID != "taken" {
				<-ctx.Done() // held unacknowledged: still in the queue
				return ctx.Err()
			}
			close(taken)
			return nil
		})
	<-taken
	read := func(filter string, since time.Time) []string {
		t.Helper()
		var ids []string
		var last uint64
		err := b.Stored(ctx, bus.StreamCommands, filter, since, func(m bus.Msg) error {
			if m.Sequence <= last || m.Timestamp.Before(since) || string(m.Data) != m.MsgID {
				t.Errorf("message %+v after sequence %d, since %v", m, last, since)
			}
			last = m.Sequence
			ids = append(ids, m.MsgID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	// The acknowledged command may take a moment to leave the queue.
	deadline := time.Now().Add(5 * time.Second)
	for got := read(bus.SubjectsCommands, since); !slices.Equal(got, []string{"new-1", "new-2"}); got = read(bus.SubjectsCommands, since) {
		if time.Now().After(deadline) {
			t.Fatalf("since the mark: %q, want new-1 and new-2", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, tc := range []struct {
		name   string
		filter string
		since  time.Time
		want   []string
	}{
		{"from the start", bus.SubjectsCommands, since.Add(-time.Hour), []string{"old", "new-1", "new-2"}},
		{"one service", bus.CommandsFilter("fun"), since, []string{"new-1"}},
		{"nothing yet", bus.SubjectsCommands, time.Now().Add(time.Hour), nil},
		{"no such subject", "commands.nobody.>", since.Add(-time.Hour), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := read(tc.filter, tc.since); !slices.Equal(got, tc.want) {
				t.Fatalf("Stored = %q, want %q", got, tc.want)
			}
		})
	}
	stop := errors.New("enough")
	n := 0
	if err := b.Stored(ctx, bus.StreamCommands, bus.SubjectsCommands, since.Add(-time.Hour), func(bus.Msg) error {
		n++
		return stop
	}); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("fn's error: Stored returned %v after %d messages", err, n)
	}
	if err := b.Stored(ctx, "NO_SUCH_STREAM", "x.>", since, func(bus.Msg) error { return nil }); err == nil {
		t.Fatal("an unknown stream must be an error")
	}
}
