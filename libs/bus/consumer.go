package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Handler processes one message. Its ctx carries the producer's trace context under a
// "process <subject>" consumer span, and is cancelled at the handler timeout or when Stop
// gives up waiting. The returned error decides the message's fate (see the package doc).
type Handler func(ctx context.Context, m Msg) error

// ConsumerConfig describes a durable pull consumer. Zero fields take the defaults noted.
type ConsumerConfig struct {
	// Stream to consume, e.g. StreamCommands. Required.
	Stream string
	// Durable is the consumer's stable name; every instance of a service uses the same one
	// and they share the work. Required; no dots, spaces or wildcards.
	Durable string
	// Description is shown by NATS tooling.
	Description string
	// FilterSubjects limits the consumer to these subjects (wildcards allowed); empty
	// means the whole stream. On COMMANDS they must not overlap another durable's.
	FilterSubjects []string
	// DeliverPolicy says where a new durable starts; the zero value delivers everything
	// the stream holds. It cannot change once the durable exists, and COMMANDS (a work
	// queue) accepts only the zero value.
	DeliverPolicy jetstream.DeliverPolicy
	// MaxDeliver is how many deliveries a message gets before it is dead-lettered.
	// Default 5.
	MaxDeliver int
	// Backoff is the redelivery delay after the n-th failed delivery (Backoff[n-1]; the
	// last entry repeats). Default 1s, 5s, 30s, 1m.
	Backoff []time.Duration
	// AckWait is how long the server waits for an outcome before redelivering; the bus
	// extends it for running handlers every AckWait/3. Default 30s.
	AckWait time.Duration
	// MaxAckPending caps messages delivered but not yet acked, across all instances,
	// including those waiting out a back-off. Default 1000.
	MaxAckPending int
	// Concurrency is the number of handlers this instance runs at once. Default 1.
	Concurrency int
	// HandlerTimeout bounds one handler call through its ctx. Default 5m.
	HandlerTimeout time.Duration
}

// Defaults of ConsumerConfig.
const (
	DefaultMaxDeliver     = 5
	DefaultAckWait        = 30 * time.Second
	DefaultMaxAckPending  = 1000
	DefaultConcurrency    = 1
	DefaultHandlerTimeout = 5 * time.Minute
)

// DefaultBackoff is the redelivery back-off used when ConsumerConfig.Backoff is empty.
func DefaultBackoff() []time.Duration {
	return []time.Duration{time.Second, 5 * time.Second, 30 * time.Second, time.Minute}
}

// Timing of the fetch loop.
const (
	// fetchWait is how long one pull request waits for messages. Short enough that a
	// request lost in a server restart is replaced quickly, long enough to stay cheap.
	fetchWait = 5 * time.Second
	// settleTimeout bounds one ack, nak, term or dead-letter publish.
	settleTimeout = 5 * time.Second
	// Back-off between failed fetches.
	fetchRetryMin = 50 * time.Millisecond
	fetchRetryMax = 5 * time.Second
)

