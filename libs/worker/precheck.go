package worker

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/persona"
)

// precheck refuses, with an answer, what must not reach a handler: arguments the gateway
// could not parse, a guild-only command in DMs, a command the server disabled, a member
// without the access the command needs, and options naming someone who is not a member.
func (w *Worker) precheck(ctx context.Context, r *Request) (Message, bool) {
	cmd := r.Cmd
	def, ok := w.o.Registry.Lookup(cmd.Name)
	if !ok {
		// Only the service that owns UnknownSubject has handlers for unregistered names.
		return Message{}, true
	}
	r.Def = def
	prefix := cmd.Prefix
	if prefix == "" {
		prefix = r.Config.Prefix()
	}
	fail := func(text string) (Message, bool) {
		return Message{Embeds: []*discordgo.MessageEmbed{{Description: text, Color: persona.ColorRed}}, Ephemeral: true}, false
	}
	switch {
	case cmd.ParseError != "":
		return fail(r.Pick(persona.BadArgs, cmd.ParseError, def.Usage(prefix)))
	case def.GuildOnly && cmd.GuildId == "":
		return fail(r.Pick(persona.GuildOnly))
	case cmd.GuildId != "" && r.Config.Disabled(def.Name):
		return fail(r.Pick(persona.Disabled, def.Name))
	case !Allowed(def.Access, cmd.Invoker, r.Config):
		return fail(r.Pick(persona.NoPermission, def.Access.String()))
	}
	for _, o := range cmd.Options {
		if o.Type != busv1.OptionType_OPTION_TYPE_USER || cmd.GuildId == "" {
			continue
		}
		if !w.isMember(ctx, cmd, o.Value) {
			return fail(r.Pick(persona.UnknownMember))
		}
	}
	return Message{}, true
}

// isMember trusts what the event told us and asks Discord only about users it did not
// describe (a bare id typed after a prefix command).
func (w *Worker) isMember(ctx context.Context, cmd *busv1.Command, userID string) bool {
	if m, ok := cmd.Users[userID]; ok {
		return m.InGuild
	}
	gm, err := w.o.Discord.Session().GuildMember(cmd.GuildId, userID, discordgo.WithContext(ctx))
	if err != nil {
		if code, _ := discord.Code(err); code != discord.CodeUnknownMember && code != discord.CodeUnknownUser {
			w.o.Logger.WarnContext(ctx, "member lookup failed", "user_id", userID, "err", err)
		}
		return false
	}
	if cmd.Users == nil {
		cmd.Users = map[string]*busv1.Member{}
	}
	cmd.Users[userID] = &busv1.Member{UserId: userID, Username: gm.User.Username, GlobalName: gm.User.GlobalName,
		Nick: gm.Nick, RoleIds: gm.Roles, Bot: gm.User.Bot, Avatar: gm.User.Avatar, InGuild: true}
	return true
}
