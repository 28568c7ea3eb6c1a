package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Gateway v10 opcodes.
const (
	OpDispatch                = 0
	OpHeartbeat               = 1
	OpIdentify                = 2
	OpPresenceUpdate          = 3
	OpVoiceStateUpdate        = 4
	OpResume                  = 6
	OpReconnect               = 7
	OpRequestGuildMembers     = 8
	OpInvalidSession          = 9
	OpHello                   = 10
	OpHeartbeatACK            = 11
	OpRequestSoundboardSounds = 31
)

// frame is one received gateway payload. Only the envelope is decoded: Data
// keeps d as raw bytes (aliasing the message buffer, which the frame owns)
// because almost every dispatch is forwarded untouched, and decoding a
// MESSAGE_CREATE just to re-encode it would cost more than everything else
// the gateway does with it.
type frame struct {
	Op   int
	Seq  int64 // s; 0 when absent or null (Discord's sequence starts at 1)
	Type string
	Data json.RawMessage

	received time.Time // set by the reader
}

// errMalformed marks a frame that is not a valid gateway payload.
var errMalformed = errors.New("malformed gateway frame")

// maxDepth bounds nesting so a hostile frame cannot exhaust the stack.
const maxDepth = 512

// decodeFrame decodes the envelope of a gateway payload in a single pass
// over b. It validates the whole payload as JSON (so a corrupt frame is
// dropped here, not forwarded), but it only materialises op, s and t; d is
// returned as a sub-slice of b.
func decodeFrame(b []byte) (frame, error) {
	var f frame
	p := scanner{b: b}
	p.skipSpace()
	if !p.eat('{') {
		return f, p.errorf("payload is not a JSON object")
	}
	hasOp := false
	p.skipSpace()
	if !p.eat('}') {
		for {
			p.skipSpace()
			key, err := p.key()
			if err != nil {
				return f, err
			}
			p.skipSpace()
			if !p.eat(':') {
				return f, p.errorf("expected ':' after object key")
			}
			p.skipSpace()
			start := p.i
			if err := p.skipValue(0); err != nil {
				return f, err
			}
			v := b[start:p.i]
			switch key {
			case "op":
				n, ok := parseInt(v)
				if !ok || n < 0 || n > 1<<16 {
					return f, p.errorf("op is not a small integer")
				}
				f.Op, hasOp = int(n), true
			case "s":
				if isNull(v) {
					f.Seq = 0
					break
				}
				n, ok := parseInt(v)
				if !ok || n < 0 {
					return f, p.errorf("s is not a sequence number")
				}
				f.Seq = n
			case "t":
				if isNull(v) {
					f.Type = ""
					break
				}
				t, err := stringValue(v)
				if err != nil {
					return f, p.errorf("t is not a string")
				}
				f.Type = t
			case "d":
				f.Data = v
			}
			p.skipSpace()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				break
			}
			return f, p.errorf("expected ',' or '}' in object")
		}
	}
	p.skipSpace()
	if p.i != len(b) {
		return f, p.errorf("trailing data after payload")
	}
	if !hasOp {
		return f, fmt.Errorf("%w: no op", errMalformed)
	}
	return f, nil
}

// scanner is a minimal JSON validator that skips values without building
// them; it is several times faster than encoding/json for our purpose.
type scanner struct {
	b []byte
	i int
}

func (p *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", errMalformed, p.i, fmt.Sprintf(format, args...))
}