func (c ConsumerConfig) withDefaults() (ConsumerConfig, error) {
	if c.Stream == "" {
		return c, errors.New("bus: consumer config: Stream is required")
	}
	if c.Durable == "" || strings.ContainsAny(c.Durable, ".*> \t\r\n") {
		return c, fmt.Errorf("bus: consumer config: Durable %q must be a non-empty name without dots, spaces or wildcards", c.Durable)
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = DefaultMaxDeliver
	}
	if len(c.Backoff) == 0 {
		c.Backoff = DefaultBackoff()
	}
	if c.AckWait <= 0 {
		c.AckWait = DefaultAckWait
	}
	if c.MaxAckPending <= 0 {
		c.MaxAckPending = DefaultMaxAckPending
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.HandlerTimeout <= 0 {
		c.HandlerTimeout = DefaultHandlerTimeout
	}
	return c, nil
}

// backoff is the redelivery delay after the given (1-based) failed delivery.
func (c ConsumerConfig) backoff(delivered int) time.Duration {
	return c.Backoff[min(max(delivered, 1), len(c.Backoff))-1]
}

func (c ConsumerConfig) jetstreamConfig() jetstream.ConsumerConfig {
	jc := jetstream.ConsumerConfig{
		Durable:       c.Durable,
		Description:   c.Description,
		DeliverPolicy: c.DeliverPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.AckWait,
		// The server would silently discard a message after its MaxDeliver; the bus
		// dead-letters instead, so the server's limit is off and ours is enforced in
		// handle (including for deliveries whose handler never reported back).
		MaxDeliver:    -1,
		MaxAckPending: c.MaxAckPending,
	}
	if len(c.FilterSubjects) == 1 {
		jc.FilterSubject = c.FilterSubjects[0]
	} else {
		jc.FilterSubjects = c.FilterSubjects
	}
	return jc
}

// Consumer is a running durable pull consumer.
type Consumer struct {
	b   *Bus
	cfg ConsumerConfig
	h   Handler
	log *slog.Logger

	stopFetch  context.CancelFunc // ends the fetch loop
	handlerCtx context.Context    // parent of handler contexts
	abort      context.CancelFunc // cancels handlerCtx when Stop gives up waiting
	done       chan struct{}      // closed when fetching ended and no handler runs
	slots      chan struct{}      // one token per running handler, cap Concurrency
	inflight   sync.WaitGroup     // handlers running; Add only in the fetch loop
	loopAt     atomic.Int64       // unix nanos of the fetch loop's latest round, for watchdogs
	handlers   atomic.Int64       // handlers running, for watchdogs (slots also count the loop's)
}

// Consume creates or updates the durable consumer cfg describes and starts handling its
// messages with h. It returns once the consumer exists, or at once if the server does not
// answer (the consumer is then created in the background when it does; a configuration
// the server refuses is an error); fetching goes on in the background until ctx is done
// or Stop is called, riding out lost connections and server restarts.
//
// Handlers already running when ctx ends are not cancelled by it: they finish, and Stop
// waits for them. Cancel ctx (or call Stop) before Close.
func (b *Bus) Consume(ctx context.Context, cfg ConsumerConfig, h Handler) (*Consumer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("bus: consume: nil handler")
	}
	jc, err := b.js.CreateOrUpdateConsumer(ctx, cfg.Stream, cfg.jetstreamConfig())
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) || ctx.Err() != nil {
			return nil, fmt.Errorf("bus: create consumer %s on %s: %w", cfg.Durable, cfg.Stream, err)
		}
		// The server did not answer (restarting, or the connection is being restored): a
		// service starting at that moment must not exit over it. The fetch loop creates
		// the consumer once the server is back, as it does after a restart.
		b.log.Warn("consumer not created yet; retrying in the background", "consumer", cfg.Durable, "stream", cfg.Stream, "err", err)
		jc = nil
	}
	c := &Consumer{
		b:     b,
		cfg:   cfg,
		h:     h,
		log:   b.log.With("stream", cfg.Stream, "consumer", cfg.Durable),
		done:  make(chan struct{}),
		slots: make(chan struct{}, cfg.Concurrency),
	}
	var loopCtx context.Context
	loopCtx, c.stopFetch = context.WithCancel(ctx)
	// Handlers keep ctx's values (loggers, baggage) but not its cancellation, so a
	// shutdown signal lets them finish instead of failing half-way.
	c.handlerCtx, c.abort = context.WithCancel(context.WithoutCancel(ctx))
	c.loopAt.Store(time.Now().UnixNano())
	go c.run(loopCtx, jc)
	return c, nil
}

// MaxRoundGap is the longest the fetch loop takes for one round while a handler slot is
// free: a pull request waits fetchWait, a failed one is followed by at most fetchRetryMax,
// and re-creating the consumer is bounded by the JetStream API's own timeout. A longer gap
// with a slot free means the loop itself hangs.
const MaxRoundGap = 2*fetchWait + 2*fetchRetryMax + 10*time.Second

// Progress is for a liveness watchdog: when the fetch loop last went round, how many
// handlers are running, and how many may run at once. A loop that has not gone round for
// long while handlers fill every slot means every handler is blocked; with a slot free,
// a gap longer than MaxRoundGap means the loop hangs.
func (c *Consumer) Progress() (lastRound time.Time, handlers, capacity int) {
	return time.Unix(0, c.loopAt.Load()), int(c.handlers.Load()), cap(c.slots)
}

// Name is the durable consumer's name.
func (c *Consumer) Name() string { return c.cfg.Durable }

// Done is closed once the consumer has stopped fetching and every handler has returned.
func (c *Consumer) Done() <-chan struct{} { return c.done }

// Stop stops taking new messages and waits for running handlers to return and settle
// their messages, bounded by ctx. If ctx ends first, the handlers' contexts are cancelled
// and Stop returns ctx's error; messages they do not settle are redelivered after AckWait.
// Stop may be called more than once.
func (c *Consumer) Stop(ctx context.Context) error {
	c.stopFetch()
	select {
	case <-c.done:
		c.abort()
		return nil
	case <-ctx.Done():
		c.abort()
		return fmt.Errorf("bus: stop consumer %s: %w", c.cfg.Durable, ctx.Err())
	}
}

