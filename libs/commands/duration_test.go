package commands

import (
	"errors"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true},
		{"10m", 10 * time.Minute, true},
		{"2H", 2 * time.Hour, true},
		{"1d", 24 * time.Hour, true},
		{"1w", 7 * 24 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"5x", 0, false},
		{"-3m", 0, false},
		{"0m", 0, false},
		{"10", 0, false},
		{"m", 0, false},
		{"", 0, false},
		{"99999999999999999999d", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseDuration(tc.in)
		var ae *ArgError
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("%q: got %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if !tc.ok && !errors.As(err, &ae) {
			t.Errorf("%q: want an ArgError, got %v, %v", tc.in, got, err)
		}
	}
}
