package gateway

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/tidwall/gjson"
	"google.golang.org/protobuf/proto"

	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/discord"
	dgw "github.com/novera-bot/novera/libs/gateway"
)

// Discord gives an interaction three seconds for its first response, counted from when it
// created the interaction. Workers defer their own slow commands, but a worker can only
// answer what the bus hands it: while NATS is away (or the gateway's publish is stuck
// behind a reconnect), an interaction can sit unpublished, or published but unfetched,
// past its deadline. The gateway is the one part that still holds it then, so it holds
// the interaction open itself with a deferred response; the worker's answer later finds
// Discord's 40060 and becomes an edit of that response (discord.Client.Answer).
//
// Only interactions at risk are deferred this way: those no worker has started on yet
// (workers announce the start on bus.SubjectStarted) by guardAfter, which covers a command
// not yet on the stream, one lost to a NATS restart, and one waiting behind a backlog; and
// those started but still without a first response by guardStarted (workers announce it on
// bus.SubjectAcknowledged), whose worker cannot reach Discord (the REST proxy failing
// over, say). On a healthy bus with workers keeping up the gateway sends nothing, and a
// worker's ephemeral answers stay ephemeral.

const (
	// guardAfter is the age past which an interaction at risk is deferred by the gateway.
	guardAfter = 1500 * time.Millisecond
	// guardStarted is the age past which an interaction a worker started but has not
	// acknowledged is deferred by the gateway: the worker's own thinking frame (at 0.5 s)
	// would have acknowledged it long before.
	guardStarted = 2300 * time.Millisecond
	// guardUntil is the age past which the gateway stops watching (too late to help).
	guardUntil = 2900 * time.Millisecond
	// guardTick is how often the watch runs.
	guardTick = 100 * time.Millisecond
)

// discordEpoch is the first millisecond of 2015, the origin of snowflake timestamps.
const discordEpoch = 1420070400000

// snowflakeTime is when Discord made the object with this id, or zero for a bad id.
func snowflakeTime(id string) time.Time {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + discordEpoch)
}

type guardedInteraction struct {
	id, token string
	created   time.Time
	published bool
	// started is set when a worker announced it has the command.
	started bool
	// epoch is the NATS reconnect count when the interaction arrived: a reconnect since
	// may have lost what was published or fetched before it.
	epoch uint64
}

// deadlineGuard watches the interactions in flight between Discord and the bus.
type deadlineGuard struct {
	discord *discord.Client
	log     *slog.Logger
	// connected and reconnects describe the bus connection.
	connected  func() bool
	reconnects func() uint64

	mu      sync.Mutex
	pending map[string]*guardedInteraction
	// ctx is run's, set while it runs: arrive defers late interactions at once under it.
	ctx context.Context
	wg  sync.WaitGroup

	// The bus connection as last probed (probe). The NATS client's own accessors take
	// its connection lock, which a reconnect holds for seconds: exactly when the guard
	// must not stall, and the reader goroutine (arrive) must never wait on it.
	probedOK atomic.Bool
	probedAt atomic.Int64 // unix nanos of the last completed probe
	epoch    atomic.Uint64
}

// probeStale is how old the last completed probe may be before the connection counts as
// in trouble (a probe stuck behind a reconnect is news in itself).
const probeStale = 300 * time.Millisecond

