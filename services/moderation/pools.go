package moderation

import "github.com/novera-bot/novera/libs/persona"

// Every line the moderation service says. %s is a mention or a duration, %d a number.
var (
	warnLines = persona.Pool{Name: "filter_warning",
		Sassy: []string{
			"%s, language! 🧼 Mommy washed that message right out.",
			"Whoa there, %s 😤 we don't talk like that here. Message gone.",
			"%s, sweetie, that word isn't welcome in Mommy's house 🚫",
			"Tsk tsk, %s 👀 that one went straight in the bin.",
			"%s, keep it classy 💅 your message has been removed.",
			"Mouth. Soap. Now. 🧽 %s, that message is gone.",
			"%s, Mommy heard that 😒 and Mommy deleted it.",
			"Nope, %s 🙅‍♀️ not in this server. Message removed.",
			"%s, darling, try that again without the spicy words 🌶️🚫",
		},
		Plain: []string{
			"%s, your message was removed because it broke the language rules.",
			"%s, that message was deleted: please keep the language clean.",
			"%s, your message contained a filtered word and was removed.",
			"Message removed, %s. Please follow the server's language rules.",
			"%s, filtered language is not allowed here; the message was deleted.",
			"%s, please mind your language. Your message has been removed.",
			"%s, your last message was removed by the filter.",
			"%s, that wording isn't allowed here, so the message was removed.",
		}}
	warnTimeout = persona.Pool{Name: "filter_timeout",
		Sassy: []string{"Time-out corner for %s ⏳", "Go sit in the corner for %s 🪑", "Quiet time: %s 🤫", "Mommy says hush for %s 🤐",
			"Take %s to think about it 💭", "Phone away for %s 📵", "%s of silence, sweetie 🔇", "Benched for %s 🧊"},
		Plain: []string{"Timeout: %s.", "You are timed out for %s.", "Timeout applied: %s.", "Muted for %s.",
			"A timeout of %s has been applied.", "Timed out for %s.", "Timeout length: %s.", "You cannot chat for %s."}}
	warnCount = persona.Pool{Name: "filter_count",
		Sassy: []string{"Warning #%d 📒", "That's warning #%d, darling 📝", "Strike #%d ⚾", "Warning #%d, Mommy's counting 🧮",
			"#%d on Mommy's list 📋", "Warning number %d 🔔", "Tally: %d ✏️", "Warning #%d, careful now 👀"},
		Plain: []string{"Warning %d.", "This is warning %d.", "Warning count: %d.", "Warnings so far: %d.",
			"Warning number %d.", "Recorded as warning %d.", "Total warnings: %d.", "You now have %d warning(s)."}}

	muteDone = persona.Pool{Name: "mute_done",
		Sassy: []string{
			"%s is in time-out for %s 🤫",
			"Shh, %s 🤐 quiet time for %s.",
			"%s has been sent to the corner for %s 🪑",
			"Mommy put %s on mute for %s 🔇",
			"%s, phone down 📵 for %s.",
			"Nap time for %s ⏳ see you in %s.",
			"%s is benched for %s 🧊",
			"Silence, %s 💅 for %s.",
		},
		Plain: []string{
			"%s has been timed out for %s.",
			"%s is muted for %s.",
			"Timeout applied to %s for %s.",
			"%s cannot chat for %s.",
			"%s: timed out for %s.",
			"Muted %s for %s.",
			"%s received a timeout of %s.",
			"%s is now timed out (%s).",
		}}
	unmuteDone = persona.Pool{Name: "unmute_done",
		Sassy: []string{"%s, you may speak again 🎤", "Welcome back, %s 🫶 be nice now.", "%s is off mute ✨", "Time-out's over, %s 💕",
			"%s, out of the corner you come 🪑➡️", "Mommy un-muted %s 🔊", "%s can chat again, behave 😌", "Freedom for %s 🕊️"},
		Plain: []string{"%s's timeout has been lifted.", "%s is no longer muted.", "Timeout removed for %s.", "%s can chat again.",
			"Unmuted %s.", "%s: timeout lifted.", "%s's mute has ended.", "The timeout on %s has been removed."}}
	utmDone = persona.Pool{Name: "utm_done",
		Sassy: []string{
			"Clean slate for %s ✨ %d warning(s) wiped.",
			"%s is forgiven 🫶 %d warning(s) gone.",
			"Mommy tore up %s's file 📄✂️ %d warning(s).",
			"Fresh start, %s 🌱 %d warning(s) cleared.",
			"%s, all is forgiven 💕 (%d warning(s) erased).",
			"Poof 🪄 %s's timeout and %d warning(s) vanished.",
			"%s walks free with a clean record ✨ %d cleared.",
			"Slate wiped for %s 🧽 %d warning(s).",
		},
		Plain: []string{
			"%s's timeout was lifted and %d warning(s) cleared.",
			"Cleared %s: timeout removed, %d warning(s) erased.",
			"%s has a clean record again (%d warning(s) cleared).",
			"Timeout lifted for %s; %d warning(s) removed.",
			"%s: timeout and %d warning(s) cleared.",
			"Reset %s: %d warning(s) cleared, timeout lifted.",
			"%s's warnings (%d) were cleared and the timeout lifted.",
			"Done: %s is unmuted and %d warning(s) are gone.",
		}}
	slowmodeOn = persona.Pool{Name: "slowmode_on",
		Sassy: []string{"Slow down, %s 🐢 one message every %ds.", "%s is in chill mode now 🧊 (%ds).", "Deep breaths, %s 😮‍💨 %ds between messages.",
			"Mommy slowed %s to %ds 🐌", "%s: easy there, %ds per message ⏱️", "Sip your tea, %s ☕ %ds slowmode.",
			"%s gets a %ds speed limit 🚦", "Pace yourselves in %s 💅 %ds."},
		Plain: []string{"Slowmode in %s set to %d seconds.", "%s now has a %d-second slowmode.", "Slowmode enabled in %s: %d s.",
			"%s: members can post every %d seconds.", "Set %s slowmode to %ds.", "Slowmode for %s is now %d seconds.",
			"%s slowmode: %d seconds.", "Updated %s: %d-second slowmode."}}
	slowmodeOff = persona.Pool{Name: "slowmode_off",
		Sassy: []string{"%s is back to full speed 🏎️", "Slowmode's off in %s, chat away 💬", "%s unleashed ⚡", "Mommy lifted the speed limit in %s 🚀",
			"%s: go wild (politely) 🎉", "No more waiting in %s ⏩", "%s is free-flowing again 🌊", "Chat freely in %s 💕"},
		Plain: []string{"Slowmode disabled in %s.", "%s no longer has a slowmode.", "Slowmode turned off for %s.", "%s: slowmode removed.",
			"Removed slowmode from %s.", "Slowmode in %s is now off.", "%s slowmode: off.", "Slowmode cleared for %s."}}

	// Refusals: the user's mistake and how to do it right.
	errDurationUnreadable = persona.Pool{Name: "err_duration",
		Sassy: []string{"`%s`? Mommy can't read that 🤔 Try `10m`, `2h`, `3d` or `1w`.", "What's `%s` supposed to be, sweetie? Use `30s`, `10m`, `2h`, `3d` or `1w` ⏱️",
			"`%s` isn't a duration 🙃 like `10m` or `1h30m`, please.", "Hmm, `%s`… give me something like `15m`, `6h` or `2d` 💭"},
		Plain: []string{"`%s` is not a duration. Use a number with a unit, e.g. `10m`, `2h`, `3d`, `1w`.", "I can't read `%s` as a duration. Examples: `30s`, `10m`, `2h`, `3d`.",
			"Invalid duration `%s`. Use s, m, h, d or w, e.g. `1h30m`.", "`%s` is not a valid duration (try `15m`, `6h` or `2d`)."}}
	errDurationUnit = persona.Pool{Name: "err_duration_unit",
		Sassy: []string{"`%s` needs a unit, darling: `s`, `m`, `h`, `d` or `w` 📏", "Minutes? Days? `%s` doesn't say 🤷‍♀️ add `m`, `h`, `d`…",
			"`%s` what? Give Mommy a unit: `10m`, `2h`, `3d` ⏱️", "Units, sweetie! `%s` of what? Be specific 💅"},
		Plain: []string{"`%s` needs a unit: s, m, h, d or w (e.g. `10m`).", "Add a unit to `%s`: s, m, h, d or w.",
			"Duration `%s` has no unit. Use e.g. `10m` or `2h`.", "Please give `%s` a unit (s, m, h, d, w)."}}
	errDurationTooLong = persona.Pool{Name: "err_duration_long",
		Sassy: []string{"`%s` is way too long 😳 Discord tops out at 28 days (`28d`).", "Easy, tiger 🐯 `%s` is over the 28-day limit.",
			"`%s`? Even Mommy can't mute that long ⏳ max is `28d`.", "Over the top 📈 `%s` > 28 days. Try `28d` or less."},
		Plain: []string{"`%s` is longer than the 28-day maximum. Use `28d` or less.", "Timeouts can last at most 28 days; `%s` is too long.",
			"`%s` exceeds Discord's 28-day timeout limit.", "The longest timeout is `28d`; `%s` is over it."}}
	errDurationZero = persona.Pool{Name: "err_duration_zero",
		Sassy: []string{"A `%s` mute? That's just a blink 😉 use `unmute` to lift one.", "`%s` is no time at all, sweetie ⏱️ give me at least a second.",
			"Zero? `%s`? Mommy needs a real duration 🙄", "`%s` won't do anything 🤷‍♀️ pick a duration above zero."},
		Plain: []string{"`%s` is zero; give a duration above zero (or use `unmute`).", "A timeout of `%s` does nothing. Use at least `1s`.",
			"Duration `%s` must be greater than zero.", "`%s` is not a usable duration: it must be more than zero."}}
	errMuteStaff = persona.Pool{Name: "err_mute_staff",
		Sassy: []string{"Mute staff? 😏 Not on Mommy's watch.", "Nice try 💅 staff can't be muted.", "Staff are off-limits, sweetie 🚫",
			"Mommy doesn't bench the management 🙅‍♀️"},
		Plain: []string{"Staff members cannot be timed out.", "You can't mute a staff member.", "Staff are exempt from timeouts.",
			"Timeouts don't apply to staff."}}
	errMuteBot = persona.Pool{Name: "err_mute_bot",
		Sassy: []string{"Mute *me*? 😂 Cute.", "Mommy doesn't do time-outs, darling 💅", "You can't silence Mommy 🎤",
			"Bots don't go in the corner, sweetie 🤖🚫"},
		Plain: []string{"Bots cannot be timed out with this command.", "I can't mute a bot.", "That member is a bot and can't be muted.",
			"Timeouts are for members, not bots."}}
	errMuteSelf = persona.Pool{Name: "err_mute_self",
		Sassy: []string{"Muting yourself? 🤭 Just log off, sweetie.", "Self-time-out? Dramatic 🎭 no.", "You can't bench yourself, darling 🪑",
			"Mommy won't mute you for you 🙄"},
		Plain: []string{"You can't time yourself out.", "Choose another member: you cannot mute yourself.", "Self-mutes are not allowed.",
			"You cannot target yourself with a timeout."}}
	errSlowmodeRange = persona.Pool{Name: "err_slowmode_range",
		Sassy: []string{"`%d` seconds? 🐌 Slowmode goes from 0 to 21600 (6 hours).", "Too much, sweetie 😅 `%d` isn't between 0 and 21600.",
			"Slowmode `%d`? Discord says 0–21600, darling 📏", "`%d` is out of range 🚫 pick 0 to 21600 seconds."},
		Plain: []string{"Slowmode must be between 0 and 21600 seconds; `%d` is out of range.", "`%d` is not allowed: use 0 to 21600 seconds.",
			"Invalid slowmode `%d`. The range is 0–21600 seconds.", "Slowmode `%d` is outside 0–21600 seconds."}}
	errChannelElsewhere = persona.Pool{Name: "err_channel",
		Sassy: []string{"That channel isn't one of ours, sweetie 🤔", "Mommy can't find that text channel here 🔍", "Pick a text channel of this server, darling 📺",
			"Hmm, that's not a text channel I can slow down 🐌❓"},
		Plain: []string{"That is not a text channel of this server.", "Choose a text channel in this server.", "I can't find that text channel here.",
			"Slowmode needs a text channel of this server."}}
	errRefused = persona.Pool{Name: "err_refused",
		Sassy: []string{"Discord said no 😤 (%s). Check my role is above theirs.", "Mommy tried, Discord refused 🙄 (%s)",
			"Blocked by Discord 🚧 (%s). My permissions may be too low.", "No can do 😓 Discord says: %s"},
		Plain: []string{"Discord refused the action (%s). Check the bot's role and permissions.", "The action failed: %s. The bot may lack permission.",
			"Discord rejected this (%s).", "Could not complete the action: %s."}}

	cleanStarted = persona.Pool{Name: "clean_started",
		Sassy: []string{"Spring cleaning time 🧹 Mommy's checking the last %d messages of every channel. Progress below!",
			"Scrub-a-dub 🧽 scanning up to %d messages per channel, watch this space.", "Mommy's got her gloves on 🧤 up to %d messages per channel, here we go.",
			"Cleaning crew deployed 🧼 %d messages per channel, progress coming up."},
		Plain: []string{"Cleanup started: checking up to %d recent messages per text channel. Progress will be posted here.",
			"Scanning up to %d messages per channel for filtered words.", "Server cleanup running (up to %d messages per channel).",
			"Cleanup queued: up to %d messages per channel will be checked."}}
	cleanRunning = persona.Pool{Name: "clean_running",
		Sassy: []string{"🧹 Mommy is cleaning…", "🧽 Scrubbing in progress…", "🧼 Tidying up the server…", "🧤 Cleaning crew at work…"},
		Plain: []string{"Cleanup in progress", "Scanning channels", "Server cleanup running", "Cleanup running"}}
	cleanFinished = persona.Pool{Name: "clean_finished",
		Sassy: []string{"✨ Sparkling clean!", "🧹 All tidy, darling!", "💅 Spotless, as it should be.", "🫧 Squeaky clean!"},
		Plain: []string{"Cleanup finished", "Cleanup complete", "Server cleanup done", "Scan complete"}}
	errCleanLimit = persona.Pool{Name: "err_clean_limit",
		Sassy: []string{"`%d`? Pick 1 to 1000 messages per channel, sweetie 🧹", "Mommy can scan 1–1000 messages per channel, not `%d` 📏",
			"`%d` is out of range 🙅‍♀️ 1 to 1000, please.", "Between 1 and 1000, darling; `%d` won't do 💅"},
		Plain: []string{"The limit must be between 1 and 1000 messages per channel (got `%d`).", "`%d` is out of range: use 1–1000.",
			"Invalid limit `%d`. Choose 1 to 1000.", "Limit `%d` is not allowed; the range is 1–1000."}}

	smPreview = persona.Pool{Name: "sm_preview",
		Sassy: []string{"Preview for %s 👀 looks good, darling?", "Here's what Mommy will post in %s 📣", "Draft for %s ✍️ send it?", "Sneak peek for %s 🔍"},
		Plain: []string{"Preview of the message for %s", "Message preview (%s)", "Draft for %s: send or cancel", "This will be posted in %s"}}
	smSent = persona.Pool{Name: "sm_sent",
		Sassy: []string{"Posted in %s 📨", "Delivered to %s, darling 💌", "Mommy said it in %s 📣", "Out it goes to %s 🚀"},
		Plain: []string{"Sent to %s.", "The message was posted in %s.", "Message delivered to %s.", "Posted in %s."}}
	smCancelled = persona.Pool{Name: "sm_cancelled",
		Sassy: []string{"Scrapped 🗑️ nothing was sent.", "Never mind then 🤐", "Draft binned, darling 🚮", "Cancelled, Mommy keeps quiet 🤫"},
		Plain: []string{"Cancelled: nothing was sent.", "The message was not sent.", "Draft discarded.", "Cancelled."}}
	errSmTarget = persona.Pool{Name: "err_sm_target",
		Sassy: []string{"`%s` isn't a channel, sweetie: try `sm #channel your text` 📺", "Where to? `%s` isn't a channel 🤔 use `#channel`.",
			"Mommy needs a #channel, not `%s` 📍", "`%s`? Point me at a channel like #general, darling 👉"},
		Plain: []string{"`%s` is not a channel. Usage: `sm #channel <message> [ping]`.", "Give a channel first (e.g. #general), not `%s`.",
			"Unknown target `%s`: use a #channel mention.", "`%s` is not a valid channel."}}
	errSmTooLong = persona.Pool{Name: "err_sm_long",
		Sassy: []string{"That's %d characters, darling 📜 Discord stops at 2000.", "%d characters? Trim it to 2000, sweetie ✂️",
			"Too chatty 😅 %d characters, the limit is 2000.", "Mommy can't post %d characters; 2000 max 📏"},
		Plain: []string{"The message has %d characters; the limit is 2000.", "Messages can have at most 2000 characters (this one has %d).",
			"Too long: %d characters, maximum 2000.", "Shorten the message: %d characters is over the 2000 limit."}}
	errSmEmpty = persona.Pool{Name: "err_sm_empty",
		Sassy: []string{"An empty message? 🙃 Give Mommy something to say.", "Nothing to post, sweetie 📭", "Say what, darling? The text is empty 🤷‍♀️",
			"Mommy needs words, not just a ping 💬"},
		Plain: []string{"The message is empty.", "Write some text to send.", "There is nothing to send besides the ping.", "Add a message text."}}
	errSmExpired = persona.Pool{Name: "err_sm_expired",
		Sassy: []string{"That draft is done or expired ⌛ start a new `sm`.", "Too late, darling ⏰ this preview is closed.",
			"This one's already handled 📦", "Expired draft 🥀 make a fresh one."},
		Plain: []string{"This draft was already handled or has expired.", "The preview is no longer active.", "This draft is closed.",
			"Expired: run `sm` again."}}
	errSmNotYours = persona.Pool{Name: "err_sm_not_yours",
		Sassy: []string{"Hands off, that draft isn't yours 🙅‍♀️", "Only the author can press that, sweetie 🔒", "Not your draft, darling 💅",
			"Shoo 👋 this preview belongs to someone else."},
		Plain: []string{"Only the author of this draft can send or cancel it.", "This draft belongs to another staff member.",
			"You can't act on someone else's draft.", "Only the draft's author can use these buttons."}}
	errSmValue = persona.Pool{Name: "err_sm_value",
		Sassy: []string{"`%s` isn't a value, darling: `sm @member 50` 💰", "Mommy needs a whole number, not `%s` 🔢", "`%s`? Give me millions as a number 💸",
			"Numbers only, sweetie: `%s` won't do 🧮"},
		Plain: []string{"`%s` is not a value. Usage: `sm @member <value>` (setvalue).", "The value must be a whole number, not `%s`.",
			"Invalid value `%s`.", "`%s` is not a whole number of millions."}}

	modhelpIntro = persona.Pool{Name: "modhelp_intro",
		Sassy: []string{"Mommy's moderation handbook 📚 pick a chapter below.", "Need help keeping the peace? 🕊️ Choose a guide.",
			"Moderator school is in session 🎓 what do you need?", "The mod manual, darling 💼 pick a topic.",
			"Keeping order, Mommy-style 💅 choose a guide below.", "Trouble in chat? 🔥 Mommy's got a guide for that.",
			"Your moderation cheat-sheet 📝 select a topic.", "Mod tips from Mommy 💡 choose one below."},
		Plain: []string{"Moderation guide: choose a topic below.", "Select a topic to read the moderation guide.", "Moderator handbook: pick a section.",
			"Choose a moderation topic.", "The moderation guide. Select a section below.", "Pick a guide from the menu below.",
			"Moderation help: select a topic.", "Guides for moderators: choose one."}}
)

