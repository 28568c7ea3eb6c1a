package moderation

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// modhelpMenu is the custom id of the guide's select menu; the gateway routes its clicks
// back to modhelp by the part before the colon.
const modhelpMenu = "modhelp:topic"

// modhelp shows the moderators' guide; choosing a topic in its menu edits the message to
// that chapter. The click passes the same moderator check as the command.
func (s *service) modhelp(_ context.Context, r *worker.Request) error {
	all := guides()
	chosen := -1
	if r.Cmd.Source == busv1.Source_SOURCE_COMPONENT && len(r.Cmd.Values) > 0 {
		for i, g := range all {
			if g.value == r.Cmd.Values[0] {
				chosen = i
			}
		}
	}
	opts := make([]discordgo.SelectMenuOption, len(all))
	for i, g := range all {
		opts[i] = discordgo.SelectMenuOption{Label: g.label, Value: g.value, Default: i == chosen}
	}
	menu := []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.SelectMenu{CustomID: modhelpMenu, Placeholder: modhelpPlacehold, Options: opts}}}}
	e := &discordgo.MessageEmbed{Title: modhelpTitle, Description: r.Pick(modhelpIntro), Color: persona.ColorBlue}
	if chosen >= 0 {
		e.Description = "**" + all[chosen].label + "**\n" + all[chosen].body
		r.Update(worker.Message{Embeds: []*discordgo.MessageEmbed{e}, Components: menu})
		return nil
	}
	for _, g := range all {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: g.label, Value: "`" + g.value + "`", Inline: true})
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{e}, Components: menu, Ephemeral: true})
	return nil
}
