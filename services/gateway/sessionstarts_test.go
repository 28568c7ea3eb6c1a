package gateway

import (
	"log/slog"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
)

// Identifies spend Discord's session_start_limit; with none left the next identify waits
// for the reset Discord announced instead of being refused (op 9) over and over.
func TestSessionStartsWaitForReset(t *testing.T) {
	sim := simtest.New(t, discordsim.Options{Gateway: discordsim.GatewayOptions{SessionStartLimit: 2, SessionStartReset: time.Hour}})
	dc, err := discord.New(discord.Config{Token: sim.Token(), APIURL: sim.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	gb, err := dc.GatewayBot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	st := newSessionStarts(dc, gb, slog.New(slog.DiscardHandler))
	for i := range 2 {
		if wait, err := st.wait(t.Context()); err != nil || wait != 0 {
			t.Fatalf("identify %d of the 2 allowed: wait %v, err %v", i+1, wait, err)
		}
	}
	wait, err := st.wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if wait < 59*time.Minute {
		t.Fatalf("a third identify waits %v; the budget resets in an hour", wait)
	}
}
