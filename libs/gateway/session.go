package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"time"
)

// resumeDialFallback is how many failed dials to a resume_gateway_url we
// tolerate before resuming through the main gateway URL instead.
const resumeDialFallback = 3

type identifyData struct {
	Token      string     `json:"token"`
	Intents    int        `json:"intents"`
	Properties Properties `json:"properties"`
	Shard      [2]int     `json:"shard"`
	Presence   *Presence  `json:"presence,omitempty"`
}

type resumeData struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       int64  `json:"seq"`
}

type helloData struct {
	HeartbeatInterval int64 `json:"heartbeat_interval"` // milliseconds
}

type readyData struct {
	SessionID        string `json:"session_id"`
	ResumeGatewayURL string `json:"resume_gateway_url"`
}

// runConn makes one connection and serves it until it ends. It returns why:
// ctx's error, a *FatalError or a *reconnectError.
func (s *Shard) runConn(ctx context.Context) error {
	sess := s.Session()
	resume := sess.Resumable()
	base := s.cfg.URL
	if resume && sess.ResumeURL != "" && s.resumeDialFailures < resumeDialFallback {
		base = sess.ResumeURL
	}

	s.setState(StateConnecting, "")
	s.stats.connects.Add(1)
	hctx, cancelHandshake := context.WithTimeout(ctx, s.cfg.HandshakeTimeout)
	defer cancelHandshake()
	c, err := s.dial(hctx, base)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if base != s.cfg.URL {
			s.resumeDialFailures++
		}
		return &reconnectError{reason: "dial failed", resume: true, err: err}
	}
	s.resumeDialFailures = 0

	connCtx, cancelConn := context.WithCancel(ctx)
	defer func() {
		cancelConn()
		s.unpublish(c)
		if ctx.Err() != nil {
			// Shutdown: wait for the close frame so that the session is
			// left resumable before Run returns.
			c.close("shutting down; session kept for resume", true)
		} else {
			c.close("reconnecting", false)
		}
	}()

	interval, err := s.awaitHello(ctx, hctx, c)
	if err != nil {
		return err
	}
	cancelHandshake()
	c.budget = newSendBudget(appSendLimit(interval), sendWindow)
	c.wg.Go(func() { c.heartbeatLoop(interval) })

	// Identify waits for the limiter on its own goroutine so heartbeats and
	// incoming frames keep flowing while other shards take their turn.
	var identifyReady chan error
	if resume {
		c.seq.Store(sess.Seq)
		s.setState(StateResuming, "resuming session")
		s.stats.resumes.Add(1)
		if err := c.writeOp(OpResume, resumeData{Token: s.cfg.Token, SessionID: sess.SessionID, Seq: sess.Seq}); err != nil {
			return &reconnectError{reason: "sending resume failed", resume: true, err: err}
		}
	} else {
		s.setState(StateIdentifying, "waiting to identify")
		identifyReady = make(chan error, 1)
		if lim := s.cfg.IdentifyLimiter; lim != nil {
			c.wg.Go(func() { identifyReady <- lim.Wait(connCtx, s.cfg.ShardID) })
		} else {
			identifyReady <- nil
		}
	}

	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.failed:
			// Handle what arrived before the connection ended (a server
			// closing right after a dispatch or an op 7), then report why
			// it ended.
			for {
				select {
				case f := <-c.frames:
					if err := s.handleFrame(ctx, c, f); err != nil {
						return err
					}
					continue
				default:
				}
				return planFromReadError(s.cfg.ShardID, c.err())
			}
		case err := <-identifyReady:
			identifyReady = nil
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return &reconnectError{reason: "identify limiter failed", resume: true, err: err}
			}
			if err := s.identify(c); err != nil {
				return err
			}
		case f := <-c.frames:
			if err := s.handleFrame(ctx, c, f); err != nil {
				return err
			}
		}
	}
}

