package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"time"
)

// CompressMode selects transport compression.
type CompressMode int

const (
	// CompressNone sends plain JSON text frames (the default).
	CompressNone CompressMode = iota
	// CompressZlibStream asks for ?compress=zlib-stream: every binary frame
	// is a piece of one zlib stream shared by the whole connection, and each
	// payload ends with a sync flush (00 00 ff ff).
	CompressZlibStream
)

func (m CompressMode) String() string {
	switch m {
	case CompressNone:
		return "none"
	case CompressZlibStream:
		return "zlib-stream"
	}
	return fmt.Sprintf("CompressMode(%d)", int(m))
}

// Activity types for Presence.
const (
	ActivityPlaying   = 0
	ActivityStreaming = 1
	ActivityListening = 2
	ActivityWatching  = 3
	ActivityCustom    = 4
	ActivityCompeting = 5
)

// Presence is the bot's presence, sent in identify and by op 3.
type Presence struct {
	// Since is the unix time in milliseconds the client went idle, or nil.
	Since      *int64     `json:"since"`
	Activities []Activity `json:"activities"`
	// Status is "online", "dnd", "idle", "invisible" or "offline".
	Status string `json:"status"`
	AFK    bool   `json:"afk"`
}

// Activity is one entry of Presence.Activities.
type Activity struct {
	Name  string `json:"name"`
	Type  int    `json:"type"`
	URL   string `json:"url,omitempty"`
	State string `json:"state,omitempty"`
}

// MarshalJSON always writes activities as an array: Discord rejects null.
func (p Presence) MarshalJSON() ([]byte, error) {
	type plain Presence
	if p.Activities == nil {
		p.Activities = []Activity{}
	}
	return json.Marshal(plain(p))
}

// Properties identify the client library to Discord.
type Properties struct {
	OS      string `json:"os"`
	Browser string `json:"browser"`
	Device  string `json:"device"`
}

// IdentifyLimiter gates identifies. Discord allows max_concurrency
// identifies per 5 s (bucket shard_id % max_concurrency) and a daily
// session start budget; the limiter is shared by every shard of the bot.
type IdentifyLimiter interface {
	Wait(ctx context.Context, shardID int) error
}

// SessionState is what another process needs to resume this shard's
// session. Save it (e.g. to a KV store) and pass it as Config.Resume.
type SessionState struct {
	SessionID string `json:"session_id"`
	// Seq is the sequence number of the last dispatch the handler returned
	// from, so a resume replays (never skips) what was not handled.
	Seq       int64  `json:"seq"`
	ResumeURL string `json:"resume_url"`
}

// Resumable reports whether the state names a session.
func (s SessionState) Resumable() bool { return s.SessionID != "" }

// Config configures a Shard. Zero values take the defaults noted.
type Config struct {
	// Token is the bot token (a leading "Bot " is stripped). It is never
	// logged nor included in errors.
	Token string
	// URL is the gateway URL from GET /gateway/bot, without query; the
	// client sets v=10, encoding=json and, if asked, compress=zlib-stream.
	URL string

	ShardID    int
	ShardCount int // at least 1
	Intents    int
	// Presence is sent in identify; nil sends none.
	Presence *Presence
	// Properties default to {runtime.GOOS, "novera", "novera"}.
	Properties Properties
	Compress   CompressMode

	// Resume, when it names a session, makes the first connection resume it
	// (op 6 on its ResumeURL, or URL if empty) instead of identifying.
	Resume *SessionState

	Logger     *slog.Logger // default: discard
	HTTPClient *http.Client // used for the websocket handshake; default http.DefaultClient
	// IdentifyLimiter is waited on before every identify; nil means none.
	IdentifyLimiter IdentifyLimiter

	// HandshakeTimeout bounds dialing plus waiting for HELLO (default 30 s).
	HandshakeTimeout time.Duration
	// MinReconnectWait and MaxReconnectWait bound the jittered exponential
	// back-off between connection attempts (defaults 1 s and 30 s). The
	// back-off resets after READY or RESUMED.
	MinReconnectWait time.Duration
	MaxReconnectWait time.Duration
	// InvalidSessionWait returns how long to wait after op 9 (d=false)
	// before identifying again; default a random 1-5 s, as Discord asks.
	InvalidSessionWait func() time.Duration
	// MaxMessageSize bounds one websocket message (default 128 MiB: a
	// GUILD_CREATE of a large guild is big).
	MaxMessageSize int64

	// OnStateChange, if set, is called synchronously on every state change.
	// It must not block; use it to drive readiness probes.
	OnStateChange func(Status)

	// Peek, if set, sees every dispatch the moment it is read from the socket, on the
	// reader goroutine, before the handler gets it in order. The handler may be busy (a
	// slow publish holds every later event back), and some events cannot wait: an
	// interaction has 3 seconds from its creation. Peek must be quick and must not block;
	// it must not keep Data beyond the call.
	Peek func(Dispatch)
}

