package discordsim

import (
	"sync/atomic"
	"time"
)

// GatewayOptions sets the limits Discord's gateway enforces. The zero value gives Discord's
// numbers, with two exceptions that keep existing tests and `make run` simple: identify
// pacing is only enforced when EnforceIdentifyRate is set, and every privileged intent is
// enabled unless DisabledPrivilegedIntents says otherwise.
type GatewayOptions struct {
	// SendLimit is how many payloads a client may send per SendWindow on one connection;
	// over it the connection is closed with 4008. Defaults 120 per 60 s.
	SendLimit  int
	SendWindow time.Duration

	// MaxConcurrency is the identify concurrency reported by GET /gateway/bot; identifies
	// fall into buckets keyed shard_id % MaxConcurrency. Default 1.
	MaxConcurrency int
	// IdentifyInterval is how often each bucket may identify; default 5 s.
	IdentifyInterval time.Duration
	// EnforceIdentifyRate answers an identify that comes too soon after another one in its
	// bucket with op 9 (d=false), as Discord does. Off by default so that tests may start
	// several sessions at once.
	EnforceIdentifyRate bool

	// SessionStartLimit is the session_start_limit total: identifies allowed per
	// SessionStartReset (default 1000 per 24 h). An identify with none left gets op 9
	// (d=false).
	SessionStartLimit int
	SessionStartReset time.Duration

	// MaxGuildsPerShard closes an identify with 4011 (sharding required) when its shard would
	// hold more guilds than this; default 2500, Discord's limit.
	MaxGuildsPerShard int

	// DisabledPrivilegedIntents lists the privileged intents (IntentGuildMembers,
	// IntentGuildPresences, IntentMessageContent) that are not enabled for the application in
	// the developer portal: identifying with one of them closes the connection with 4014.
	DisabledPrivilegedIntents Intents
}

// PrivilegedIntents are the intents an application must enable in the developer portal.
const PrivilegedIntents = IntentGuildMembers | IntentGuildPresences | IntentMessageContent

// knownIntents is every intent bit Discord defines; any other bit closes with 4013.
const knownIntents = IntentGuilds | IntentGuildMembers | IntentGuildModeration |
	IntentGuildExpressions | IntentGuildIntegrations | IntentGuildWebhooks | IntentGuildInvites |
	IntentGuildVoiceStates | IntentGuildPresences | IntentGuildMessages |
	IntentGuildMessageReactions | IntentGuildMessageTyping | IntentDirectMessages |
	IntentDirectMessageReactions | IntentDirectMessageTyping | IntentMessageContent |
	IntentGuildScheduledEvents | IntentAutoModConfiguration | IntentAutoModExecution |
	IntentGuildMessagePolls | IntentDirectMessagePolls

// guildsPerRecommendedShard is how many guilds Discord puts on one shard when it recommends a
// shard count in GET /gateway/bot.
const guildsPerRecommendedShard = 1000

// reconnectGrace is how long a connection that was sent op 7 (or a resumable op 9) stays
// open for a client that does not leave by itself; then the simulator closes it.
const reconnectGrace = 5 * time.Second

func (o GatewayOptions) withDefaults() GatewayOptions {
	if o.SendLimit <= 0 {
		o.SendLimit = 120
	}
	if o.SendWindow <= 0 {
		o.SendWindow = 60 * time.Second
	}
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = 1
	}
	if o.IdentifyInterval <= 0 {
		o.IdentifyInterval = 5 * time.Second
	}
	if o.SessionStartLimit <= 0 {
		o.SessionStartLimit = 1000
	}
	if o.SessionStartReset <= 0 {
		o.SessionStartReset = 24 * time.Hour
	}
	if o.MaxGuildsPerShard <= 0 {
		o.MaxGuildsPerShard = 2500
	}
	o.DisabledPrivilegedIntents &= PrivilegedIntents
	return o
}

// gatewayState is the server-wide gateway bookkeeping. The identify budget is guarded by
// Server.mu; the dispatch delay and counters are atomics because connections read them from
// their own goroutines.
type gatewayState struct {
	// Guarded by Server.mu.
	lastIdentify  map[int]time.Time // bucket → last accepted identify
	startsUsed    int               // session starts in the current window
	startsResetAt time.Time         // when startsUsed goes back to 0

	dispatchDelay atomic.Int64 // nanoseconds added before each dispatch is written

	connects, identifies, resumes, invalidSessions atomic.Int64
	closes                                         [closeCodeSlots]atomic.Int64
}

