package gateway

import (
	"context"
	"sync"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	dgw "github.com/novera-bot/novera/libs/gateway"
)

// A shard reads its dispatches one after another. Waiting for each one's JetStream ack
// before reading the next made the ack's round trip the limit of a shard's throughput
// (and every command's answer waited behind the acks of the events before it). A
// shardPipe sends each dispatch's messages at once, in order, and waits for their acks on
// the side, in the same order. What the session may resume from is the last dispatch
// whose messages are all stored (storedAt), never the last one read, so a process that
// dies with acks outstanding is replayed those dispatches by Discord on resume, and the
// message ids make the replay of any that were stored after all harmless.
type shardPipe struct {
	s       *Service
	pending chan *pendingDispatch
	// ctx bounds the acker's retries: it outlives the shard for a short drain at
	// shutdown, and is cancelled at once when the shard's lease is lost (no publishing
	// without the lease).
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	closed bool
	last   position // the last dispatch whose messages are all stored
}

type position struct {
	session string
	seq     int64
}

type pendingDispatch struct {
	ctx     context.Context // the dispatch's trace
	out     *outgoing
	futures []*bus.PubFuture // nil where the send failed: the acker publishes it again
	at      position
}

// pipeDepth bounds a shard's dispatches sent but not yet acknowledged: past it the shard
// stops reading (Discord keeps the rest for it), so a stalled NATS cannot grow memory.
const pipeDepth = 512

func newShardPipe(s *Service) *shardPipe {
	ctx, cancel := context.WithCancel(context.Background())
	p := &shardPipe{s: s, pending: make(chan *pendingDispatch, pipeDepth), ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go p.ack()
	return p
}

// send publishes out's messages without waiting for their acks and queues the dispatch
// for the acker. It blocks while pipeDepth dispatches are outstanding.
func (p *shardPipe) send(ctx context.Context, d dgw.Dispatch, out *outgoing) error {
	pd := &pendingDispatch{ctx: context.WithoutCancel(ctx), out: out, at: position{d.SessionID, d.Seq},
		futures: make([]*bus.PubFuture, len(out.msgs))}
	for i, m := range out.msgs {
		if f, err := p.s.o.Bus.PublishAsync(ctx, m.subject, m.id, m.payload); err == nil {
			pd.futures[i] = f
		}
	}
	select {
	case p.pending <- pd:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ack waits for every dispatch's acks in order; a message the stream did not take is
// published again (retrying until stored) before any later dispatch counts as stored.
func (p *shardPipe) ack() {
	defer close(p.done)
	for pd := range p.pending {
		for i, f := range pd.futures {
			if f != nil {
				if _, err := f.Wait(p.ctx); err == nil {
					continue
				}
			}
			m := pd.out.msgs[i]
			if err := p.s.publish(withValuesOf(pd.ctx, p.ctx), m.subject, m.id, m.payload); err != nil {
				// Stopped (shutdown past its drain, or the lease lost): this dispatch and
				// those after it stay unstored, and the session's saved position is before
				// them, so whoever resumes gets them replayed.
				p.s.o.Logger.WarnContext(pd.ctx, "dispatch left for the next session holder", "seq", pd.at.seq, "err", err)
				p.drop()
				return
			}
		}
		p.s.stored(pd.out)
		p.mu.Lock()
		p.last = pd.at
		p.mu.Unlock()
	}
}

// drop empties the queue after the acker stopped, so senders are not blocked.
func (p *shardPipe) drop() {
	for range p.pending {
	}
}

// storedAt narrows a session state to what is safe to resume from: the same session at
// the last stored dispatch. ok is false while nothing of this session is stored yet.
func (p *shardPipe) storedAt(st dgw.SessionState) (dgw.SessionState, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if st.SessionID == "" || st.SessionID != p.last.session {
		return st, false
	}
	st.Seq = min(st.Seq, p.last.seq)
	return st, true
}

// close stops taking dispatches and waits up to drain for the outstanding acks (zero
// drain: stop at once, as when the lease is lost). Call it after the shard has stopped
// sending.
func (p *shardPipe) close(drain time.Duration) {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.pending)
	}
	p.mu.Unlock()
	if drain <= 0 {
		p.cancel()
	}
	t := time.NewTimer(drain)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.cancel()
		<-p.done
	}
	p.cancel()
}

// withValuesOf is bound's cancellation with values' values (the dispatch's trace).
func withValuesOf(values, bound context.Context) context.Context {
	return valuesCtx{Context: bound, values: values}
}

type valuesCtx struct {
	context.Context
	values context.Context
}

func (c valuesCtx) Value(key any) any { return c.values.Value(key) }