// Defaults.
const (
	DefaultHandshakeTimeout = 30 * time.Second
	DefaultMinReconnectWait = time.Second
	DefaultMaxReconnectWait = 30 * time.Second
	DefaultMaxMessageSize   = 128 << 20
)

// LogValue keeps the token out of logs even if the whole Config is logged.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("url", c.URL),
		slog.Int("shard_id", c.ShardID),
		slog.Int("shard_count", c.ShardCount),
		slog.Int("intents", c.Intents),
		slog.String("compress", c.Compress.String()),
		slog.Bool("resume", c.Resume != nil && c.Resume.Resumable()),
	)
}

func defaultInvalidSessionWait() time.Duration {
	return time.Second + rand.N(4*time.Second)
}

// withDefaults validates c and fills in defaults.
func (c Config) withDefaults() (Config, error) {
	c.Token = normalizeToken(c.Token)
	var errs []error
	if c.Token == "" {
		errs = append(errs, errors.New("empty Token"))
	}
	if err := checkGatewayURL(c.URL); err != nil {
		errs = append(errs, fmt.Errorf("invalid URL: %w", err))
	}
	if c.ShardCount < 1 {
		errs = append(errs, fmt.Errorf("invalid ShardCount %d: must be at least 1", c.ShardCount))
	}
	if c.ShardID < 0 || (c.ShardCount >= 1 && c.ShardID >= c.ShardCount) {
		errs = append(errs, fmt.Errorf("invalid ShardID %d: must be in [0, ShardCount)", c.ShardID))
	}
	if c.Intents < 0 {
		errs = append(errs, fmt.Errorf("invalid Intents %d: must not be negative", c.Intents))
	}
	if c.Compress != CompressNone && c.Compress != CompressZlibStream {
		errs = append(errs, fmt.Errorf("invalid Compress: unknown mode %d", int(c.Compress)))
	}
	if c.Resume != nil && c.Resume.ResumeURL != "" {
		if err := checkGatewayURL(c.Resume.ResumeURL); err != nil {
			errs = append(errs, fmt.Errorf("invalid Resume.ResumeURL: %w", err))
		}
	}
	if c.Resume != nil && c.Resume.Seq < 0 {
		errs = append(errs, fmt.Errorf("invalid Resume.Seq %d: must not be negative", c.Resume.Seq))
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"HandshakeTimeout", c.HandshakeTimeout},
		{"MinReconnectWait", c.MinReconnectWait},
		{"MaxReconnectWait", c.MaxReconnectWait},
	} {
		if f.d < 0 {
			errs = append(errs, fmt.Errorf("invalid %s %v: must not be negative", f.name, f.d))
		}
	}
	if c.MaxMessageSize < 0 {
		errs = append(errs, fmt.Errorf("invalid MaxMessageSize %d: must not be negative", c.MaxMessageSize))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("gateway: invalid config: %w", errors.Join(errs...))
	}

	if c.Properties.OS == "" {
		c.Properties.OS = runtime.GOOS
	}
	if c.Properties.Browser == "" {
		c.Properties.Browser = "novera"
	}
	if c.Properties.Device == "" {
		c.Properties.Device = "novera"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.MinReconnectWait == 0 {
		c.MinReconnectWait = DefaultMinReconnectWait
	}
	if c.MaxReconnectWait == 0 {
		c.MaxReconnectWait = DefaultMaxReconnectWait
	}
	c.MaxReconnectWait = max(c.MaxReconnectWait, c.MinReconnectWait)
	if c.InvalidSessionWait == nil {
		c.InvalidSessionWait = defaultInvalidSessionWait
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	return c, nil
}

// normalizeToken strips the "Bot " prefix REST uses; the gateway wants the
// bare token.
func normalizeToken(tok string) string {
	tok = strings.TrimSpace(tok)
	if rest, ok := strings.CutPrefix(tok, "Bot"); ok && (rest == "" || rest[0] == ' ') {
		tok = strings.TrimSpace(rest)
	}
	return tok
}

func checkGatewayURL(raw string) error {
	if raw == "" {
		return errors.New("empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if u.Scheme != "wss" && u.Scheme != "ws" {
		return fmt.Errorf("scheme %q: want wss or ws", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("no host")
	}
	return nil
}

// connectURL returns base with the gateway query parameters set.
func connectURL(base string, compress CompressMode) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse gateway URL: %w", err)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	// Keep Discord's documented order (v, encoding, compress) and any other
	// parameter the URL already had.
	q := "v=10&encoding=json"
	if compress == CompressZlibStream {
		q += "&compress=zlib-stream"
	}
	rest := u.Query()
	rest.Del("v")
	rest.Del("encoding")
	rest.Del("compress")
	if len(rest) > 0 {
		q += "&" + rest.Encode()
	}
	u.RawQuery = q
	return u.String(), nil
}
