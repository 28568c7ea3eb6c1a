package commands

import busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"

// funCommands are the fun service's commands (SPEC.md §4).
func funCommands() []Command {
	fun := func(c Command) Command {
		c.Service, c.Category, c.GuildOnly = ServiceFun, Fun, true
		return c
	}
	target := func(desc string) []Option {
		return []Option{{Name: "member", Description: desc, Type: busv1.OptionType_OPTION_TYPE_USER}}
	}
	return []Command{
		fun(Command{Name: "headpat", Description: "Give someone a headpat from Mommy (or get one yourself)", Options: target("Who gets the pat")}),
		fun(Command{Name: "spank", Description: "A playful spank from Mommy", Options: target("Who gets it")}),
		fun(Command{Name: "spill", Description: "Mommy spills some tea about the server"}),
		fun(Command{Name: "shopping", Description: "What Mommy bought today"}),
		fun(Command{Name: "tipjar", Description: "Peek into Mommy's special fund"}),
		fun(Command{Name: "confess", Description: "One of Mommy's confessions"}),
	}
}
