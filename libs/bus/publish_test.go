package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/novera-bot/novera/libs/bus"
)

func TestPublishDropsDuplicateMsgID(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	ctx := testContext(t, 10*time.Second)

	tests := []struct {
		name          string
		ids           []string
		wantDuplicate []bool
		wantStored    uint64
	}{
		{name: "same id twice", ids: []string{"a", "a"}, wantDuplicate: []bool{false, true}, wantStored: 1},
		{name: "distinct ids", ids: []string{"b", "c"}, wantDuplicate: []bool{false, false}, wantStored: 2},
		{name: "replayed later", ids: []string{"d", "e", "d"}, wantDuplicate: []bool{false, false, true}, wantStored: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject := bus.EventSubject("DEDUP_" + tt.ids[0])
			for i, id := range tt.ids {
				ack, err := b.Publish(ctx, subject, id, []byte("payload"))
				if err != nil {
					t.Fatalf("publish %d: %v", i, err)
				}
				if ack.Stream != bus.StreamEvents {
					t.Errorf("publish %d stored in %q, want %s", i, ack.Stream, bus.StreamEvents)
				}
				if ack.Duplicate != tt.wantDuplicate[i] {
					t.Errorf("publish %d (id %s): Duplicate = %v, want %v", i, id, ack.Duplicate, tt.wantDuplicate[i])
				}
			}
			s, err := b.JetStream().Stream(ctx, bus.StreamEvents)
			if err != nil {
				t.Fatal(err)
			}
			info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
			if err != nil {
				t.Fatal(err)
			}
			if got := info.State.Subjects[subject]; got != tt.wantStored {
				t.Errorf("stored %d messages on %s, want %d", got, subject, tt.wantStored)
			}
		})
	}
}

func TestPublishKeepsCallerHeadersAndSetsMsgID(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	ctx := testContext(t, 10*time.Second)
	hdr := nats.Header{"Shard": []string{"3"}}
	if _, err := b.Publish(ctx, bus.EventSubject("READY"), "ready-1", []byte("{}"), hdr); err != nil {
		t.Fatal(err)
	}
	if len(hdr) != 1 {
		t.Errorf("caller's header map was modified: %v", hdr)
	}
	s, err := b.JetStream().Stream(ctx, bus.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(ctx, bus.EventSubject("READY"))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Header.Get("Shard"); got != "3" {
		t.Errorf("Shard header = %q, want 3", got)
	}
	if got := m.Header.Get(nats.MsgIdHdr); got != "ready-1" {
		t.Errorf("Nats-Msg-Id = %q, want ready-1", got)
	}
	if string(m.Data) != "{}" {
		t.Errorf("payload = %q, want {} (trace context must not touch it)", m.Data)
	}
}

func TestPublishWithoutMsgIDFails(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	_, err := b.Publish(testContext(t, 5*time.Second), bus.EventSubject("READY"), "", nil)
	if !errors.Is(err, bus.ErrMissingMsgID) {
		t.Fatalf("err = %v, want ErrMissingMsgID", err)
	}
}

func TestPublishAsyncReportsAcksAndDuplicates(t *testing.T) {
	t.Parallel()
	b := newBus(t)
	ctx := testContext(t, 10*time.Second)
	ids := []string{"1", "2", "1", "3"}
	futures := make([]*bus.PubFuture, len(ids))
	for i, id := range ids {
		f, err := b.PublishAsync(ctx, bus.EventSubject("TYPING_START"), id, []byte(id))
		if err != nil {
			t.Fatalf("publish async %s: %v", id, err)
		}
		futures[i] = f
	}
	if err := b.WaitAsync(ctx); err != nil {
		t.Fatal(err)
	}
	var lastSeq uint64
	for i, f := range futures {
		select {
		case <-f.Done():
		default:
			t.Fatalf("future %d not done after WaitAsync", i)
		}
		ack, err := f.Result()
		if err != nil {
			t.Fatalf("future %d: %v", i, err)
		}
		if wantDup := i == 2; ack.Duplicate != wantDup {
			t.Errorf("future %d: Duplicate = %v, want %v", i, ack.Duplicate, wantDup)
		}
		if !ack.Duplicate {
			if ack.Sequence <= lastSeq {
				t.Errorf("future %d: sequence %d not after %d: order lost", i, ack.Sequence, lastSeq)
			}
			lastSeq = ack.Sequence
		}
	}
}

func TestConnectGivesUpAtDeadline(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 300*time.Millisecond)
	start := time.Now()
	// Port 1 on loopback: nothing listens there.
	_, err := bus.Connect(ctx, "nats://127.0.0.1:1")
	if err == nil {
		t.Fatal("Connect succeeded without a server")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Connect took %s despite a 300ms deadline", d)
	}
}
