// Package load drives a bot under test with a steady stream of users' inputs through a
// discordsim.Server and measures how it answers: for each command, the time from the
// simulator dispatching it to the bot's answer reaching the simulator's REST API, which
// is the response time Discord itself would see.
//
// A run is open loop at a fixed Rate (commands are sent on schedule whether or not the bot
// keeps up, so a slow bot shows as latency rather than as a slower generator), closed
// loop with Concurrency commands in flight (the bot's throughput), or one Burst fired at
// once. Plain chat messages are part of the mix: nobody answers them, but the bot still
// has to take them in (profanity filter, activity tracking) while it answers commands.
package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
)

// Kind is one sort of input in the mix.
type Kind string

// The kinds of input a run mixes.
const (
	SlashHeadpat    Kind = "/headpat"    // a database write and an embed
	SlashCheckvalue Kind = "/checkvalue" // a read
	SlashRankings   Kind = "/rankings"   // a sorted read over the guild
	PrefixHeadpat   Kind = "!headpat"    // the prefix path: a message in, a channel message out
	Chat            Kind = "chat"        // a plain message nobody answers
)

// Weight is a kind's share of the mix.
type Weight struct {
	Kind   Kind
	Weight int
}

// DefaultMix is the workload of `make bench`: mostly the headpat write, some reads, a
// little of the prefix path, and chat that only the message consumers see. Prefix
// answers are channel messages, which count against Discord's global limit of 50
// requests a second, so their share stays small.
func DefaultMix() []Weight {
	return []Weight{{SlashHeadpat, 60}, {SlashCheckvalue, 10}, {SlashRankings, 5}, {PrefixHeadpat, 5}, {Chat, 20}}
}

// HeadpatOnly is the mix every peer can answer: the same command the same way.
func HeadpatOnly() []Weight { return []Weight{{SlashHeadpat, 1}} }

// Target is a place where inputs happen: a guild's text channel and its ordinary members.
type Target struct {
	Guild   discordsim.Snowflake
	Channel discordsim.Snowflake
	Users   []discordsim.Snowflake
}

// Setup creates guilds (owned by the bot, so it may answer everywhere) with one text
// channel and usersPerGuild members each; users are shared between guilds, as people are.
func Setup(sim *discordsim.Server, guilds, usersPerGuild int) ([]Target, error) {
	if guilds < 1 || usersPerGuild < 2 {
		return nil, errors.New("load: need at least one guild and two users per guild")
	}
	users := make([]discordsim.Snowflake, usersPerGuild)
	for i := range users {
		u, err := sim.AddUser(discordsim.User{Username: fmt.Sprintf("loaduser%d", i)})
		if err != nil {
			return nil, fmt.Errorf("load: add user: %w", err)
		}
		users[i] = u.ID
	}
	targets := make([]Target, guilds)
	for i := range targets {
		g, err := sim.AddGuild(discordsim.Guild{Name: fmt.Sprintf("Load %d", i)})
		if err != nil {
			return nil, fmt.Errorf("load: add guild: %w", err)
		}
		c, err := sim.AddChannel(discordsim.Channel{GuildID: g.ID, Type: discordsim.ChannelGuildText, Name: "general"})
		if err != nil {
			return nil, fmt.Errorf("load: add channel: %w", err)
		}
		for _, u := range users {
			if _, err := sim.AddMember(discordsim.Member{GuildID: g.ID, User: discordsim.User{ID: u}}); err != nil {
				return nil, fmt.Errorf("load: add member: %w", err)
			}
		}
		targets[i] = Target{Guild: g.ID, Channel: c.ID, Users: users}
	}
	return targets, nil
}

// Options describes one run. Exactly one of Rate, Concurrency and Burst drives it.
type Options struct {
	Sim     *discordsim.Server
	Targets []Target
	// Mix is the inputs' shares; default DefaultMix.
	Mix []Weight
	// Rate sends inputs on a fixed schedule, this many per second (open loop).
	Rate float64
	// Concurrency keeps this many commands waiting for their answers (closed loop).
	Concurrency int
	// Burst sends Count inputs at once.
	Burst bool
	// Duration bounds a Rate or Concurrency run; Count bounds any run (first one reached).
	Duration time.Duration
	Count    int
	// Deadline is the answer time a command must meet (default 3 s, Discord's limit for an
	// interaction's first response; a deferral meets it).
	Deadline time.Duration
	// Timeout is how long a command's answer is awaited before it counts as an error
	// (default 10 s).
	Timeout time.Duration
	// Seed makes the sequence of inputs repeatable (default 1).
	Seed uint64
}