func (p *scanner) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *scanner) eat(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// key reads an object key. Gateway keys never contain escapes, so the
// common case returns a string that the compiler does not allocate for the
// comparisons in decodeFrame; escaped keys are unquoted properly.
func (p *scanner) key() (string, error) {
	start := p.i
	escaped, err := p.skipString()
	if err != nil {
		return "", err
	}
	raw := p.b[start:p.i]
	if !escaped {
		switch string(raw[1 : len(raw)-1]) {
		case "op":
			return "op", nil
		case "s":
			return "s", nil
		case "t":
			return "t", nil
		case "d":
			return "d", nil
		}
		return "", nil // a key we do not care about
	}
	var k string
	if err := json.Unmarshal(raw, &k); err != nil {
		return "", p.errorf("invalid object key")
	}
	return k, nil
}

func (p *scanner) skipValue(depth int) error {
	if depth > maxDepth {
		return p.errorf("nesting deeper than %d", maxDepth)
	}
	if p.i >= len(p.b) {
		return p.errorf("unexpected end of payload")
	}
	switch c := p.b[p.i]; {
	case c == '"':
		_, err := p.skipString()
		return err
	case c == '{':
		p.i++
		p.skipSpace()
		if p.eat('}') {
			return nil
		}
		for {
			p.skipSpace()
			if _, err := p.skipString(); err != nil {
				return err
			}
			p.skipSpace()
			if !p.eat(':') {
				return p.errorf("expected ':' after object key")
			}
			p.skipSpace()
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			p.skipSpace()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				return nil
			}
			return p.errorf("expected ',' or '}' in object")
		}
	case c == '[':
		p.i++
		p.skipSpace()
		if p.eat(']') {
			return nil
		}
		for {
			p.skipSpace()
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			p.skipSpace()
			if p.eat(',') {
				continue
			}
			if p.eat(']') {
				return nil
			}
			return p.errorf("expected ',' or ']' in array")
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return p.skipNumber()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	default:
		return p.errorf("unexpected character %q", c)
	}
}

func (p *scanner) literal(want string) error {
	if len(p.b)-p.i < len(want) || string(p.b[p.i:p.i+len(want)]) != want {
		return p.errorf("invalid literal")
	}
	p.i += len(want)
	return nil
}

// skipString skips a string starting at the opening quote and reports
// whether it contained escapes.
func (p *scanner) skipString() (escaped bool, err error) {
	if !p.eat('"') {
		return false, p.errorf("expected string")
	}
	b := p.b
	for i := p.i; i < len(b); i++ {
		// Tight loop over the plain bytes, which are almost all of them.
		for i < len(b) && b[i] >= 0x20 && b[i] != '"' && b[i] != '\\' {
			i++
		}
		if i >= len(b) {
			break
		}
		switch c := b[i]; {
		case c == '"':
			p.i = i + 1
			return escaped, nil
		case c == '\\':
			escaped = true
			i++
			if i >= len(b) {
				p.i = i
				return escaped, p.errorf("unterminated escape")
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					p.i = i
					return escaped, p.errorf("invalid \\u escape")
				}
				i += 4
			default:
				p.i = i
				return escaped, p.errorf("invalid escape")
			}
		default: // c < 0x20
			p.i = i
			return escaped, p.errorf("control character in string")
		}
	}
	p.i = len(b)
	return escaped, p.errorf("unterminated string")
}

func (p *scanner) skipNumber() error {
	b, i := p.b, p.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		p.i = i
		return p.errorf("invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			p.i = i
			return p.errorf("invalid number")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			p.i = i
			return p.errorf("invalid number")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	p.i = i
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func isNull(v []byte) bool { return string(v) == "null" }

// parseInt parses an already validated JSON number that must be an integer
// (as encoding/json requires for an int field: no fraction, no exponent).
func parseInt(v []byte) (int64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	// 18 digits always fit in an int64; nothing in the protocol needs more.
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// stringValue returns the Go string for a validated JSON string, exactly as
// encoding/json would. Event names are short ASCII without escapes; the frequent ones are returned as
// constants so that decoding them does not allocate.
func stringValue(v []byte) (string, error) {
	if len(v) < 2 || v[0] != '"' {
		return "", errMalformed
	}
	inner := v[1 : len(v)-1]
	for _, c := range inner {
		// Escapes and non-ASCII (which encoding/json validates as UTF-8)
		// take the slow path; event names never have either.
		if c == '\\' || c >= 0x80 {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return "", fmt.Errorf("%w: %w", errMalformed, err)
			}
			return s, nil
		}
	}
	switch string(inner) {
	case "MESSAGE_CREATE":
		return "MESSAGE_CREATE", nil
	case "MESSAGE_UPDATE":
		return "MESSAGE_UPDATE", nil
	case "MESSAGE_DELETE":
		return "MESSAGE_DELETE", nil
	case "INTERACTION_CREATE":
		return "INTERACTION_CREATE", nil
	case "GUILD_CREATE":
		return "GUILD_CREATE", nil
	case "PRESENCE_UPDATE":
		return "PRESENCE_UPDATE", nil
	case "TYPING_START":
		return "TYPING_START", nil
	case "MESSAGE_REACTION_ADD":
		return "MESSAGE_REACTION_ADD", nil
	case "GUILD_MEMBER_UPDATE":
		return "GUILD_MEMBER_UPDATE", nil
	case "VOICE_STATE_UPDATE":
		return "VOICE_STATE_UPDATE", nil
	case EventReady:
		return EventReady, nil
	case EventResumed:
		return EventResumed, nil
	}
	return string(inner), nil
}

// appendHeartbeat builds an op 1 payload without going through
// encoding/json: it is sent every interval for the life of the process.
func appendHeartbeat(dst []byte, seq int64) []byte {
	dst = append(dst, `{"op":1,"d":`...)
	if seq <= 0 {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, seq, 10)
	}
	return append(dst, '}')
}
