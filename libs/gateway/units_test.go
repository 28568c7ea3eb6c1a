package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestClassifyClose(t *testing.T) {
	tests := []struct {
		code int
		want closeAction
	}{
		{4000, actionResume}, {4001, actionResume}, {4002, actionResume}, {4003, actionResume},
		{4005, actionResume}, {4008, actionResume},
		{4007, actionIdentify}, {4009, actionIdentify},
		{4004, actionFatal}, {4010, actionFatal}, {4011, actionFatal}, {4012, actionFatal},
		{4013, actionFatal}, {4014, actionFatal},
		{1000, actionResume}, {1006, actionResume}, {4999, actionResume},
	}
	for _, tt := range tests {
		got, why := classifyClose(tt.code)
		if got != tt.want {
			t.Errorf("classifyClose(%d) = %v, want %v", tt.code, got, tt.want)
		}
		if !strings.Contains(why, fmt.Sprint(tt.code)) {
			t.Errorf("classifyClose(%d) reason %q does not name the code", tt.code, why)
		}
	}
}

func TestPlanFromReadError(t *testing.T) {
	closeErr := func(code int) error {
		return fmt.Errorf("read: %w", websocket.CloseError{Code: websocket.StatusCode(code), Reason: "x"})
	}
	var fe *FatalError
	if err := planFromReadError(3, closeErr(4004)); !errors.As(err, &fe) || fe.Code != 4004 || fe.ShardID != 3 {
		t.Errorf("4004: got %v", err)
	} else if want := "gateway: shard 3: authentication failed (4004): the bot token is invalid"; fe.Error() != want {
		t.Errorf("4004 message = %q, want %q", fe.Error(), want)
	}
	var rc *reconnectError
	if err := planFromReadError(0, closeErr(4009)); !errors.As(err, &rc) || rc.resume {
		t.Errorf("4009: got %v, want reconnect without resume", err)
	}
	if err := planFromReadError(0, errors.New("EOF")); !errors.As(err, &rc) || !rc.resume {
		t.Errorf("network error: got %v, want reconnect with resume", err)
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{min: time.Second, max: 30 * time.Second}
	caps := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i, c := range caps {
		c *= time.Second
		d := b.next()
		if d < c/2 || d > c {
			t.Errorf("attempt %d: wait %v, want in [%v, %v]", i, d, c/2, c)
		}
	}
	b.reset()
	if d := b.next(); d > time.Second {
		t.Errorf("after reset: wait %v, want at most 1s", d)
	}
}

func TestSendBudget(t *testing.T) {
	b := newSendBudget(3, time.Minute)
	now := time.Unix(1000, 0)
	for i := range 3 {
		if d := b.reserve(now.Add(time.Duration(i) * time.Second)); d != 0 {
			t.Fatalf("send %d: wait %v, want none", i, d)
		}
	}
	// The fourth must wait until the first leaves the window.
	if d := b.reserve(now.Add(10 * time.Second)); d != 50*time.Second {
		t.Fatalf("fourth send: wait %v, want 50s", d)
	}
	if d := b.reserve(now.Add(60 * time.Second)); d != 0 {
		t.Fatalf("after the window: wait %v, want none", d)
	}
	if d := b.reserve(now.Add(60 * time.Second)); d != time.Second {
		t.Fatalf("next: wait %v, want 1s (second send leaves at 61s)", d)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	full := newSendBudget(1, time.Hour)
	_ = full.wait(ctx)
	if err := full.wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait on a full budget: %v, want deadline exceeded", err)
	}
}

func TestAppSendLimit(t *testing.T) {
	tests := []struct {
		interval time.Duration
		want     int
	}{
		{41250 * time.Millisecond, 120 - 4}, // 2 heartbeats + identify + a requested beat
		{10 * time.Second, 120 - 8},
		{100 * time.Millisecond, 100}, // reserve capped at 20
		{0, 100},
	}
	for _, tt := range tests {
		if got := appSendLimit(tt.interval); got != tt.want {
			t.Errorf("appSendLimit(%v) = %d, want %d", tt.interval, got, tt.want)
		}
	}
}

func TestDefaultInvalidSessionWait(t *testing.T) {
	for range 200 {
		if d := defaultInvalidSessionWait(); d < time.Second || d > 5*time.Second {
			t.Fatalf("defaultInvalidSessionWait() = %v, want within 1-5s", d)
		}
	}
}

func TestFirstBeat(t *testing.T) {
	for range 200 {
		if d := firstBeat(time.Second); d < 0 || d >= time.Second {
			t.Fatalf("firstBeat(1s) = %v, want in [0, 1s)", d)
		}
	}
}

func TestConnectURL(t *testing.T) {
	tests := []struct {
		base     string
		compress CompressMode
		want     string
	}{
		{"wss://gateway.discord.gg", CompressNone, "wss://gateway.discord.gg/?v=10&encoding=json"},
		{"wss://gateway.discord.gg/", CompressZlibStream, "wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream"},
		{"ws://127.0.0.1:9/gw?v=9&x=1", CompressNone, "ws://127.0.0.1:9/gw?v=10&encoding=json&x=1"},
	}
	for _, tt := range tests {
		got, err := connectURL(tt.base, tt.compress)
		if err != nil || got != tt.want {
			t.Errorf("connectURL(%q, %v) = %q, %v; want %q", tt.base, tt.compress, got, err, tt.want)
		}
	}
}

func TestNewShardValidation(t *testing.T) {
	valid := Config{Token: "tok", URL: "wss://gateway.discord.gg", ShardCount: 1}
	h := func(context.Context, Dispatch) error { return nil }
	tests := []struct {
		name    string
		mutate  func(*Config)
		nilH    bool
		wantErr string
	}{
		{name: "valid", mutate: func(*Config) {}},
		{name: "nil handler", mutate: func(*Config) {}, nilH: true, wantErr: "Handler"},
		{name: "no token", mutate: func(c *Config) { c.Token = "" }, wantErr: "Token"},
		{name: "only Bot prefix", mutate: func(c *Config) { c.Token = "Bot " }, wantErr: "Token"},
		{name: "no url", mutate: func(c *Config) { c.URL = "" }, wantErr: "URL"},
		{name: "http url", mutate: func(c *Config) { c.URL = "https://discord.com" }, wantErr: "scheme"},
		{name: "zero shard count", mutate: func(c *Config) { c.ShardCount = 0 }, wantErr: "ShardCount"},
		{name: "shard id too big", mutate: func(c *Config) { c.ShardID, c.ShardCount = 2, 2 }, wantErr: "ShardID"},
		{name: "negative shard id", mutate: func(c *Config) { c.ShardID = -1 }, wantErr: "ShardID"},
		{name: "negative intents", mutate: func(c *Config) { c.Intents = -1 }, wantErr: "Intents"},
		{name: "bad compress", mutate: func(c *Config) { c.Compress = 7 }, wantErr: "Compress"},
		{name: "bad resume url", mutate: func(c *Config) { c.Resume = &SessionState{SessionID: "s", ResumeURL: "http://x"} }, wantErr: "ResumeURL"},
		{name: "negative wait", mutate: func(c *Config) { c.MinReconnectWait = -time.Second }, wantErr: "MinReconnectWait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.mutate(&cfg)
			hh := h
			if tt.nilH {
				hh = nil
			}
			_, err := NewShard(cfg, hh)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("NewShard: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewShard: %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigNeverLogsToken(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	cfg := Config{Token: "super-secret-token", URL: "wss://g", ShardCount: 1}
	log.Info("config", "cfg", cfg)
	if strings.Contains(buf.String(), "super-secret") {
		t.Fatalf("token in log output: %s", buf.String())
	}
}

func TestHeartbeatZombieDetection(t *testing.T) {
	t0 := time.Unix(100, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name   string
		events func(h *heartbeat)
		want   bool
	}{
		{name: "nothing sent yet", events: func(*heartbeat) {}, want: false},
		{name: "acknowledged", events: func(h *heartbeat) { h.sent(at(0), true); h.acked(at(30)) }, want: false},
		{name: "not acknowledged", events: func(h *heartbeat) { h.sent(at(0), true) }, want: true},
		{name: "requested beat just before the tick", events: func(h *heartbeat) {
			h.sent(at(0), true)
			h.acked(at(30))
			h.sent(at(990), false) // Discord asked; its ACK is still in flight
		}, want: false},
		{name: "only a requested beat was acknowledged", events: func(h *heartbeat) {
			h.sent(at(0), true)
			h.sent(at(500), false)
			h.acked(at(520))
		}, want: false},
		{name: "ack before the last scheduled beat", events: func(h *heartbeat) {
			h.sent(at(0), true)
			h.acked(at(30))
			h.sent(at(1000), true)
		}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h heartbeat
			tt.events(&h)
			if got := h.missed(); got != tt.want {
				t.Errorf("missed() = %v, want %v", got, tt.want)
			}
		})
	}
	var h heartbeat
	h.sent(at(0), true)
	if lat := h.acked(at(42)); lat != 42*time.Millisecond {
		t.Errorf("latency %v, want 42ms", lat)
	}
	if lat := h.acked(at(50)); lat != 0 {
		t.Errorf("unsolicited ACK latency %v, want 0", lat)
	}
}
