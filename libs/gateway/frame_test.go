package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// messageCreate is a typical MESSAGE_CREATE frame (about 1.3 KB).
const messageCreate = `{"t":"MESSAGE_CREATE","s":1234,"op":0,"d":{"type":0,"tts":false,"timestamp":"2024-05-01T12:34:56.789000+00:00","referenced_message":null,"pinned":false,"nonce":"1235467890123456789","mentions":[],"mention_roles":[],"mention_everyone":false,"member":{"roles":["1100000000000000001","1100000000000000002"],"premium_since":null,"pending":false,"nick":"Sam \u00e9","mute":false,"joined_at":"2023-01-01T00:00:00.000000+00:00","flags":0,"deaf":false,"communication_disabled_until":null,"avatar":null},"id":"1235467890123456790","flags":0,"embeds":[],"edited_timestamp":null,"content":"!league table please, and \"quote\" me \\ on this","components":[],"channel_id":"1100000000000000100","author":{"username":"sam","public_flags":0,"id":"1100000000000000200","global_name":"Sam","discriminator":"0","avatar_decoration_data":null,"avatar":"a_0123456789abcdef0123456789abcdef"},"attachments":[],"guild_id":"1100000000000000300"}}`

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    frame
		wantErr bool
	}{
		{name: "dispatch", in: messageCreate, want: frame{Op: 0, Seq: 1234, Type: "MESSAGE_CREATE"}},
		{name: "hello", in: `{"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null}`, want: frame{Op: 10}},
		{name: "ack without d", in: `{"op":11}`, want: frame{Op: 11}},
		{name: "whitespace", in: " \n{ \"op\" : 9 , \"d\" : false }\r\n", want: frame{Op: 9}},
		{name: "unknown keys skipped", in: `{"x":[1,{"y":"}"}],"op":1,"d":null,"z":-1.5e+3}`, want: frame{Op: 1}},
		{name: "escaped type", in: `{"op":0,"s":1,"t":"A\u005fB","d":{}}`, want: frame{Op: 0, Seq: 1, Type: "A_B"}},
		{name: "escaped key", in: `{"\u006fp":7}`, want: frame{Op: 7}},
		{name: "unknown op still decodes", in: `{"op":42,"d":1}`, want: frame{Op: 42}},
		{name: "empty", in: ``, wantErr: true},
		{name: "not an object", in: `[1,2]`, wantErr: true},
		{name: "no op", in: `{"d":1}`, wantErr: true},
		{name: "op string", in: `{"op":"0"}`, wantErr: true},
		{name: "op float", in: `{"op":1.0}`, wantErr: true},
		{name: "op negative", in: `{"op":-1}`, wantErr: true},
		{name: "s string", in: `{"op":0,"s":"1"}`, wantErr: true},
		{name: "t number", in: `{"op":0,"t":5}`, wantErr: true},
		{name: "truncated", in: `{"op":0,"d":{"a":[1,2`, wantErr: true},
		{name: "unterminated string", in: `{"op":0,"d":"abc`, wantErr: true},
		{name: "bad escape", in: `{"op":0,"d":"\x"}`, wantErr: true},
		{name: "bad unicode escape", in: `{"op":0,"d":"\u12"}`, wantErr: true},
		{name: "control char", in: "{\"op\":0,\"d\":\"a\tb\"}", wantErr: true},
		{name: "trailing comma", in: `{"op":0,}`, wantErr: true},
		{name: "trailing data", in: `{"op":0}{}`, wantErr: true},
		{name: "bad literal", in: `{"op":0,"d":nul}`, wantErr: true},
		{name: "leading zero", in: `{"op":0,"d":01}`, wantErr: true},
		{name: "missing colon", in: `{"op" 0}`, wantErr: true},
		{name: "too deep", in: `{"op":0,"d":` + strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2) + `}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeFrame([]byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("decodeFrame(%q) = %+v, want error", tt.in, got)
				}
				if !errors.Is(err, errMalformed) {
					t.Errorf("error %v does not wrap errMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeFrame(%q): %v", tt.in, err)
			}
			if got.Op != tt.want.Op || got.Seq != tt.want.Seq || got.Type != tt.want.Type {
				t.Errorf("decodeFrame(%q) = op %d s %d t %q, want op %d s %d t %q",
					tt.in, got.Op, got.Seq, got.Type, tt.want.Op, tt.want.Seq, tt.want.Type)
			}
		})
	}
}

func TestDecodeFrameKeepsRawData(t *testing.T) {
	f, err := decodeFrame([]byte(messageCreate))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		D json.RawMessage `json:"d"`
	}
	if err := json.Unmarshal([]byte(messageCreate), &ref); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Data, ref.D) {
		t.Errorf("Data differs from the raw d:\n got %s\nwant %s", f.Data, ref.D)
	}
}

// FuzzDecodeFrame checks decodeFrame against encoding/json: it must never
// accept invalid JSON, and what it accepts must agree with a reference
// decode (exact keys, last duplicate wins, as decodeFrame does).
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		messageCreate, `{"op":11}`, `{"op":9,"d":true}`, `{"op":0,"s":null,"t":null,"d":null}`,
		`{"op":0,"d":"\ud83d\ude00"}`, `{"op":1,"op":2}`, `{"op":0,"d":[1e5,-0.1,true,false]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeFrame(b)
		if err != nil {
			return
		}
		if !json.Valid(b) {
			t.Fatalf("accepted invalid JSON %q", b)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("accepted %q that is not an object: %v", b, err)
		}
		var op int
		if err := json.Unmarshal(m["op"], &op); err != nil || op != got.Op {
			t.Fatalf("op: got %d, reference %d (%v) for %q", got.Op, op, err, b)
		}
		var seq *int64
		if raw, ok := m["s"]; ok {
			if err := json.Unmarshal(raw, &seq); err != nil {
				t.Fatalf("accepted s %s: %v", raw, err)
			}
		}
		if (seq == nil && got.Seq != 0) || (seq != nil && *seq != got.Seq) {
			t.Fatalf("s: got %d, reference %v for %q", got.Seq, seq, b)
		}
		var typ *string
		if raw, ok := m["t"]; ok {
			if err := json.Unmarshal(raw, &typ); err != nil {
				t.Fatalf("accepted t %s: %v", raw, err)
			}
		}
		if (typ == nil && got.Type != "") || (typ != nil && *typ != got.Type) {
			t.Fatalf("t: got %q, reference %v for %q", got.Type, typ, b)
		}
		if !bytes.Equal(got.Data, m["d"]) {
			t.Fatalf("d: got %s, reference %s", got.Data, m["d"])
		}
	})
}

func TestAppendHeartbeat(t *testing.T) {
	for seq, want := range map[int64]string{0: `{"op":1,"d":null}`, 42: `{"op":1,"d":42}`} {
		if got := string(appendHeartbeat(nil, seq)); got != want {
			t.Errorf("appendHeartbeat(%d) = %s, want %s", seq, got, want)
		}
	}
}

// BenchmarkDecodeFrame measures envelope decoding of a typical
// MESSAGE_CREATE; the stdlib sub-benchmark is the encoding/json baseline.
func BenchmarkDecodeFrame(b *testing.B) {
	msg := []byte(messageCreate)
	b.Run("scanner", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			f, err := decodeFrame(msg)
			if err != nil || f.Seq != 1234 {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			var f struct {
				Op int             `json:"op"`
				S  *int64          `json:"s"`
				T  *string         `json:"t"`
				D  json.RawMessage `json:"d"`
			}
			if err := json.Unmarshal(msg, &f); err != nil {
				b.Fatal(err)
			}
		}
	})
}
