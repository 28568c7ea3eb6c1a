package worker

import (
	"context"
	"math/rand/v2"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/store"
)

// Request is what a handler gets: the command, the guild's configuration, the open
// transaction in which to make its database changes, and a place to put its answers.
type Request struct {
	Cmd     *busv1.Command
	Def     *commands.Command
	Config  *guildconfig.Config
	Tx      store.Tx
	Rand    *rand.Rand
	schema  string
	tail    *store.Tail
	actions []Action
	after   []func(context.Context) error
}

// Message is a reply's content.
type Message struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
	// Ephemeral replies are seen only by the invoker (slash commands); a prefix command
	// cannot whisper, so it answers in the channel.
	Ephemeral bool
}

// Sassy reports the guild's persona switch.
func (r *Request) Sassy() bool { return r.Config.Sassy() }

// Pick picks a line from pool in the guild's voice.
func (r *Request) Pick(p persona.Pool, args ...any) string { return p.Pick(r.Rand, r.Sassy(), args...) }

// ExecAtCommit queues a write whose result the handler does not need (a record read back
// later) to be sent with the transaction's COMMIT, in the same round trip. It is part of
// the transaction all the same: if it fails, the command fails and nothing is committed.
// Queued writes run after every statement the handler runs itself.
func (r *Request) ExecAtCommit(sql string, args ...any) {
	r.tail.Queue(sql, args...)
}

// Reply answers the invoker through the front door the command came in by.
func (r *Request) Reply(m Message) {
	r.actions = append(r.actions, replyAction(r.Cmd, m))
}

// AfterCommit runs f once the command's transaction has committed, before its Discord
// calls. Unlike those calls it is not stored: use it only for effects that can be rebuilt
// from the database (a cache, a KV mirror), since a crash may skip it.
func (r *Request) AfterCommit(f func(context.Context) error) {
	r.after = append(r.after, f)
}

// AddRole gives a member a role after the transaction commits.
func (r *Request) AddRole(userID, roleID string) {
	r.actions = append(r.actions, Action{Kind: AddRole, GuildID: r.Cmd.GuildId, UserID: userID, RoleID: roleID})
}

// RemoveRole takes a role from a member after the transaction commits.
func (r *Request) RemoveRole(userID, roleID string) {
	r.actions = append(r.actions, Action{Kind: RemoveRole, GuildID: r.Cmd.GuildId, UserID: userID, RoleID: roleID})
}

// Member returns a member named in the command (mention or option), if Discord told us
// about them.
func (r *Request) Member(userID string) (*busv1.Member, bool) {
	m, ok := r.Cmd.Users[userID]
	return m, ok
}

// Option returns an option's value and whether it was given.
func (r *Request) Option(name string) (string, bool) {
	for _, o := range r.Cmd.Options {
		if o.Name == name {
			return o.Value, true
		}
	}
	return "", false
}

func replyAction(cmd *busv1.Command, m Message) Action {
	if m.Embeds == nil {
		m.Embeds = []*discordgo.MessageEmbed{}
	}
	noPings := &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
	if cmd.InteractionId != "" {
		typ := discordgo.InteractionResponseChannelMessageWithSource
		data := &discordgo.InteractionResponseData{Content: m.Content, Embeds: m.Embeds, Components: m.Components, AllowedMentions: noPings}
		if m.Ephemeral {
			data.Flags = discordgo.MessageFlagsEphemeral
		}
		return Action{Kind: Respond, InteractionID: cmd.InteractionId, AppID: cmd.ApplicationId, Token: cmd.InteractionToken,
			Response: &discordgo.InteractionResponse{Type: typ, Data: data}}
	}
	f := false
	return Action{Kind: Send, ChannelID: cmd.ChannelId, Message: &discord.MessageCreate{MessageSend: discordgo.MessageSend{
		Content: m.Content, Embeds: m.Embeds, Components: m.Components, AllowedMentions: noPings,
		Reference: &discordgo.MessageReference{MessageID: cmd.MessageId, ChannelID: cmd.ChannelId, GuildID: cmd.GuildId, FailIfNotExists: &f},
	}}}
}
