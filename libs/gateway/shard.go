package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// ErrAlreadyRun is returned by a second call to Run: a Shard runs once.
var ErrAlreadyRun = errors.New("gateway: shard already run")

// ErrClosed is returned by Send once Run has returned.
var ErrClosed = errors.New("gateway: shard closed")

// Shard is one gateway connection (one shard id), kept alive across
// reconnects and resumes until its context ends or Discord refuses it.
type Shard struct {
	cfg     Config
	handler Handler
	log     *slog.Logger
	stats   counters
	started atomic.Bool
	closers sync.WaitGroup // background close handshakes, waited for by Run

	// Touched only by the Run goroutine.
	backoff            backoff
	resumeDialFailures int

	mu       sync.Mutex
	session  SessionState
	status   Status
	live     *connection   // the connection Send may use (ready), or nil
	readyCh  chan struct{} // closed while live != nil or once finished
	finished bool
}

// NewShard validates cfg and returns a shard that passes every dispatch to
// h. Nothing connects until Run.
func NewShard(cfg Config, h Handler) (*Shard, error) {
	if h == nil {
		return nil, errors.New("gateway: invalid config: nil Handler")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Shard{
		cfg:     cfg,
		handler: h,
		log:     cfg.Logger.With("shard", cfg.ShardID),
		backoff: backoff{min: cfg.MinReconnectWait, max: cfg.MaxReconnectWait},
		readyCh: make(chan struct{}),
		status:  Status{ShardID: cfg.ShardID, State: StateIdle, Since: time.Now()},
	}
	if cfg.Resume != nil && cfg.Resume.Resumable() {
		s.session = *cfg.Resume
		s.status.SessionID, s.status.Seq = s.session.SessionID, s.session.Seq
	}
	return s, nil
}

// Run connects and keeps the shard connected, resuming the session across
// reconnects, until ctx ends or Discord closes with a fatal code.
//
// When ctx ends, Run closes the connection with a resumable close code
// (4000, never 1000/1001) so that another process can resume the session
// from Session(), and returns nil. On a fatal close code (4004, 4010-4014)
// it returns a *FatalError and never reconnects.
func (s *Shard) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return ErrAlreadyRun
	}
	defer s.closers.Wait()
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			s.stats.reconnects.Add(1)
		}
		err := s.runConn(ctx)
		if ctx.Err() != nil {
			s.finish(StateStopped, "stopped: "+context.Cause(ctx).Error())
			return nil
		}
		var fatal *FatalError
		if errors.As(err, &fatal) {
			// Run returns the error and its caller says it once, in its own words (a bad
			// token must cost one clear log line, not one per layer).
			s.log.Debug("gateway: fatal close, not reconnecting", "code", fatal.Code, "reason", fatal.Reason)
			s.finish(StateFailed, fatal.Reason)
			return fatal
		}
		var rc *reconnectError
		if !errors.As(err, &rc) {
			rc = &reconnectError{reason: "connection ended", resume: true, err: err}
		}
		if !rc.resume {
			s.clearSession()
		}
		var wait time.Duration
		switch {
		case rc.wait != nil:
			wait = *rc.wait
		case rc.immediate && s.backoff.attempt == 0:
			// Discord asked us to move: go now, but only once in a row, so
			// a server repeating op 7 before READY cannot make us spin.
			s.backoff.attempt++
		default:
			wait = s.backoff.next()
		}
		s.setState(StateReconnecting, rc.Error())
		level := slog.LevelWarn
		if rc.immediate {
			level = slog.LevelInfo // Discord asked us to move: routine
		}
		s.log.Log(ctx, level, "gateway: reconnecting", "reason", rc.Error(), "resume", rc.resume && s.Session().Resumable(), "wait", wait)
		if !sleep(ctx, wait) {
			s.finish(StateStopped, "stopped: "+context.Cause(ctx).Error())
			return nil
		}
	}
}

// Session returns the state another process needs to resume this session.
// It is safe to call at any time, e.g. to save it after every dispatch.
func (s *Shard) Session() SessionState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.session
}

// Status returns a snapshot of the shard's state.
func (s *Shard) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Stats returns the shard's cumulative counters.
func (s *Shard) Stats() Stats { return s.stats.snapshot() }

// ShardID returns the shard id from the config.
func (s *Shard) ShardID() int { return s.cfg.ShardID }

// setState changes the state and tells OnStateChange.
func (s *Shard) setState(st State, reason string) {
	s.mu.Lock()
	s.status.State, s.status.Reason, s.status.Since = st, reason, time.Now()
	snap := s.status
	s.mu.Unlock()
	if s.cfg.OnStateChange != nil {
		s.cfg.OnStateChange(snap)
	}
}

// setReady publishes c to Send and enters the ready state.
func (s *Shard) setReady(c *connection, reason string) {
	s.mu.Lock()
	if s.live == nil {
		s.live = c
		close(s.readyCh)
	}
	s.mu.Unlock()
	s.backoff.reset()
	s.resumeDialFailures = 0
	s.setState(StateReady, reason)
}

// unpublish withdraws c from Send once it is going away.
func (s *Shard) unpublish(c *connection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live == c && c != nil {
		s.live = nil
		s.readyCh = make(chan struct{})
	}
}

func (s *Shard) finish(st State, reason string) {
	s.mu.Lock()
	s.finished = true
	if s.live == nil {
		close(s.readyCh) // wake Send waiters; they will see finished
	}
	s.live = nil
	s.mu.Unlock()
	s.setState(st, reason)
}

func (s *Shard) setSession(id, resumeURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.session = SessionState{SessionID: id, ResumeURL: resumeURL}
	s.status.SessionID, s.status.Seq = id, 0
}

func (s *Shard) setSeq(seq int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.session.Seq = seq
	s.status.Seq = seq
}

func (s *Shard) clearSession() { s.setSession("", "") }

func (s *Shard) recordAck(at time.Time, latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.LastHeartbeatAck = at
	if latency > 0 {
		s.status.Latency = latency
	}
}

// sleep waits d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// String identifies the shard in logs without exposing its token.
func (s *Shard) String() string {
	return fmt.Sprintf("gateway.Shard(%d/%d)", s.cfg.ShardID, s.cfg.ShardCount)
}
