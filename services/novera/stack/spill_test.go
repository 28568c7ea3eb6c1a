package stack

import (
	"regexp"
	"testing"
)

// spill names only members with a value, never the author, and without pinging anyone.
func TestSpillNamesValuedMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	// Without values, spill still gossips, naming nobody.
	mention := regexp.MustCompile(`<@!?(\d+)>`)
	if got := e.slash("player1", "/spill").Message.Embeds[0].Description; mention.MatchString(got) {
		t.Errorf("named someone without values: %q", got)
	}
	valued := map[string]bool{}
	for _, p := range []string{"player1", "player2", "player3", "player4"} {
		e.prefix("staff", "!setvalue <@"+e.member(p).String()+"> 25")
		valued[e.member(p).String()] = true
	}
	named := 0
	for i := 0; i < 12; i++ {
		r := e.prefix("player1", "!spill")
		for _, m := range mention.FindAllStringSubmatch(r.Message.Embeds[0].Description, -1) {
			named++
			switch {
			case m[1] == e.member("player1").String():
				t.Errorf("spill named its author: %q", r.Message.Embeds[0].Description)
			case !valued[m[1]]:
				t.Errorf("spill named %s, who has no value", m[1])
			}
		}
		if r.Message.Content != "" {
			t.Errorf("spill should speak in an embed, which never pings: content %q", r.Message.Content)
		}
	}
	if named == 0 {
		t.Error("twelve spills named nobody although three members have values")
	}
}
