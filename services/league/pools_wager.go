package league

import "github.com/novera-bot/novera/libs/persona"

// Every line of the wagers (SPEC.md §3). Same rules as pools.go: every line of a pool takes
// the same verbs in the same order; TestWagerPools checks them all.
var (
	wagerBoardTitle = persona.Pool{Name: "wager_board_title",
		Sassy: []string{"⚔️ %s wager · %s", "🔥 %s showdown · %s", "💸 %s money match · %s", "🏟️ %s arena · %s",
			"🎲 %s gamble · %s", "👑 %s crown match · %s", "⚽ %s wager · %s server", "💥 %s clash · %s"},
		Plain: []string{"%s wager · %s", "%s match · %s", "%s wager match · %s", "Wager: %s · %s",
			"Match: %s · %s", "%s wager (%s)", "%s match (%s)", "Open %s wager · %s"}}
	wagerBoardText = persona.Pool{Name: "wager_board_text",
		Sassy: []string{
			"%s put ¥%d million on the table 💰 pick a side, pick a spot, don't choke.",
			"Host %s wants ¥%d million of somebody's value 😈 who's brave?",
			"%s is feeling lucky: ¥%d million each 🍀 join a team below.",
			"Fresh wager from %s 💅 ¥%d million a head, winners take double.",
			"%s says they can't lose 🙄 ¥%d million says prove it.",
			"Mommy's holding the pot for %s 👛 ¥%d million each, no take-backs once it's full.",
			"%s opened the ring 🥊 ¥%d million per player.",
			"Stakes are set by %s: ¥%d million 💎 grab a position before it's gone.",
		},
		Plain: []string{
			"Host: %s. Stake: ¥%d million per player. Choose a team and position below.",
			"%s created this match. Each player stakes ¥%d million.",
			"Wager by %s, ¥%d million per player; winners receive twice their stake.",
			"%s is hosting. The stake of ¥%d million is held when you join.",
			"Hosted by %s. Stake ¥%d million; leaving before the match is full refunds it.",
			"Match host: %s. Every player puts in ¥%d million.",
			"%s opened a wager at ¥%d million per player.",
			"New match from %s. Stake per player: ¥%d million.",
		}}
	wagerPing = persona.Pool{Name: "wager_ping",
		Sassy: []string{"%s a %s wager just dropped, ¥%d million a head 👀", "%s new %s match up for ¥%d million 🔥",
			"%s who wants a %s for ¥%d million? 😏", "%s %s wager open, ¥%d million on the line 💸",
			"%s come get this %s, ¥%d million each ⚔️", "%s fresh %s board, stake ¥%d million 🎲",
			"%s a %s for ¥%d million is waiting for you 💌", "%s %s time! ¥%d million stake 🏟️"},
		Plain: []string{"%s new %s wager, stake ¥%d million.", "%s a %s match is open (¥%d million).",
			"%s %s wager available: ¥%d million per player.", "%s open %s match, stake ¥%d million.",
			"%s a new %s wager was posted (¥%d million).", "%s %s match looking for players, ¥%d million.",
			"%s join the new %s wager: ¥%d million.", "%s wager posted: %s, ¥%d million."}}
	wagerPosted = persona.Pool{Name: "wager_posted",
		Sassy: []string{"Board's up in %s 🎉 your stake is in Mommy's purse.", "Posted in %s 💅 now go find victims.",
			"Your match lives in %s 🏟️ stake held, good luck!", "Done! %s has your board 🔥",
			"Your wager is live in %s ⚔️", "Look at you, hosting 🥹 check %s.", "Board posted to %s 💌 stake safely held.",
			"All set, the board is in %s 🎲"},
		Plain: []string{"Your match was posted in %s and your stake is held.", "Board posted: %s.",
			"The wager is live in %s.", "Match created in %s; your stake is held in escrow.",
			"Your board is in %s.", "Posted to %s. Your stake is held until the match ends.",
			"The match was created. See %s.", "Wager created; board in %s."}}
	wagerPrefixPrompt = persona.Pool{Name: "wager_prefix_prompt",
		Sassy: []string{"A ¥%d million wager? 😏 tap the button and fill in the details.",
			"Ooh, ¥%d million 💸 press below to set it up.", "Let's set up your ¥%d million match 🛠️ button time!",
			"¥%d million, bold 😈 click to fill in mode, region and position.", "Mommy needs details for your ¥%d million wager 📝 tap below.",
			"¥%d million it is 💰 one click to the form.", "Setting up ¥%d million of chaos ⚔️ press the button.",
			"Your ¥%d million match needs a form 💌 tap below."},
		Plain: []string{"Wager of ¥%d million: press the button to enter the match details.",
			"To create your ¥%d million match, press the button below.", "Set up the ¥%d million match with the button below.",
			"Press the button to fill in the details of your ¥%d million wager.", "Stake ¥%d million. Continue with the button below.",
			"Your ¥%d million wager needs details: use the button.", "Click below to configure the ¥%d million match.",
			"Open the form below to create the ¥%d million wager."}}
	wagerBadSetup = persona.Pool{Name: "wager_bad_setup",
		Sassy: []string{"Hmm, that's not right 🙈 %s", "Try again, sweetie: %s 💕", "Mommy can't use that 😅 %s",
			"Close, but no 🙃 %s", "Oopsie 😳 %s", "Nope 💅 %s", "Let's fix that 🛠️ %s", "Almost there ✨ %s"},
		Plain: []string{"Invalid input: %s", "That did not work: %s", "Please correct this: %s", "Not accepted: %s",
			"Check your input: %s", "Cannot continue: %s", "Input error: %s", "Please try again: %s"}}
	wagerStakeRange = persona.Pool{Name: "wager_stake_range",
		Sassy: []string{
			"¥%d million? 🙅‍♀️ stakes go from ¥%d million up to your value, ¥%d million.",
			"Can't bet ¥%d million, darling 💸 minimum ¥%d million, maximum your value (¥%d million).",
			"¥%d million is out of range 📏 pick between ¥%d million and ¥%d million.",
			"Mommy won't hold ¥%d million 🙈 allowed: ¥%d million up to ¥%d million.",
			"Nice try with ¥%d million 😏 the range is ¥%d million to ¥%d million.",
			"¥%d million doesn't fit 👛 at least ¥%d million, at most ¥%d million (your value).",
			"Woah, ¥%d million 😳 stake between ¥%d million and ¥%d million, please.",
			"¥%d million? Not today 💅 min ¥%d million, max ¥%d million.",
		},
		Plain: []string{
			"A stake of ¥%d million is not allowed: it must be at least ¥%d million and at most your value (¥%d million).",
			"Stake ¥%d million is out of range (minimum ¥%d million, maximum ¥%d million).",
			"¥%d million cannot be staked. Choose between ¥%d million and ¥%d million.",
			"Invalid stake ¥%d million: the range is ¥%d million to ¥%d million.",
			"The stake (¥%d million) must be between ¥%d million and your value of ¥%d million.",
			"¥%d million is outside the allowed stakes (¥%d million to ¥%d million).",
			"You cannot stake ¥%d million. Allowed: ¥%d million up to ¥%d million.",
			"Stake refused: ¥%d million (allowed ¥%d million to ¥%d million).",
		}}
	wagerTooPoor = persona.Pool{Name: "wager_too_poor",
		Sassy: []string{"This one costs ¥%d million and you have ¥%d million 🥲 nothing was taken.",
			"Stake ¥%d million, your value ¥%d million 💸 can't join, sweetie.", "¥%d million to play, you've got ¥%d million 🙈",
			"Too rich for you: ¥%d million vs your ¥%d million 😬", "You need ¥%d million, you hold ¥%d million 👛 sit this one out.",
			"¥%d million stake, ¥%d million in your pocket 🥺 win some first!", "Not enough value: ¥%d million needed, ¥%d million held 💔",
			"Mommy checked: ¥%d million stake, ¥%d million value 😔"},
		Plain: []string{"You cannot join: the stake is ¥%d million and your value is ¥%d million.",
			"Insufficient value: stake ¥%d million, your value ¥%d million.", "The stake (¥%d million) exceeds your value (¥%d million).",
			"Joining requires ¥%d million; you have ¥%d million.", "Not enough value to join (¥%d million needed, ¥%d million available).",
			"Stake ¥%d million is more than your ¥%d million.", "You need ¥%d million to join; your value is ¥%d million.",
			"Cannot hold ¥%d million from a value of ¥%d million."}}
	wagerNoChannel = persona.Pool{Name: "wager_no_channel",
		Sassy: []string{"No channel for that yet 🙈 staff: `%s`.", "Mommy has nowhere to post 📭 `%s`.",
			"Channel missing 🔍 staff can run `%s`.", "Set up needed 🛠️ `%s`.", "Where would it go? 🤷‍♀️ `%s`.",
			"Not configured yet 😳 staff: `%s`.", "The wager channel isn't set 💌 `%s`.", "No home for this one 🏚️ `%s`."},
		Plain: []string{"The channel is not configured. Staff: `%s`.", "No channel is set for this. Use `%s`.",
			"Missing channel configuration (`%s`).", "This needs a configured channel: `%s`.",
			"Wagers are not set up here yet (`%s`).", "Cannot post: no channel. Staff can run `%s`.",
			"Channel not configured; see `%s`.", "Please ask staff to run `%s`."}}
	wagerAlreadyIn = persona.Pool{Name: "wager_already_in",
		Sassy: []string{"You're already in this match, greedy 😏", "One spot per player, sweetie 🙅‍♀️", "You already joined 💅",
			"Cloning yourself? 👯 you're already on the board.", "Already in! Mommy counted you 🧮", "You can't play twice 😂",
			"You've got a spot already 🎟️", "Nice try, you're in already 😌"},
		Plain: []string{"You are already in this match.", "You already have a spot in this match.", "One spot per player.",
			"You have already joined.", "You cannot join the same match twice.", "You are already on the board.",
			"Already joined: nothing changed.", "Each player may take only one spot."}}
	wagerSpotTaken = persona.Pool{Name: "wager_spot_taken",
		Sassy: []string{"That spot's taken 🙈 pick another.", "Someone beat you to it 🏃‍♀️", "Occupied! 🚫 try a free one.",
			"That position isn't free, sweetie 💔", "Too slow 🐢 that spot is gone.", "Nope, taken 😬",
			"That team or spot is full 🧃", "Grab a different spot 🎯"},
		Plain: []string{"That position is taken.", "That spot is not available.", "Choose a free position.",
			"This position or team is already full.", "That spot was taken; pick another.", "The position is not free.",
			"Not available: choose another spot.", "That team has no room at that position."}}
	wagerClosed = persona.Pool{Name: "wager_closed",
		Sassy: []string{"This match isn't taking changes anymore 🔒", "Too late, sweetie ⏰ this one moved on.",
			"That match is closed 🚪", "Nothing to do here anymore 😴", "This board is history 📜",
			"The match is locked in 🔐", "Ship has sailed ⛵", "That wager is done with 🙈"},
		Plain: []string{"This match is no longer open.", "The match cannot be changed now.", "That match is closed.",
			"This match has moved on.", "No changes are possible to this match.", "The match is not open.",
			"This wager is closed.", "That match is no longer available."}}
	wagerNotPlayer = persona.Pool{Name: "wager_not_player",
		Sassy: []string{"You're not in this match, sweetie 🙅‍♀️", "Players only 🎟️", "Nice try, spectator 👀",
			"This isn't your match 😏", "Only the players can do that 💅", "You didn't play this one 🙈",
			"Hands off, you're not on the board ✋", "Join a match first 😌"},
		Plain: []string{"You are not a player of this match.", "Only players of the match can do that.",
			"This match is not yours.", "You did not join this match.", "Players only.",
			"That is reserved for the match's players.", "You are not on this board.", "Only participants can do this."}}
	wagerNotModerator = persona.Pool{Name: "wager_not_moderator",
		Sassy: []string{"Moderators only, sweetie 🛡️", "That's a mod button, not yours 🙅‍♀️", "Only mods decide this 👮‍♀️",
			"Cute, but you're not a moderator 😏", "Leave that to the mods 💅", "Mod button, hands off ✋",
			"Only moderators (or the host, before it's full) 🔐", "Not your call, darling, that's for mods 🙈"},
		Plain: []string{"Only moderators can do that.", "This requires the moderator role.", "Moderators only.",
			"You do not have moderator permission for that.", "That action is reserved for moderators.",
			"Only a moderator (or the host before the match is full) can do this.", "Permission denied: moderators only.",
			"This is a moderator action."}}
	wagerFullDM = persona.Pool{Name: "wager_full_dm",
		Sassy: []string{"Match #%d is full 🔥 go play, then submit the result in %s.", "Lobby #%d filled 🏟️ result goes through %s.",
			"#%d is on ⚔️ good luck! Submit in %s.", "Your match #%d is full 🎉 the board in %s has the Submit button.",
			"Game time! #%d is full 💥 check %s.", "#%d is ready 😈 play, then report it in %s.",
			"Match #%d: everyone's in 🧮 see %s.", "Full house on #%d 🏠 results in %s."},
		Plain: []string{"Match #%d is full. Play it, then submit the result from the board in %s.",
			"Your match #%d is full. Board: %s.", "Match #%d has all players. Submit the result in %s.",
			"Match #%d is ready to play; the board is in %s.", "All spots of match #%d are filled (%s).",
			"Match #%d is full. Use the Submit result button in %s.", "Match #%d can start now. See %s.",
			"Match #%d: all players joined. Board in %s."}}
	wagerNoMatch = persona.Pool{Name: "wager_no_match",
		Sassy: []string{"Mommy can't find a match of yours for that 🔍", "No match waiting on you 🤷‍♀️", "You've got nothing open here 🙈",
			"No such match, sweetie 😅", "Nothing to do: no match found 📭", "Which match? I see none 👀",
			"You're not in a match that needs this 😌", "Empty-handed 🫙 no match found."},
		Plain: []string{"No matching wager was found.", "You have no match for this.", "There is no such match.",
			"No match is waiting for this action.", "You are not in a match that needs this.", "Match not found.",
			"No open match found for you.", "Nothing to do: no match."}}
	wagerSubmitted = persona.Pool{Name: "wager_submitted",
		Sassy: []string{"Result sent to the mods in %s 📨", "The mods will judge it in %s ⚖️", "Submitted! Waiting in %s 🕰️",
			"Off it goes to %s 🚀", "Mommy passed it to %s 💌", "Result filed in %s 🗂️", "Now we wait, %s has it ⏳",
			"In the review pile at %s 📥"},
		Plain: []string{"The result was sent for review in %s.", "Submitted to moderators in %s.", "Result received; review in %s.",
			"Your result awaits a moderator in %s.", "The result is pending review (%s).", "Sent for moderator review: %s.",
			"Result submitted. Review channel: %s.", "A moderator will review it in %s."}}
	wagerReviewTitle = persona.Pool{Name: "wager_review_title",
		Sassy: []string{"⚖️ Match #%d needs a verdict", "📸 Result for #%d", "🧐 Check match #%d", "👀 Review #%d",
			"📨 #%d reported in", "🏁 Match #%d result", "🔍 Verify #%d", "🗳️ Decide #%d"},
		Plain: []string{"Match #%d result", "Review: match #%d", "Result submitted for match #%d", "Match #%d: review",
			"Wager #%d result", "Pending review: #%d", "Match #%d awaiting review", "Result of match #%d"}}
	wagerSettledDM = persona.Pool{Name: "wager_settled_dm",
		Sassy: []string{"Match #%d is settled 🏆 %s won, values updated!", "#%d approved ✅ winners: %s 💸",
			"The mods have spoken on #%d ⚖️ %s takes the pot.", "#%d is done 🎉 %s cashes in.",
			"Pot of #%d paid out 💰 to %s.", "Verdict on #%d: %s 👑", "#%d closed 🔐 %s got paid.", "Match #%d settled, %s wins 🥳"},
		Plain: []string{"Match #%d was approved. Winner: %s.", "Match #%d is settled; %s received the pot.",
			"Result of match #%d approved: %s won.", "Match #%d closed. %s were paid.", "Match #%d settled in favour of %s.",
			"Payout done for match #%d (%s).", "Match #%d: %s won; values updated.", "The result of #%d was approved: %s."}}
	wagerCancelledText = persona.Pool{Name: "wager_cancelled",
		Sassy: []string{"Match #%d is off 🚫 every ¥%d million stake went back.", "#%d cancelled 🙈 stakes of ¥%d million refunded.",
			"Nobody wins #%d 😴 your ¥%d million is back.", "#%d called off 📴 ¥%d million refunded to everyone.",
			"Match #%d fizzled 💨 ¥%d million each returned.", "Mommy refunded #%d: ¥%d million each 👛",
			"#%d is cancelled, stakes (¥%d million) refunded 💕", "Scrapped #%d 🗑️ ¥%d million back in your pockets."},
		Plain: []string{"Match #%d was cancelled and every stake of ¥%d million refunded.",
			"Match #%d is cancelled; ¥%d million returned to each player.", "Cancelled: match #%d. Stakes (¥%d million) refunded.",
			"Match #%d did not go ahead. Each ¥%d million stake was returned.", "Match #%d closed without a result; ¥%d million refunded each.",
			"The wager #%d was cancelled (¥%d million refunded).", "Match #%d cancelled. Refund: ¥%d million per player.",
			"All stakes of match #%d (¥%d million) were refunded."}}
	wagerReminder = persona.Pool{Name: "wager_reminder",
		Sassy: []string{"Match #%d has been full for 4 hours and nobody settled it 😤 see %s.",
			"Hellooo mods 👋 #%d still has no verdict. Board: %s.", "#%d is gathering dust 🕸️ check %s.",
			"4 hours and #%d is still unresolved ⏰ %s.", "Mods, #%d needs you 🥺 %s.",
			"Don't forget #%d 📌 board in %s.", "#%d is waiting on a decision ⚖️ %s.", "Ping! #%d unresolved 🔔 %s."},
		Plain: []string{"Match #%d has been full for 4 hours without a settled result. Board: %s.",
			"Reminder: match #%d is unresolved (%s).", "Match #%d still needs a moderator decision. See %s.",
			"Match #%d is waiting for a result or review (%s).", "Unresolved wager: #%d in %s.",
			"Please resolve match #%d (%s).", "Match #%d: no approved result after 4 hours. %s.",
			"Moderator attention needed for match #%d (%s)."}}
)