// run is the fetch loop: it pulls at most as many messages as it has free handler slots,
// so no message waits in a client buffer while its AckWait runs out.
func (c *Consumer) run(ctx context.Context, jc jetstream.Consumer) {
	defer close(c.done)
	defer c.inflight.Wait()

	retry := fetchRetryMin
	failing := false
	for {
		c.loopAt.Store(time.Now().UnixNano())
		n, ok := c.acquire(ctx)
		if !ok {
			return
		}
		if jc == nil {
			var err error
			jc, err = c.b.js.CreateOrUpdateConsumer(ctx, c.cfg.Stream, c.cfg.jetstreamConfig())
			if err != nil {
				c.release(n)
				if ctx.Err() != nil {
					return
				}
				failing = c.fetchFailed(failing, fmt.Errorf("re-create consumer: %w", err))
				if !sleep(ctx, &retry) {
					return
				}
				continue
			}
		}

		started := time.Now()
		got, err := c.fetch(ctx, jc, n)
		c.release(n - got) // slots of received messages are released as they settle
		if ctx.Err() != nil {
			return
		}
		if err == nil && got == 0 && time.Since(started) < fetchRetryMin {
			// An empty answer that came at once (request abandoned on reconnect, server
			// going away): pause so the loop cannot spin.
			pause := fetchRetryMin
			if !sleep(ctx, &pause) {
				return
			}
		}
		if err != nil {
			if errors.Is(err, nats.ErrConnectionClosed) {
				c.log.Info("connection closed; consumer stops fetching")
				return
			}
			if consumerGone(err) {
				jc = nil // the next round re-creates it
			}
			failing = c.fetchFailed(failing, err)
			if !sleep(ctx, &retry) {
				return
			}
			continue
		}
		if failing {
			c.log.Info("fetching messages again")
			failing = false
		}
		retry = fetchRetryMin
	}
}

// acquire blocks for one free handler slot, then takes any others free right now, and
// returns how many it holds; false when ctx ended first.
func (c *Consumer) acquire(ctx context.Context) (int, bool) {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return 0, false
	}
	n := 1
	for n < cap(c.slots) {
		select {
		case c.slots <- struct{}{}:
			n++
		default:
			return n, true
		}
	}
	return n, true
}

func (c *Consumer) release(n int) {
	for range n {
		<-c.slots
	}
}

// fetch runs one pull request for up to n messages and starts a handler for each message
// received. It returns how many messages it received; each of them holds a slot until it
// is settled.
func (c *Consumer) fetch(ctx context.Context, jc jetstream.Consumer, n int) (int, error) {
	fctx, cancel := context.WithTimeout(ctx, fetchWait)
	defer cancel()
	// A pull request sent before a reconnect is unknown to a restarted server; abandon it
	// at once rather than waiting out its expiry.
	reconnected := c.b.reconnected.wait()
	go func() {
		select {
		case <-reconnected:
			cancel()
		case <-fctx.Done():
		}
	}()

	batch, err := jc.Fetch(n, jetstream.FetchContext(fctx))
	if err != nil {
		return 0, err
	}
	got := 0
	for m := range batch.Messages() {
		got++
		if ctx.Err() != nil {
			// Stopping: hand the message straight back for another instance to take.
			if err := m.Nak(); err != nil {
				c.log.Debug("returning message on stop", "err", err)
			}
			c.release(1)
			continue
		}
		c.inflight.Add(1)
		c.handlers.Add(1)
		go func() {
			defer c.release(1)
			defer c.inflight.Done()
			defer c.handlers.Add(-1)
			c.handle(m)
		}()
	}
	if err := batch.Error(); err != nil && fctx.Err() == nil {
		return got, err
	}
	return got, nil
}

// fetchFailed logs a fetch failure: a warning when fetching starts to fail, debug while it
// keeps failing (a NATS outage would otherwise flood the log). It returns true.
func (c *Consumer) fetchFailed(failing bool, err error) bool {
	if failing {
		c.log.Debug("fetching messages still failing", "err", err)
	} else {
		c.log.Warn("fetching messages failed; retrying", "err", err)
	}
	return true
}

// consumerGone reports errors meaning the durable no longer exists on the server (deleted,
// or a server restarted without its store), so it must be created again.
func consumerGone(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, jetstream.ErrConsumerDeleted) ||
		errors.Is(err, jetstream.ErrConsumerDoesNotExist) ||
		errors.Is(err, nats.ErrNoResponders)
}

// sleep waits *d, bounded by ctx, then doubles *d up to fetchRetryMax. It reports whether
// ctx is still live.
func sleep(ctx context.Context, d *time.Duration) bool {
	t := time.NewTimer(*d)
	defer t.Stop()
	*d = min(*d*2, fetchRetryMax)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
