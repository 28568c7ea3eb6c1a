// Package gateway is Novera's gateway service: it holds the Discord gateway connections,
// publishes every dispatch to the bus, and turns slash commands, component clicks, modal
// submits and prefix messages into Commands routed to the worker that owns them. It never
// runs command logic.
package gateway

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nats-io/nats.go"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	dgw "github.com/novera-bot/novera/libs/gateway"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// Intents Novera needs: guilds, members (welcome/leave), guild messages and reactions
// (prefix commands, activity, the profanity filter), DMs, and message content (prefix
// commands cannot be read without it).
const DefaultIntents = 1<<0 | 1<<1 | 1<<9 | 1<<10 | 1<<12 | 1<<15

// Options configures the service.
type Options struct {
	Token    string
	Bus      *bus.Bus
	Discord  *discord.Client
	Registry *commands.Registry
	// ShardIDs this process runs; empty means all of [0, ShardCount).
	ShardIDs []int
	// ShardCount 0 takes Discord's recommendation from GET /gateway/bot.
	ShardCount int
	Intents    int
	Compress   dgw.CompressMode
	Presence   string
	Logger     *slog.Logger
	Tracer     trace.TracerProvider
	Health     *admin.Health
	Metrics    prometheus.Registerer
	// InteractionsKey is the application's Ed25519 public key; with it,
	// InteractionsHandler serves Discord's HTTP interactions endpoint.
	InteractionsKey ed25519.PublicKey
	// SessionSaveInterval is how often shard sessions are saved for the next process
	// (default 250 ms: a process killed outright costs at most that much replay, which the
	// stream's deduplication absorbs).
	SessionSaveInterval time.Duration
	// Replicas and Ordinal place this process in a StatefulSet: without ShardIDs it
	// serves the range [Ordinal*count/Replicas, (Ordinal+1)*count/Replicas). Zero Replicas
	// means all shards.
	Replicas, Ordinal int
	// Holder names this process in shard leases (lease.go): the pod name in a
	// StatefulSet, so a restarted pod takes its shards back at once. Default host-pid.
	Holder string
	// LeaseTTL is how long a shard lease lasts unrenewed (default DefaultLeaseTTL).
	LeaseTTL time.Duration
}

// Service runs the shards of one gateway process.
type Service struct {
	o      Options
	norm   *normalizer
	tracer trace.Tracer

	mu     sync.Mutex
	shards map[int]*dgw.Shard
	// assigned are the shards this process serves when it holds their leases; standby
	// names the holder of those it is waiting for.
	assigned []int
	standby  map[int]string
	appID    string
	prefixes *guildconfig.Prefixes

	events   *prometheus.CounterVec
	commands *prometheus.CounterVec
	// guard defers interactions the bus is too slow to deliver (deadline.go).
	guard *deadlineGuard
}

// New validates the options.
func New(o Options) (*Service, error) {
	if o.Token == "" || o.Bus == nil || o.Discord == nil || o.Registry == nil || o.Health == nil {
		return nil, errors.New("gateway: Token, Bus, Discord, Registry and Health are required")
	}
	if o.Intents == 0 {
		o.Intents = DefaultIntents
	}
	if o.SessionSaveInterval <= 0 {
		o.SessionSaveInterval = 250 * time.Millisecond
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.LeaseTTL < 3*leaseMargin {
		return nil, fmt.Errorf("gateway: LeaseTTL %v is too short (at least %v)", o.LeaseTTL, 3*leaseMargin)
	}
	if o.Holder == "" {
		host, _ := os.Hostname()
		o.Holder = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if o.Replicas < 0 || o.Ordinal < 0 || (o.Replicas > 0 && o.Ordinal >= o.Replicas) {
		return nil, fmt.Errorf("gateway: ordinal %d does not fit %d replicas", o.Ordinal, o.Replicas)
	}
	if o.Presence == "" {
		o.Presence = "commands | !help"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Tracer == nil {
		o.Tracer = trace.NewNoopTracerProvider()
	}
	s := &Service{
		o:       o,
		norm:    &normalizer{reg: o.Registry, guilds: newGuildCache()},
		tracer:  o.Tracer.Tracer("github.com/novera-bot/novera/services/gateway"),
		shards:  map[int]*dgw.Shard{},
		standby: map[int]string{},
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "novera_gateway_events_total", Help: "Dispatches received, by type and shard.",
		}, []string{"type", "shard"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "novera_gateway_commands_total", Help: "Commands published, by source and command.",
		}, []string{"source", "command"}),
	}
	s.guard = newDeadlineGuard(o.Discord, o.Logger, o.Bus.Connected, func() uint64 { return o.Bus.Conn().Stats().Reconnects })
	// Not ready until Run has connected every shard.
	o.Health.Ready("discord", func(context.Context) error { return errors.New("not connected yet") })
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{s.events, s.commands, newShardCollector(s)} {
			if err := o.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("gateway: metrics: %w", err)
			}
		}
	}
	return s, nil
}

