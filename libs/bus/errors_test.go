package bus_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/bus"
)

func TestErrorMarkers(t *testing.T) {
	base := io.ErrUnexpectedEOF
	tests := []struct {
		name          string
		err           error
		wantNil       bool
		wantPermanent bool
	}{
		{name: "permanent", err: bus.Permanent(base), wantPermanent: true},
		{name: "wrapped permanent", err: errors.Join(errors.New("ctx"), bus.Permanent(base)), wantPermanent: true},
		{name: "permanent nil", err: bus.Permanent(nil), wantNil: true},
		{name: "retry after", err: bus.RetryAfter(base, time.Second)},
		{name: "retry after nil", err: bus.RetryAfter(nil, time.Second), wantNil: true},
		{name: "plain", err: base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.err == nil) != tt.wantNil {
				t.Fatalf("err = %v, want nil: %v", tt.err, tt.wantNil)
			}
			if tt.wantNil {
				return
			}
			if got := bus.IsPermanent(tt.err); got != tt.wantPermanent {
				t.Errorf("IsPermanent = %v, want %v", got, tt.wantPermanent)
			}
			if !errors.Is(tt.err, base) {
				t.Errorf("%v does not wrap the cause", tt.err)
			}
		})
	}
}
