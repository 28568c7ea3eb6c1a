package discordsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/novera-bot/novera/libs/discordsim/openapi"
	"github.com/novera-bot/novera/libs/discordsim/playground"
)

// Options configures a Server. The zero value is usable; durations default to Discord's.
type Options struct {
	// Addr is the listen address; default "127.0.0.1:0" (a free port).
	Addr string
	// Token is the bot token the simulator accepts; default DefaultToken.
	Token string
	// AppID is the application id (and bot user id); generated when zero.
	AppID Snowflake
	// AppName names the application; default BotName.
	AppName string
	// BotName is the bot's username; default "Novera".
	BotName string
	// PublicKey is reported as the application's verify_key.
	PublicKey string
	// Logger receives the simulator's logs; default discards them.
	Logger *slog.Logger

	// HeartbeatInterval is sent in HELLO; default 41.25 s. Tests set it small.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout closes a connection that has not heartbeaten for this long; default
	// 1.5 × HeartbeatInterval.
	HeartbeatTimeout time.Duration
	// ResumeWindow is how long a session stays resumable after its connection drops without
	// a 1000/1001 close; default 2 minutes.
	ResumeWindow time.Duration
	// ResumeBufferSize is how many dispatches each session keeps for replay; default 4096.
	ResumeBufferSize int

	// InteractionDeadline is the time a bot has to acknowledge an interaction; default 3 s.
	InteractionDeadline time.Duration
	// InteractionTokenTTL is how long follow-ups and @original edits work; default 15 min.
	InteractionTokenTTL time.Duration
	// NonceWindow is how long enforce_nonce deduplicates; default 5 minutes.
	NonceWindow time.Duration

	// ControlTimeout is the default wait of POST /_sim/commands; default 3 s.
	ControlTimeout time.Duration
	// QuietPeriod is how long the control API waits after a reply for more; default 100 ms.
	QuietPeriod time.Duration

	// MaxMessagesPerChannel bounds each channel's history (oldest dropped); default 10000.
	MaxMessagesPerChannel int
	// MaxRecordedRequests bounds the REST request log (oldest dropped); default 10000.
	MaxRecordedRequests int

	// RateLimit shapes Discord's rate limits: route buckets, the global limit and whether
	// they are enforced (by default they are).
	RateLimit RateLimitOptions
	// SkipSchemaValidation turns off the check of every REST body against Discord's OpenAPI
	// description (see package openapi); the handlers' own checks still apply.
	SkipSchemaValidation bool
	// Spec is the parsed OpenAPI description to validate against; default the embedded copy,
	// parsed at the first request with a body. Tests that start many simulators share one.
	Spec *openapi.Spec

	// Gateway sets the gateway's limits: identify concurrency, session starts, sharding,
	// privileged intents, client send rate (see gateway_limits.go).
	Gateway GatewayOptions
}

// shutdownGrace bounds how long Close waits for REST requests in flight.
const shutdownGrace = 500 * time.Millisecond

// DefaultToken is the bot token accepted when Options.Token is empty.
const DefaultToken = "discordsim-bot-token"

func (o Options) withDefaults() Options {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.BotName == "" {
		o.BotName = "Novera"
	}
	if o.AppName == "" {
		o.AppName = o.BotName
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 41250 * time.Millisecond
	}
	if o.HeartbeatTimeout <= 0 {
		o.HeartbeatTimeout = o.HeartbeatInterval * 3 / 2
	}
	if o.ResumeWindow <= 0 {
		o.ResumeWindow = 2 * time.Minute
	}
	if o.ResumeBufferSize <= 0 {
		o.ResumeBufferSize = 4096
	}
	if o.InteractionDeadline <= 0 {
		o.InteractionDeadline = 3 * time.Second
	}
	if o.InteractionTokenTTL <= 0 {
		o.InteractionTokenTTL = 15 * time.Minute
	}
	if o.NonceWindow <= 0 {
		o.NonceWindow = 5 * time.Minute
	}
	if o.ControlTimeout <= 0 {
		o.ControlTimeout = 3 * time.Second
	}
	if o.QuietPeriod <= 0 {
		o.QuietPeriod = 100 * time.Millisecond
	}
	if o.MaxMessagesPerChannel <= 0 {
		o.MaxMessagesPerChannel = 10000
	}
	if o.MaxRecordedRequests <= 0 {
		o.MaxRecordedRequests = 10000
	}
	o.RateLimit = o.RateLimit.withDefaults()
	o.Gateway = o.Gateway.withDefaults()
	return o
}

// Server is one simulated Discord: state, REST, gateway and control API on one port.
type Server struct {
	opts Options
	log  *slog.Logger
	ids  snowflakeGen
	app  Application
	bot  User

	// mu guards all simulated state (world) and the gateway session registry. Mutations and
	// the dispatches they cause happen under it, so every session sees events in the order
	// the state changed.
	mu      sync.Mutex
	w       *world
	changed chan struct{} // closed and replaced on every state change
	demo    *Demo

	rec    *recorder
	rl     *rateLimiter
	gw     gatewayState // identify budget, faults, counters; see gateway_limits.go
	routes []*route

	restFaults restFaults    // see rest_faults.go
	spec       specLoader    // see rest_validate.go
	reactions  reactionStore // guarded by mu; see rest_reactions.go

	life     sync.Mutex // guards the fields below
	started  bool
	closing  bool
	ln       net.Listener
	httpSrv  *http.Server
	baseURL  string
	ctx      context.Context
	cancel   context.CancelFunc
	stopCtx  func() bool
	wg       sync.WaitGroup
	closeOne sync.Once
}

