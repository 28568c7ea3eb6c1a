package stack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// A member who joins gets the verified role and a welcome in the welcome channel; one who
// leaves gets a farewell line; both switchable, and each said once.
func TestWelcomeAndFarewell(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	welcomeCh := e.demo.Channels["welcome"]
	botSaid := func(substr string) int {
		n := 0
		for _, m := range e.sim.State().Messages(welcomeCh) {
			for _, em := range m.Embeds {
				if strings.Contains(em.Description, substr) {
					n++
				}
			}
		}
		return n
	}
	waitSaid := func(substr string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := e.sim.WaitFor(ctx, func(*discordsim.State) bool { return botSaid(substr) > 0 }); err != nil {
			t.Fatalf("nothing about %q in #welcome: %v", substr, err)
		}
	}
	join := func(name string) discordsim.Snowflake {
		u, err := e.sim.AddUser(discordsim.User{Username: name, GlobalName: strings.ToUpper(name)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.sim.AddMember(discordsim.Member{GuildID: e.demo.GuildID, User: u}); err != nil {
			t.Fatal(err)
		}
		return u.ID
	}

	newbie := join("newbie")
	waitSaid("<@" + newbie.String() + ">")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := e.sim.WaitFor(ctx, func(st *discordsim.State) bool {
		m, _ := st.Member(e.demo.GuildID, newbie)
		return m.HasRole(e.demo.Roles["Verified"])
	}); err != nil {
		t.Errorf("verified role not given: %v", err)
	}
	if err := e.sim.RemoveMember(e.demo.GuildID, newbie); err != nil {
		t.Fatal(err)
	}
	waitSaid("NEWBIE")
	if n := botSaid("<@" + newbie.String() + ">"); n != 1 {
		t.Errorf("%d welcomes, want 1", n)
	}

	// Switched off: a quiet join still gets the role, and a leave says nothing.
	cfg, err := guildconfig.Open(t.Context(), e.pool)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"feature.welcome_messages", "feature.announce_leaves"} {
		if _, err := cfg.Set(t.Context(), e.demo.GuildID.String(), k, "off", "test"); err != nil {
			t.Fatal(err)
		}
	}
	quiet := join("quiet")
	if err := e.sim.WaitFor(ctx, func(st *discordsim.State) bool {
		m, _ := st.Member(e.demo.GuildID, quiet)
		return m.HasRole(e.demo.Roles["Verified"])
	}); err != nil {
		t.Errorf("verified role not given with welcomes off: %v", err)
	}
	if err := e.sim.RemoveMember(e.demo.GuildID, quiet); err != nil {
		t.Fatal(err)
	}
	// A later join with welcomes back on proves the quiet events were processed first
	// (one consumer, in order) before we count.
	for _, k := range []string{"feature.welcome_messages"} {
		if _, err := cfg.Set(t.Context(), e.demo.GuildID.String(), k, "on", "test"); err != nil {
			t.Fatal(err)
		}
	}
	last := join("last")
	waitSaid("<@" + last.String() + ">")
	if n := botSaid("<@"+quiet.String()+">") + botSaid("QUIET"); n != 0 {
		t.Errorf("switched-off welcome or farewell was said %d times", n)
	}
}
