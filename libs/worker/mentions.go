package worker

import "github.com/bwmarrin/discordgo"

// SendPinging is Send that lets the named roles be pinged: a wager board must reach the
// wager role, while every other message (and any mention a user typed into a field we
// echo) still pings nobody, because only these role ids are allowed.
func (r *Request) SendPinging(channelID string, m Message, roleIDs ...string) {
	msg := outgoing(m)
	msg.AllowedMentions = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Roles: roleIDs}
	r.actions = append(r.actions, Action{Kind: Send, ChannelID: channelID, Message: msg})
}