// New builds a simulator; Start makes it listen.
func New(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:    opts,
		log:     opts.Logger.With("component", "discordsim"),
		w:       newWorld(),
		changed: make(chan struct{}),
		rec:     newRecorder(opts.MaxRecordedRequests),
		rl:      newRateLimiter(opts.RateLimit),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	appID := opts.AppID
	if appID == 0 {
		appID = s.newID()
	}
	s.app = Application{
		ID:          appID,
		Name:        opts.AppName,
		Description: "Simulated by discordsim",
		BotUserID:   appID,
		BotName:     opts.BotName,
		Token:       opts.Token,
		PublicKey:   opts.PublicKey,
	}
	s.bot = User{ID: appID, Username: opts.BotName, GlobalName: opts.BotName, Bot: true}
	s.w.users[s.bot.ID] = &s.bot
	s.routes = s.restRoutes()
	s.spec.spec = opts.Spec
	return s
}

func (s *Server) newID() Snowflake { return s.ids.next(time.Now()) }

// Application describes the simulated application and its bot user.
func (s *Server) Application() Application { return s.app }

// BotUser is the bot's user.
func (s *Server) BotUser() User { return s.bot }

// Token is the accepted bot token.
func (s *Server) Token() string { return s.opts.Token }

// Start listens on Options.Addr and serves until Close or until ctx is done.
func (s *Server) Start(ctx context.Context) error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.started {
		return errors.New("discordsim: already started")
	}
	if s.closing {
		return ErrClosed
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("discordsim: listen %s: %w", s.opts.Addr, err)
	}
	s.started = true
	s.ln = ln
	s.baseURL = "http://" + ln.Addr().String()
	s.httpSrv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	go func() {
		defer s.wg.Done()
		s.janitor()
	}()
	s.stopCtx = context.AfterFunc(ctx, s.Close)
	s.log.Info("discordsim listening", "url", s.baseURL)
	return nil
}

// Close stops the listener, drops every gateway connection and waits for all goroutines.
// It is safe to call more than once and before Start.
func (s *Server) Close() {
	s.closeOne.Do(func() {
		s.life.Lock()
		s.closing = true
		srv, stop := s.httpSrv, s.stopCtx
		s.life.Unlock()
		if stop != nil {
			stop()
		}
		if srv != nil {
			// Let REST calls in flight finish (a bot's reply racing the end of a test should
			// not see EOF), but do not wait long for slow clients.
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			if err := srv.Shutdown(ctx); err != nil {
				_ = srv.Close()
			}
			cancel()
		}
		s.cancel()
		s.mu.Lock()
		conns := make([]*gwConn, 0, len(s.w.conns))
		for c := range s.w.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, c := range conns {
			// The process is going away: drop connections without a close handshake so Close
			// never waits on a client that has stopped reading.
			_ = c.ws.CloseNow()
		}
		s.wg.Wait()
	})
}

// track registers a goroutine with Close; it reports false once Close has begun, in which case
// the caller must not start the goroutine.
func (s *Server) track() bool {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	return true
}

// URL is the base URL, http://127.0.0.1:PORT; empty before Start.
func (s *Server) URL() string {
	s.life.Lock()
	defer s.life.Unlock()
	return s.baseURL
}

// APIURL is the REST base, URL()+"/api/v10".
func (s *Server) APIURL() string { return s.URL() + "/api/v10" }

// GatewayURL is the websocket URL that GET /gateway returns.
func (s *Server) GatewayURL() string {
	return "ws" + strings.TrimPrefix(s.URL(), "http") + "/gateway"
}

// ServeHTTP routes the single port: REST under /api, control under /_sim, the gateway at
// /gateway and at / (discord.py dials the bare host).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every handler is tracked so that Close returns only when none is running.
	if !s.track() {
		http.Error(w, "discordsim is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/api/"):
		s.serveREST(w, r)
	case p == "/_sim" || strings.HasPrefix(p, "/_sim/"):
		s.serveControl(w, r)
	case p == "/gateway" || p == "/gateway/" || (p == "/" && isWebsocketUpgrade(r)):
		s.serveGateway(w, r)
	case p == "/" && !strings.Contains(r.Header.Get("Accept"), "text/html"):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "discordsim: a simulated Discord.\n"+
			"REST: "+s.APIURL()+"\nGateway: "+s.GatewayURL()+"\nControl: POST /_sim/commands, GET /_sim/state\n")
	case p == "/" || strings.HasPrefix(p, playground.Prefix): // browsers get the playground page
		playground.Handler().ServeHTTP(w, r)
	default:
		writeJSON(w, http.StatusNotFound, errNotFound.body())
	}
}

func isWebsocketUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// janitor expires sessions, interactions, exchanges, nonces and rate-limit buckets.
func (s *Server) janitor() {
	every := min(time.Second, s.opts.ResumeWindow/4, s.opts.InteractionDeadline)
	every = max(every, 10*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case now := <-t.C:
			s.mu.Lock()
			s.expireLocked(now)
			s.mu.Unlock()
			s.rl.prune(now)
		}
	}
}
