package commands

import busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"

// moderationCommands are the moderation service's commands (SPEC.md §6): timeouts,
// slowmode, the moderators' guide and the server cleanup. The profanity filter is not a command: the
// moderation service follows message events for it.
func moderationCommands() []Command {
	member := func(desc string) Option {
		return Option{Name: "member", Description: desc, Type: busv1.OptionType_OPTION_TYPE_USER, Required: true}
	}
	mod := func(c Command) Command {
		c.Service, c.Category, c.GuildOnly = ServiceModeration, Moderation, true
		if c.Access == Anyone {
			c.Access = Moderator
		}
		return c
	}
	return []Command{
		mod(Command{Name: "mute", Description: "Time a member out, up to 28 days (moderators)",
			Options: []Option{member("Who to time out"),
				{Name: "duration", Description: "How long: 30s, 10m, 2h, 3d, 1w (at most 28d)", Type: busv1.OptionType_OPTION_TYPE_STRING, Required: true},
				{Name: "reason", Description: "Why, for the mod-log", Type: busv1.OptionType_OPTION_TYPE_STRING}}}),
		mod(Command{Name: "unmute", Description: "Lift a member's timeout (moderators)",
			Options: []Option{member("Whose timeout to lift")}}),
		mod(Command{Name: "utm", Description: "Lift a timeout and clear the member's filter warnings (staff)", Access: Staff,
			Options: []Option{member("Whose timeout and warnings to clear")}}),
		mod(Command{Name: "slowmode", Description: "Set a channel's slowmode in seconds, 0 to 21600 (moderators)",
			Options: []Option{{Name: "channel", Description: "Which channel", Type: busv1.OptionType_OPTION_TYPE_CHANNEL, Required: true},
				{Name: "seconds", Description: "Seconds between a member's messages (0 turns it off)", Type: busv1.OptionType_OPTION_TYPE_INTEGER, Required: true}}}),
		mod(Command{Name: "modhelp", Description: "The moderators' guide: warnings, timeouts, raids, appeals"}),
		mod(Command{Name: "servermessage", Description: "Send a message as the bot to a channel, after a preview (staff)", Access: Staff,
			Aliases: []string{"sm"},
			Options: []Option{{Name: "target", Description: "The channel (#channel); a member here means setvalue", Type: busv1.OptionType_OPTION_TYPE_STRING, Required: true},
				{Name: "message", Description: "The text; end it with @everyone, @here or a role to ping", Type: busv1.OptionType_OPTION_TYPE_STRING, Required: true}}}),
		mod(Command{Name: "cleanserver", Description: "Delete recent messages the filter flags, in every text channel (staff)", Access: Staff,
			Options: []Option{{Name: "limit", Description: "Messages to check per channel, 1 to 1000 (default 500)", Type: busv1.OptionType_OPTION_TYPE_INTEGER}}}),
	}
}
