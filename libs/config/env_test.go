package config

import (
	"strings"
	"testing"
	"time"
)

func TestEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		read    func(*Env) any
		want    any
		wantErr string
	}{
		{"default string", nil, func(e *Env) any { return e.String("X", "d") }, "d", ""},
		{"set string", map[string]string{"X": " v "}, func(e *Env) any { return e.String("X", "d") }, "v", ""},
		{"required missing", nil, func(e *Env) any { return e.Required("TOKEN") }, "", "TOKEN is required"},
		{"int ok", map[string]string{"N": "7"}, func(e *Env) any { return e.Int("N", 1, 0, 10) }, 7, ""},
		{"int out of range", map[string]string{"N": "70"}, func(e *Env) any { return e.Int("N", 1, 0, 10) }, 1, "N=\"70\""},
		{"bool bad", map[string]string{"B": "yes please"}, func(e *Env) any { return e.Bool("B", false) }, false, "want true or false"},
		{"duration ok", map[string]string{"D": "2s"}, func(e *Env) any { return e.Duration("D", time.Second) }, 2 * time.Second, ""},
		{"duration negative", map[string]string{"D": "-2s"}, func(e *Env) any { return e.Duration("D", time.Second) }, time.Second, "positive duration"},
		{"url ok", map[string]string{"U": "nats://127.0.0.1:4222"}, func(e *Env) any { return e.URL("U", "", "nats") }, "nats://127.0.0.1:4222", ""},
		{"url bad scheme", map[string]string{"U": "http://x"}, func(e *Env) any { return e.URL("U", "", "nats") }, "", "want an absolute nats URL"},
		{"addr bad", map[string]string{"A": "localhost"}, func(e *Env) any { return e.Addr("A", "127.0.0.1:1") }, "127.0.0.1:1", "want host:port"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := FromMap(tc.env)
			if got := tc.read(e); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			err := e.Err()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}
