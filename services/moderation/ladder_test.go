package moderation

import (
	"errors"
	"testing"
	"time"

	"github.com/novera-bot/novera/services/moderation/filter"
)

func TestRung(t *testing.T) {
	for _, c := range []struct {
		prior   int
		cat     filter.Category
		level   int
		timeout time.Duration
	}{
		{0, filter.Profanity, 0, 0},
		{1, filter.Profanity, 1, 5 * time.Minute},
		{2, filter.Profanity, 2, time.Hour},
		{3, filter.Profanity, 3, 24 * time.Hour},
		{4, filter.Profanity, 4, 7 * 24 * time.Hour},
		{5, filter.Profanity, 5, 28 * 24 * time.Hour},
		{12, filter.Profanity, 12, 28 * 24 * time.Hour},
		{0, filter.Slur, 3, 24 * time.Hour},
		{4, filter.Slur, 4, 7 * 24 * time.Hour},
		{0, filter.SelfHarm, 2, time.Hour},
		{1, filter.SelfHarm, 2, time.Hour},
		{3, filter.SelfHarm, 3, 24 * time.Hour},
	} {
		level, d := rung(c.prior, c.cat)
		if level != c.level || d != c.timeout {
			t.Errorf("rung(%d, %v) = %d, %v; want %d, %v", c.prior, c.cat, level, d, c.level, c.timeout)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		err  error
	}{
		{"10m", 10 * time.Minute, nil},
		{"30s", 30 * time.Second, nil},
		{"2h", 2 * time.Hour, nil},
		{"1h30m", 90 * time.Minute, nil},
		{"3d", 72 * time.Hour, nil},
		{"1w", 7 * 24 * time.Hour, nil},
		{"28d", 28 * 24 * time.Hour, nil},
		{"4w", 28 * 24 * time.Hour, nil},
		{"2 days", 48 * time.Hour, nil},
		{"10 MIN", 10 * time.Minute, nil},
		{"40d", 0, errTooLong},
		{"28d1s", 0, errTooLong},
		{"99999999999999999999d", 0, errTooLong},
		{"5x", 0, errBadUnit},
		{"10", 0, errNoUnit},
		{"", 0, errUnreadable},
		{"m", 0, errUnreadable},
		{"soon", 0, errUnreadable},
		{"0m", 0, errZero},
		{"-5m", 0, errUnreadable},
		{"1.5h", 0, errBadUnit},
	} {
		got, err := parseDuration(c.in)
		if got != c.want || !errors.Is(err, c.err) {
			t.Errorf("parseDuration(%q) = %v, %v; want %v, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "none", 5 * time.Minute: "5m", time.Hour: "1h", 24 * time.Hour: "1d",
		7 * 24 * time.Hour: "1w", 28 * 24 * time.Hour: "28d", 26 * time.Hour: "1d 2h", 90 * time.Second: "1m 30s"} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