// Run registers the slash commands, connects every shard and runs until ctx is done.
// A shard that Discord refuses for good (bad token, bad intents) stops and reports why on
// /readyz; it is never retried in a loop.
func (s *Service) Run(ctx context.Context) error {
	app, err := s.o.Discord.Session().Application("@me")
	if err != nil {
		if discord.Unauthorized(err) {
			err = errors.New("Discord refused the bot token (401): check DISCORD_TOKEN")
		}
		s.o.Health.Ready("discord", func(context.Context) error { return err })
		s.o.Logger.Error("gateway cannot start", "err", err)
		<-ctx.Done()
		return fmt.Errorf("gateway: %w", err)
	}
	s.appID = app.ID
	// Prefixes must be known before the first message is read. This and the two buckets
	// below wait for NATS: a gateway restarted just before NATS went down exited here
	// and left its shards unserved (found by the chaos run).
	js := s.o.Bus.JetStream()
	err = bus.WhenAvailable(ctx, s.o.Logger, "prefix watch", func(ctx context.Context) (err error) {
		s.prefixes, err = guildconfig.WatchPrefixes(ctx, js)
		return err
	})
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if err := s.o.Discord.OverwriteCommands(ctx, app.ID, "", s.o.Registry.ApplicationCommands()); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	gb, err := s.o.Discord.GatewayBot(ctx)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	count := s.o.ShardCount
	if count == 0 {
		count = max(gb.Shards, 1)
	}
	ids, err := assignShards(s.o.ShardIDs, count, s.o.Replicas, s.o.Ordinal)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	var sessions *sessionStore
	err = bus.WhenAvailable(ctx, s.o.Logger, "session bucket", func(ctx context.Context) (err error) {
		sessions, err = openSessions(ctx, js)
		return err
	})
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	var leases *leaseStore
	err = bus.WhenAvailable(ctx, s.o.Logger, "lease bucket", func(ctx context.Context) (err error) {
		leases, err = openLeases(ctx, js, s.o.Holder, s.o.LeaseTTL)
		return err
	})
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	run := &shardRun{s: s, url: gb.URL, count: count, sessions: sessions, leases: leases,
		limiter: &identifyLimiter{store: leases, maxConcurrency: max(gb.SessionStartLimit.MaxConcurrency, 1),
			startsLeft: newSessionStarts(s.o.Discord, gb, s.o.Logger).wait}}
	s.mu.Lock()
	s.assigned = ids
	s.mu.Unlock()
	s.o.Health.Ready("discord", s.ready)
	// Workers announce the commands they start; the guard stops watching those.
	startedSub, err := s.o.Bus.Conn().Subscribe(bus.SubjectStarted, func(m *nats.Msg) { s.guard.started(string(m.Data)) })
	if err != nil {
		return fmt.Errorf("gateway: subscribe to %s: %w", bus.SubjectStarted, err)
	}
	defer func() { _ = startedSub.Unsubscribe() }()
	ackSub, err := s.o.Bus.Conn().Subscribe(bus.SubjectAcknowledged, func(m *nats.Msg) { s.guard.acknowledged(string(m.Data)) })
	if err != nil {
		return fmt.Errorf("gateway: subscribe to %s: %w", bus.SubjectAcknowledged, err)
	}
	defer func() { _ = ackSub.Unsubscribe() }()
	guardCtx, stopGuard := context.WithCancel(context.WithoutCancel(ctx))
	guardDone := make(chan struct{})
	go func() {
		defer close(guardDone)
		s.guard.run(guardCtx)
	}()
	defer func() {
		stopGuard()
		<-guardDone
	}()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() { run.shard(ctx, id) })
	}
	s.o.Logger.Info("gateway started", "shards", ids, "shard_count", count, "application_id", app.ID, "holder", s.o.Holder)
	wg.Wait()
	return nil
}

func (s *Service) shardsSnapshot() map[int]*dgw.Shard {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]*dgw.Shard, len(s.shards))
	for k, v := range s.shards {
		out[k] = v
	}
	return out
}

// ready is the readiness check: every shard this process is assigned is connected and
// READY (a shard whose lease another process holds is not served here).
func (s *Service) ready(context.Context) error {
	var errs []error
	shards := s.shardsSnapshot()
	s.mu.Lock()
	assigned, standby := slices.Clone(s.assigned), maps.Clone(s.standby)
	s.mu.Unlock()
	for _, id := range assigned {
		sh, ok := shards[id]
		if holder := standby[id]; holder != "" {
			errs = append(errs, fmt.Errorf("shard %d: standby, its lease is held by %q", id, holder))
			continue
		}
		if !ok {
			errs = append(errs, fmt.Errorf("shard %d: waiting for its lease", id))
			continue
		}
		st := sh.Status()
		if st.State != dgw.StateReady {
			reason := st.Reason
			if reason == "" {
				reason = string(st.State)
			}
			errs = append(errs, fmt.Errorf("shard %d: %s", id, reason))
		}
	}
	return errors.Join(errs...)
}

