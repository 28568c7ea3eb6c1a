package gateway

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzZlibStream round-trips payloads through a zlib-stream connection the way Discord
// sends them (one deflate context, a sync flush after each payload), optionally cutting
// one compressed message in two: every non-empty payload comes out whole, in order, and
// what comes out goes through decodeFrame without a panic, as readLoop does it.
// Payloads are the input split at NUL bytes (which JSON text never holds); split picks
// the message to cut and where. Seeds are in testdata/fuzz/FuzzZlibStream.
func FuzzZlibStream(f *testing.F) {
	f.Add([]byte(`{"op":10,"d":{"heartbeat_interval":41250}}`+"\x00"+`{"op":11}`), uint16(0))
	f.Add([]byte(messageCreate+"\x00"+messageCreate+"\x00\x00"+`{"op":0,"s":2,"t":"X","d":null}`), uint16(0x0105))
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		var want, msgs [][]byte
		srv := newZlibServer()
		for _, p := range bytes.Split(data, []byte{0}) {
			if len(p) > 0 {
				// An empty payload compresses to the bare flush marker and emits nothing.
				want = append(want, p)
			}
			msgs = append(msgs, srv.compress(t, p))
		}
		// Cut one message in two where the first piece does not itself end in the flush
		// marker (that would be two payloads) and the second still ends with all of it:
		// like Discord's reference client, the stream looks for the marker at the end of
		// each websocket message, and Discord never splits the marker across two.
		if i, at := int(split>>8)%len(msgs), int(split&0xff); at > 0 && at <= len(msgs[i])-len(zlibFlushSuffix) &&
			!bytes.HasSuffix(msgs[i][:at], zlibFlushSuffix) {
			m := msgs[i]
			msgs = append(msgs[:i], append([][]byte{m[:at], m[at:]}, msgs[i+1:]...)...)
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
				t.Fatalf("payload %d: got %q, want %q", i, got[i], want[i])
			}
			_, _ = decodeFrame(got[i])
		}
	})
}

// FuzzZlibStreamGarbage feeds arbitrary bytes as a zlib-stream connection, cut into
// messages after every flush marker as a websocket would deliver them: the inflater must
// never panic or hang, must stop with an error (the input always runs out), and must hand
// out only payloads that went through a flush. Seeds, valid streams for the mutator to
// break, are in testdata/fuzz/FuzzZlibStreamGarbage.
func FuzzZlibStreamGarbage(f *testing.F) {
	srv := newZlibServer()
	var seed []byte
	for _, p := range []string{`{"op":10,"d":{"heartbeat_interval":41250}}`, `{"op":11}`, messageCreate} {
		seed = append(seed, srv.compress(f, []byte(p))...)
	}
	f.Add(seed)
	f.Add([]byte{0x78, 0x9c, 0x00, 0x00, 0x00, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var msgs [][]byte
		for len(data) > 0 {
			i := bytes.Index(data, zlibFlushSuffix)
			if i < 0 {
				msgs = append(msgs, data)
				break
			}
			msgs = append(msgs, data[:i+len(zlibFlushSuffix)])
			data = data[i+len(zlibFlushSuffix):]
		}
		got, err := inflateAll(msgs)
		if err == nil {
			t.Fatal("run returned nil with its input used up")
		}
		for _, p := range got {
			if len(p) == 0 {
				t.Fatal("emitted an empty payload")
			}
			_, _ = decodeFrame(p)
		}
	})
}
