package discordsim

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Gateway opcodes.
const (
	opDispatch            = 0
	opHeartbeat           = 1
	opIdentify            = 2
	opPresenceUpdate      = 3
	opVoiceStateUpdate    = 4
	opResume              = 6
	opReconnect           = 7
	opRequestGuildMembers = 8
	opInvalidSession      = 9
	opHello               = 10
	opHeartbeatACK        = 11
)

// Gateway close codes, with the reasons Discord sends.
const (
	CloseUnknownError         websocket.StatusCode = 4000
	CloseUnknownOpcode        websocket.StatusCode = 4001
	CloseDecodeError          websocket.StatusCode = 4002
	CloseNotAuthenticated     websocket.StatusCode = 4003
	CloseAuthenticationFailed websocket.StatusCode = 4004
	CloseAlreadyAuthenticated websocket.StatusCode = 4005
	CloseInvalidSeq           websocket.StatusCode = 4007
	CloseRateLimited          websocket.StatusCode = 4008
	CloseSessionTimedOut      websocket.StatusCode = 4009
	CloseInvalidShard         websocket.StatusCode = 4010
	CloseShardingRequired     websocket.StatusCode = 4011
	CloseInvalidAPIVersion    websocket.StatusCode = 4012
	CloseInvalidIntents       websocket.StatusCode = 4013
	CloseDisallowedIntents    websocket.StatusCode = 4014
)

// closeReason is the text Discord sends with each close code.
func closeReason(code websocket.StatusCode) string {
	switch code {
	case CloseUnknownError:
		return "Unknown error."
	case CloseUnknownOpcode:
		return "Unknown opcode."
	case CloseDecodeError:
		return "Error while decoding payload."
	case CloseNotAuthenticated:
		return "Not authenticated."
	case CloseAuthenticationFailed:
		return "Authentication failed."
	case CloseAlreadyAuthenticated:
		return "Already authenticated."
	case CloseInvalidSeq:
		return "Invalid seq."
	case CloseRateLimited:
		return "Rate limited."
	case CloseSessionTimedOut:
		return "Session timed out."
	case CloseInvalidShard:
		return "Invalid shard."
	case CloseShardingRequired:
		return "Sharding required."
	case CloseInvalidAPIVersion:
		return "Invalid API version."
	case CloseInvalidIntents:
		return "Invalid intent(s)."
	case CloseDisallowedIntents:
		return "Disallowed intent(s)."
	}
	return ""
}

const (
	maxClientPayload  = 4096
	maxQueuedFrames   = 1 << 16
	gatewayWriteLimit = 10 * time.Second
)

// outFrame is a payload waiting for the writer.
type outFrame struct {
	data []byte
	// due is when a delayed dispatch may leave (zero: at once).
	due time.Time
	// deflate compresses this payload alone (identify "compress": true); decided when the
	// frame is queued so that frames queued before identify stay plain.
	deflate bool
}

// gwConn is one websocket connection. The handler goroutine reads; a writer goroutine owns all
// writes (and the close handshake) so frames leave in the order they were queued.
type gwConn struct {
	s      *Server
	ws     *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	remote string

	qmu         sync.Mutex
	queue       []outFrame // sent in order, as soon as possible
	delayed     []outFrame // dispatches held back by the delay fault, in order
	closing     bool
	closeCode   websocket.StatusCode
	closeReason string
	wake        chan struct{}

	zw   *zlib.Writer // non-nil with ?compress=zlib-stream; writer goroutine only
	zbuf bytes.Buffer

	// identified is set by identify and resume and cleared by an op 9 fault, which lets the
	// client identify (or resume) again on the same connection.
	identified atomic.Bool
	// zombie swallows every frame the simulator would send (heartbeat ACKs included), as a
	// half-open link does, while still reading what the client sends.
	zombie atomic.Bool
	// payloadZlib is set by an identify with "compress": true.
	payloadZlib atomic.Bool

	// Read-loop state.
	hb          *time.Timer
	windowStart time.Time
	windowCount int

	sess *session // guarded by Server.mu
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		s.log.Debug("gateway upgrade failed", "err", err)
		return
	}
	ws.SetReadLimit(64 << 10) // bigger than Discord's 4096 so we can answer 4002 ourselves
	ctx, cancel := context.WithCancel(s.ctx)
	c := &gwConn{s: s, ws: ws, ctx: ctx, cancel: cancel, remote: r.RemoteAddr, wake: make(chan struct{}, 1)}
	q := r.URL.Query()
	if q.Get("compress") == "zlib-stream" {
		c.zw = zlib.NewWriter(&c.zbuf)
	}
	s.mu.Lock()
	s.w.conns[c] = struct{}{}
	s.mu.Unlock()
	s.gw.connects.Add(1)

	if !s.track() {
		_ = ws.CloseNow()
		s.dropConn(c, -1)
		return
	}
	go func() {
		defer s.wg.Done()
		c.writeLoop()
	}()

	switch v := q.Get("v"); {
	case v != "" && v != "9" && v != "10":
		c.closeWith(CloseInvalidAPIVersion)
	case q.Get("encoding") != "" && q.Get("encoding") != "json":
		c.closeWith(CloseDecodeError) // only JSON is spoken; ETF clients get a decode error
	default:
		hello, _ := json.Marshal(map[string]any{
			"heartbeat_interval": s.opts.HeartbeatInterval.Milliseconds(),
			"_trace":             []string{"discordsim"},
		})
		c.enqueue(frame(opHello, "", 0, hello))
		c.hb = time.AfterFunc(s.opts.HeartbeatTimeout, func() { c.closeWith(CloseSessionTimedOut) })
	}
	s.log.Debug("gateway connected", "remote", c.remote, "zlib", c.zw != nil)

	peerCode := c.readLoop()
	if c.hb != nil {
		c.hb.Stop()
	}
	s.dropConn(c, peerCode)
}