// Mod-log texts: a record for staff, so one plain wording.
const (
	logFilterTitle    = "Filter: message removed"
	logMuteTitle      = "Timeout"
	logUnmuteTitle    = "Timeout lifted"
	logUTMTitle       = "Timeout lifted, warnings cleared"
	logSlowmodeTitle  = "Slowmode changed"
	logMember         = "Member"
	logModerator      = "Moderator"
	logChannel        = "Channel"
	logCategory       = "Category"
	logMatched        = "Matched"
	logContent        = "Message"
	logWarning        = "Warning"
	logLevel          = "Level %d"
	logTimeout        = "Timeout"
	logNone           = "none"
	logReason         = "Reason"
	logNoReason       = "no reason given"
	logUntil          = "Until"
	logCleared        = "Warnings cleared"
	logSeconds        = "%d s"
	logCleanTitle     = "Server cleanup"
	logCleanScanned   = "Messages checked"
	logCleanDeleted   = "Messages removed"
	cleanProgressLine = "Channels: %d/%d\nMessages checked: %d\nMessages removed: %d"
	logSmTitle        = "Server message sent"
	smSendLabel       = "Send"
	smCancelLabel     = "Cancel"
	smNoPing          = "none"
	smPingField       = "Ping"
	modhelpTitle      = "Moderation guide"
	modhelpPlacehold  = "Choose a guide"
)

