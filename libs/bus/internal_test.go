package bus

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestHeaderCarrierReadsAnyCase(t *testing.T) {
	const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	tests := []struct {
		name string
		h    nats.Header
	}{
		{"lowercase", nats.Header{"traceparent": {tp}}},
		{"canonical", nats.Header{"Traceparent": {tp}}},
		{"upper", nats.Header{"TRACEPARENT": {tp}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := headerCarrier(tt.h).Get("traceparent"); got != tp {
				t.Errorf("Get = %q, want %q", got, tp)
			}
		})
	}
	h := nats.Header{}
	headerCarrier(h).Set("traceparent", tp)
	if _, ok := h["traceparent"]; !ok {
		t.Errorf("Set did not keep the key as given: %v", h)
	}
}

func TestReconnectDelayGrowsToCap(t *testing.T) {
	delay := reconnectDelay(100*time.Millisecond, time.Second)
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 100 * time.Millisecond, 125 * time.Millisecond},
		{2, 200 * time.Millisecond, 250 * time.Millisecond},
		{4, 800 * time.Millisecond, time.Second},
		{50, time.Second, 1250 * time.Millisecond},
	}
	for _, tt := range tests {
		if d := delay(tt.attempt); d < tt.min || d > tt.max {
			t.Errorf("attempt %d: delay %s outside [%s, %s]", tt.attempt, d, tt.min, tt.max)
		}
	}
}

func TestHeaderValueIsOneBoundedLine(t *testing.T) {
	long := make([]byte, 3000)
	for i := range long {
		long[i] = 'x'
	}
	tests := []struct{ in, want string }{
		{"a\r\nb\tc", "a b c"},
		{"  spaced  ", "spaced"},
	}
	for _, tt := range tests {
		if got := headerValue(tt.in); got != tt.want {
			t.Errorf("headerValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := headerValue(string(long)); len(got) > maxErrorHeader+4 {
		t.Errorf("long value kept %d bytes", len(got))
	}
}