// dropConn detaches a finished connection from its session and decides whether the session
// stays resumable.
func (s *Server) dropConn(c *gwConn, peerCode websocket.StatusCode) {
	c.qmu.Lock()
	serverCode := c.closeCode
	c.closing = true
	c.qmu.Unlock()
	c.cancel()
	_ = c.ws.CloseNow()

	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.w.conns, c)
	ss := c.sess
	if ss == nil || ss.conn != c {
		return
	}
	ss.conn = nil
	ss.disconnectedAt = time.Now()
	if sessionEnds(serverCode, peerCode) {
		delete(s.w.sessions, ss.id)
	}
	s.log.Debug("gateway disconnected", "session", ss.id, "server_code", serverCode, "peer_code", peerCode)
	s.touchLocked()
}

// sessionEnds applies Discord's rule: a client closing with 1000/1001 ends its session, and so
// do the server closes after which a client must identify again; anything else is resumable.
func sessionEnds(serverCode, peerCode websocket.StatusCode) bool {
	if serverCode != 0 {
		switch serverCode {
		case CloseAuthenticationFailed, CloseInvalidSeq, CloseSessionTimedOut, CloseInvalidShard,
			CloseShardingRequired, CloseInvalidAPIVersion, CloseInvalidIntents, CloseDisallowedIntents:
			return true
		}
		return false
	}
	return peerCode == websocket.StatusNormalClosure || peerCode == websocket.StatusGoingAway
}

// enqueue queues a non-dispatch payload (or a raw frame) to be sent at once.
func (c *gwConn) enqueue(f []byte) { c.push(f, false) }

// enqueueDispatch queues an op 0 payload, which the delay fault may hold back. Dispatches
// keep their order among themselves whatever the delay.
func (c *gwConn) enqueueDispatch(f []byte) { c.push(f, true) }

func (c *gwConn) push(f []byte, dispatch bool) {
	if c.zombie.Load() {
		return // the link is dead one way: nothing reaches the client
	}
	of := outFrame{data: f, deflate: c.payloadZlib.Load()}
	c.qmu.Lock()
	if c.closing {
		c.qmu.Unlock()
		return
	}
	delay := time.Duration(c.s.gw.dispatchDelay.Load())
	if dispatch && (delay > 0 || len(c.delayed) > 0) {
		of.due = time.Now().Add(delay)
		c.delayed = append(c.delayed, of)
	} else {
		c.queue = append(c.queue, of)
	}
	over := len(c.queue)+len(c.delayed) > maxQueuedFrames
	c.qmu.Unlock()
	if over {
		// A client this far behind is not reading; drop it and let it resume.
		c.closeWith(CloseUnknownError)
		return
	}
	c.poke()
}