// The front doors an event can come through (the "via" of receive).
const (
	viaGateway = "gateway"
	viaHTTP    = "http"
)

// dispatch handles one dispatch from a shard, returning once the stream has it.
func (s *Service) dispatch(ctx context.Context, d dgw.Dispatch) error {
	return s.receive(ctx, d, viaGateway, nil)
}

// receive is the one path of every event, whichever front door it came through: it
// starts the event's trace, publishes the event and, if it is a command, the normalised
// command. Sharing it is what makes an interaction arriving both by websocket and by
// HTTP the same bus messages (same ids), so the stream keeps one of each.
//
// With a pipe (a shard's dispatches) receive returns once the messages are sent, and the
// pipe waits for their acks; without one (the HTTP door, which answers Discord only after)
// it returns once the stream has them.
func (s *Service) receive(ctx context.Context, d dgw.Dispatch, via string, pipe *shardPipe) error {
	shard := strconv.Itoa(d.ShardID)
	if via == viaHTTP {
		shard = viaHTTP // read from no shard: keep it out of the per-shard counts
	}
	ctx, span := s.tracer.Start(ctx, "receive "+d.Type, trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(
		attribute.String("discord.event", d.Type), attribute.Int("discord.shard", d.ShardID), attribute.Int64("discord.seq", d.Seq),
		attribute.String("novera.via", via)))
	defer span.End()
	s.events.WithLabelValues(d.Type, shard).Inc()
	out, err := s.handle(ctx, d, span)
	if err == nil {
		if pipe != nil {
			err = pipe.send(ctx, d, out)
		} else {
			err = s.deliver(ctx, out)
		}
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		s.o.Logger.ErrorContext(ctx, "dispatch not published", "type", d.Type, "shard", d.ShardID, "seq", d.Seq, "err", err)
		return err
	}
	return nil
}

// outMsg is one message for the bus; outgoing is what one dispatch becomes: its event
// and, for a command, the normalised command.
type outMsg struct {
	subject, id string
	payload     []byte
}

type outgoing struct {
	msgs []outMsg
	cmd  *busv1.Command
}

