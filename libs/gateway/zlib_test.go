package gateway

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// zlibServer compresses payloads the way Discord does for zlib-stream: one
// zlib stream for the connection, sync-flushed after each payload.
type zlibServer struct {
	buf bytes.Buffer
	zw  *zlib.Writer
}

func newZlibServer() *zlibServer {
	z := &zlibServer{}
	z.zw = zlib.NewWriter(&z.buf)
	return z
}

func (z *zlibServer) compress(t testing.TB, payload []byte) []byte {
	t.Helper()
	if _, err := z.zw.Write(payload); err != nil {
		t.Fatal(err)
	}
	if err := z.zw.Flush(); err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(z.buf.Bytes())
	z.buf.Reset()
	return out
}

// inflateAll runs a zlibStream over msgs and returns what it emitted.
func inflateAll(msgs [][]byte) ([][]byte, error) {
	var got [][]byte
	next := func() ([]byte, error) {
		if len(msgs) == 0 {
			return nil, io.EOF
		}
		m := msgs[0]
		msgs = msgs[1:]
		return m, nil
	}
	err := newZlibStream(next, func(b []byte) error {
		got = append(got, b)
		return nil
	}).run()
	return got, err
}

func TestZlibStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randomJSON := func(n int) []byte {
		// Repetitive but not trivial, like real gateway traffic.
		var b bytes.Buffer
		b.WriteString(`{"op":0,"d":"`)
		for b.Len() < n {
			fmt.Fprintf(&b, "word%d ", rng.IntN(50))
		}
		b.WriteString(`"}`)
		return b.Bytes()
	}
	tests := []struct {
		name  string
		sizes []int
		split bool // deliver each compressed payload in two websocket messages
	}{
		{name: "small payloads", sizes: []int{20, 50, 100, 30}},
		{name: "one large payload", sizes: []int{200 << 10}},
		{name: "payloads across the 32 KiB window", sizes: []int{32000, 800, 32768, 1, 40000, 10}},
		{name: "split messages", sizes: []int{100, 5000, 70000}, split: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newZlibServer()
			var want, msgs [][]byte
			for _, n := range tt.sizes {
				p := randomJSON(n)
				want = append(want, p)
				c := srv.compress(t, p)
				if tt.split && len(c) > 8 {
					msgs = append(msgs, c[:len(c)/2], c[len(c)/2:])
				} else {
					msgs = append(msgs, c)
				}
			}
			got, err := inflateAll(msgs)
			if !errors.Is(err, io.EOF) {
				t.Fatalf("run ended with %v, want the source's io.EOF", err)
			}
			if len(got) != len(want) {
				t.Fatalf("got %d payloads, want %d", len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Errorf("payload %d differs (len %d, want %d)", i, len(got[i]), len(want[i]))
				}
			}
		})
	}
}

// TestZlibStreamWindowBoundary covers payloads whose output ends exactly
// where the inflater's 32 KiB window wraps: the inflater then returns the
// data before consuming the flush marker, and must not emit early or stall.
func TestZlibStreamWindowBoundary(t *testing.T) {
	srv := newZlibServer()
	var want, msgs [][]byte
	for i, n := range []int{1 << 15, 1 << 15, 1<<15 - 7, 7, 1 << 16} {
		p := bytes.Repeat([]byte{byte('a' + i)}, n)
		want = append(want, p)
		msgs = append(msgs, srv.compress(t, p))
	}
	got, err := inflateAll(msgs)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("run: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d payloads, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("payload %d differs", i)
		}
	}
}

func TestZlibStreamCorrupt(t *testing.T) {
	srv := newZlibServer()
	good := srv.compress(t, []byte(`{"op":11}`))
	bad := []byte{0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0xff, 0xff}
	got, err := inflateAll([][]byte{good, bad})
	if err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("corrupt stream: err = %v, want a decompression error", err)
	}
	if len(got) != 1 || string(got[0]) != `{"op":11}` {
		t.Errorf("payloads before the corruption: %q", got)
	}
}

func TestZlibStreamEmitErrorStops(t *testing.T) {
	srv := newZlibServer()
	msgs := [][]byte{srv.compress(t, []byte(`{"op":11}`)), srv.compress(t, []byte(`{"op":11}`))}
	stop := errors.New("stop")
	i := 0
	err := newZlibStream(func() ([]byte, error) {
		if i == len(msgs) {
			t.Fatal("read past the emit error")
		}
		i++
		return msgs[i-1], nil
	}, func([]byte) error { return stop }).run()
	if !errors.Is(err, stop) {
		t.Fatalf("run: %v, want the emit error", err)
	}
}

func BenchmarkZlibStream(b *testing.B) {
	// Pre-compress the messages so the benchmark measures inflating only.
	msgs := make([][]byte, b.N+1)
	srv := newZlibServer()
	for i := range msgs {
		msgs[i] = srv.compress(b, []byte(messageCreate))
	}
	n := 0
	b.SetBytes(int64(len(messageCreate)))
	b.ReportAllocs()
	b.ResetTimer()
	err := newZlibStream(func() ([]byte, error) {
		if n == len(msgs) {
			return nil, io.EOF
		}
		n++
		return msgs[n-1], nil
	}, func([]byte) error { return nil }).run()
	if !errors.Is(err, io.EOF) {
		b.Fatal(err)
	}
}
