package stack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// /config show and /config set (staff only), with clear errors that store nothing; a
// change applies to the next command of every service.
func TestConfigCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	cfg, err := guildconfig.Open(t.Context(), e.pool)
	if err != nil {
		t.Fatal(err)
	}
	stored := func(key string) string {
		c, err := cfg.Get(t.Context(), e.demo.GuildID.String())
		if err != nil {
			t.Fatal(err)
		}
		return c.Value(key)
	}
	tests := []struct {
		name, user, text string
		want             []string
		key, value       string // the stored value afterwards
	}{
		{"show", "staff", "/config show", []string{"sassy", "role.goodboy"}, "sassy", "true"},
		{"player may not", "player1", "/config set key:sassy value:off", []string{"staff"}, "sassy", "true"},
		{"unknown key", "staff", "/config set key:sasy value:off", []string{"`sasy`", "`sassy`"}, "sassy", "true"},
		{"wrong type", "staff", "!config set feature.clanker_roasts maybe", []string{"true or false"}, "feature.clanker_roasts", "false"},
		{"role by mention", "staff", "!config set role.spank <@&" + e.demo.Roles["Spank"].String() + ">", []string{"role.spank"}, "role.spank", e.demo.Roles["Spank"].String()},
		{"missing verb", "staff", "!config", []string{"show or set"}, "sassy", "true"},
		{"owner may", "owner", "/config set key:sassy value:off", []string{"sassy"}, "sassy", "false"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var text string
			if strings.HasPrefix(tc.text, "/") {
				text = e.slash(tc.user, tc.text).Message.Embeds[0].Description
				if tc.name == "show" {
					text = ""
					for _, f := range e.slash(tc.user, tc.text).Message.Embeds[0].Fields {
						text += f.Value
					}
				}
			} else {
				text = e.prefix(tc.user, tc.text).Message.Embeds[0].Description
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("answer %q lacks %q", text, w)
				}
			}
			if got := stored(tc.key); got != tc.value {
				t.Errorf("%s = %q, want %q", tc.key, got, tc.value)
			}
		})
	}
	// sassy is now off: the fun service answers plainly on the very next command.
	r := e.prefix("player1", "!confess")
	if hasEmoji(r.Message.Embeds[0].Description) {
		t.Errorf("sassy off not applied: %q", r.Message.Embeds[0].Description)
	}

	// A new prefix reaches the gateway within moments: the old one stops being a command.
	e.prefix("staff", "!config set prefix ?")
	if got := stored("prefix"); got != "?" {
		t.Fatalf("prefix stored as %q", got)
	}
	var r2 discordsim.Reply
	deadline := time.Now().Add(time.Second)
	for {
		x, err := e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("player1"), Content: "?confess"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		r2, err = x.WaitAnswer(ctx)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new prefix was not recognised within a second")
		}
	}
	if len(r2.Message.Embeds) == 0 {
		t.Fatalf("?confess answered without an embed: %+v", r2)
	}
	old, err := e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("player1"), Content: "!confess"})
	if err != nil {
		t.Fatal(err)
	}
	e.prefix("player1", "?tipjar") // processed after the !confess message by the same gateway shard
	b, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	e.waitDrained(b, Fun)
	if n := len(old.Replies()); n != 0 {
		t.Errorf("the old prefix still answered %d times", n)
	}
}

// Workers keep each guild's settings in memory and check at every command that they are
// still current: a change made behind their back (another process, an operator's SQL)
// applies to the very next command, whether it switches a command off (the handler's
// transaction finds the change) or back on (the refusal's transaction finds it).
func TestSettingsChangedElsewhere(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	guild := e.demo.GuildID.String()
	set := func(value string) {
		t.Helper()
		// Straight into the table, as a process with nothing to tell the workers would.
		if _, err := e.pool.Exec(t.Context(), `
			INSERT INTO guildconfig.guild_settings (guild_id, key, value) VALUES ($1, 'disabled_commands', $2)
			ON CONFLICT (guild_id, key) DO UPDATE SET value = EXCLUDED.value`, guild, value); err != nil {
			t.Fatal(err)
		}
	}
	headpat := "/headpat member:<@" + e.member("player2").String() + ">"
	refused := func() bool {
		return strings.Contains(text(e.slash("player1", headpat)), "`headpat`")
	}
	before := e.pats("player2")
	if refused() {
		t.Fatal("headpat refused before anything was disabled")
	}
	for i, step := range []struct {
		disabled string
		refused  bool
	}{{"headpat", true}, {"headpat", true}, {"", false}, {"spank,headpat", true}, {"spank", false}} {
		set(step.disabled)
		if got := refused(); got != step.refused {
			t.Fatalf("step %d, disabled %q: refused %v, want %v", i, step.disabled, got, step.refused)
		}
	}
	if got := e.pats("player2"); got != before+3 {
		t.Fatalf("player2 has %d pats, want %d: only the answered headpats count", got, before+3)
	}
}