// probe records the bus connection's state every guardTick/2 until ctx ends.
func (g *deadlineGuard) probe(ctx context.Context) {
	t := time.NewTicker(guardTick / 2)
	defer t.Stop()
	for {
		ok, ep := g.connected(), g.reconnects()
		g.probedOK.Store(ok)
		g.epoch.Store(ep)
		g.probedAt.Store(time.Now().UnixNano())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// healthy reports whether the bus connection was up at a recent probe.
func (g *deadlineGuard) healthy(now time.Time) bool {
	return g.probedOK.Load() && now.Sub(time.Unix(0, g.probedAt.Load())) < probeStale
}

func newDeadlineGuard(dc *discord.Client, log *slog.Logger, connected func() bool, reconnects func() uint64) *deadlineGuard {
	return &deadlineGuard{discord: dc, log: log, connected: connected, reconnects: reconnects, pending: map[string]*guardedInteraction{}}
}

// arrive starts watching an application command's interaction as soon as it is read,
// before it waits its turn to be published. A second arrival of the same id changes nothing.
func (g *deadlineGuard) arrive(id, token string, created time.Time) {
	if g == nil || id == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending[id] != nil {
		return
	}
	p := &guardedInteraction{id: id, token: token, created: created, epoch: g.epoch.Load()}
	if age := time.Since(created); age >= guardAfter && age < guardUntil && g.ctx != nil {
		// Already late when read (a replay after a resume): no time to wait for a tick.
		g.wg.Go(func() { g.deferInteraction(g.ctx, p) })
		return
	}
	g.pending[id] = p
}

// watch makes sure a normalised command's interaction is watched if it is a slash
// command, and forgotten otherwise.
func (g *deadlineGuard) watch(cmd *busv1.Command) {
	if g == nil || cmd.InteractionId == "" {
		return
	}
	if cmd.Source != busv1.Source_SOURCE_SLASH {
		// Component clicks answer by updating their message, which a deferral made here
		// could not know how to do; they are left to their worker.
		g.forget(cmd.InteractionId)
		return
	}
	g.arrive(cmd.InteractionId, cmd.InteractionToken, cmd.ReceivedAt.AsTime())
}

// forget stops watching an interaction nobody will answer through the bus.
func (g *deadlineGuard) forget(id string) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.pending, id)
}

// published records that the command is on the stream.
func (g *deadlineGuard) published(id string) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.pending[id]; p != nil {
		p.published = true
	}
}

// started records that a worker has the command: the interaction is its to answer.
func (g *deadlineGuard) started(id string) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if p := g.pending[id]; p != nil {
		p.started = true
	}
}

// acknowledged records that Discord has the interaction's first response: it can no longer
// expire, so the guard forgets it.
func (g *deadlineGuard) acknowledged(id string) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.pending, id)
}

// run checks the watched interactions every guardTick until ctx ends, then waits for the
// deferrals it started.
func (g *deadlineGuard) run(ctx context.Context) {
	g.mu.Lock()
	g.ctx = ctx
	g.mu.Unlock()
	probeCtx, stopProbe := context.WithCancel(ctx)
	defer stopProbe()
	go g.probe(probeCtx)
	t := time.NewTicker(guardTick)
	defer t.Stop()
	defer g.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			// No more deferrals from arrive: the wait below must not race a new one.
			g.mu.Lock()
			g.ctx = nil
			g.mu.Unlock()
			// The process is going away (or its shards were lost): whatever it read but
			// did not get onto the stream now depends on a successor's resume, which
			// rarely comes within 3 seconds. Hold those interactions open on the way out.
			for _, p := range g.unpublished() {
				g.wg.Go(func() { g.deferInteraction(ctx, p) })
			}
			return
		case now := <-t.C:
			for _, p := range g.due(now) {
				g.wg.Go(func() { g.deferInteraction(ctx, p) })
			}
		}
	}
}

// due removes and returns the interactions to defer now; it forgets those past help or
// safely handed to the bus.
func (g *deadlineGuard) due(now time.Time) []*guardedInteraction {
	connected, epoch := g.healthy(now), g.epoch.Load()
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*guardedInteraction
	for id, p := range g.pending {
		age := now.Sub(p.created)
		// Not started: unpublished, lost with a NATS restart, or queued behind others.
		// Started but the bus connection since in doubt: the worker may not have it any
		// more (its ack lost, the message redelivered late).
		atRisk := !p.started || !p.published || !connected || epoch != p.epoch
		switch {
		case age >= guardUntil:
			delete(g.pending, id)
		case atRisk && age >= guardAfter, age >= guardStarted:
			// Past guardStarted even a started interaction is at risk: it would have been
			// forgotten when its worker acknowledged it.
			delete(g.pending, id)
			out = append(out, p)
		}
	}
	return out
}

// unpublished removes and returns the watched interactions not yet on the stream and
// still young enough to be held open.
func (g *deadlineGuard) unpublished() []*guardedInteraction {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []*guardedInteraction
	for id, p := range g.pending {
		if !p.published && time.Since(p.created) < guardUntil {
			out = append(out, p)
		}
		delete(g.pending, id)
	}
	return out
}

