package commands

import (
	"strconv"
	"strings"
	"time"
)

// maxDuration bounds what ParseDuration accepts, far beyond any command's own limit (a
// Discord timeout is at most 28 days), so the sum can never overflow.
const maxDuration = 100 * 365 * 24 * time.Hour

// ParseDuration reads the durations members type: a number and a unit, possibly several
// ("90s", "10m", "2h", "1d", "1w", "1h30m"). Negative, zero, unit-less and unknown-unit
// values are ArgErrors phrased for the member.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	if in == "" {
		return 0, argErr("give a duration like 10m, 2h or 1d")
	}
	if strings.HasPrefix(in, "-") {
		return 0, argErr("`%s`: a duration can't be negative", truncate(s, 20))
	}
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	var total time.Duration
	for in != "" {
		i := 0
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
		}
		if i == 0 || i == len(in) {
			return 0, argErr("`%s` isn't a duration: use a number and a unit (s, m, h, d, w), like 10m", truncate(s, 20))
		}
		n, err := strconv.ParseInt(in[:i], 10, 64)
		unit, ok := units[in[i]]
		if err != nil || !ok || n > 1<<20 {
			return 0, argErr("`%s` isn't a duration: use a number and a unit (s, m, h, d, w), like 10m", truncate(s, 20))
		}
		if time.Duration(n) > (maxDuration-total)/unit {
			// Checked by division: "1048576w" would overflow the multiplication and come
			// back as some other, positive, duration.
			return 0, argErr("`%s` is far too long", truncate(s, 20))
		}
		total += time.Duration(n) * unit
		in = in[i+1:]
	}
	if total <= 0 {
		return 0, argErr("`%s`: the duration must be longer than zero", truncate(s, 20))
	}
	return total, nil
}
