package community

import "github.com/novera-bot/novera/libs/persona"

// Every line the community service says.
var (
	helpTitle = persona.Pool{Name: "help_title",
		Sassy: []string{"Mommy's menu 💖", "Here's what I can do, sweetie ✨", "The Novera handbook 📖💅", "Pick your poison 🍬",
			"All the tricks up my sleeve 🎩", "Your guide to Mommy 🗺️", "Command cheat sheet 📝💕", "What can Mommy do? Everything 😏"},
		Plain: []string{"Commands", "Novera commands", "Available commands", "Command list", "Help", "What Novera can do",
			"Command overview", "Commands you can use"}}
	helpEmpty = persona.Pool{Name: "help_empty",
		Sassy: []string{"Nothing for you in there yet, sweetie 🙈", "That category is empty for you, darling 🫥",
			"Nothing to see here, cutie 👀", "Mommy has nothing for you in that one 💭", "Empty! Try another category 🌸",
			"Zero commands here for you, babe 🙃", "Nada, zilch, nothing 🫧", "Nothing you can use there yet 💫"},
		Plain: []string{"There are no commands you can use in that category.", "No commands available in this category.",
			"This category has no commands for you.", "Nothing available here.", "No commands to show.",
			"You have no commands in this category.", "This category is empty for you.", "No matching commands."}}
)

func pools() []persona.Pool {
	return []persona.Pool{helpTitle, helpEmpty, configTitle, configChanged, configUnknownKey, configBadValue,
		giveawayTitle, giveawayOpen, giveawayEntered, giveawayAlready, giveawayClosed, giveawayEndTitle, giveawayWinner, giveawayNobody, giveawayBadInput,
		welcomeTitle, welcomeLines, farewellLines,
		ticketPanelTitle, ticketPanelLines, ticketTeamTitle, ticketJoinTitle, ticketBad}
}

// The configuration command's lines.
var (
	configTitle = persona.Pool{Name: "config_title",
		Sassy: []string{"⚙️ How Mommy runs this place", "🔧 The control panel", "🎛️ Server settings, darling", "📋 House rules",
			"🛠️ Under the hood", "💼 The admin binder", "🗝️ Settings vault", "🧭 How things are set up"},
		Plain: []string{"Server settings", "Configuration", "Current settings", "Settings overview", "Novera configuration",
			"Configured values", "Settings", "This server's settings"}}
	configChanged = persona.Pool{Name: "config_changed",
		Sassy: []string{"Done, boss 💅 `%s` is now %s.", "Consider it handled ✨ `%s` → %s.", "Ooh, redecorating? `%s` is now %s 🛋️",
			"Noted, darling 📝 `%s` = %s.", "Your wish, my command 🪄 `%s` is %s now.", "Flipped the switch 🔀 `%s` → %s.",
			"All set, sweetie ✅ `%s` is %s.", "Changed! `%s` now reads %s 💖"},
		Plain: []string{"`%s` is now %s.", "Updated `%s` to %s.", "Setting `%s` changed to %s.", "`%s` has been set to %s.",
			"Saved: `%s` = %s.", "The value of `%s` is now %s.", "`%s` updated: %s.", "Configuration changed: `%s` is %s."}}
	configUnknownKey = persona.Pool{Name: "config_unknown_key",
		Sassy: []string{"`%s`? That's not a setting, sweetie 🤔 Did you mean %s?", "Never heard of `%s` 🙃 maybe %s?",
			"`%s` isn't on my panel, darling 🎛️ try %s.", "Hmm, no `%s` here 🔍 perhaps %s?",
			"`%s` doesn't exist, cutie 🫧 closest: %s.", "I don't have a `%s` knob 🎚️ how about %s?",
			"Typo alert 🚨 `%s` isn't a setting. %s?", "`%s`? Nope 💅 did you mean %s?"},
		Plain: []string{"`%s` is not a setting. Did you mean %s?", "Unknown setting `%s`. Closest matches: %s.",
			"There is no setting called `%s`. Try %s.", "`%s` is not recognised. Similar settings: %s.",
			"Setting `%s` not found. Perhaps %s?", "`%s` doesn't exist. See %s.", "No such setting: `%s`. Try %s.",
			"`%s` is unknown. Did you mean %s?"}}
	configBadValue = persona.Pool{Name: "config_bad_value",
		Sassy: []string{"That won't fit, darling 🙅‍♀️ %s.", "Nope, %s 😅 nothing changed.", "Mommy can't store that 💔 %s.",
			"Try again, sweetie 🔁 %s.", "Hmm, %s 🤨 nothing was saved.", "Close, but %s 🫠", "Not quite 💅 %s.", "Oopsie, %s 🙈"},
		Plain: []string{"Invalid value: %s. Nothing was changed.", "That value is not allowed: %s.", "Could not save: %s.",
			"Rejected: %s. The setting is unchanged.", "Invalid input: %s.", "Nothing changed: %s.", "Value refused: %s.",
			"Please correct the value: %s."}}
)