func (c *gwConn) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// closeWith asks the writer to send what is queued, then close with code. The first call wins.
func (c *gwConn) closeWith(code websocket.StatusCode) {
	c.qmu.Lock()
	if c.closing {
		c.qmu.Unlock()
		return
	}
	c.closing = true
	c.closeCode = code
	c.closeReason = closeReason(code)
	c.qmu.Unlock()
	if code > 0 && int(code) < closeCodeSlots {
		c.s.gw.closes[code].Add(1)
	}
	c.poke()
}

func (c *gwConn) isClosing() bool {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return c.closing
}

func (c *gwConn) writeLoop() {
	// timer wakes the writer when the first delayed dispatch falls due.
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.wake:
		case <-timer.C:
		}
		now := time.Now()
		c.qmu.Lock()
		frames := c.queue
		c.queue = nil
		n := 0
		for n < len(c.delayed) && !c.delayed[n].due.After(now) {
			n++
		}
		frames = append(frames, c.delayed[:n]...)
		c.delayed = c.delayed[n:]
		if len(c.delayed) > 0 {
			timer.Reset(c.delayed[0].due.Sub(now))
		}
		// Dispatches still held back when the connection closes are dropped: they stay in the
		// session's buffer and a resume replays them.
		closing, code, reason := c.closing, c.closeCode, c.closeReason
		c.qmu.Unlock()
		for _, f := range frames {
			if err := c.write(f); err != nil {
				c.s.log.Debug("gateway write failed", "remote", c.remote, "err", err)
				_ = c.ws.CloseNow()
				return
			}
		}
		if closing && code != 0 {
			_ = c.ws.Close(code, reason)
			return
		}
	}
}

func (c *gwConn) write(of outFrame) error {
	ctx, cancel := context.WithTimeout(c.ctx, gatewayWriteLimit)
	defer cancel()
	f := of.data
	if c.zw == nil {
		if of.deflate {
			// Per-payload compression: each binary frame is a whole zlib stream.
			return c.ws.Write(ctx, websocket.MessageBinary, deflatePayload(f))
		}
		return c.ws.Write(ctx, websocket.MessageText, f)
	}
	// zlib-stream: one compression context for the whole connection; each message ends with
	// a sync flush (00 00 ff ff), which is how clients find message boundaries.
	c.zbuf.Reset()
	if _, err := c.zw.Write(f); err != nil {
		return err
	}
	if err := c.zw.Flush(); err != nil {
		return err
	}
	return c.ws.Write(ctx, websocket.MessageBinary, c.zbuf.Bytes())
}

// readLoop handles client payloads until the connection ends and returns the close code the
// client sent (-1 when it just went away).
func (c *gwConn) readLoop() websocket.StatusCode {
	for {
		_, data, err := c.ws.Read(c.ctx)
		if err != nil {
			return websocket.CloseStatus(err)
		}
		if c.isClosing() {
			continue // drain until the close handshake completes
		}
		if len(data) > maxClientPayload {
			c.closeWith(CloseDecodeError)
			continue
		}
		now := time.Now()
		if now.Sub(c.windowStart) > c.s.opts.Gateway.SendWindow {
			c.windowStart, c.windowCount = now, 0
		}
		c.windowCount++
		if c.windowCount > c.s.opts.Gateway.SendLimit {
			c.closeWith(CloseRateLimited)
			continue
		}
		c.handle(data)
	}
}

