package worker

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/persona"
)

// precheck refuses, with an answer, what must not reach a handler: arguments the gateway
// could not parse, a guild-only command in DMs, a command the server disabled, a member
// without the access the command needs, and options naming someone who is not a member.
// An error means the check itself could not be made (Discord unreachable) and the command
// should be retried rather than refused.
func (w *Worker) precheck(ctx context.Context, r *Request) (Message, bool, error) {
	cmd := r.Cmd
	if cmd.Source == busv1.Source_SOURCE_EVENT {
		return Message{}, true, nil // an event, not a member's command
	}
	def, ok := w.o.Registry.Lookup(cmd.Name)
	if !ok {
		// Only the service that owns UnknownSubject has handlers for unregistered names.
		return Message{}, true, nil
	}
	r.Def = def
	if cmd.Source == busv1.Source_SOURCE_TIMER {
		// The service scheduled it itself; nobody invoked it.
		return Message{}, true, nil
	}
	prefix := cmd.Prefix
	if prefix == "" {
		prefix = r.Config.Prefix()
	}
	fail := func(text string) (Message, bool, error) {
		return Message{Embeds: []*discordgo.MessageEmbed{{Description: text, Color: persona.ColorRed}}, Ephemeral: true}, false, nil
	}
	switch {
	case cmd.ParseError != "":
		return fail(r.Pick(persona.BadArgs, cmd.ParseError, def.Usage(prefix)))
	case def.GuildOnly && cmd.GuildId == "":
		return fail(r.Pick(persona.GuildOnly))
	case cmd.GuildId != "" && r.Config.Disabled(def.Name):
		return fail(r.Pick(persona.Disabled, def.Name))
	case clicked(cmd):
		// A button or modal of a message the command posted is its own action (entering
		// a giveaway, approving a result): its handler decides who may use it.
		return Message{}, true, nil
	case !Allowed(def.Access, cmd.Invoker, r.Config):
		return fail(r.Pick(persona.NoPermission, def.Access.String()))
	}
	for _, o := range cmd.Options {
		if o.Type != busv1.OptionType_OPTION_TYPE_USER || cmd.GuildId == "" {
			continue
		}
		member, err := w.isMember(ctx, cmd, o.Value)
		if err != nil {
			return Message{}, false, err
		}
		if !member {
			return fail(r.Pick(persona.UnknownMember))
		}
	}
	return Message{}, true, nil
}

// isMember trusts what the event told us and asks Discord only about users it did not
// describe (a bare id typed after a prefix command).
func (w *Worker) isMember(ctx context.Context, cmd *busv1.Command, userID string) (bool, error) {
	if m, ok := cmd.Users[userID]; ok {
		return m.InGuild, nil
	}
	gm, err := w.o.Discord.Session().GuildMember(cmd.GuildId, userID, discordgo.WithContext(ctx))
	if err != nil {
		w.noteRefusal(ctx, err)
		if discord.Transient(err) {
			return false, fmt.Errorf("look up member %s: %w", userID, err)
		}
		return false, nil
	}
	if cmd.Users == nil {
		cmd.Users = map[string]*busv1.Member{}
	}
	cmd.Users[userID] = &busv1.Member{UserId: userID, Username: gm.User.Username, GlobalName: gm.User.GlobalName,
		Nick: gm.Nick, RoleIds: gm.Roles, Bot: gm.User.Bot, Avatar: gm.User.Avatar, InGuild: true}
	return true, nil
}

func clicked(cmd *busv1.Command) bool {
	return cmd.Source == busv1.Source_SOURCE_COMPONENT || cmd.Source == busv1.Source_SOURCE_MODAL
}
