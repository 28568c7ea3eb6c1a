package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/novera-bot/novera/libs/admin"
	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/store"
)

// Handler runs one command inside its transaction. It returns a *UserError (see Fail) to
// refuse with an answer and no changes, or another error for a failure worth retrying.
type Handler func(ctx context.Context, r *Request) error

// UserError is an answer to a user's mistake: the transaction rolls back and the message
// is sent instead of the handler's replies.
type UserError struct{ Msg Message }

func (e *UserError) Error() string { return "user error" }

// Fail builds a UserError whose reply is one line in an error embed.
func Fail(text string) error {
	return &UserError{Msg: Message{Embeds: []*discordgo.MessageEmbed{{Description: text, Color: persona.ColorRed}}, Ephemeral: true}}
}

// Options configures a Worker. Every field but Logger, Tracer and Metrics is required.
type Options struct {
	Service  string
	Bus      *bus.Bus
	Pool     *pgxpool.Pool
	Discord  *discord.Client
	Registry *commands.Registry
	Handlers map[string]Handler
	Logger   *slog.Logger
	Tracer   trace.TracerProvider
	Metrics  prometheus.Registerer
	// Concurrency bounds handlers in flight (default 32).
	Concurrency int
	// Events are the gateway events (by Discord type) this service answers on Discord,
	// handled like commands (see EventCommand).
	Events map[string]Handler
	// KeepEvent, if set, filters Events before any database work.
	KeepEvent func(*busv1.Event) bool
	// Companions start after and stop before the command consumer (event consumers).
	Companions []Companion
	// TimerInterval is how often due timers are looked for (default 1 s).
	TimerInterval time.Duration
	// DeferAfter is how long a command may take before the member is shown that the bot
	// is thinking (default 500 ms).
	DeferAfter time.Duration
	// Health, when set, gets a readiness check that fails once Discord refuses the bot's
	// token: nothing this worker sends can succeed until the token is fixed; and the
	// consumer's liveness watchdog (see stalled).
	Health *admin.Health
	// StallAfter is the watchdog's limit (default DefaultStallAfter).
	StallAfter time.Duration
	// KeepHandled is how long the records of handled events and fired timers are kept
	// (default DefaultKeepHandled, or twice the bus's Horizon if that is longer). It must
	// exceed the Horizon: a repeat that found its record gone would apply its effects again.
	KeepHandled time.Duration
	// PruneInterval is how often older records are deleted (default 1 h).
	PruneInterval time.Duration
}

// DefaultKeepHandled is how long handled records are kept unless configured otherwise: a
// week, well past the bus's default horizon of a day.
const DefaultKeepHandled = 7 * 24 * time.Hour

// Worker consumes one service's commands.
type Worker struct {
	o        Options
	tracer   trace.Tracer
	duration *prometheus.HistogramVec
	deferred prometheus.Counter
	answered prometheus.Histogram
	consumer *bus.Consumer
	// watched is consumer for the liveness watchdog, which probes call concurrently with Start.
	watched atomic.Pointer[bus.Consumer]
	// refused is set once Discord answered 401: the token is wrong.
	refused atomic.Bool
	done    *doneBatch
	// settings holds the guilds' settings this worker read, checked at each use.
	settings *guildconfig.Cache
}