// closeCodeSlots covers every websocket close code (they are below 5000).
const closeCodeSlots = 5000

// GatewayStats counts what the gateway did since the simulator started, for tests that check
// how a client behaved (e.g. that it made no further connection after 4004).
type GatewayStats struct {
	Connections     int64 `json:"connections"`      // websocket connections accepted
	Identifies      int64 `json:"identifies"`       // identifies that started a session
	Resumes         int64 `json:"resumes"`          // resumes that succeeded
	InvalidSessions int64 `json:"invalid_sessions"` // op 9 sent, for any reason
	// Closes counts the close codes the simulator sent, by code.
	Closes map[int]int64 `json:"closes"`
}

// GatewayStats returns the gateway counters.
func (s *Server) GatewayStats() GatewayStats {
	st := GatewayStats{
		Connections:     s.gw.connects.Load(),
		Identifies:      s.gw.identifies.Load(),
		Resumes:         s.gw.resumes.Load(),
		InvalidSessions: s.gw.invalidSessions.Load(),
		Closes:          map[int]int64{},
	}
	for code := range s.gw.closes {
		if n := s.gw.closes[code].Load(); n > 0 {
			st.Closes[code] = n
		}
	}
	return st
}

// identifyAdmissionLocked applies the identify pacing and the session start budget. It
// reports whether a new session may start now; on true the identify has been counted.
func (s *Server) identifyAdmissionLocked(shardID int, now time.Time) bool {
	o := s.opts.Gateway
	g := &s.gw
	s.refreshStartsLocked(now)
	if g.startsUsed >= o.SessionStartLimit {
		s.log.Warn("gateway: session start limit reached", "limit", o.SessionStartLimit, "reset_at", g.startsResetAt)
		return false
	}
	bucket := shardID % o.MaxConcurrency
	if o.EnforceIdentifyRate {
		if last, ok := g.lastIdentify[bucket]; ok && now.Sub(last) < o.IdentifyInterval {
			s.log.Info("gateway: identify too soon for its bucket", "bucket", bucket, "since_last", now.Sub(last))
			return false
		}
	}
	if g.lastIdentify == nil {
		g.lastIdentify = map[int]time.Time{}
	}
	g.lastIdentify[bucket] = now
	g.startsUsed++
	return true
}

func (s *Server) refreshStartsLocked(now time.Time) {
	g := &s.gw
	if g.startsResetAt.IsZero() || !now.Before(g.startsResetAt) {
		g.startsUsed = 0
		g.startsResetAt = now.Add(s.opts.Gateway.SessionStartReset)
	}
}

// guildCountLocked is how many guilds the bot is in.
func (s *Server) guildCountLocked() int { return len(s.w.guildOrder) }

// shardGuildsLocked counts the guilds shard id of count would hold.
func (s *Server) shardGuildsLocked(id, count int) int {
	n := 0
	for _, gid := range s.w.guildOrder {
		if shardFor(gid, count) == id {
			n++
		}
	}
	return n
}

// GatewayBotInfo is the body of GET /gateway/bot.
type GatewayBotInfo struct {
	URL               string            `json:"url"`
	Shards            int               `json:"shards"`
	SessionStartLimit SessionStartLimit `json:"session_start_limit"`
}

// SessionStartLimit is the identify budget reported by GET /gateway/bot.
type SessionStartLimit struct {
	Total          int   `json:"total"`
	Remaining      int   `json:"remaining"`
	ResetAfter     int64 `json:"reset_after"` // milliseconds
	MaxConcurrency int   `json:"max_concurrency"`
}

// GatewayBot returns what GET /gateway/bot answers: the recommended shard count (one per
// 1000 guilds, as Discord recommends) and the session start budget left.
func (s *Server) GatewayBot() GatewayBotInfo {
	now := time.Now()
	s.mu.Lock()
	s.refreshStartsLocked(now)
	used, resetAt, guilds := s.gw.startsUsed, s.gw.startsResetAt, s.guildCountLocked()
	s.mu.Unlock()
	o := s.opts.Gateway
	return GatewayBotInfo{
		URL:    s.GatewayURL(),
		Shards: max(1, (guilds+guildsPerRecommendedShard-1)/guildsPerRecommendedShard),
		SessionStartLimit: SessionStartLimit{
			Total:          o.SessionStartLimit,
			Remaining:      max(0, o.SessionStartLimit-used),
			ResetAfter:     max(0, resetAt.Sub(now).Milliseconds()),
			MaxConcurrency: o.MaxConcurrency,
		},
	}
}
