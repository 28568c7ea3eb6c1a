package discordsim

// Intents is the gateway intents bitfield a session asks for at identify.
type Intents uint64

// Gateway intents.
const (
	IntentGuilds                 Intents = 1 << 0
	IntentGuildMembers           Intents = 1 << 1 // privileged
	IntentGuildModeration        Intents = 1 << 2
	IntentGuildExpressions       Intents = 1 << 3
	IntentGuildIntegrations      Intents = 1 << 4
	IntentGuildWebhooks          Intents = 1 << 5
	IntentGuildInvites           Intents = 1 << 6
	IntentGuildVoiceStates       Intents = 1 << 7
	IntentGuildPresences         Intents = 1 << 8 // privileged
	IntentGuildMessages          Intents = 1 << 9
	IntentGuildMessageReactions  Intents = 1 << 10
	IntentGuildMessageTyping     Intents = 1 << 11
	IntentDirectMessages         Intents = 1 << 12
	IntentDirectMessageReactions Intents = 1 << 13
	IntentDirectMessageTyping    Intents = 1 << 14
	IntentMessageContent         Intents = 1 << 15 // privileged
	IntentGuildScheduledEvents   Intents = 1 << 16
	IntentAutoModConfiguration   Intents = 1 << 20
	IntentAutoModExecution       Intents = 1 << 21
	IntentGuildMessagePolls      Intents = 1 << 24
	IntentDirectMessagePolls     Intents = 1 << 25

	// Every bit Discord defines is in knownIntents (gateway_limits.go); others close with 4013.
)

// Has reports whether every bit of i2 is set.
func (i Intents) Has(i2 Intents) bool { return i&i2 == i2 }

// eventIntent returns the intent a dispatch needs, or 0 when every session gets it. dm tells
// whether the event concerns a DM channel, which uses the DIRECT_* intents instead.
func eventIntent(eventType string, dm bool) Intents {
	pick := func(guild, direct Intents) Intents {
		if dm {
			return direct
		}
		return guild
	}
	switch eventType {
	case "GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE", "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE",
		"GUILD_ROLE_DELETE", "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE",
		"THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE", "THREAD_LIST_SYNC", "STAGE_INSTANCE_CREATE":
		return IntentGuilds
	case "CHANNEL_PINS_UPDATE":
		return pick(IntentGuilds, IntentDirectMessages)
	case "GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE", "THREAD_MEMBERS_UPDATE":
		return IntentGuildMembers
	case "GUILD_AUDIT_LOG_ENTRY_CREATE", "GUILD_BAN_ADD", "GUILD_BAN_REMOVE":
		return IntentGuildModeration
	case "PRESENCE_UPDATE":
		return IntentGuildPresences
	case "VOICE_STATE_UPDATE":
		return IntentGuildVoiceStates
	case "MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK":
		return pick(IntentGuildMessages, IntentDirectMessages)
	case "MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE", "MESSAGE_REACTION_REMOVE_ALL",
		"MESSAGE_REACTION_REMOVE_EMOJI":
		return pick(IntentGuildMessageReactions, IntentDirectMessageReactions)
	case "TYPING_START":
		return pick(IntentGuildMessageTyping, IntentDirectMessageTyping)
	}
	return 0
}
