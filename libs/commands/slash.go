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
		for _, o := range c.Options {
			opt := &discordgo.ApplicationCommandOption{
				Name:        o.Name,
				Description: o.Description,
				Type:        discordgo.ApplicationCommandOptionType(o.Type),
				Required:    o.Required,
			}
			for _, ch := range o.Choices {
				opt.Choices = append(opt.Choices, &discordgo.ApplicationCommandOptionChoice{Name: ch, Value: ch})
			}
			ac.Options = append(ac.Options, opt)
		}
		out = append(out, ac)
	}
	return out
}