// The giveaway's lines. In giveawayOpen %s is the prize and %d the end as a unix time
// (rendered by Discord as a live countdown); in giveawayWinner the winner, the prize and
// the number of entrants.
var (
	giveawayTitle = persona.Pool{Name: "giveaway_title",
		Sassy: []string{"🎉 GIVEAWAY TIME 🎉", "🎁 Mommy's feeling generous", "💝 Free stuff alert", "🎊 Giveaway!",
			"🍀 Feeling lucky?", "🎈 Something for someone", "✨ A gift from the staff", "🏆 Win this"},
		Plain: []string{"Giveaway", "New giveaway", "Giveaway started", "Prize giveaway", "Enter the giveaway",
			"Giveaway open", "Community giveaway", "A new giveaway"}}
	giveawayOpen = persona.Pool{Name: "giveaway_open",
		Sassy: []string{"Up for grabs: **%s** 💖 Press Enter before <t:%d:R>!", "**%s** could be yours, sweetie 🎁 ends <t:%d:R>.",
			"Mommy's giving away **%s** 😘 get in before <t:%d:R>.", "Who wants **%s**? 🙋 Closes <t:%d:R>.",
			"Shiny prize: **%s** ✨ entries close <t:%d:R>.", "Tap Enter to win **%s** 🍀 ends <t:%d:R>.",
			"**%s** is on the table 💅 until <t:%d:R>.", "One lucky cutie wins **%s** 🎊 ends <t:%d:R>."},
		Plain: []string{"Prize: **%s**. Press Enter to join; ends <t:%d:R>.", "Giveaway for **%s**, ending <t:%d:R>.",
			"Enter to win **%s**. Closes <t:%d:R>.", "**%s** will be given away <t:%d:R>.", "Join the draw for **%s**; ends <t:%d:R>.",
			"Up for grabs: **%s**. Entries close <t:%d:R>.", "A draw for **%s** ends <t:%d:R>.", "Win **%s**: the draw is <t:%d:R>."}}
	giveawayEntered = persona.Pool{Name: "giveaway_entered",
		Sassy: []string{"You're in, sweetie 🍀", "Entry received 💌 fingers crossed!", "Done! Mommy wrote your name down 📝",
			"You're on the list, cutie ✨", "Entered! May the odds be cute 🎲", "Got you 💖 good luck!",
			"In you go 🎟️", "Entry locked in 🔒💕"},
		Plain: []string{"You have entered the giveaway.", "Entry recorded. Good luck.", "You're in the draw.",
			"Your entry has been saved.", "Entered successfully.", "You are now part of the giveaway.",
			"Entry confirmed.", "Thanks, your entry counts."}}
	giveawayAlready = persona.Pool{Name: "giveaway_already",
		Sassy: []string{"You're already in, greedy 😏 one entry each!", "Nice try 🙅‍♀️ one ticket per cutie.",
			"Already entered, sweetie 💅", "Mommy has your name already 📝", "Once is enough, darling 😌",
			"You're in already 🍀 no double dipping!", "Still just one entry, babe 🎟️", "Patience! You're already entered 💕"},
		Plain: []string{"You have already entered this giveaway.", "Only one entry per member.", "Your entry is already recorded.",
			"You're already in the draw.", "Duplicate entry ignored.", "You entered this giveaway before.",
			"Each member can enter once.", "Already entered."}}
	giveawayClosed = persona.Pool{Name: "giveaway_closed",
		Sassy: []string{"Too late, sweetie ⏰ this one's over.", "That giveaway has ended 🥲", "Doors closed, cutie 🚪",
			"Aww, you missed it 💔", "It's done and dusted 🧹", "The draw already happened 🎲", "Over! Catch the next one 🍀",
			"No more entries, darling 🔒"},
		Plain: []string{"This giveaway has ended.", "Entries are closed.", "The giveaway is over.", "This draw has already taken place.",
			"You can no longer enter this giveaway.", "The giveaway is closed.", "Entries closed.", "This giveaway is finished."}}
	giveawayEndTitle = persona.Pool{Name: "giveaway_end_title",
		Sassy: []string{"🎉 And the winner is…", "🥁 Drumroll please", "🏆 We have a winner!", "🎊 Giveaway results",
			"✨ Fate has decided", "🍀 Lady Luck spoke", "💝 Prize time", "🎁 Unwrapping the winner"},
		Plain: []string{"Giveaway result", "Giveaway ended", "Winner drawn", "Draw complete", "Giveaway winner",
			"Results", "The draw", "Giveaway closed"}}
	giveawayWinner = persona.Pool{Name: "giveaway_winner",
		Sassy: []string{"%s wins **%s**! 🎉 (out of %d hopefuls)", "Congrats %s 💖 **%s** is yours! (%d entered)",
			"%s snatched **%s** from %d contenders 😎", "The lucky cutie is %s 🍀 enjoy **%s**! (%d entries)",
			"%s takes home **%s** 🏆 %d entered.", "Mommy picked %s 😘 **%s** is theirs (%d in the hat).",
			"%s, you won **%s**! 🥳 %d tried.", "Winner: %s ✨ prize: **%s**, entries: %d."},
		Plain: []string{"%s wins **%s** (%d entries).", "%s is the winner of **%s** (%d entries).", "%s has won **%s** out of %d entries.",
			"Congratulations %s: you won **%s** (%d entries).", "%s is the winner of **%s**; %d entered.",
			"Winner: %s. Prize: **%s**. Entries: %d.", "%s takes **%s** (%d participants).", "%s won **%s** among %d entrants."}}
	giveawayNobody = persona.Pool{Name: "giveaway_nobody",
		Sassy: []string{"Nobody entered for **%s** 🥲 Mommy keeps it.", "Zero entries for **%s**?! 😤 your loss.",
			"**%s** stays with Mommy 💅 nobody entered.", "Crickets for **%s** 🦗", "No takers for **%s** 🙃",
			"**%s** goes back in the box 📦 no entries.", "Empty hat for **%s** 🎩", "Not one entry for **%s** 😿"},
		Plain: []string{"No one entered the giveaway for **%s**.", "The giveaway for **%s** ended without entries.",
			"No winner for **%s**: nobody entered.", "**%s** was not won; there were no entries.", "Giveaway for **%s** closed with no entries.",
			"There are no entrants for **%s**.", "Nobody joined the draw for **%s**.", "**%s**: no entries, no winner."}}
	giveawayBadInput = persona.Pool{Name: "giveaway_bad_input",
		Sassy: []string{"Hmm, %s 🤔 nothing was started.", "Can't do that, sweetie: %s 💅", "Oopsie, %s 🙈",
			"Mommy needs better details: %s 📝", "Not quite, darling: %s 🫠", "Try again, cutie: %s 🔁", "Nope: %s 😅",
			"Close! But %s 💋"},
		Plain: []string{"The giveaway was not started: %s.", "Invalid giveaway: %s.", "Please fix the input: %s.",
			"Cannot start the giveaway: %s.", "Input error: %s.", "Nothing started: %s.", "Giveaway refused: %s.",
			"Check the command: %s."}}
)

