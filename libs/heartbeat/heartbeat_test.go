package heartbeat

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
)

func TestPublisherBeatsAndSaysGoodbye(t *testing.T) {
	url := natstest.Start(t)
	sub, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	beats := make(chan Beat, 100)
	if _, err := sub.Subscribe(SubjectAll, func(m *nats.Msg) {
		b, err := Decode(m.Data)
		if err != nil {
			t.Errorf("bad beat on %s: %v", m.Subject, err)
			return
		}
		if m.Subject != Subject(b.Service) {
			t.Errorf("beat of %s on %s", b.Service, m.Subject)
		}
		beats <- b
	}); err != nil {
		t.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	pubConn, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer pubConn.Close()

	h := admin.NewHealth()
	var broken atomic.Bool
	h.Live("gateway.shards", func(context.Context) error {
		if broken.Load() {
			return errors.New("shard 0: ready without a heartbeat ACK for 3m")
		}
		return nil
	})
	st := NewFromHealth(h)
	progress := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	st.Progress = func() time.Time { return progress }
	st.Shards = func() []Shard { return []Shard{{ID: 0, State: "ready", LatencyMS: 12.5}} }
	p, err := Start(t.Context(), Options{Conn: pubConn, Service: "gateway", Pod: "gateway-0", Namespace: "novera",
		Version: "1.2.3", Interval: 50 * time.Millisecond, Status: st.Status})
	if err != nil {
		t.Fatal(err)
	}
	next := func() Beat {
		t.Helper()
		select {
		case b := <-beats:
			return b
		case <-time.After(5 * time.Second):
			t.Fatal("no beat")
			return Beat{}
		}
	}
	b := next()
	if b.Service != "gateway" || b.Pod != "gateway-0" || b.Namespace != "novera" || b.Workload != "gateway" ||
		b.Version != "1.2.3" || b.State != StateReady || b.Instance != p.Instance() || !b.LastProgress.Equal(progress) ||
		time.Duration(b.Interval) != 50*time.Millisecond || len(b.Shards) != 1 || b.Shards[0].LatencyMS != 12.5 {
		t.Errorf("beat = %+v", b)
	}
	broken.Store(true)
	for b = next(); b.State != StateStuck; b = next() {
	}
	if !strings.Contains(b.Reason, "gateway.shards: shard 0: ready without") {
		t.Errorf("stuck reason = %q", b.Reason)
	}
	if err := p.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	for b = next(); b.State != StateStopping; b = next() {
	}
	select {
	case b := <-beats:
		t.Errorf("beat after the last one: %+v", b)
	case <-time.After(200 * time.Millisecond):
	}
}

func TestFromHealthStates(t *testing.T) {
	h := admin.NewHealth()
	var live, ready atomic.Bool
	live.Store(true)
	h.Live("fun.consumer", func(context.Context) error {
		if !live.Load() {
			return errors.New("all handlers busy")
		}
		return nil
	})
	h.Ready("fun.postgres", func(context.Context) error {
		if !ready.Load() {
			return errors.New("connection refused")
		}
		return nil
	})
	st := NewFromHealth(h)
	ctx := t.Context()
	if s := st.Status(ctx); s.State != StateStarting || s.Reason != "fun.postgres: connection refused" {
		t.Errorf("before the first ready: %+v", s)
	}
	ready.Store(true)
	if s := st.Status(ctx); s.State != StateReady || s.Reason != "" {
		t.Errorf("ready: %+v", s)
	}
	ready.Store(false)
	if s := st.Status(ctx); s.State != StateNotReady {
		t.Errorf("after being ready once, a failing dependency is not-ready, not starting: %+v", s)
	}
	live.Store(false)
	if s := st.Status(ctx); s.State != StateStuck || !strings.Contains(s.Reason, "fun.consumer: all handlers busy") {
		t.Errorf("liveness failing: %+v", s)
	}
	st.SetStopping()
	if s := st.Status(ctx); s.State != StateStopping {
		t.Errorf("stopping: %+v", s)
	}
}

func TestDecodeRejectsIncompleteBeats(t *testing.T) {
	for _, data := range []string{`{}`, `{"service":"fun","instance":"x","state":"sleepy","interval":"5s"}`,
		`{"service":"fun","instance":"x","state":"ready"}`, `{"service":"fun","state":"ready","interval":"5s"}`, `not json`,
		`{"service":"fun","instance":"x","state":"ready","interval":"soon"}`} {
		if _, err := Decode([]byte(data)); err == nil {
			t.Errorf("Decode(%s) accepted", data)
		}
	}
	if _, err := Decode([]byte(`{"service":"fun","instance":"x","state":"ready","interval":"5s"}`)); err != nil {
		t.Errorf("a minimal beat: %v", err)
	}
}

func TestStartValidates(t *testing.T) {
	url := natstest.Start(t)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	status := func(context.Context) Status { return Status{State: StateReady} }
	for _, o := range []Options{{Service: "fun", Status: status}, {Conn: nc, Service: "fun"},
		{Conn: nc, Service: "fun.x", Status: status}, {Conn: nc, Service: "", Status: status},
		{Conn: nc, Service: "fun", Status: status, Interval: -time.Second}} {
		if p, err := Start(t.Context(), o); err == nil {
			_ = p.Stop(t.Context())
			t.Errorf("Start(%+v) accepted", o)
		}
	}
}