// Result is what a run measured.
type Result struct {
	// Sent counts inputs sent, Commands those expecting an answer, Answered those answered.
	Sent, Commands, Answered int
	// ByKind counts answered commands of each kind.
	ByKind map[Kind]int
	// Errors are commands never answered within Timeout or refused by the simulator.
	Errors int
	// DeadlineMisses are commands whose first response (a deferral counts) came after the
	// Deadline, or never.
	DeadlineMisses int
	// Latencies of answered commands, sorted: dispatch to the answer reaching REST.
	Latencies []time.Duration
	// Elapsed is from the first input sent to the last answer.
	Elapsed time.Duration
	// Late counts open-loop inputs sent over 10 ms behind their schedule: the generator
	// (not the bot) fell behind, which makes the run's rate lower than asked.
	Late int
	// FirstError describes one error, for the report.
	FirstError string
}

// Quantile returns the q-quantile (0..1) of the latencies; zero when there are none.
func (r *Result) Quantile(q float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := min(int(q*float64(len(r.Latencies))), len(r.Latencies)-1)
	return r.Latencies[i]
}

// Throughput is answered commands per second over the run.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Answered) / r.Elapsed.Seconds()
}

func (o Options) withDefaults() (Options, error) {
	if o.Sim == nil || len(o.Targets) == 0 {
		return o, errors.New("load: Sim and Targets are required")
	}
	drivers := 0
	for _, on := range []bool{o.Rate > 0, o.Concurrency > 0, o.Burst} {
		if on {
			drivers++
		}
	}
	if drivers != 1 {
		return o, errors.New("load: set exactly one of Rate, Concurrency and Burst")
	}
	if o.Burst && o.Count <= 0 {
		return o, errors.New("load: a Burst needs a Count")
	}
	if !o.Burst && o.Duration <= 0 && o.Count <= 0 {
		return o, errors.New("load: a Rate or Concurrency run needs a Duration or a Count")
	}
	if len(o.Mix) == 0 {
		o.Mix = DefaultMix()
	}
	total := 0
	for _, w := range o.Mix {
		if w.Weight < 0 {
			return o, fmt.Errorf("load: negative weight for %s", w.Kind)
		}
		total += w.Weight
	}
	if total == 0 {
		return o, errors.New("load: the mix is empty")
	}
	if o.Deadline <= 0 {
		o.Deadline = 3 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o, nil
}

// Run drives the bot as o says and waits for every answer (or its Timeout).
func Run(ctx context.Context, o Options) (*Result, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &run{o: o, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))}
	for _, w := range o.Mix {
		r.total += w.Weight
	}
	start := time.Now()
	switch {
	case o.Burst:
		for range o.Count {
			r.send(ctx, nil)
		}
	case o.Rate > 0:
		r.openLoop(ctx, start)
	default:
		r.closedLoop(ctx, start)
	}
	r.wg.Wait()
	res := &r.res
	res.Elapsed = time.Since(start)
	if last := r.lastAnswer.Load(); last != nil {
		res.Elapsed = last.(time.Time).Sub(start)
	}
	slices.Sort(res.Latencies)
	return res, ctx.Err()
}

type run struct {
	o     Options
	rng   *rand.Rand // used by the sending goroutine only
	total int

	wg         sync.WaitGroup
	mu         sync.Mutex
	res        Result
	lastAnswer atomic.Value // time.Time
}

func (r *run) done(start time.Time, sent int) bool {
	return (r.o.Count > 0 && sent >= r.o.Count) || (r.o.Duration > 0 && time.Since(start) >= r.o.Duration)
}

func (r *run) openLoop(ctx context.Context, start time.Time) {
	interval := time.Duration(float64(time.Second) / r.o.Rate)
	for i := 0; !r.done(start, i) && ctx.Err() == nil; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		} else if wait < -10*time.Millisecond {
			r.mu.Lock()
			r.res.Late++
			r.mu.Unlock()
		}
		r.send(ctx, nil)
	}
}

