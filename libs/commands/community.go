package commands

import busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"

// communityCommands are the community service's commands (SPEC.md §5).
func communityCommands() []Command {
	return []Command{
		{
			Name: "help", Description: "What Novera can do, by category",
			Service: ServiceCommunity, Category: General, Aliases: []string{"commands"},
			Options: []Option{{Name: "category", Description: "Show one category", Type: busv1.OptionType_OPTION_TYPE_STRING,
				Choices: []string{string(General), string(League), string(Wagers), string(Fun), string(Moderation)}}},
		},
		{
			Name: "giveaway", Description: "Start a giveaway with an entry button (staff)",
			Service: ServiceCommunity, Category: General, Access: Staff, GuildOnly: true,
			Options: []Option{
				{Name: "duration", Description: "How long it runs, e.g. 30m, 2h, 1d", Type: busv1.OptionType_OPTION_TYPE_STRING, Required: true},
				{Name: "prize", Description: "What the winner gets", Type: busv1.OptionType_OPTION_TYPE_STRING, Required: true},
			},
		},
		{
			Name: "tickets", Description: "Team tickets: post the panel for creating teams and joining tournaments (staff)",
			Service: ServiceCommunity, Category: General, Access: Staff, GuildOnly: true,
			Subcommands: []Subcommand{{Name: "panel", Description: "Post the team tickets panel in this channel"}},
		},
		{
			Name: "config", Description: "Show or change this server's Novera settings (staff)",
			Service: ServiceCommunity, Category: Moderation, Access: Staff, GuildOnly: true,
			Subcommands: []Subcommand{
				{Name: "show", Description: "Every setting and its value"},
				{Name: "set", Description: "Change one setting", Options: []Option{
					{Name: "key", Description: "The setting, e.g. sassy or role.goodboy", Type: busv1.OptionType_OPTION_TYPE_STRING, Required: true},
					{Name: "value", Description: "The new value (a mention, true/false, text; none to clear)", Type: busv1.OptionType_OPTION_TYPE_STRING, Required: true},
				}},
			},
		},
	}
}