// New checks that the handlers and the registry agree: every command the registry gives
// this service has a handler, and no handler serves a command the registry lacks.
func New(o Options) (*Worker, error) {
	if o.Service == "" || o.Bus == nil || o.Pool == nil || o.Discord == nil || o.Registry == nil {
		return nil, errors.New("worker: Service, Bus, Pool, Discord and Registry are required")
	}
	for _, c := range o.Registry.OfService(o.Service) {
		if o.Handlers[c.Name] == nil {
			return nil, fmt.Errorf("worker %s: command %q has no handler", o.Service, c.Name)
		}
	}
	for name := range o.Handlers {
		if c, ok := o.Registry.Lookup(name); (!ok || c.Service != o.Service) && "commands."+o.Service+"."+name != commands.UnknownSubject {
			return nil, fmt.Errorf("worker %s: handler %q serves no registered command of this service", o.Service, name)
		}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Tracer == nil {
		o.Tracer = trace.NewNoopTracerProvider()
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	if o.TimerInterval <= 0 {
		o.TimerInterval = time.Second
	}
	if o.DeferAfter <= 0 {
		o.DeferAfter = 500 * time.Millisecond
	}
	if o.StallAfter <= 0 {
		o.StallAfter = DefaultStallAfter
	}
	if o.KeepHandled <= 0 {
		o.KeepHandled = max(DefaultKeepHandled, 2*o.Bus.Horizon())
	}
	if h := o.Bus.Horizon(); o.KeepHandled <= h {
		return nil, fmt.Errorf("worker %s: KeepHandled %v must exceed the bus's redelivery horizon %v", o.Service, o.KeepHandled, h)
	}
	if o.PruneInterval <= 0 {
		o.PruneInterval = time.Hour
	}
	w := &Worker{o: o, tracer: o.Tracer.Tracer("github.com/novera-bot/novera/libs/worker"), done: &doneBatch{pool: o.Pool, schema: o.Service},
		settings: guildconfig.NewCache(0)}
	if o.Health != nil {
		o.Health.Ready(o.Service+".discord", func(context.Context) error {
			if w.refused.Load() {
				return errors.New("Discord refused the bot token (401): check DISCORD_TOKEN")
			}
			return nil
		})
		o.Health.Live(o.Service+".consumer", w.stalled)
	}
	// Every service can schedule timers, so every worker runs a scheduler, and every
	// service records what it handled, so every worker prunes those records.
	w.o.Companions = append(w.o.Companions, (&scheduler{w: w}).companion(o.TimerInterval), (&pruner{w: w}).companion())
	if len(o.Events) > 0 {
		w.o.Companions = append(w.o.Companions, &eventReplies{w: w})
	}
	w.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "novera_command_duration_seconds",
		Help:    "Time from a command's delivery to its last Discord call, by command and outcome.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"service", "command", "outcome"})
	w.deferred = prometheus.NewCounter(prometheus.CounterOpts{Name: "novera_command_deferred_total",
		Help:        "Commands that showed a thinking frame (deferred interaction or typing) before their answer.",
		ConstLabels: prometheus.Labels{"service": o.Service}})
	w.answered = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "novera_interaction_answer_seconds",
		Help:        "Time from Discord sending an interaction to its answer leaving, against the 3 s deadline.",
		ConstLabels: prometheus.Labels{"service": o.Service},
		Buckets:     []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 2.5, 3, 5, 10}})
	if o.Metrics != nil {
		for _, c := range []prometheus.Collector{w.deferred, w.answered, newLagCollector(w)} {
			if err := o.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("worker: metrics: %w", err)
			}
		}
		// Several workers share one registry in the all-in-one process; the metric is
		// labelled by service, so they share the collector too.
		if err := o.Metrics.Register(w.duration); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("worker: metrics: %w", err)
			}
			w.duration = are.ExistingCollector.(*prometheus.HistogramVec)
		}
	}
	return w, nil
}

// noteRefusal turns the worker not-ready, with one log line, the first time Discord
// refuses the token. Such calls are never retried (a 401 is not transient), so a bad
// token cannot become a storm of invalid requests.
func (w *Worker) noteRefusal(ctx context.Context, err error) {
	if discord.Unauthorized(err) && !w.refused.Swap(true) {
		w.o.Logger.ErrorContext(ctx, "Discord refused the bot token (401); answers cannot be sent until DISCORD_TOKEN is fixed")
	}
}

// announce tells the gateways about an interaction (bus.SubjectStarted,
// bus.SubjectAcknowledged). Best effort: a lost notice costs at most a needless deferral.
func (w *Worker) announce(ctx context.Context, subject, interactionID string) {
	if interactionID == "" {
		return
	}
	if err := w.o.Bus.Conn().Publish(subject, []byte(interactionID)); err != nil {
		w.o.Logger.DebugContext(ctx, "interaction notice not sent", "subject", subject, "interaction_id", interactionID, "err", err)
	}
}

// interactionTokenTTL is how long Discord accepts answers to an interaction.
const interactionTokenTTL = 15 * time.Minute

// expired reports an interaction too old to be answered at all.
func expired(cmd *busv1.Command) bool {
	return cmd.InteractionId != "" && cmd.ReceivedAt != nil && time.Since(cmd.ReceivedAt.AsTime()) > interactionTokenTTL
}

// handler finds what serves cmd: an event handler for events, else the command's.
func (w *Worker) handler(cmd *busv1.Command) Handler {
	if cmd.Source == busv1.Source_SOURCE_EVENT {
		return w.o.Events[cmd.EventType]
	}
	return w.o.Handlers[cmd.Name]
}

