package worker

import (
	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discord"
)

// Update answers a component click by editing the message the component is on (callback
// type 7), e.g. to replace a Confirm/Cancel prompt by its outcome. m.Components nil removes
// the message's components. A command that is not an interaction gets a Reply instead.
func (r *Request) Update(m Message) {
	if r.Cmd.InteractionId == "" {
		r.Reply(m)
		return
	}
	if m.Embeds == nil {
		m.Embeds = []*discordgo.MessageEmbed{}
	}
	if m.Components == nil {
		m.Components = []discordgo.MessageComponent{}
	}
	data := &discordgo.InteractionResponseData{Content: m.Content, Embeds: m.Embeds, Components: m.Components,
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}
	r.actions = append(r.actions, Action{Kind: Respond, InteractionID: r.Cmd.InteractionId, AppID: r.Cmd.ApplicationId,
		Token: r.Cmd.InteractionToken, Response: &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: data}})
}

// Modal answers a slash command or a click with a modal (callback type 9); its submission
// comes back as a command whose Source is MODAL, routed by customID's "<command>:" part.
func (r *Request) Modal(customID, title string, inputs ...discordgo.TextInput) {
	rows := make([]discordgo.MessageComponent, len(inputs))
	for i, in := range inputs {
		rows[i] = discordgo.ActionsRow{Components: []discordgo.MessageComponent{in}}
	}
	r.actions = append(r.actions, Action{Kind: Respond, InteractionID: r.Cmd.InteractionId, Token: r.Cmd.InteractionToken,
		Response: &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal,
			Data: &discordgo.InteractionResponseData{CustomID: customID, Title: title, Components: rows}}})
}

// Send posts a message to a channel of the guild (an announcement, a mirror), after
// commit, with a nonce so a redelivery cannot post it twice. Nobody is pinged.
func (r *Request) Send(channelID string, m Message) {
	r.actions = append(r.actions, Action{Kind: Send, ChannelID: channelID, Message: outgoing(m)})
}

// DM sends a member a direct message after commit. It is optional: a member who closed
// their DMs does not make the command fail.
func (r *Request) DM(userID string, m Message) {
	r.actions = append(r.actions, Action{Kind: DirectMessage, UserID: userID, Message: outgoing(m), Optional: true})
}

func outgoing(m Message) *discord.MessageCreate {
	if m.Embeds == nil {
		m.Embeds = []*discordgo.MessageEmbed{}
	}
	return &discord.MessageCreate{MessageSend: discordgo.MessageSend{Content: m.Content, Embeds: m.Embeds,
		Components: m.Components, AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}}
}
