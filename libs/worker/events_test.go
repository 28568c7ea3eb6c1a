package worker

import (
	"testing"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
)

func TestNotFromBots(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		bot  bool
		keep bool
	}{
		{"MESSAGE_CREATE", false, true},
		{"MESSAGE_CREATE", true, false},
		{"MESSAGE_UPDATE", false, true},
		{"MESSAGE_UPDATE", true, false}, // the edit that fills a deferred answer
		{"GUILD_ROLE_CREATE", false, true},
		{"GUILD_MEMBER_UPDATE", true, true}, // a bot's membership still matters
	} {
		if got := NotFromBots(&busv1.Event{Type: tc.typ, AuthorBot: tc.bot}); got != tc.keep {
			t.Errorf("NotFromBots(%s, bot %v) = %v, want %v", tc.typ, tc.bot, got, tc.keep)
		}
	}
}