// schema is the service's PostgreSQL schema, where its handled_events (the outbox) live.
func (w *Worker) schema() string { return w.o.Service }

func setOwed(ctx context.Context, tx pgx.Tx, schema, eventID string, actions []Action) error {
	payload, err := owedPayload(actions)
	if err != nil {
		return err
	}
	return store.SetPayload(ctx, tx, schema, eventID, payload)
}

// owedPayload is the form the calls a command owes are stored in (its outbox payload).
func owedPayload(actions []Action) ([]byte, error) {
	payload, err := json.Marshal(actions)
	if err != nil {
		return nil, fmt.Errorf("encode owed actions: %w", err)
	}
	return payload, nil
}

// Start begins consuming commands.<service>.> with the durable consumer named after the
// service, so every replica shares the work and a restart resumes where it stopped.
func (w *Worker) Start(ctx context.Context) error {
	c, err := w.o.Bus.Consume(ctx, bus.ConsumerConfig{
		Stream:         bus.StreamCommands,
		Durable:        w.o.Service,
		FilterSubjects: []string{"commands." + w.o.Service + ".>"},
		Concurrency:    w.o.Concurrency,
		// A replica that dies mid-command leaves its messages unacknowledged; the bus's
		// default 30 s would hand them to a live replica long after Discord's 3 seconds.
		// Running handlers keep extending it (every AckWait/3), so only the dead wait.
		AckWait: commandAckWait,
	}, w.handleMsg)
	if err != nil {
		return fmt.Errorf("worker %s: consume: %w", w.o.Service, err)
	}
	w.consumer = c
	w.watched.Store(c)
	for _, comp := range w.o.Companions {
		if err := comp.Start(ctx); err != nil {
			return fmt.Errorf("worker %s: %w", w.o.Service, err)
		}
	}
	return nil
}

// Stop stops fetching and waits for commands in flight, within ctx.
func (w *Worker) Stop(ctx context.Context) error {
	var errs []error
	for _, comp := range w.o.Companions {
		errs = append(errs, comp.Stop(ctx))
	}
	if w.consumer != nil {
		errs = append(errs, w.consumer.Stop(ctx))
	}
	return errors.Join(errs...)
}

func (w *Worker) handleMsg(ctx context.Context, m bus.Msg) error {
	var cmd busv1.Command
	if err := proto.Unmarshal(m.Data, &cmd); err != nil {
		return bus.Permanent(fmt.Errorf("decode command: %w", err))
	}
	if w.handler(&cmd) == nil {
		return bus.Permanent(fmt.Errorf("no handler for command %q on %s", cmd.Name, m.Subject))
	}
	return w.handle(ctx, &cmd, m.Delivered <= 1)
}

// Handle runs one command with the exactly-once protocol. It is exported for tests and
// benchmarks that drive a worker without the bus.
func (w *Worker) Handle(ctx context.Context, cmd *busv1.Command) error {
	return w.handle(ctx, cmd, false)
}

