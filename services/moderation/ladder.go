package moderation

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/novera-bot/novera/services/moderation/filter"
)

// ladder is the filter's graduated timeout by level (SPEC.md §6): a member's level is
// the number of warnings they already had, raised to the floor of what they wrote.
var ladder = [...]time.Duration{0, 5 * time.Minute, time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, MaxTimeout}

// MaxTimeout is the longest timeout Discord accepts.
const MaxTimeout = 28 * 24 * time.Hour

// rung returns the level and timeout for a new warning after prior active warnings.
func rung(prior int, c filter.Category) (level int, timeout time.Duration) {
	level = max(prior, c.MinLevel())
	return level, ladder[min(level, len(ladder)-1)]
}

// Duration errors, phrased by the pools.
var (
	errNoUnit      = errors.New("duration needs a unit")
	errBadUnit     = errors.New("unknown duration unit")
	errTooLong     = errors.New("duration over 28 days")
	errZero        = errors.New("duration is zero")
	errUnreadable  = errors.New("unreadable duration")
	durationUnits  = map[string]time.Duration{"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second, "m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute, "h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour, "d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour, "w": 7 * 24 * time.Hour, "wk": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour}
	maxDurationLen = 32
)

// parseDuration reads a moderator's duration: one or more number-unit pairs ("10m",
// "1h30m", "2 days"), between one second and 28 days. A bare number is refused rather
// than guessed: "mute @x 10" could mean minutes or hours, and a wrong guess is a
// punishment nobody meant.
func parseDuration(s string) (time.Duration, error) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if s == "" || len(s) > maxDurationLen {
		return 0, errUnreadable
	}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, errUnreadable
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n > 100000 {
			return 0, errTooLong
		}
		s = s[i:]
		j := 0
		for j < len(s) && (s[j] < '0' || s[j] > '9') {
			j++
		}
		if j == 0 {
			return 0, errNoUnit
		}
		unit, ok := durationUnits[s[:j]]
		if !ok {
			return 0, fmt.Errorf("%w %q", errBadUnit, s[:j])
		}
		s = s[j:]
		total += time.Duration(n) * unit
		if total > MaxTimeout {
			return 0, errTooLong
		}
	}
	if total <= 0 {
		return 0, errZero
	}
	return total, nil
}

// humanDuration renders a duration the way moderators type them: "5m", "1h", "28d", "1d 2h".
func humanDuration(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{7 * 24 * time.Hour, "w"}, {24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d >= u.d {
			parts = append(parts, strconv.FormatInt(int64(d/u.d), 10)+u.name)
			d %= u.d
		}
	}
	// 28 days reads better as 28d than 4w.
	if len(parts) == 1 && strings.HasSuffix(parts[0], "w") {
		if n, _ := strconv.Atoi(strings.TrimSuffix(parts[0], "w")); n > 1 {
			return strconv.Itoa(n*7) + "d"
		}
	}
	return strings.Join(parts, " ")
}
