package heartbeat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// DefaultInterval is how often an instance beats. The health service expires an instance
// after a few missed beats, so this is also roughly how fast a dead pod leaves the table.
const DefaultInterval = 5 * time.Second

// Status is what the instance says about itself in its next beat.
type Status struct {
	State        State
	Reason       string
	LastProgress time.Time
	Waiting      *uint64
	Shards       []Shard
}

// Options configures a Publisher.
type Options struct {
	// Conn is the NATS connection beats go out on. Required.
	Conn *nats.Conn
	// Service names the service (the subject's last token). Required; no dots or spaces.
	Service string
	// Instance is unique per process start; default a random id.
	Instance string
	// Pod is the pod's name (POD_NAME); default the host name, which Kubernetes sets to it.
	Pod string
	// Namespace (POD_NAMESPACE) and Workload (default Service) say what to evict.
	Namespace, Workload string
	Version             string
	// Interval between beats; default DefaultInterval.
	Interval time.Duration
	// Status is asked before every beat, within the interval (at least 3 s). Required.
	Status func(ctx context.Context) Status
	Logger *slog.Logger
}

// Publisher sends one instance's heartbeats.
type Publisher struct {
	o       Options
	started time.Time
	stop    context.CancelFunc
	done    chan struct{}
	once    sync.Once
}

// Start validates o, sends the first beat at once and then one every Interval until Stop.
func Start(ctx context.Context, o Options) (*Publisher, error) {
	if o.Conn == nil || o.Status == nil {
		return nil, errors.New("heartbeat: Conn and Status are required")
	}
	if o.Service == "" || containsAny(o.Service, ". *>\t\r\n") {
		return nil, fmt.Errorf("heartbeat: Service %q must be a non-empty name without dots, spaces or wildcards", o.Service)
	}
	if o.Interval < 0 {
		return nil, fmt.Errorf("heartbeat: Interval %s is negative", o.Interval)
	}
	if o.Interval == 0 {
		o.Interval = DefaultInterval
	}
	if o.Instance == "" {
		var b [6]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
		o.Instance = o.Service + "-" + hex.EncodeToString(b[:])
	}
	if o.Pod == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("heartbeat: no Pod and no host name: %w", err)
		}
		o.Pod = h
	}
	if o.Workload == "" {
		o.Workload = o.Service
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Publisher{o: o, started: time.Now(), done: make(chan struct{})}
	// Beats go on after ctx's values but end only by Stop: a shutdown signal must still
	// let the last, "stopping", beat out.
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.stop = cancel
	go p.loop(lctx)
	return p, nil
}

// Instance is this publisher's instance id.
func (p *Publisher) Instance() string { return p.o.Instance }

func (p *Publisher) loop(ctx context.Context) {
	defer close(p.done)
	t := time.NewTicker(p.o.Interval)
	defer t.Stop()
	for {
		p.beat(ctx, nil)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// beat asks for the status (unless given) and publishes it. A beat that cannot go out
// (NATS away) is skipped, not queued: a late beat would only mislead.
func (p *Publisher) beat(ctx context.Context, st *Status) {
	if st == nil {
		// The probes bound each check at 2 s; give them that even when beats are frequent
		// (a late beat is better than one that calls a slow instance "starting").
		sctx, cancel := context.WithTimeout(ctx, max(p.o.Interval, 3*time.Second))
		s := p.o.Status(sctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		st = &s
	}
	if !p.o.Conn.IsConnected() {
		return
	}
	b := Beat{Service: p.o.Service, Instance: p.o.Instance, Pod: p.o.Pod, Namespace: p.o.Namespace,
		Workload: p.o.Workload, Version: p.o.Version, State: st.State, Reason: st.Reason,
		LastProgress: st.LastProgress, Waiting: st.Waiting, Interval: Duration(p.o.Interval),
		SentAt: time.Now(), StartedAt: p.started, Shards: st.Shards}
	data, err := json.Marshal(b)
	if err != nil {
		p.o.Logger.Error("heartbeat not encoded", "err", err)
		return
	}
	if err := p.o.Conn.Publish(Subject(p.o.Service), data); err != nil {
		p.o.Logger.Debug("heartbeat not sent", "err", err)
	}
}

// Stop ends the beats with a last one saying the instance is stopping, flushed within ctx,
// so the table shows a clean stop rather than an instance gone silent. Calling it again
// does nothing.
func (p *Publisher) Stop(ctx context.Context) error {
	var err error
	p.once.Do(func() {
		p.stop()
		<-p.done
		p.beat(ctx, &Status{State: StateStopping, Reason: "shutting down", LastProgress: time.Now()})
		if p.o.Conn.IsConnected() {
			// Flush wants a deadline; a caller's may be longer, never absent.
			fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if ferr := p.o.Conn.FlushWithContext(fctx); ferr != nil {
				err = fmt.Errorf("heartbeat: flush the last beat: %w", ferr)
			}
		}
	})
	return err
}

func containsAny(s, chars string) bool {
	for _, r := range s {
		for _, c := range chars {
			if r == c {
				return true
			}
		}
	}
	return false
}
