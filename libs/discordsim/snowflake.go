package discordsim

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// DiscordEpoch is the first millisecond of 2015, the origin of Discord's snowflake timestamps.
const DiscordEpoch int64 = 1420070400000

// Snowflake is a Discord id. It is encoded in JSON as a decimal string, as Discord does, because
// 64-bit integers do not survive JavaScript clients; decoding also accepts bare numbers.
type Snowflake uint64

// ParseSnowflake parses a decimal id.
func ParseSnowflake(s string) (Snowflake, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("discordsim: %q is not a snowflake: %w", s, err)
	}
	return Snowflake(v), nil
}

// String returns the decimal form.
func (s Snowflake) String() string { return strconv.FormatUint(uint64(s), 10) }

// Time returns the creation time encoded in the id.
func (s Snowflake) Time() time.Time {
	return time.UnixMilli(int64(uint64(s)>>22) + DiscordEpoch).UTC()
}

// MarshalJSON encodes the id as a string.
func (s Snowflake) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 22)
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(s), 10)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts "123", 123 and null (zero).
func (s *Snowflake) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*s = 0
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	if len(b) == 0 {
		*s = 0
		return nil
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("discordsim: %q is not a snowflake: %w", b, err)
	}
	*s = Snowflake(v)
	return nil
}

// snowflakeGen hands out ids shaped like Discord's (milliseconds since DiscordEpoch << 22 | a
// counter). Ids are strictly increasing even when the clock stalls or steps back, because
// message ordering and before/after pagination rely on id order.
type snowflakeGen struct {
	mu   sync.Mutex
	last uint64
}

func (g *snowflakeGen) next(now time.Time) Snowflake {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := now.UnixMilli() - DiscordEpoch
	if ms < 0 {
		ms = 0
	}
	v := uint64(ms) << 22
	if v <= g.last {
		v = g.last + 1
	}
	g.last = v
	return Snowflake(v)
}
