package gateway

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
)

// zlibFlushSuffix ends every payload of a zlib-stream connection: Discord
// sync-flushes its shared deflate stream after each one.
var zlibFlushSuffix = []byte{0x00, 0x00, 0xff, 0xff}

// zlibStream inflates a zlib-stream connection: all websocket messages are
// consecutive pieces of one zlib stream, and one deflate context (with its
// 32 KiB window) lives as long as the connection.
//
// compress/flate cannot be fed input incrementally: its Read pulls from an
// io.Reader and a short read is a sticky error. So the stream runs the other
// way round: the inflater pulls websocket messages through next, and at the
// moment it asks for more input while the previous message (which ended in
// a sync flush) is used up, everything that message decompresses to has
// already been returned by Read; that is exactly one payload, handed to
// emit. No goroutine and no copy of the window are needed.
type zlibStream struct {
	next func() ([]byte, error) // the next websocket message
	emit func([]byte) error     // one decompressed payload, owned by emit

	in      []byte
	pos     int
	flushed bool // the last message consumed ended with the sync flush
	out     []byte
	err     error // from next or emit: why the stream stopped
}

func newZlibStream(next func() ([]byte, error), emit func([]byte) error) *zlibStream {
	return &zlibStream{next: next, emit: emit}
}

// run inflates until next or emit fails, and returns that error (or a
// decompression error for a corrupt stream).
func (z *zlibStream) run() error {
	zr, err := zlib.NewReader(z)
	if err != nil {
		return z.cause(err)
	}
	defer zr.Close()
	// Read into scratch, not into z.out's spare capacity: fill may swap
	// z.out for a new payload in the middle of a Read.
	scratch := make([]byte, 32<<10)
	for {
		n, err := zr.Read(scratch)
		z.out = append(z.out, scratch[:n]...)
		if err != nil {
			return z.cause(err)
		}
	}
}

// cause prefers the error that stopped the input over what flate made of it.
func (z *zlibStream) cause(err error) error {
	if z.err != nil {
		return z.err
	}
	if errors.Is(err, io.EOF) {
		// The zlib stream ended; Discord never ends it, so treat it as a
		// broken connection.
		return io.ErrUnexpectedEOF
	}
	return err
}

// fill is called when the inflater needs input and all of z.in is used.
func (z *zlibStream) fill() error {
	if z.err != nil {
		return z.err
	}
	if z.flushed && len(z.out) > 0 {
		// The receiver keeps the payload (a frame's Data aliases it), so it
		// gets an exactly sized copy and z.out is reused.
		payload := bytes.Clone(z.out)
		z.out = z.out[:0]
		if cap(z.out) > maxRetainedBuffer {
			z.out = nil
		}
		if err := z.emit(payload); err != nil {
			z.err = err
			return err
		}
	}
	for {
		b, err := z.next()
		if err != nil {
			z.err = err
			return err
		}
		if len(b) == 0 {
			continue
		}
		z.in, z.pos = b, 0
		// A payload may in principle span several messages; only the one
		// carrying the suffix completes it.
		z.flushed = bytes.HasSuffix(b, zlibFlushSuffix)
		return nil
	}
}

// Read and ReadByte make zlibStream a flate.Reader, so flate reads exactly
// what it needs instead of wrapping it in a read-ahead bufio.Reader (which
// would ask for the next message before the current payload is out).
func (z *zlibStream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if z.pos == len(z.in) {
		if err := z.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, z.in[z.pos:])
	z.pos += n
	return n, nil
}

func (z *zlibStream) ReadByte() (byte, error) {
	if z.pos == len(z.in) {
		if err := z.fill(); err != nil {
			return 0, err
		}
	}
	c := z.in[z.pos]
	z.pos++
	return c, nil
}