// handle runs cmd. A first delivery skips the look for an earlier handling: there can
// hardly have been one, and if there was (a duplicate published outside the stream's
// deduplication window) the transaction's handled record still finds it, one step later.
func (w *Worker) handle(ctx context.Context, cmd *busv1.Command, firstDelivery bool) (err error) {
	start := time.Now()
	if cmd.InteractionId != "" && cmd.Source == busv1.Source_SOURCE_SLASH {
		// From here the 3 seconds are this worker's to keep (thinkLater); the gateway
		// holds open only the interactions nobody has picked up yet, or that their worker
		// could not acknowledge in time.
		w.announce(ctx, bus.SubjectStarted, cmd.InteractionId)
	}
	ctx, span := w.tracer.Start(ctx, "command "+cmd.Name, trace.WithAttributes(
		attribute.String("novera.command", cmd.Name),
		attribute.String("novera.service", w.o.Service),
		attribute.String("novera.event_id", cmd.Id),
		attribute.String("discord.guild_id", cmd.GuildId),
		attribute.Int("discord.shard", int(cmd.Shard)),
		attribute.String("novera.source", cmd.Source.String()),
	))
	outcome := "ok"
	defer func() {
		if err != nil {
			outcome = "error"
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
			w.o.Logger.ErrorContext(ctx, "command failed", "command", cmd.Name, "event_id", cmd.Id, "guild_id", cmd.GuildId, "err", err)
		} else {
			w.o.Logger.InfoContext(ctx, "command handled", "command", cmd.Name, "event_id", cmd.Id, "guild_id", cmd.GuildId,
				"outcome", outcome, "duration_ms", float64(time.Since(start).Microseconds())/1000)
		}
		span.SetAttributes(attribute.String("novera.outcome", outcome))
		span.End()
		w.duration.WithLabelValues(w.o.Service, cmd.Name, outcome).Observe(time.Since(start).Seconds())
	}()

	// The thinking frame is armed before the first database read: with PostgreSQL away
	// that read is what is slow, and the interaction's 3 seconds run all the same.
	think := w.thinkLater(ctx, cmd)
	defer think.stop()
	defer func() {
		if err != nil && !bus.IsPermanent(err) {
			// The bus will retry after a back-off that outlasts Discord's 3 seconds: hold
			// the interaction open now, or the retry's answer will find it expired.
			w.deferNow(ctx, cmd)
		}
	}()
	if !firstDelivery {
		owed, done, found, err := store.LoadHandled(ctx, w.o.Pool, w.schema(), cmd.Id)
		if err != nil {
			return fmt.Errorf("load handled state: %w", err)
		}
		if found {
			outcome = "redelivered"
			if done {
				return nil
			}
			return w.redeliver(ctx, cmd.Id, owed)
		}
	}
	actions, outcome, err := w.run(ctx, cmd)
	acked := think.stop()
	if errors.Is(err, errAlreadyHandled) {
		// Another delivery committed first; finish whatever it still owes.
		outcome = "redelivered"
		owed, done, _, err := store.LoadHandled(ctx, w.o.Pool, w.schema(), cmd.Id)
		if err != nil || done {
			return err
		}
		return w.redeliver(ctx, cmd.Id, owed)
	}
	if err != nil {
		return err
	}
	if err := w.deliverFrom(ctx, cmd.Id, actions, 0, acked); err != nil {
		return err
	}
	if cmd.InteractionId != "" && cmd.ReceivedAt != nil && outcome != "expired" {
		w.answered.Observe(time.Since(cmd.ReceivedAt.AsTime()).Seconds())
	}
	return nil
}

var errAlreadyHandled = errors.New("worker: already handled")

// run checks the command and executes its handler in a transaction that also records the
// event as handled together with the Discord calls it owes.
func (w *Worker) run(ctx context.Context, cmd *busv1.Command) ([]Action, string, error) {
	if expired(cmd) {
		// Nothing can reach the member any more (the interaction's token is dead), so the
		// command changes nothing: recorded as handled, so a redelivery stops here too.
		w.o.Logger.WarnContext(ctx, "interaction expired before it was handled; dropped", "command", cmd.Name, "event_id", cmd.Id)
		err := store.InTx(ctx, w.o.Pool, func(tx pgx.Tx) error {
			first, err := store.MarkHandled(ctx, tx, w.schema(), cmd.Id)
			if err != nil || !first {
				return err
			}
			return setOwed(ctx, tx, w.schema(), cmd.Id, nil)
		})
		return nil, "expired", err
	}
	actions, outcome, err := w.runOnSettings(ctx, cmd, false)
	if errors.Is(err, guildconfig.ErrChanged) {
		// The guild's settings changed since this worker read them: again, on the new
		// ones, read with the BEGIN this time.
		w.settings.Forget(cmd.GuildId)
		return w.runOnSettings(ctx, cmd, true)
	}
	return actions, outcome, err
}

