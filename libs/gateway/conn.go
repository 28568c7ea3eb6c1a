package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

const (
	// writeTimeout bounds one websocket write. Writes never use a caller's
	// context: coder/websocket closes the connection when a write's context
	// ends, and a Send with a short deadline must not kill the shard.
	writeTimeout = 10 * time.Second
	// frameBuffer is how many decoded frames may wait for the event loop
	// while the handler is busy.
	frameBuffer = 256
	// maxPayloadSize is Discord's limit for a client payload (over it: 4002).
	maxPayloadSize = 4096
)

// errConnStopped ends the reader when the connection is being torn down.
var errConnStopped = errors.New("connection stopped")

// connection is one websocket to the gateway: a reader goroutine decoding
// frames, a heartbeat goroutine, and the state both share. The event loop
// (Shard.runConn) owns its lifecycle.
type connection struct {
	shard *Shard
	ws    *websocket.Conn
	log   *slog.Logger

	frames  chan frame    // decoded frames for the event loop (ACKs excluded)
	beatNow chan struct{} // Discord asked for an immediate heartbeat
	stop    chan struct{} // closed at teardown
	stopped sync.Once

	failed   chan struct{} // closed on the first error that ends the connection
	failOnce sync.Once
	failErr  error

	seq    atomic.Int64 // last sequence received: what heartbeats carry
	hb     heartbeat
	budget *sendBudget // set after HELLO, before the connection is published to Send

	wg sync.WaitGroup // reader and heartbeat goroutines
}

func (s *Shard) dial(ctx context.Context, base string) (*connection, error) {
	u, err := connectURL(base, s.cfg.Compress)
	if err != nil {
		return nil, err
	}
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: s.cfg.HTTPClient})
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u, err)
	}
	ws.SetReadLimit(s.cfg.MaxMessageSize)
	c := &connection{
		shard:   s,
		ws:      ws,
		log:     s.log,
		frames:  make(chan frame, frameBuffer),
		beatNow: make(chan struct{}, 1),
		stop:    make(chan struct{}),
		failed:  make(chan struct{}),
	}
	c.wg.Go(c.readLoop)
	return c, nil
}

// fail records why the connection must end (first caller wins) and wakes
// the event loop.
func (c *connection) fail(err error) {
	c.failOnce.Do(func() {
		c.failErr = err
		close(c.failed)
	})
}

// err is valid once failed is closed.
func (c *connection) err() error {
	<-c.failed
	return c.failErr
}

// isStopped reports whether teardown has begun.
func (c *connection) isStopped() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

// close tears the connection down with clientCloseCode, never 1000/1001, so
// the session stays resumable. The close handshake runs in the background
// (it can take up to ~10 s against a dead peer, which must not delay the
// reconnect); wait makes the caller wait for it, as shutdown does so that
// the close frame is really out before Run returns.
func (c *connection) close(reason string, wait bool) {
	c.stopped.Do(func() { close(c.stop) })
	done := make(chan struct{})
	c.shard.closers.Go(func() {
		defer close(done)
		_ = c.ws.Close(clientCloseCode, reason)
		c.wg.Wait()
	})
	if wait {
		<-done
	}
}

// readLoop reads messages until the connection fails.
func (c *connection) readLoop() {
	var (
		buf bytes.Buffer // reused across messages
		err error
	)
	if c.shard.cfg.Compress == CompressZlibStream {
		// The inflater is done with a message before it asks for the next,
		// so compressed input can live in the reused buffer.
		next := func() ([]byte, error) { return c.readMessage(&buf) }
		err = newZlibStream(next, c.receive).run()
	} else {
		for err == nil {
			var b []byte
			if b, err = c.readMessage(&buf); err == nil {
				// The frame's Data aliases its bytes and goes to the handler,
				// so each payload gets its own exactly sized copy.
				err = c.receive(bytes.Clone(b))
			}
		}
	}
	c.fail(err)
}

// maxRetainedBuffer caps the read buffer kept between messages, so one huge
// GUILD_CREATE does not pin its size for the life of the connection.
const maxRetainedBuffer = 1 << 20

// readMessage reads the next message into buf and returns its bytes, valid
// until the next call.
func (c *connection) readMessage(buf *bytes.Buffer) ([]byte, error) {
	if buf.Cap() > maxRetainedBuffer {
		*buf = bytes.Buffer{}
	}
	buf.Reset()
	// No deadline here on purpose: heartbeats detect a dead peer, and
	// close() unblocks the read.
	_, r, err := c.ws.Reader(context.Background())
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return buf.Bytes(), nil
}

// receive decodes one payload and queues it for the event loop. Malformed
// frames are dropped here, so one bad payload never costs the connection.
func (c *connection) receive(b []byte) error {
	now := time.Now()
	f, err := decodeFrame(b)
	if err != nil {
		c.shard.stats.malformed.Add(1)
		c.log.Warn("gateway: dropping malformed frame", "error", err, "size", len(b), "prefix", prefix(b, 64))
		return nil
	}
	f.received = now
	switch f.Op {
	case OpHeartbeatACK:
		c.shard.recordAck(now, c.hb.acked(now))
		return nil
	case OpDispatch:
		if f.Seq > 0 {
			c.seq.Store(f.Seq)
		}
		if peek := c.shard.cfg.Peek; peek != nil {
			peek(Dispatch{Type: f.Type, Seq: f.Seq, Data: f.Data, ShardID: c.shard.cfg.ShardID, ReceivedAt: now})
		}
	}
	select {
	case c.frames <- f:
		return nil
	case <-c.stop:
		return errConnStopped
	}
}

// write sends one payload with its own timeout (see writeTimeout).
func (c *connection) write(b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// writeOp encodes and sends {op, d}. Errors never include the payload: an
// identify carries the token.
func (c *connection) writeOp(op int, d any) error {
	b, err := json.Marshal(payload{Op: op, D: d})
	if err != nil {
		return fmt.Errorf("encode op %d: %w", op, err)
	}
	return c.write(b)
}

type payload struct {
	Op int `json:"op"`
	D  any `json:"d"`
}

func prefix(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