// wagerPools lists the wager pools for TestWagerPools (pools.go's list belongs to the
// league's other features).
func wagerPools() []persona.Pool {
	return []persona.Pool{wagerBoardTitle, wagerBoardText, wagerPing, wagerPosted, wagerPrefixPrompt, wagerBadSetup,
		wagerStakeRange, wagerTooPoor, wagerNoChannel, wagerAlreadyIn, wagerSpotTaken, wagerClosed, wagerNotPlayer,
		wagerNotModerator, wagerFullDM, wagerNoMatch, wagerSubmitted, wagerReviewTitle, wagerSettledDM,
		wagerCancelledText, wagerReminder}
}

// wagerLabels are the fixed words of boards, modals and buttons.
type wagerLabels struct {
	Stake, State, Username, UsernameHint, Link, Empty, Footer, Leave, Submit, Setup, Approve, Decline string
	Mode, Region, Position, Winner, Screenshot, SubmittedBy, ModalTitle, ResultTitle                  string
	BadStake, BadMode, BadRegion, BadPosition, BadUsername, BadURL, BadWinner                         string
	Team, States                                                                                      map[string]string
}

func wagerLabelsFor(sassy bool) wagerLabels {
	l := wagerLabels{Stake: "Stake", State: "State", Username: "Game username", UsernameHint: "Your in-game name",
		Link: "Private server link (optional)", Empty: "—", Footer: "Match #%d", Leave: "Leave", Submit: "Submit result",
		Setup: "Set up the match", Approve: "Approve", Decline: "Decline", Mode: "Mode", Region: "Region",
		Position: "Your position", Winner: "Winner (A or B)", Screenshot: "Screenshot URL", SubmittedBy: "Submitted by",
		ModalTitle: "New wager: ¥%d million", ResultTitle: "Result of match #%d",
		BadStake: "the stake must be a whole number of millions.", BadMode: "the mode must be 1v1, 2v2, 3v3 or 5v5.",
		BadRegion: "the region must be NA or EU.", BadPosition: "in %s the positions are %s.",
		BadUsername: "the game username is required.", BadURL: "links must start with https://.",
		BadWinner: "the winner must be A or B.",
		Team:      map[string]string{"A": "Team A", "B": "Team B"},
		States: map[string]string{stateOpen: "Open", stateFull: "Full: play, then submit", stateSubmitted: "Awaiting review",
			stateSettled: "Settled", stateCancelled: "Cancelled"},
	}
	if sassy {
		l.Stake, l.State, l.Leave, l.Submit, l.Setup = "💰 Stake", "📍 State", "🚪 Leave", "📸 Submit result", "🛠️ Set up my match"
		l.Approve, l.Decline, l.Empty = "✅ Approve", "❌ Decline", "nobody yet 👻"
		l.Team = map[string]string{"A": "🔴 Team A", "B": "🔵 Team B"}
		l.States = map[string]string{stateOpen: "open 🟢", stateFull: "full: go play! 🎮", stateSubmitted: "with the mods ⚖️",
			stateSettled: "settled 🏆", stateCancelled: "cancelled 🚫"}
	}
	return l
}