// Welcome and farewell lines: %s is the new member's mention, or the leaver's name.
var (
	welcomeTitle = persona.Pool{Name: "welcome_title",
		Sassy: []string{"👋 Fresh face alert!", "🎉 Someone new just walked in", "💖 Welcome to the family", "✨ A new player appears",
			"🏟️ New signing!", "🌸 Say hi, everyone", "🥳 Look who's here", "⚽ Welcome to the pitch"},
		Plain: []string{"Welcome", "New member", "Welcome to the server", "A new member joined", "Please welcome",
			"Member joined", "Welcome aboard", "Hello and welcome"}}
	welcomeLines = persona.Pool{Name: "welcome",
		Sassy: []string{"Welcome %s! Mommy's been expecting you 💕 grab a tryout and show us what you've got.",
			"%s just joined 🎉 be nice, everyone (or else 😤).", "Hi %s 👋 the pitch is that way, the drama is this way 🍿",
			"%s has arrived ✨ get evaluated and climb those rankings!", "Look at you, %s 😍 welcome in!",
			"Everyone say hi to %s 💖 they're cute, I checked.", "%s, welcome! Read the rules, then read them again 📜",
			"A wild %s appeared 🐾 welcome to Novera!"},
		Plain: []string{"Welcome to the server, %s.", "%s has joined. Welcome!", "Please welcome %s.",
			"Hello %s, and welcome. Request an evaluation to get your value.", "%s joined the server.",
			"Welcome %s. Please read the rules.", "Good to have you here, %s.", "Welcome aboard, %s."}}
	farewellLines = persona.Pool{Name: "farewell",
		Sassy: []string{"%s left 🥲 Mommy will pretend she's not hurt.", "Bye %s 👋 the door's always open (ish).",
			"%s has left the building 🚪", "And just like that, %s is gone 💨", "%s rage-quit? Or just quit? 🤔 Bye!",
			"Farewell, %s 🫡", "%s packed their boots and left 👟", "We lost %s 😢 more headpats for the rest of you."},
		Plain: []string{"%s has left the server.", "Goodbye, %s.", "%s left.", "%s is no longer a member.",
			"Farewell, %s.", "%s has departed.", "%s left the server. Goodbye.", "Member left: %s."}}
)

