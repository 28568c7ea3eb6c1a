package worker

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/novera-bot/novera/libs/bus"
)

// TestDatabaseStep: a start-up step on the database is tried again only while the
// database is away.
func TestDatabaseStep(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"success", nil, false},
		{"database starting", fmt.Errorf("migrate: %w", &pgconn.PgError{Code: "57P03"}), false},
		{"migration with a syntax error", fmt.Errorf("migrate: %w", &pgconn.PgError{Code: "42601"}), true},
		{"unreadable migrations", errors.New("read migrations: file does not exist"), true},
	}
	for _, tt := range tests {
		got := DatabaseStep(tt.err)
		if !errors.Is(got, tt.err) || bus.IsPermanent(got) != tt.permanent {
			t.Errorf("%s: %v (permanent %v), want permanent %v", tt.name, got, bus.IsPermanent(got), tt.permanent)
		}
	}
}