// awaitHello waits for op 10 and returns the heartbeat interval.
func (s *Shard) awaitHello(ctx, hctx context.Context, c *connection) (time.Duration, error) {
	for {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-hctx.Done():
			return 0, &reconnectError{reason: "no HELLO within the handshake timeout", resume: true}
		case <-c.failed:
			return 0, planFromReadError(s.cfg.ShardID, c.err())
		case f := <-c.frames:
			if f.Op != OpHello {
				s.stats.malformed.Add(1)
				s.log.Warn("gateway: ignoring frame before HELLO", "op", f.Op)
				continue
			}
			var h helloData
			if err := json.Unmarshal(f.Data, &h); err != nil || h.HeartbeatInterval <= 0 {
				return 0, &reconnectError{reason: "invalid HELLO", resume: true, err: err}
			}
			return time.Duration(h.HeartbeatInterval) * time.Millisecond, nil
		}
	}
}

func (s *Shard) identify(c *connection) error {
	s.setState(StateIdentifying, "identify sent")
	s.stats.identifies.Add(1)
	d := identifyData{
		Token:      s.cfg.Token,
		Intents:    s.cfg.Intents,
		Properties: s.cfg.Properties,
		Shard:      [2]int{s.cfg.ShardID, s.cfg.ShardCount},
		Presence:   s.cfg.Presence,
	}
	if err := c.writeOp(OpIdentify, d); err != nil {
		return &reconnectError{reason: "sending identify failed", resume: true, err: err}
	}
	return nil
}

// handleFrame acts on one frame in the event loop. A non-nil error ends
// the connection.
func (s *Shard) handleFrame(ctx context.Context, c *connection, f frame) error {
	switch f.Op {
	case OpDispatch:
		return s.dispatch(ctx, c, f)
	case OpHeartbeat:
		c.requestBeat()
	case OpReconnect:
		return &reconnectError{reason: "Discord asked to reconnect (op 7)", resume: true, immediate: true}
	case OpInvalidSession:
		s.stats.invalidSessions.Add(1)
		if string(bytes.TrimSpace(f.Data)) == "true" {
			return &reconnectError{reason: "invalid session (op 9), resumable", resume: true, immediate: true}
		}
		wait := s.cfg.InvalidSessionWait()
		return &reconnectError{reason: "invalid session (op 9), identifying again", resume: false, wait: &wait}
	case OpHello:
		s.log.Warn("gateway: ignoring repeated HELLO")
	default:
		s.stats.malformed.Add(1)
		s.log.Warn("gateway: dropping frame with unknown op", "op", f.Op)
	}
	return nil
}

// dispatch handles READY and RESUMED, then passes the event to the handler.
func (s *Shard) dispatch(ctx context.Context, c *connection, f frame) error {
	switch f.Type {
	case EventReady:
		var r readyData
		if err := json.Unmarshal(f.Data, &r); err != nil || r.SessionID == "" {
			// Still usable, just not resumable: we will identify next time.
			s.log.Error("gateway: READY without a session_id", "error", err)
		}
		if r.ResumeGatewayURL != "" {
			if err := checkGatewayURL(r.ResumeGatewayURL); err != nil {
				s.log.Warn("gateway: ignoring invalid resume_gateway_url", "error", err)
				r.ResumeGatewayURL = ""
			}
		}
		s.setSession(r.SessionID, r.ResumeGatewayURL)
		s.setReady(c, "READY")
		s.log.Info("gateway: ready", "session", r.SessionID)
	case EventResumed:
		s.setReady(c, "RESUMED")
		s.log.Info("gateway: resumed", "session", s.Session().SessionID, "seq", f.Seq)
	}

	s.stats.dispatches.Add(1)
	d := Dispatch{
		Type:       f.Type,
		Seq:        f.Seq,
		Data:       f.Data,
		ShardID:    s.cfg.ShardID,
		SessionID:  s.Session().SessionID,
		ReceivedAt: f.received,
	}
	if err := s.handler(ctx, d); err != nil {
		if ctx.Err() != nil {
			// Shutting down: the event was not handed off. Leave the seq
			// where it was so whoever resumes gets it replayed.
			return ctx.Err()
		}
		s.stats.handlerErrors.Add(1)
		s.log.Error("gateway: handler failed", "type", f.Type, "seq", f.Seq, "error", err)
	}
	if f.Seq > 0 {
		s.setSeq(f.Seq)
	}
	return nil
}