// Team tickets' lines: %s in the titles is the team's name; in ticketBad, the reason.
var (
	ticketPanelTitle = persona.Pool{Name: "ticket_panel_title",
		Sassy: []string{"🎟️ Team tickets", "🛡️ Build your squad", "🏆 Teams & tournaments", "📋 Sign-up desk",
			"⚽ Assemble your team", "🤝 Squad goals", "🎫 Ticket booth", "🏟️ Team headquarters"},
		Plain: []string{"Team tickets", "Teams and tournaments", "Team registration", "Sign-ups", "Create or join",
			"Tournament registration", "Team desk", "Registration"}}
	ticketPanelLines = persona.Pool{Name: "ticket_panel",
		Sassy: []string{"Make a team or throw one into the tournament 💪 buttons below, cuties.",
			"Got a squad? Register it here ✨ Mommy's keeping score.", "Captains, this way 👉 create a team or join the tournament.",
			"Teams need names, names need creativity 🎨 click below!", "Tournament glory awaits 🏆 sign up below.",
			"Pick a button, fill the form, become legends 💅", "Squad up 🤝 and let Mommy know who's playing where.",
			"No team? No problem. Make one right here 🛠️"},
		Plain: []string{"Use the buttons to create a team or join the tournament.", "Register a team or sign up for the tournament below.",
			"Captains can register teams here.", "Create a team with its line-up, or enter the tournament.",
			"Choose an option below to register.", "Team registration and tournament sign-up.",
			"Fill in the form to register your team.", "Sign up your team using the buttons."}}
	ticketTeamTitle = persona.Pool{Name: "ticket_team_title",
		Sassy: []string{"🛡️ %s is official!", "✨ Welcome to the league, %s", "🎉 %s just formed", "💪 Team %s registered",
			"⚽ %s enters the scene", "🏟️ Say hi to %s", "📋 %s signed in", "🔥 %s is ready to play"},
		Plain: []string{"Team created: %s", "New team: %s", "%s registered", "Team %s", "Registration: %s",
			"%s has been created", "Team registered: %s", "Created: %s"}}
	ticketJoinTitle = persona.Pool{Name: "ticket_join_title",
		Sassy: []string{"🏆 %s joined the tournament!", "🎟️ %s is in", "⚔️ %s enters the bracket", "✨ %s signed up",
			"🔥 Watch out for %s", "💥 %s wants the trophy", "🎉 %s is tournament-bound", "📣 %s registered"},
		Plain: []string{"Tournament entry: %s", "%s joined the tournament", "%s is registered for the tournament",
			"Entry received: %s", "%s signed up", "Tournament sign-up: %s", "%s entered", "New entry: %s"}}
	ticketBad = persona.Pool{Name: "ticket_bad",
		Sassy: []string{"Oops: %s 🙈 nothing was saved.", "Hmm, %s 🤔 try again, sweetie.", "Can't register that: %s 💅",
			"Not quite, darling: %s 🫠", "Mommy needs fixes: %s 📝", "Close! But %s 💋", "Nope: %s 😅", "Try again, cutie: %s 🔁"},
		Plain: []string{"Registration failed: %s.", "Not saved: %s.", "Please correct the form: %s.", "Invalid form: %s.",
			"Could not register: %s.", "Input error: %s.", "Nothing was stored: %s.", "Please fix: %s."}}
)
