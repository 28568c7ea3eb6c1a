package stack

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
)

// Bad input gets a clear answer and never a crash.
func TestBadInputGetsClearAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	outsider, err := e.sim.AddUser(discordsim.User{Username: "stranger"})
	if err != nil {
		t.Fatal(err)
	}
	// A slash command Discord still shows from an older registration of the bot.
	dg := simtest.Discordgo(t, e.sim)
	if _, err := dg.ApplicationCommandCreate(e.sim.Application().ID.String(), e.demo.GuildID.String(),
		&discordgo.ApplicationCommand{Name: "ghost", Description: "gone"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		slash bool
		text  string
		want  []string // every string must appear in the answer
	}{
		{"unknown prefix command", false, "!dance", []string{"`dance`", "help"}},
		{"unknown slash command", true, "/ghost", []string{"`ghost`", "help"}},
		{"member not in the guild", false, "!headpat <@" + outsider.ID.String() + ">", []string{"server"}},
		{"member not in the guild, by id", false, "!headpat " + outsider.ID.String(), []string{"server"}},
		{"not a mention", false, "!headpat everyone", []string{"`everyone`", "!headpat [@member]"}},
		{"4,000 characters", false, "!headpat " + strings.Repeat("pat", 1330) + "p", []string{"should be a member", "!headpat [@member]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r discordsim.Reply
			if tc.slash {
				r = e.slash("player1", tc.text)
			} else {
				r = e.prefix("player1", tc.text)
			}
			if len(r.Message.Embeds) == 0 {
				t.Fatalf("no embed in %+v", r)
			}
			got := r.Message.Embeds[0].Description
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("answer %q lacks %q", got, w)
				}
			}
			if tc.slash && !r.Ephemeral {
				t.Errorf("slash errors should be ephemeral")
			}
		})
	}
	if got := e.pats("player1"); got != 0 {
		t.Errorf("bad input stored %d pats", got)
	}

	// A malformed dispatch is logged and dropped; the gateway stays connected and serves
	// the next command.
	if _, err := e.sim.Dispatch(e.demo.GuildID, "INTERACTION_CREATE", map[string]any{"id": "not-a-snowflake", "type": 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.Dispatch(e.demo.GuildID, "MESSAGE_CREATE", []int{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.SendRawFrame(e.demo.GuildID, []byte(`{"op":0,"t":"MESSAGE_CREATE","s":`)); err != nil {
		t.Fatal(err)
	}
	e.slash("player1", "/headpat")
	if got := e.pats("player1"); got != 1 {
		t.Errorf("after malformed frames: %d pats, want 1", got)
	}
}
