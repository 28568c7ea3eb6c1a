package persona

// The framework's replies. %s verbs are filled by the worker: a reason, a usage line, a
// command name or an access level.
var (
	NoPermission = Pool{Name: "no_permission",
		Sassy: []string{
			"Nice try, sweetie 💅 only %s can do that.",
			"Aww, reaching for the grown-up buttons? That one's for %s 🙅‍♀️",
			"Mommy says no 🫢 %s only, darling.",
			"Hands off, cutie! That's reserved for %s ✋",
			"Ooh, bold. Still no. Ask one of the %s 😘",
			"Not with those permissions, babe 💁‍♀️ (%s only)",
			"I love the confidence 💖 but that's a %s thing.",
			"Sit down, superstar 🌟 only %s get to do that.",
		},
		Plain: []string{
			"You don't have permission to do that; it is limited to %s.",
			"Only %s can use this command.",
			"This command is restricted to %s.",
			"Permission denied: %s only.",
			"That action requires being one of the %s.",
			"Sorry, this is available to %s only.",
			"You need to be one of the %s to run this.",
			"Access to this command is limited to %s.",
		}}
	Disabled = Pool{Name: "disabled",
		Sassy: []string{
			"`%s` is not available on this server, hun 🔒",
			"Mommy put `%s` away 🧸 it's not available on this server.",
			"`%s`? Not available on this server, love 🙈",
			"The admins tucked `%s` into bed 😴 not available on this server.",
			"Sorry cutie, `%s` is not available on this server 💤",
			"`%s` is on a break here 🏖️ not available on this server.",
			"No `%s` in this house, sweetheart 🏠 not available on this server.",
			"`%s` has been switched off here 🔌 not available on this server.",
		},
		Plain: []string{
			"`%s` is not available on this server.",
			"The command `%s` is not available on this server.",
			"`%s` has been disabled by this server's staff; it is not available on this server.",
			"`%s` is turned off here and not available on this server.",
			"This server has disabled `%s`; it is not available on this server.",
			"Sorry, `%s` is not available on this server.",
			"`%s` cannot be used because it is not available on this server.",
			"`%s` is switched off; it is not available on this server.",
		}}
	BadArgs = Pool{Name: "bad_args",
		Sassy: []string{
			"Hmm, %s 🤔 Try it like this: `%s`",
			"Close, darling, but %s 💋 It goes: `%s`",
			"Mommy can't read that 🙃 %s. Like this, sweetie: `%s`",
			"Oopsie! %s 🫠 Here's how: `%s`",
			"Cute attempt 💕 but %s. Do it like `%s`",
			"Let me help you, babe: %s ✨ `%s`",
			"Nope nope, %s 😅 Try `%s`",
			"Almost! %s 🌸 The magic words are `%s`",
		},
		Plain: []string{
			"Invalid input: %s. Usage: `%s`",
			"I couldn't use that: %s. Usage: `%s`",
			"There is a problem with the arguments: %s. Usage: `%s`",
			"Please check the command: %s. Usage: `%s`",
			"That didn't work: %s. Usage: `%s`",
			"Incorrect arguments: %s. Usage: `%s`",
			"The command could not be run: %s. Usage: `%s`",
			"Input error: %s. Usage: `%s`",
		}}
	UnknownMember = Pool{Name: "unknown_member",
		Sassy: []string{
			"Who?? 👀 I can't find that member in this server.",
			"Mommy looked everywhere 🔍 that member isn't in this server.",
			"Never heard of them, darling 🤷‍♀️ they're not in this server.",
			"That person isn't here, sweetie 🚪 pick someone from this server.",
			"Imaginary friends don't count, babe 👻 that member isn't in this server.",
			"Hmm, no one by that name lives here 🏡 not a member of this server.",
			"I can't pat a ghost 👻 that member isn't in this server.",
			"They're not in this server, cutie 💌 try someone who is.",
		},
		Plain: []string{
			"That member is not in this server.",
			"I couldn't find that member in this server.",
			"The mentioned user is not a member of this server.",
			"Unknown member: they are not in this server.",
			"That user isn't part of this server.",
			"No such member in this server.",
			"The member you mentioned could not be found in this server.",
			"Please mention someone who is a member of this server.",
		}}
	UnknownCommand = Pool{Name: "unknown_command",
		Sassy: []string{
			"`%s`? Mommy doesn't know that one 🤨 try `%shelp`",
			"Never heard of `%s`, sweetie 💭 `%shelp` has the real ones.",
			"`%s` isn't a thing, darling 🫧 see `%shelp`",
			"Ooh, inventing commands now? `%s` doesn't exist 😂 try `%shelp`",
			"I don't do `%s`, babe 💅 `%shelp` lists what I do.",
			"`%s`?? Not in my repertoire 🎭 peek at `%shelp`",
			"Sorry cutie, `%s` isn't one of mine 🙈 try `%shelp`",
			"Hmm, `%s` rings no bells 🔔 `%shelp` will help.",
		},
		Plain: []string{
			"Unknown command `%s`. See `%shelp` for the list.",
			"`%s` is not a command. Use `%shelp` to see what is available.",
			"There is no command called `%s`. Try `%shelp`.",
			"I don't recognise `%s`. The command list is under `%shelp`.",
			"Command `%s` not found. See `%shelp`.",
			"`%s` doesn't exist. `%shelp` lists the commands.",
			"No such command: `%s`. Try `%shelp`.",
			"`%s` is unknown. Use `%shelp` for help.",
		}}
	GuildOnly = Pool{Name: "guild_only",
		Sassy: []string{
			"This one only works in a server, darling 🏟️",
			"Not in DMs, sweetie 💌 use it in a server.",
			"Mommy needs an audience for that 🎤 try it in a server.",
			"Servers only, cutie 🏠",
			"That's a server thing, babe 🌐",
			"Take it to a server, hun 🚪",
			"Can't do that in private 🙈 go to a server.",
			"This needs a server around it 🏰",
		},
		Plain: []string{
			"This command can only be used in a server.",
			"Please use this command in a server, not in DMs.",
			"Server only: this command does not work in direct messages.",
			"This command requires a server.",
			"Run this command inside a server.",
			"Direct messages are not supported for this command.",
			"Only available in servers.",
			"This command works in servers only.",
		}}
	Oops = Pool{Name: "oops",
		Sassy: []string{
			"Oops, Mommy tripped over a cable 🔌 nothing was changed; try again in a moment.",
			"Something broke on my side 😵‍💫 nothing changed. Try again soon, sweetie.",
			"Ugh, technical difficulties 💔 nothing was saved; give it another go shortly.",
			"My brain did a little glitch 🤖 nothing changed, try again in a bit.",
			"That didn't go through, darling 😿 nothing was changed. Try again soon.",
			"The hamsters stopped running 🐹 nothing was saved; please retry shortly.",
			"I fumbled that one 🫣 nothing changed. Try again in a moment.",
			"Hiccup on my end 🥴 nothing was changed; try once more soon.",
		},
		Plain: []string{
			"Something went wrong on our side. Nothing was changed; please try again shortly.",
			"An internal error occurred. Nothing was changed; please retry in a moment.",
			"The command failed due to an internal problem. Nothing was changed.",
			"Sorry, an error occurred. No changes were made; please try again.",
			"Temporary problem on our side; nothing was changed. Please retry.",
			"We couldn't complete that. Nothing was changed; try again soon.",
			"Internal error: nothing was changed. Please try again shortly.",
			"Unexpected error; no changes were made. Please retry in a moment.",
		}}
)

// Framework returns the framework's pools, for tests.
func Framework() []Pool {
	return []Pool{NoPermission, Disabled, BadArgs, UnknownMember, UnknownCommand, GuildOnly, Oops}
}
