package stack

import (
	"testing"

	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// Every fun and community command answers as a slash command and as a prefix command, in
// both voices. The list comes from the registry, so a new command cannot skip this.
func TestFunAndCommunityCommandsAnswerBothWays(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	cfg, err := guildconfig.Open(t.Context(), e.pool)
	if err != nil {
		t.Fatal(err)
	}
	p2 := "<@" + e.member("player2").String() + ">"
	// Arguments for commands whose options are required, as slash and as prefix text.
	args := map[string][2]string{
		"giveaway": {" duration:1h prize:Boots", " 1h Boots"},
		"tickets":  {" panel", " panel"},
		"config":   {" show", " show"},
		"headpat":  {" member:" + p2, " " + p2},
		"spank":    {" member:" + p2, " " + p2},
	}
	reg := commands.Novera()
	var names []string
	for _, svc := range []string{commands.ServiceFun, commands.ServiceCommunity} {
		for _, c := range reg.OfService(svc) {
			names = append(names, c.Name)
		}
	}
	for _, sassy := range []string{"on", "off"} {
		if _, err := cfg.Set(t.Context(), e.demo.GuildID.String(), "sassy", sassy, "test"); err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			a := args[name]
			for i, text := range []string{"/" + name + a[0], "!" + name + a[1]} {
				front := []string{"slash", "prefix"}[i]
				t.Run(name+"/"+front+"/sassy-"+sassy, func(t *testing.T) {
					var embeds int
					if i == 0 {
						embeds = len(e.slash("staff", text).Message.Embeds)
					} else {
						embeds = len(e.prefix("staff", text).Message.Embeds)
					}
					if embeds == 0 {
						t.Errorf("%s answered without an embed", text)
					}
				})
			}
		}
	}
}