func (g *deadlineGuard) deferInteraction(ctx context.Context, p *guardedInteraction) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	err := g.discord.Session().InteractionRespond(&discordgo.Interaction{ID: p.id, Token: p.token},
		&discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}, discordgo.WithContext(dctx))
	if code, _ := discord.Code(err); err != nil && code != discord.CodeAlreadyAcknowledged {
		g.log.WarnContext(ctx, "interaction at risk could not be deferred", "interaction_id", p.id, "err", err)
		return
	}
	if err == nil {
		g.log.InfoContext(ctx, "interaction deferred by the gateway: the bus is late", "interaction_id", p.id,
			"age_ms", time.Since(p.created).Milliseconds())
	}
}

// peek is the shards' Peek: it starts the deadline watch of application commands as they
// are read, however long the events before them take to publish.
func (s *Service) peek(d dgw.Dispatch) {
	if d.Type != "INTERACTION_CREATE" {
		return
	}
	// Three top-level fields of an event the normaliser decodes in full right after: read
	// them without a decode of their own (it was a fifth of the gateway's JSON work).
	f := gjson.GetManyBytes(d.Data, "id", "token", "type")
	id, token := f[0].String(), f[1].String()
	if f[2].Int() != interactionCommand || id == "" || token == "" {
		return
	}
	created := snowflakeTime(id)
	if created.IsZero() || created.After(d.ReceivedAt) {
		created = d.ReceivedAt
	}
	s.guard.arrive(id, token, created)
}

// adoptRetry is how long adopt waits before asking the stream again after a failure.
const adoptRetry = 100 * time.Millisecond

// adopt takes over the watch of the slash commands a shard's previous holder read and
// published but no worker has finished: the guard that watched them died with that
// process (a kill leaves no time to hand anything over), and the resume replays only what
// was not yet on the stream. They are the commands of the shard still in the COMMANDS
// work queue (a worker's ack removes a command) from the last guardUntil before
// takeover; younger ones this process reads itself. It tries until it has read them or
// nothing from before takeover can be helped any more.
//
// The previous holder's guard knew which of them a worker had started; this one does not,
// so an adopted interaction a worker has already acknowledged but not yet acked on the
// stream may be deferred needlessly, which Discord refuses (40060) and changes nothing.
func (s *Service) adopt(ctx context.Context, shard int, takeover time.Time) {
	since := takeover.Add(-guardUntil)
	// Past this nothing read can be helped; a request stuck behind a NATS reconnect must
	// not outlive it either.
	ctx, cancel := context.WithDeadline(ctx, takeover.Add(guardUntil))
	defer cancel()
	for {
		n := 0
		err := s.o.Bus.Stored(ctx, bus.StreamCommands, bus.SubjectsCommands, since, func(m bus.Msg) error {
			var cmd busv1.Command
			if err := proto.Unmarshal(m.Data, &cmd); err != nil {
				return nil // the worker dead-letters it; nothing to answer
			}
			if id, token, created, ok := adoptable(&cmd, shard, takeover); ok {
				s.guard.arrive(id, token, created)
				s.guard.published(id)
				n++
			}
			return nil
		})
		if err == nil {
			if n > 0 {
				s.o.Logger.InfoContext(ctx, "watching interactions a previous holder of the shard published", "shard", shard, "interactions", n)
			}
			return
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) { // not a shutdown
				s.o.Logger.Warn("interactions a previous holder of the shard published could not be read in time; not watched",
					"shard", shard, "err", err)
			}
			return
		case <-time.After(adoptRetry):
		}
	}
}

// adoptable reports whether cmd is an interaction of shard that its guard watches (a
// slash command) made before takeover, with what arrive needs.
func adoptable(cmd *busv1.Command, shard int, takeover time.Time) (id, token string, created time.Time, ok bool) {
	if cmd.Source != busv1.Source_SOURCE_SLASH || cmd.InteractionId == "" || cmd.InteractionToken == "" || int(cmd.Shard) != shard {
		return "", "", time.Time{}, false
	}
	created = snowflakeTime(cmd.InteractionId)
	if created.IsZero() {
		created = cmd.ReceivedAt.AsTime()
	}
	if created.After(takeover) {
		return "", "", time.Time{}, false // this process read it: its own Peek watches it
	}
	return cmd.InteractionId, cmd.InteractionToken, created, true
}

// interactionID reads an interaction's id, or "".
func interactionID(raw []byte) string {
	// Read as peek reads it, so a malformed event peek watched is forgotten again.
	return gjson.GetBytes(raw, "id").String()
}
