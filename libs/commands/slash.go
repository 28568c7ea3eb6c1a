package commands

import (
	"github.com/bwmarrin/discordgo"
)

// ApplicationCommands renders the registry as Discord's bulk-overwrite body.
func (r *Registry) ApplicationCommands() []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(r.list))
	for _, c := range r.list {
		ac := &discordgo.ApplicationCommand{
			Name:        c.Name,
			Description: c.Description,
			Type:        discordgo.ChatApplicationCommand,
		}
		if c.GuildOnly {
			f := false
			ac.DMPermission = &f
		}
		ac.Options = slashOptions(c.Options)
		for _, sc := range c.Subcommands {
			ac.Options = append(ac.Options, &discordgo.ApplicationCommandOption{
				Name: sc.Name, Description: sc.Description, Type: discordgo.ApplicationCommandOptionSubCommand,
				Options: slashOptions(sc.Options),
			})
		}
		out = append(out, ac)
	}
	return out
}

func slashOptions(opts []Option) []*discordgo.ApplicationCommandOption {
	var out []*discordgo.ApplicationCommandOption
	for _, o := range opts {
		opt := &discordgo.ApplicationCommandOption{
			Name:        o.Name,
			Description: o.Description,
			Type:        discordgo.ApplicationCommandOptionType(o.Type),
			Required:    o.Required,
		}
		for _, ch := range o.Choices {
			opt.Choices = append(opt.Choices, &discordgo.ApplicationCommandOptionChoice{Name: ch, Value: ch})
		}
		out = append(out, opt)
	}
	return out
}
