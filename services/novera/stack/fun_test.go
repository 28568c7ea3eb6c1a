package stack

import (
	"strings"
	"testing"
	"unicode"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// The persona commands answer as slash and prefix commands, in both voices, and the
// spank gate and scoldings behave as SPEC.md §4 says.
func TestFunCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	cfg, err := guildconfig.Open(t.Context(), e.pool)
	if err != nil {
		t.Fatal(err)
	}
	p2 := "<@" + e.member("player2").String() + ">"
	tests := []struct {
		name  string
		slash bool
		text  string
		sassy bool
		check func(t *testing.T, r discordsim.Reply)
	}{
		{"spank slash", true, "/spank member:" + p2, true, mentions(p2)},
		{"spank prefix", false, "!spank " + p2, true, mentions(p2)},
		{"spank the bot is refused", false, "!spank <@" + e.member("bot").String() + ">", true, scolded},
		{"shopping slash", true, "/shopping", true, titled},
		{"tipjar prefix", false, "!tipjar", true, titled},
		{"confess slash", true, "/confess", true, titled},
		{"confess plain voice", false, "!confess", false, plainVoice},
		{"shopping sassy voice", false, "!shopping", true, sassyVoice},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := cfg.Set(t.Context(), e.demo.GuildID.String(), "sassy", map[bool]string{true: "on", false: "off"}[tc.sassy], "test"); err != nil {
				t.Fatal(err)
			}
			var r discordsim.Reply
			if tc.slash {
				r = e.slash("player1", tc.text)
			} else {
				r = e.prefix("player1", tc.text)
			}
			if len(r.Message.Embeds) == 0 {
				t.Fatalf("no embed: %+v", r)
			}
			tc.check(t, r)
		})
	}

	// A configured spank role gates the command.
	if _, err := cfg.Set(t.Context(), e.demo.GuildID.String(), "role.spank", e.demo.Roles["Spank"].String(), "test"); err != nil {
		t.Fatal(err)
	}
	r := e.prefix("player1", "!spank "+p2)
	if !strings.Contains(strings.ToLower(r.Message.Embeds[0].Description), "spank role") {
		t.Errorf("gate: %q", r.Message.Embeds[0].Description)
	}
	var spanks int
	if err := e.pool.QueryRow(t.Context(), `SELECT COALESCE(SUM(count),0) FROM fun.spanks WHERE user_id = $1`, e.member("player2").String()).Scan(&spanks); err != nil {
		t.Fatal(err)
	}
	if spanks != 2 {
		t.Errorf("stored spanks = %d, want 2 (refusals store nothing)", spanks)
	}
}

func mentions(who string) func(*testing.T, discordsim.Reply) {
	return func(t *testing.T, r discordsim.Reply) {
		if !strings.Contains(r.Message.Embeds[0].Description, who) || r.Message.Embeds[0].Image == nil {
			t.Errorf("embed %+v should name %s and show a GIF", r.Message.Embeds[0], who)
		}
	}
}

func scolded(t *testing.T, r discordsim.Reply) {
	if r.Message.Embeds[0].Color != 0xE5484D {
		t.Errorf("expected a scolding, got %+v", r.Message.Embeds[0])
	}
}

func titled(t *testing.T, r discordsim.Reply) {
	if r.Message.Embeds[0].Title == "" || r.Message.Embeds[0].Description == "" {
		t.Errorf("themed embed incomplete: %+v", r.Message.Embeds[0])
	}
}

// The plain voice is emoji-free; every sassy line carries at least one.
func plainVoice(t *testing.T, r discordsim.Reply) {
	if e := r.Message.Embeds[0]; hasEmoji(e.Title + e.Description) {
		t.Errorf("plain voice expected, got %q / %q", e.Title, e.Description)
	}
}

func sassyVoice(t *testing.T, r discordsim.Reply) {
	if e := r.Message.Embeds[0]; !hasEmoji(e.Description) {
		t.Errorf("sassy voice expected, got %q", e.Description)
	}
}

func hasEmoji(s string) bool {
	for _, r := range s {
		if r >= 0x2190 && !unicode.IsLetter(r) {
			return true
		}
	}
	return false
}
