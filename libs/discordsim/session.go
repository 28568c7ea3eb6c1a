package discordsim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// session is a gateway session: it outlives its connection so that a client can resume it and
// get the dispatches it missed. Guarded by Server.mu.
type session struct {
	id         string
	shardID    int
	shardCount int
	intents    Intents
	presence   Presence
	createdAt  time.Time

	seq int64
	buf []bufferedDispatch // the last dispatches, for replay on resume

	conn           *gwConn // nil while disconnected
	disconnectedAt time.Time
}

type bufferedDispatch struct {
	seq   int64
	frame []byte
}

// SessionInfo describes a gateway session for tests.
type SessionInfo struct {
	ID         string
	ShardID    int
	ShardCount int
	Intents    Intents
	// Presence is what the client sent at identify or last with op 3.
	Presence  Presence
	Connected bool
	// Seq is the last sequence number dispatched.
	Seq       int64
	CreatedAt time.Time
}

// Sessions lists live sessions (connected or resumable).
func (v *State) Sessions() []SessionInfo {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SessionInfo, 0, len(s.w.sessions))
	for _, ss := range s.w.sessions {
		p := ss.presence
		p.Activities = slices.Clone(p.Activities)
		out = append(out, SessionInfo{
			ID: ss.id, ShardID: ss.shardID, ShardCount: ss.shardCount, Intents: ss.intents,
			Presence: p, Connected: ss.conn != nil, Seq: ss.seq, CreatedAt: ss.createdAt,
		})
	}
	slices.SortFunc(out, func(a, b SessionInfo) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

func (ss *session) holds(guildID Snowflake) bool {
	return shardFor(guildID, ss.shardCount) == ss.shardID
}

// dispatchLocked numbers a dispatch, keeps it for replay and sends it if connected.
func (ss *session) dispatchLocked(name string, d []byte, keep int) {
	ss.seq++
	f := frame(0, name, ss.seq, d)
	ss.buf = append(ss.buf, bufferedDispatch{seq: ss.seq, frame: f})
	// Trim in batches so a full buffer does not cost a copy per dispatch.
	if len(ss.buf) > 2*keep {
		ss.buf = slices.Delete(ss.buf, 0, len(ss.buf)-keep)
	}
	if ss.conn != nil {
		ss.conn.enqueueDispatch(f)
	}
}

// replayFrom returns the buffered frames after seq, or false when some of them were dropped.
func (ss *session) replayFrom(seq int64) ([][]byte, bool) {
	if seq >= ss.seq {
		return nil, true
	}
	if len(ss.buf) == 0 || ss.buf[0].seq > seq+1 {
		return nil, false
	}
	var out [][]byte
	for _, b := range ss.buf {
		if b.seq > seq {
			out = append(out, b.frame)
		}
	}
	return out, true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// parsePresence reads an identify or op 3 presence. discordgo sends the legacy "game" field at
// identify and "activities" in op 3; both are understood.
func parsePresence(raw json.RawMessage) (Presence, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return Presence{}, false
	}
	var p struct {
		Status     string     `json:"status"`
		Activities []Activity `json:"activities"`
		Game       *Activity  `json:"game"`
		AFK        bool       `json:"afk"`
		Since      *int64     `json:"since"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return Presence{}, false
	}
	out := Presence{Status: p.Status, Activities: p.Activities, AFK: p.AFK, Since: p.Since}
	if len(out.Activities) == 0 && p.Game != nil && p.Game.Name != "" {
		out.Activities = []Activity{*p.Game}
	}
	if out.Activities == nil {
		out.Activities = []Activity{}
	}
	if out.Status == "" {
		out.Status = "online"
	}
	return out, true
}
