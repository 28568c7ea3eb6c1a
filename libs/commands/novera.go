package commands

import busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"

// Service names, which are also the bus subject segments and durable consumer names.
const (
	ServiceFun       = "fun"
	ServiceCommunity = "community"
)

// Novera returns the registry of every command the bot offers. It is built fresh on each
// call (no package state); callers keep the one they made.
func Novera() *Registry {
	r, err := NewRegistry(
		Command{
			Name: "headpat", Description: "Give someone a headpat from Mommy (or get one yourself)",
			Service: ServiceFun, Category: Fun, GuildOnly: true,
			Options: []Option{{Name: "member", Description: "Who gets the pat", Type: busv1.OptionType_OPTION_TYPE_USER}},
		},
		Command{
			Name: "help", Description: "What Novera can do, by category",
			Service: ServiceCommunity, Category: General, Aliases: []string{"commands"},
			Options: []Option{{Name: "category", Description: "Show one category", Type: busv1.OptionType_OPTION_TYPE_STRING,
				Choices: []string{string(General), string(League), string(Wagers), string(Fun), string(Moderation)}}},
		},
	)
	if err != nil {
		// The definitions are constants of this file; a test builds them, so this cannot
		// happen in a released binary.
		panic(err)
	}
	return r
}