func (c *gwConn) handle(data []byte) {
	var p struct {
		Op *int            `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal(data, &p); err != nil || p.Op == nil {
		c.closeWith(CloseDecodeError)
		return
	}
	switch *p.Op {
	case opHeartbeat:
		if c.hb != nil {
			c.hb.Reset(c.s.opts.HeartbeatTimeout)
		}
		c.enqueue(frame(opHeartbeatACK, "", 0, nil))
	case opIdentify:
		if c.identified.Load() {
			c.closeWith(CloseAlreadyAuthenticated)
			return
		}
		c.identify(p.D)
	case opResume:
		if c.identified.Load() {
			c.closeWith(CloseAlreadyAuthenticated)
			return
		}
		c.resume(p.D)
	case opPresenceUpdate, opVoiceStateUpdate, opRequestGuildMembers:
		if !c.identified.Load() {
			c.closeWith(CloseNotAuthenticated)
			return
		}
		switch *p.Op {
		case opPresenceUpdate:
			c.presenceUpdate(p.D)
		case opRequestGuildMembers:
			c.requestGuildMembers(p.D)
		}
		// Voice is not simulated; op 4 is accepted and ignored.
	default:
		c.closeWith(CloseUnknownOpcode)
	}
}

func (c *gwConn) tokenOK(token string) bool {
	token = strings.TrimPrefix(token, "Bot ")
	return subtle.ConstantTimeCompare([]byte(token), []byte(c.s.opts.Token)) == 1
}

func (c *gwConn) identify(raw json.RawMessage) {
	var id struct {
		Token    string          `json:"token"`
		Intents  *json.Number    `json:"intents"`
		Shard    *[2]int         `json:"shard"`
		Presence json.RawMessage `json:"presence"`
		Compress bool            `json:"compress"`
	}
	if err := json.Unmarshal(raw, &id); err != nil {
		c.closeWith(CloseDecodeError)
		return
	}
	if !c.tokenOK(id.Token) {
		c.closeWith(CloseAuthenticationFailed)
		return
	}
	var intents Intents
	if id.Intents == nil {
		c.closeWith(CloseInvalidIntents) // v8+ requires intents
		return
	}
	n, err := id.Intents.Int64()
	if err != nil || n < 0 || Intents(n)&^knownIntents != 0 {
		c.closeWith(CloseInvalidIntents)
		return
	}
	intents = Intents(n)
	if intents&c.s.opts.Gateway.DisabledPrivilegedIntents != 0 {
		c.closeWith(CloseDisallowedIntents)
		return
	}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
	}
	if shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1] {
		c.closeWith(CloseInvalidShard)
		return
	}
	presence, _ := parsePresence(id.Presence)

	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shardGuildsLocked(shard[0], shard[1]) > s.opts.Gateway.MaxGuildsPerShard {
		c.closeWith(CloseShardingRequired)
		return
	}
	if !s.identifyAdmissionLocked(shard[0], time.Now()) {
		// Too soon for this max_concurrency bucket, or no session starts left: Discord
		// answers op 9 and the client may identify again later on the same connection.
		s.gw.invalidSessions.Add(1)
		c.enqueue(frame(opInvalidSession, "", 0, []byte("false")))
		return
	}
	if id.Compress && c.zw == nil {
		// Transport compression wins when both are asked for: one is enough.
		c.payloadZlib.Store(true)
	}
	ss := &session{
		id: randomHex(16), shardID: shard[0], shardCount: shard[1], intents: intents,
		presence: presence, createdAt: time.Now(), conn: c,
	}
	s.w.sessions[ss.id] = ss
	s.w.sessionStarts++
	s.gw.identifies.Add(1)
	c.sess = ss
	c.identified.Store(true)

	var guilds []map[string]any
	var mine []*guildRec
	for _, gid := range s.w.guildOrder {
		if ss.holds(gid) {
			guilds = append(guilds, map[string]any{"id": gid, "unavailable": true})
			mine = append(mine, s.w.guilds[gid])
		}
	}
	if guilds == nil {
		guilds = []map[string]any{}
	}
	me := userJSON(s.bot)
	ready := map[string]any{
		"v":                       10,
		"user":                    readyUser{wireUser: me, Verified: true, MFAEnabled: false, Email: nil},
		"guilds":                  guilds,
		"session_id":              ss.id,
		"session_type":            "normal",
		"resume_gateway_url":      s.GatewayURL(),
		"shard":                   shard,
		"application":             map[string]any{"id": s.app.ID, "flags": s.app.Flags},
		"private_channels":        []any{},
		"relationships":           []any{},
		"presences":               []any{},
		"guild_join_requests":     []any{},
		"geo_ordered_rtc_regions": []string{"discordsim"},
		"user_settings":           map[string]any{},
		"_trace":                  []string{"discordsim"},
	}
	keep := s.opts.ResumeBufferSize
	ss.dispatchLocked("READY", s.marshalPayload("READY", ready), keep)
	// Discord sends each guild as GUILD_CREATE after READY, members filtered by intents.
	if intents.Has(IntentGuilds) {
		for _, g := range mine {
			ss.dispatchLocked("GUILD_CREATE", s.marshalPayload("GUILD_CREATE", s.guildCreateLocked(g, intents)), keep)
		}
	}
	s.log.Debug("gateway identified", "session", ss.id, "shard", shard, "intents", uint64(intents))
	s.touchLocked()
}

type readyUser struct {
	*wireUser
	Verified   bool    `json:"verified"`
	MFAEnabled bool    `json:"mfa_enabled"`
	Email      *string `json:"email"`
}

func (c *gwConn) resume(raw json.RawMessage) {
	var rs struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       *int64 `json:"seq"`
	}
	if err := json.Unmarshal(raw, &rs); err != nil {
		c.closeWith(CloseDecodeError)
		return
	}
	if !c.tokenOK(rs.Token) {
		c.closeWith(CloseAuthenticationFailed)
		return
	}
	var seq int64
	if rs.Seq != nil {
		seq = *rs.Seq
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.w.sessions[rs.SessionID]
	if ss == nil {
		s.gw.invalidSessions.Add(1)
		c.enqueue(frame(opInvalidSession, "", 0, []byte("false")))
		return
	}
	if seq > ss.seq {
		c.closeWith(CloseInvalidSeq)
		return
	}
	frames, ok := ss.replayFrom(seq)
	if !ok {
		// What the client missed is no longer buffered: it must start over.
		delete(s.w.sessions, ss.id)
		s.gw.invalidSessions.Add(1)
		c.enqueue(frame(opInvalidSession, "", 0, []byte("false")))
		return
	}
	if old := ss.conn; old != nil && old != c {
		// The client gave up on a connection we still think is open (a zombie): retire it.
		// The session now belongs to c, so the old connection's end does not touch it.
		old.closeWith(CloseUnknownError)
	}
	ss.conn = c
	c.sess = ss
	c.identified.Store(true)
	s.gw.resumes.Add(1)
	for _, f := range frames {
		c.enqueueDispatch(f)
	}
	ss.dispatchLocked("RESUMED", []byte(`{"_trace":["discordsim"]}`), s.opts.ResumeBufferSize)
	s.log.Debug("gateway resumed", "session", ss.id, "from_seq", seq, "replayed", len(frames))
	s.touchLocked()
}

func (c *gwConn) presenceUpdate(raw json.RawMessage) {
	p, ok := parsePresence(raw)
	if !ok {
		c.closeWith(CloseDecodeError)
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.sess != nil {
		c.sess.presence = p
	}
	s.touchLocked()
}

func (c *gwConn) requestGuildMembers(raw json.RawMessage) {
	var rq struct {
		GuildID Snowflake   `json:"guild_id"`
		Query   *string     `json:"query"`
		Limit   int         `json:"limit"`
		UserIDs []Snowflake `json:"user_ids"`
		Nonce   string      `json:"nonce"`
	}
	if err := json.Unmarshal(raw, &rq); err != nil {
		c.closeWith(CloseDecodeError)
		return
	}
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[rq.GuildID]
	if !ok || c.sess == nil {
		return
	}
	members := []*wireMember{}
	notFound := []Snowflake{}
	if len(rq.UserIDs) > 0 {
		for _, id := range rq.UserIDs {
			if m, ok := g.members[id]; ok {
				members = append(members, s.memberJSONLocked(g, m, memberWithUser))
			} else {
				notFound = append(notFound, id)
			}
		}
	} else {
		q := ""
		if rq.Query != nil {
			q = strings.ToLower(*rq.Query)
		}
		for _, id := range g.memberOrder {
			m := g.members[id]
			if !strings.HasPrefix(strings.ToLower(s.w.users[id].Username), q) {
				continue
			}
			if rq.Limit > 0 && len(members) >= rq.Limit {
				break
			}
			members = append(members, s.memberJSONLocked(g, m, memberWithUser))
		}
	}
	d := map[string]any{"guild_id": g.ID, "members": members, "chunk_index": 0, "chunk_count": 1,
		"not_found": notFound}
	if rq.Nonce != "" {
		d["nonce"] = rq.Nonce
	}
	c.sess.dispatchLocked("GUILD_MEMBERS_CHUNK", s.marshalPayload("GUILD_MEMBERS_CHUNK", d), s.opts.ResumeBufferSize)
}

// CloseGatewayConnections drops every gateway connection with the given close code, as a
// Discord-side failure would. With a code other than 1000/1001 (e.g. 4000) the sessions stay
// resumable, so clients can be tested resuming.
func (s *Server) CloseGatewayConnections(code websocket.StatusCode) int {
	s.mu.Lock()
	conns := make([]*gwConn, 0, len(s.w.conns))
	for c := range s.w.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.closeWith(code)
	}
	return len(conns)
}

// deflatePayload compresses one payload as a complete zlib stream (per-payload compression).
func deflatePayload(f []byte) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	_, _ = zw.Write(f) // writes to a bytes.Buffer cannot fail
	_ = zw.Close()
	return b.Bytes()
}