// runOnSettings is run with the guild's settings from the cache, checked in the
// transaction (guildconfig.ErrChanged when they are stale), or, when
// they are not there or fresh is set, read with the BEGIN and kept.
func (w *Worker) runOnSettings(ctx context.Context, cmd *busv1.Command, fresh bool) ([]Action, string, error) {
	req := &Request{Cmd: cmd, Rand: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())), schema: w.schema()}
	outcome := "ok"
	var refusal *UserError
	// Settings from the cache cost no round trip: the check that they are current goes in
	// front of the transaction's first statement. Read ones go with the BEGIN, in its
	// round trip, since the checks that need them run before the handler's first statement.
	var cfg *guildconfig.Config
	var begin store.Begin
	if c, version, ok := w.settings.Lookup(cmd.GuildId); ok && !fresh {
		cfg = c
		begin.Checks = []store.Check{guildconfig.Unchanged(cmd.GuildId, version)}
	} else {
		begin.Reads = func(b *pgx.Batch) { w.settings.QueueLoad(b, cmd.GuildId, &cfg) }
	}
	err := store.InTxHandledTail(ctx, w.o.Pool, w.schema(), cmd.Id, begin, func(tx store.Tx, tail *store.Tail) ([]byte, error) {
		req.Config, req.Tx, req.tail = cfg, tx, tail
		req.actions, req.after = req.actions[:0], req.after[:0]
		msg, ok, err := w.precheck(ctx, req)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &UserError{Msg: msg}
		}
		h := w.handler(cmd)
		if h == nil {
			return nil, bus.Permanent(fmt.Errorf("no handler for %q", cmd.Name))
		}
		if err := h(ctx, req); err != nil {
			return nil, err
		}
		// The calls owed are recorded with the event, in the COMMIT's round trip.
		return owedPayload(req.actions)
	})
	req.Tx, req.tail = nil, nil
	if errors.Is(err, store.ErrAlreadyHandled) {
		return nil, "", errAlreadyHandled
	}
	if !errors.As(err, &refusal) && err != nil {
		return nil, "", err
	}
	if err == nil {
		for _, f := range req.after {
			if err := f(ctx); err != nil {
				w.o.Logger.WarnContext(ctx, "after-commit step failed", "command", cmd.Name, "event_id", cmd.Id, "err", err)
			}
		}
	}
	if refusal != nil {
		outcome = "refused"
		if cmd.InteractionId == "" {
			refusal.Msg.Ephemeral = false
		}
		actions := []Action{replyAction(cmd, refusal.Msg)}
		err = store.InTx(ctx, w.o.Pool, func(tx pgx.Tx) error {
			// A refusal may rest on settings from the cache that the rolled-back
			// transaction never got to check.
			for _, c := range begin.Checks {
				if err := c.Exec(ctx, tx); err != nil {
					return err
				}
			}
			first, err := store.MarkHandled(ctx, tx, w.schema(), cmd.Id)
			if err != nil {
				return err
			}
			if !first {
				return errAlreadyHandled
			}
			return setOwed(ctx, tx, w.schema(), cmd.Id, actions)
		})
		if err != nil {
			return nil, "", err
		}
		return actions, outcome, nil
	}
	return req.actions, outcome, nil
}

// deliver performs the owed actions in order and then marks the event done. A transient
// failure leaves it owed for the next delivery; a permanent refusal by Discord of an
// optional action, or of an interaction that has expired, is logged and dropped, since
// repeating it can never succeed.
func (w *Worker) redeliver(ctx context.Context, eventID string, owed []byte) error {
	var actions []Action
	if owed != nil {
		if err := json.Unmarshal(owed, &actions); err != nil {
			return bus.Permanent(fmt.Errorf("decode owed actions of %s: %w", eventID, err))
		}
	}
	from, err := store.Progress(ctx, w.o.Pool, w.schema(), eventID)
	if err != nil {
		return fmt.Errorf("read progress of %s: %w", eventID, err)
	}
	return w.deliverFrom(ctx, eventID, actions, from, false)
}

// deliverFrom performs actions[from:]. On a transient failure it records how far it got,
// so the retry resumes there (a nonce per action index keeps any repeat harmless). acked
// says the interaction is known to be acknowledged already, so its answer is an edit.
func (w *Worker) deliverFrom(ctx context.Context, eventID string, actions []Action, from int, acked bool) error {
	for i := from; i < len(actions); i++ {
		err := perform(ctx, w.o.Discord, &actions[i], nonceFor(eventID, i), acked)
		if err == nil {
			if actions[i].Kind == Respond {
				w.announce(ctx, bus.SubjectAcknowledged, actions[i].InteractionID)
			}
			continue
		}
		w.noteRefusal(ctx, err)
		if discord.Transient(err) {
			if i > from {
				if perr := store.SetProgress(ctx, w.o.Pool, w.schema(), eventID, i); perr != nil {
					w.o.Logger.WarnContext(ctx, "progress not recorded", "event_id", eventID, "err", perr)
				}
			}
			return fmt.Errorf("%w: %w", errOwed, err)
		}
		code, status := discord.Code(err)
		w.o.Logger.WarnContext(ctx, "Discord refused an action; dropping it", "event_id", eventID,
			"action", actions[i].Kind, "code", code, "status", status, "err", err)
	}
	if err := w.done.mark(ctx, eventID); err != nil {
		return fmt.Errorf("mark %s done: %w", eventID, err)
	}
	return nil
}