// guide is one chapter of modhelp.
type guide struct {
	value, label, body string
}

// guides are modhelp's chapters, in menu order (SPEC.md §6).
func guides() []guide {
	return []guide{
		{"warn", "Warnings", "The filter warns automatically: it deletes the message, posts a warning that disappears after 30 s and logs it in the mod-log. Each warning raises the next timeout: none, 5 min, 1 h, 1 day, 1 week, then 28 days. Slurs start at 1 day, self-harm encouragement at 1 h. For anything the filter misses, talk to the member first; a quiet word fixes most things."},
		{"timeout", "Timeouts", "`mute @member <duration> [reason]` times a member out (`30s`, `10m`, `2h`, `3d`, `1w`, at most `28d`); `unmute @member` lifts it. Staff and bots cannot be muted. Staff can use `utm @member` to lift a timeout and clear the member's filter warnings. Always give a reason: it lands in the mod-log."},
		{"kick", "Kicks", "Kick when a member keeps breaking rules after a timeout, or joined only to cause trouble. Kicked members can come back with an invite, so say why in the mod-log. Use Discord's own kick: Novera does not kick."},
		{"ban", "Bans", "Ban for hate, threats, doxxing, scams or raids. Bans are for staff decisions: write the evidence (message links, screenshots) in the mod-log before you ban, and use Discord's own ban."},
		{"raids", "Raids", "Many new accounts posting the same thing: turn on slowmode in the affected channels (`slowmode #channel 30`), time out the accounts, tell staff, and raise the server's verification level. Lift slowmode with `slowmode #channel 0` once it is over."},
		{"cleanup", "Cleanup", "Delete harmful messages quickly and keep evidence first. The filter removes listed words as they are posted; for older messages ask staff, who can scan the server. Slowmode calms a channel while you clean."},
		{"disputes", "Wager disputes", "When players disagree on a match result, ask both for screenshots in the wager-review channel, decide on evidence only, and let a moderator who did not play approve or decline. Never settle a dispute in public chat."},
		{"appeals", "Appeals", "A member who thinks a timeout or warning was wrong can open a ticket. A different moderator reviews it; if it was a mistake, staff use `utm` to lift the timeout and clear the warnings, and say so in the mod-log."},
	}
}

// pools lists every pool for the pool test.
func pools() []persona.Pool {
	return []persona.Pool{warnLines, warnTimeout, warnCount, muteDone, unmuteDone, utmDone, slowmodeOn, slowmodeOff,
		errDurationUnreadable, errDurationUnit, errDurationTooLong, errDurationZero, errMuteStaff, errMuteBot, errMuteSelf,
		errSlowmodeRange, errChannelElsewhere, errRefused, modhelpIntro, cleanStarted, cleanRunning, cleanFinished, errCleanLimit,
		smPreview, smSent, smCancelled, errSmTarget, errSmTooLong, errSmEmpty, errSmExpired, errSmNotYours, errSmValue}
}