func (r *run) closedLoop(ctx context.Context, start time.Time) {
	slots := make(chan struct{}, r.o.Concurrency)
	for i := 0; !r.done(start, i) && ctx.Err() == nil; i++ {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		r.send(ctx, func() { <-slots })
	}
}

// send fires one input and, for a command, starts waiting for its answer; release (if
// set) runs once the input is settled.
func (r *run) send(ctx context.Context, release func()) {
	kind := r.pick()
	t := r.o.Targets[r.rng.IntN(len(r.o.Targets))]
	from := r.rng.IntN(len(t.Users))
	to := (from + 1 + r.rng.IntN(len(t.Users)-1)) % len(t.Users)
	user, other := t.Users[from], t.Users[to]
	mention := "<@" + other.String() + ">"
	var x *discordsim.Exchange
	var err error
	switch kind {
	case SlashHeadpat:
		x, err = r.o.Sim.Slash(ctx, discordsim.SlashRequest{GuildID: t.Guild, ChannelID: t.Channel, UserID: user, Text: "/headpat member:" + mention})
	case SlashCheckvalue:
		x, err = r.o.Sim.Slash(ctx, discordsim.SlashRequest{GuildID: t.Guild, ChannelID: t.Channel, UserID: user, Text: "/checkvalue member:" + mention})
	case SlashRankings:
		x, err = r.o.Sim.Slash(ctx, discordsim.SlashRequest{GuildID: t.Guild, ChannelID: t.Channel, UserID: user, Text: "/rankings"})
	case PrefixHeadpat:
		x, err = r.o.Sim.Prefix(ctx, discordsim.MessageRequest{GuildID: t.Guild, ChannelID: t.Channel, UserID: user, Content: "!headpat " + mention})
	case Chat:
		_, err = r.o.Sim.Prefix(ctx, discordsim.MessageRequest{GuildID: t.Guild, ChannelID: t.Channel, UserID: user, Content: chatLines[r.rng.IntN(len(chatLines))]})
	default:
		err = fmt.Errorf("load: unknown kind %q", kind)
	}
	r.mu.Lock()
	r.res.Sent++
	if kind != Chat {
		r.res.Commands++
	}
	if err != nil {
		r.res.Errors++
		if kind != Chat {
			r.res.DeadlineMisses++
		}
		if r.res.FirstError == "" {
			r.res.FirstError = fmt.Sprintf("%s: %v", kind, err)
		}
	}
	r.mu.Unlock()
	if err != nil || kind == Chat {
		if release != nil {
			release()
		}
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if release != nil {
			defer release()
		}
		r.await(ctx, kind, x)
	}()
}

// await waits for x's answer and records it.
func (r *run) await(ctx context.Context, kind Kind, x *discordsim.Exchange) {
	wctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	answer, err := x.WaitAnswer(wctx)
	// The deadline is met by the first response, which may be a deferral before the answer.
	first := answer.Time
	if rs := x.Replies(); len(rs) > 0 {
		first = rs[0].Time
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.res.Errors++
		r.res.DeadlineMisses++
		if r.res.FirstError == "" {
			r.res.FirstError = fmt.Sprintf("%s: no answer: %v", kind, err)
		}
		return
	}
	r.res.Answered++
	if r.res.ByKind == nil {
		r.res.ByKind = map[Kind]int{}
	}
	r.res.ByKind[kind]++
	r.res.Latencies = append(r.res.Latencies, answer.Time.Sub(x.Sent()))
	if first.Sub(x.Sent()) > r.o.Deadline {
		r.res.DeadlineMisses++
	}
	if last, ok := r.lastAnswer.Load().(time.Time); !ok || answer.Time.After(last) {
		r.lastAnswer.Store(answer.Time)
	}
}

func (r *run) pick() Kind {
	n := r.rng.IntN(r.total)
	for _, w := range r.o.Mix {
		if n < w.Weight {
			return w.Kind
		}
		n -= w.Weight
	}
	return r.o.Mix[len(r.o.Mix)-1].Kind
}

// chatLines are ordinary chat: none trips the profanity filter or names a command.
var chatLines = []string{
	"gg everyone, that last match was close",
	"who is up for a scrim tonight?",
	"my keeper saved three penalties in a row",
	"the new kits look clean",
	"anyone know when tryouts open again",
	"that through ball was unreal",
}