// handle turns a dispatch into its bus messages.
func (s *Service) handle(ctx context.Context, d dgw.Dispatch, span trace.Span) (*outgoing, error) {
	// The event's identity for deduplication: the same event delivered twice (a resume
	// replay, or an interaction through both the websocket and HTTP) gets the same id.
	// Interactions and messages carry their own id, set below from the decode each needs
	// anyway; everything else is identified by its place in the session.
	ev := &busv1.Event{Id: strconv.Itoa(d.ShardID) + ":" + d.SessionID + ":" + strconv.FormatInt(d.Seq, 10),
		Shard: int32(d.ShardID), Type: d.Type, ReceivedAt: timestamppb.New(d.ReceivedAt),
		Raw: d.Data, SessionId: d.SessionID, Seq: d.Seq}
	var cmd *busv1.Command
	var subject string
	evSubject := bus.EventSubject(d.Type)
	switch d.Type {
	case "GUILD_CREATE", "GUILD_UPDATE":
		var g wireGuild
		if err := json.Unmarshal(d.Data, &g); err == nil {
			s.norm.guilds.put(&g)
			ev.GuildId = g.ID
		}
	case "GUILD_DELETE":
		var g wireGuild
		if err := json.Unmarshal(d.Data, &g); err == nil && !g.Unavailable {
			s.norm.guilds.remove(g.ID)
		}
	case "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE":
		var r wireRoleEvent
		if err := json.Unmarshal(d.Data, &r); err == nil {
			if d.Type == "GUILD_ROLE_DELETE" {
				s.norm.guilds.removeRole(r.GuildID, r.RoleID)
			} else {
				s.norm.guilds.putRole(r.GuildID, r.Role)
			}
			ev.GuildId = r.GuildID
		}
	case "INTERACTION_CREATE":
		c, subj, ok, err := s.norm.fromInteraction(d.Data, d.ShardID, d.ReceivedAt)
		if err != nil || !ok {
			s.guard.forget(interactionID(d.Data))
		}
		if err != nil {
			// A malformed interaction cannot be answered (no token); drop it with a log.
			s.o.Logger.WarnContext(ctx, "malformed interaction dropped", "err", err)
		} else if ok {
			cmd, subject = c, subj
			ev.Id, ev.GuildId = c.Id, c.GuildId
			// The interaction's 3 seconds started when Discord created it, which its id
			// records; after a resume replay that is well before we read it.
			if created := snowflakeTime(c.InteractionId); !created.IsZero() && created.Before(d.ReceivedAt) {
				c.ReceivedAt = timestamppb.New(created)
			}
			s.guard.watch(c)
		}
	case "MESSAGE_UPDATE":
		// Identified by its place in the session (a message is edited many times), but
		// routed like a new message: a bot's edits go where no consumer is sent them.
		h, ok := peekMessage(d.Data)
		if !ok {
			ev.GuildId = topLevelGuild(d.Data)
			break
		}
		ev.GuildId, ev.AuthorId, ev.AuthorBot = h.GuildID, h.AuthorID, h.AuthorBot
		if h.AuthorBot || h.Webhook {
			evSubject = bus.EventSubject(bus.BotMessageUpdate)
		}
	case "MESSAGE_CREATE":
		h, ok := peekMessage(d.Data)
		if !ok {
			s.o.Logger.WarnContext(ctx, "message without an id forwarded as it is")
			break
		}
		ev.Id, ev.GuildId, ev.AuthorId, ev.AuthorBot = h.ID, h.GuildID, h.AuthorID, h.AuthorBot
		if h.AuthorBot || h.Webhook {
			evSubject = bus.EventSubject(bus.BotMessageCreate)
		}
		prefix := s.prefixes.Prefix(h.GuildID)
		if !h.mayBeCommand(prefix) {
			break
		}
		var m wireMessage
		if err := json.Unmarshal(d.Data, &m); err != nil {
			s.o.Logger.WarnContext(ctx, "malformed command message dropped", "err", err)
			break
		}
		if c, subj, ok := s.norm.fromMessage(&m, prefix, d.ShardID, d.ReceivedAt); ok {
			cmd, subject = c, subj
		}
	default:
		ev.GuildId = topLevelGuild(d.Data)
	}
	payload, err := proto.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	out := &outgoing{msgs: []outMsg{{subject: evSubject, id: ev.Id, payload: payload}}}
	if cmd == nil {
		return out, nil
	}
	span.SetAttributes(attribute.String("novera.command", cmd.Name), attribute.String("discord.guild_id", cmd.GuildId))
	cmdPayload, err := proto.Marshal(cmd)
	if err != nil {
		return nil, fmt.Errorf("encode command: %w", err)
	}
	// The command goes first: it is what a member waits for.
	out.msgs = append([]outMsg{{subject: subject, id: cmd.Id, payload: cmdPayload}}, out.msgs...)
	out.cmd = cmd
	return out, nil
}

// topLevelGuild reads the guild_id nearly every dispatch has at its top level, or "".
func topLevelGuild(raw []byte) string {
	var g struct {
		GuildID string `json:"guild_id"`
	}
	if json.Unmarshal(raw, &g) != nil {
		return ""
	}
	return g.GuildID
}

// deliver publishes out's messages together (waiting for one ack before sending the next
// would add a round trip to every command's answer) and returns once the stream has all.
func (s *Service) deliver(ctx context.Context, out *outgoing) error {
	errs := make([]error, len(out.msgs))
	var wg sync.WaitGroup
	for i, m := range out.msgs {
		wg.Go(func() { errs[i] = s.publish(ctx, m.subject, m.id, m.payload) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("publish %s: %w", out.msgs[i].subject, err)
		}
	}
	s.stored(out)
	return nil
}

// stored notes that every message of out is in the stream.
func (s *Service) stored(out *outgoing) {
	if out.cmd == nil {
		return
	}
	s.guard.published(out.cmd.InteractionId)
	s.commands.WithLabelValues(out.cmd.Source.String(), out.cmd.Name).Inc()
}

// publishAttemptTimeout bounds one publish attempt (the ack of a healthy stream takes
// milliseconds).
const publishAttemptTimeout = time.Second

// publish retries until the stream has the message or ctx ends. An event is never
// dropped because NATS is briefly away: the shard waits (Discord keeps the rest for it),
// and the message id makes a retry of a publish whose ack was lost harmless.
func (s *Service) publish(ctx context.Context, subject, msgID string, payload []byte) error {
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		// A publish sent just before NATS went away waits for an ack that will never come;
		// bound each attempt so the retry goes out soon after the reconnect.
		actx, cancel := context.WithTimeout(ctx, publishAttemptTimeout)
		_, err := s.o.Bus.Publish(actx, subject, msgID, payload)
		cancel()
		if err == nil {
			return nil
		}
		if attempt == 1 || attempt%20 == 0 {
			s.o.Logger.WarnContext(ctx, "publish failed; retrying", "subject", subject, "attempt", attempt, "err", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(wait*2, 2*time.Second)
	}
}

// Guilds reports how many guilds the cache holds (for tests and metrics).
func (s *Service) Guilds() int { return s.norm.guilds.len() }
