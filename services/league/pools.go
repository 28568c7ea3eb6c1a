package league

import "github.com/novera-bot/novera/libs/persona"

// Every line the league service says. Verbs: %s a member's mention or name, %d a number;
// every line of a pool takes the same verbs in the same order (the pool test checks).
var (
	// ---- checkvalue ----
	valueTitle = persona.Pool{Name: "value_title",
		Sassy: []string{"💰 %s's price tag", "💸 What is %s worth?", "🏷️ %s, appraised by Mommy", "📈 %s on the market",
			"💎 %s's valuation", "🧾 The %s receipt", "🔍 Mommy checks %s's value", "🪙 %s, by the numbers"},
		Plain: []string{"Value of %s", "%s: value", "%s's value", "Player value: %s", "Value check: %s", "Current value of %s",
			"%s: current value", "Valuation of %s"}}
	tierUnrated = persona.Pool{Name: "tier_unrated",
		Sassy: []string{
			"%s hasn't been evaluated yet 👀 a mystery box! Run `%s` and let's find out.",
			"No price tag on %s yet, sweetie 🏷️ `%s` fixes that.",
			"%s is still unappraised 🧐 go on, try `%s`.",
			"Zero? Not a judgement, %s, just a blank page 📄 start with `%s`.",
			"%s, Mommy can't value what she hasn't seen 🙈 use `%s`.",
			"Fresh face alert: %s 🌱 ask for a tryout with `%s`.",
			"%s is off the books for now 📚 `%s` gets you on them.",
			"Unrated and full of potential, %s ✨ `%s` is your first step.",
		},
		Plain: []string{
			"%s has not been evaluated yet. Use `%s` to request an evaluation.",
			"%s has no value yet; request a tryout with `%s`.",
			"No evaluation on record for %s. Start with `%s`.",
			"%s is unrated. An evaluation can be requested with `%s`.",
			"%s has a value of 0 until evaluated. Use `%s`.",
			"%s has not had a tryout yet. Request one with `%s`.",
			"There is no value for %s yet; use `%s` to get evaluated.",
			"%s is waiting for a first evaluation. See `%s`.",
		}}
	tierLow = persona.Pool{Name: "tier_low",
		Sassy: []string{
			"%s is a hidden gem 💎 still polishing, but Mommy sees it.",
			"Bargain bin? No, %s is an *investment* 📈",
			"%s is on the rise 🌱 keep grinding, sweetie.",
			"Small number, big dreams, %s 💭",
			"%s, every legend started cheap 😌",
			"Affordable and adorable: %s 🥰",
			"%s is warming up 🔥 Mommy's watching.",
			"Starter tier for %s 🎮 level up soon!",
		},
		Plain: []string{
			"%s is in the developing tier.",
			"%s is an up-and-coming player.",
			"%s sits in the entry tier for now.",
			"%s is building their value.",
			"%s: early-career tier.",
			"%s has room to grow.",
			"%s is currently in the low tier.",
			"%s is a prospect to watch.",
		}}
	tierMid = persona.Pool{Name: "tier_mid",
		Sassy: []string{
			"%s is a solid pick 💪 no one regrets signing them.",
			"Respectable! %s knows what they're doing 😏",
			"%s is squad material 🧩 Mommy approves.",
			"Mid-table? More like mid-*able* 😎 nice, %s.",
			"%s brings the goods 📦 consistently.",
			"%s is the teammate everyone wants 🤝",
			"Reliable, steady, %s 🫡 love that for you.",
			"%s is climbing nicely 🧗 keep it up.",
		},
		Plain: []string{
			"%s is in the established tier.",
			"%s is a dependable player.",
			"%s sits in the mid tier.",
			"%s is a regular starter.",
			"%s: solid mid-tier value.",
			"%s is a proven contributor.",
			"%s holds a strong mid-range value.",
			"%s is a consistent performer.",
		}}
	tierHigh = persona.Pool{Name: "tier_high",
		Sassy: []string{
			"%s is ELITE 👑 bow down, everyone.",
			"Superstar alert: %s 🌟 autographs later.",
			"%s is expensive taste 💅 and worth every yen.",
			"The market can't afford %s 💸",
			"%s is a whole franchise 🏟️",
			"Top shelf! %s 🥂",
			"%s walks in and the price goes up 📈👠",
			"Mommy's proudest asset: %s 💖",
		},
		Plain: []string{
			"%s is in the elite tier.",
			"%s is one of the top players.",
			"%s holds a high value.",
			"%s is a star player.",
			"%s: elite-tier value.",
			"%s is among the most valuable players.",
			"%s is a top-tier player.",
			"%s ranks among the best.",
		}}
	rankNone = persona.Pool{Name: "rank_none",
		Sassy: []string{"Not ranked yet 🫥", "Off the board (for now) 📋", "No rank until evaluated 🔒", "Unranked, untamed 🐆",
			"Rankless wonder ✨", "Waiting in the wings 🪽", "Rank pending ⏳", "Not on the ladder yet 🪜"},
		Plain: []string{"Not ranked", "Unranked", "No rank yet", "Not on the leaderboard", "Rank: none", "Not ranked until evaluated",
			"No ranking", "Not yet ranked"}}

	// ---- rankings ----
	rankingsTitle = persona.Pool{Name: "rankings_title",
		Sassy: []string{"🏆 Mommy's Top 10", "👑 The Hall of Fame", "🔥 Who runs this league", "💎 The most expensive people here",
			"📊 The leaderboard, darlings", "🥇 Top of the food chain", "✨ The elite ten", "🎖️ Ranked and fabulous"},
		Plain: []string{"Top 10 players", "Leaderboard", "Rankings", "Top players by value", "League rankings", "Value leaderboard",
			"Current rankings", "Highest values"}}
	rankingsEmpty = persona.Pool{Name: "rankings_empty",
		Sassy: []string{"Nobody has a value yet 🦗 evaluations first, rankings later!", "The board is empty, sweeties 📋 go get evaluated.",
			"No one to rank 🤷‍♀️ Mommy's waiting for tryouts.", "Empty podium 🏟️ who wants to be first?",
			"Zero players with a value 😴 wake me after the tryouts.", "The leaderboard is lonely 🥺 get evaluated!",
			"Nothing to see yet 👀 values first, please.", "A blank board is a chance to be #1 😏"},
		Plain: []string{"No member has a value yet.", "The leaderboard is empty.", "There are no ranked players yet.",
			"Nobody has been evaluated yet.", "No values to rank.", "Rankings will appear once players are evaluated.",
			"No ranked members.", "The rankings are empty for now."}}
	roleSyncTitle = persona.Pool{Name: "rolesync_title",
		Sassy: []string{"🎭 Rank roles shuffled", "🔄 Role musical chairs", "🏷️ New badges handed out", "✨ Rank roles refreshed",
			"👑 Crowns reassigned", "🎀 Rank roles, re-wrapped", "🪄 Role magic happened", "📛 Rank badges updated"},
		Plain: []string{"Rank role changes", "Rank roles updated", "Role changes", "Rank role sync", "Updated rank roles",
			"Rank roles synchronised", "Changes to rank roles", "Rank role update"}}
	roleSyncNone = persona.Pool{Name: "rolesync_none",
		Sassy: []string{"Everyone already wears the right badge 😌", "No role changes, all tidy 🧹", "Roles are perfect already 💅",
			"Nothing to shuffle ✨", "Rank roles already on point 🎯", "All crowns where they belong 👑",
			"Mommy checked: no changes needed ✅", "Already in order, sweeties 📚"},
		Plain: []string{"No rank role changes were needed.", "Rank roles are already up to date.", "No changes.",
			"All rank roles are correct.", "Nothing to update.", "Rank roles already match the rankings.",
			"No role updates required.", "Rank roles are in sync."}}

	// ---- setvalue / addvalue ----
	valueChangedTitle = persona.Pool{Name: "value_changed_title",
		Sassy: []string{"📝 Value updated!", "💱 New price tag!", "📈📉 The market moved", "🧾 Mommy updated the books",
			"🏷️ Re-priced!", "💼 Contract renegotiated", "✍️ Value rewritten", "🔔 Value change alert"},
		Plain: []string{"Value updated", "Value changed", "Value set", "Player value updated", "New value recorded",
			"Value adjustment", "Value change", "Updated value"}}
	valueDM = persona.Pool{Name: "value_dm",
		Sassy: []string{"Psst 💌 your value just changed from %d to %d million ¥!", "Mommy news 📰 your value went from %d to %d million ¥.",
			"Guess who got re-priced? You 😘 %d → %d million ¥.", "Your price tag moved, sweetie: %d → %d million ¥ 🏷️",
			"Update from the league office 💼 %d → %d million ¥.", "Ding ding 🔔 value change: %d → %d million ¥.",
			"Heads up, darling: %d → %d million ¥ 💸", "New numbers for you 📊 %d → %d million ¥."},
		Plain: []string{"Your value changed from %d to %d million ¥.", "Your value was updated: %d → %d million ¥.",
			"Staff changed your value from %d to %d million ¥.", "Value update: %d → %d million ¥.",
			"Your league value moved from %d to %d million ¥.", "Your value went from %d to %d million ¥.",
			"Notice: your value changed, %d → %d million ¥.", "Your recorded value changed from %d to %d million ¥."}}
	negativeValue = persona.Pool{Name: "negative_value",
		Sassy: []string{"Negative value? Nobody's *that* bad, sweetie 🙃 use 0 or more.", "Values can't dip below zero, darling 📉🚫 pick 0 or more.",
			"Mommy doesn't do debt 💳 0 or more, please.", "Below zero? Brr 🥶 values start at 0.",
			"That's a negative number, cutie 🔢 try 0 or higher.", "No anti-value allowed 🙅‍♀️ 0 or more.",
			"Even the worst day is worth 0 😌 not less.", "Keep it positive 💖 (or zero)."},
		Plain: []string{"A value cannot be negative; use 0 or more.", "Values must be 0 or higher.", "Negative values are not allowed.",
			"Please give a value of 0 or more.", "The value must not be below zero.", "Invalid value: it must be 0 or greater.",
			"Only values of 0 or more are accepted.", "A negative value is not possible; use 0 or more."}}
	zeroAmount = persona.Pool{Name: "zero_amount",
		Sassy: []string{"Adding zero? Bold strategy 😂 give me a real number.", "0 changes nothing, sweetie 🫠 try 5 or -5.",
			"Mommy needs a non-zero amount 🔢", "That's a whole lot of nothing 🌬️ pick another amount.",
			"Zero? Cute. Useless, but cute 🥰", "Give me something to work with 💅 not zero.",
			"Nothing plus nothing is... nothing 🤓 use a non-zero amount.", "A zero won't move the needle 🪡 try again."},
		Plain: []string{"The amount must not be zero.", "Please give a non-zero amount.", "Zero changes nothing; use a positive or negative amount.",
			"Amount cannot be 0.", "Use a non-zero number.", "Invalid amount: 0.", "The amount has to be above or below zero.",
			"A zero amount is not allowed."}}
	tooLarge = persona.Pool{Name: "too_large",
		Sassy: []string{"Whoa, too rich even for Mommy 🤑 the limit is %d.", "That number is bigger than the economy 💸 max %d.",
			"Calm down, tycoon 🏦 the ceiling is %d.", "Nope, %d is the most I can count to 🧮",
			"That's over the cap, darling 🧢 (%d).", "Too many zeros, sweetie 😵 stay under %d.",
			"The bank says no 🏧 limit %d.", "Even Mommy has limits 💅 %d max."},
		Plain: []string{"That is above the maximum of %d.", "The maximum is %d.", "Amounts are limited to %d.", "Please stay at or below %d.",
			"Value too large; the limit is %d.", "That exceeds the limit of %d.", "The result cannot exceed %d.", "Maximum allowed: %d."}}
	botTarget = persona.Pool{Name: "bot_target",
		Sassy: []string{"Bots don't play football, sweetie 🤖⚽", "I'm priceless, and so are my bot friends 💅 pick a human.",
			"Bots aren't on the market 🙅‍♀️", "No values for robots, darling 🤖", "Choose a player, not a machine 🔧",
			"That's a bot 😂 they don't have values.", "Mommy doesn't rate bots 🤖💤", "Humans only on the ledger, cutie 📒"},
		Plain: []string{"Bots do not have values.", "Please choose a member, not a bot.", "This does not apply to bots.",
			"Bots cannot be ranked or valued.", "That user is a bot.", "Bots are not part of the league.",
			"Select a human member.", "Bots have no balance."}}

	// ---- valuehistory ----
	historyTitle = persona.Pool{Name: "history_title",
		Sassy: []string{"📜 %s's value diary", "🕰️ %s through the ages", "🧾 %s's receipts", "📚 The %s chronicles",
			"🔎 Mommy digs up %s's past", "📈 %s's ups and downs", "🗂️ %s's file", "⏪ Rewinding %s"},
		Plain: []string{"Value history of %s", "%s: value history", "Recent value changes: %s", "History for %s",
			"%s's value changes", "Value log: %s", "Last changes for %s", "%s: recent changes"}}
	historyEmpty = persona.Pool{Name: "history_empty",
		Sassy: []string{"%s has no history yet 📭 a clean slate!", "Nothing in %s's diary yet 📖", "%s's past is a mystery 🕵️‍♀️ no changes yet.",
			"No receipts for %s 🧾", "%s's value has never moved 🗿", "Blank pages for %s ✨",
			"Mommy found nothing on %s 🔍", "%s is brand new here 🌱 no changes."},
		Plain: []string{"%s has no value changes yet.", "No history for %s.", "%s's value has never changed.",
			"There are no recorded changes for %s.", "%s: no history.", "Nothing recorded for %s yet.",
			"No value changes found for %s.", "%s has an empty value history."}}

	// ---- activity ----
	activityTitle = persona.Pool{Name: "activity_title",
		Sassy: []string{"📣 How loud is %s?", "💬 %s's chatter report", "📊 %s's activity", "🔥 %s's engagement stats",
			"👀 Mommy's been watching %s", "🗣️ %s, in numbers", "📱 %s's screen time (server edition)", "⚡ %s's energy levels"},
		Plain: []string{"Activity of %s", "%s: activity", "Activity report: %s", "%s's activity", "Engagement of %s",
			"Activity statistics: %s", "%s: messages and reactions", "Activity summary for %s"}}

	// ---- gold ----
	goldTitle = persona.Pool{Name: "gold_title",
		Sassy: []string{"🪙 %s's treasure chest", "✨ %s's gold stash", "🏴‍☠️ %s's loot", "💰 %s's gold",
			"🐉 %s's hoard", "🌟 %s's shiny things", "🏦 %s's vault", "👛 %s's coin purse"},
		Plain: []string{"Gold of %s", "%s: gold", "Gold balance: %s", "%s's gold", "Gold for %s", "%s: gold balance",
			"Current gold of %s", "Gold check: %s"}}
	goldTier0 = persona.Pool{Name: "gold_tier0",
		Sassy: []string{"%s is flat broke 🪹", "%s's pockets are empty 🕳️", "Not a single coin for %s 😢", "%s is gold-less, for now 🥺",
			"%s, time to start digging ⛏️", "%s's chest echoes 🔊 empty.", "Broke but beautiful, %s 💅", "%s has zero shiny 😔"},
		Plain: []string{"%s has no gold.", "%s's gold balance is 0.", "%s has not earned any gold yet.", "No gold for %s.",
			"%s: empty balance.", "%s holds no gold.", "%s has 0 gold.", "%s has not collected gold yet."}}
	goldTier1 = persona.Pool{Name: "gold_tier1",
		Sassy: []string{"%s has a few coins jingling 🎶", "%s is collecting crumbs 🍪 cute.", "A modest stash for %s 🪙", "%s's piggy bank is waking up 🐷",
			"%s is on the gold trail 🧭", "Starter riches for %s ✨", "%s has pocket change 🤏", "%s found some shiny 💫"},
		Plain: []string{"%s has a small amount of gold.", "%s is starting to collect gold.", "%s has some gold.", "%s: starter gold tier.",
			"%s holds a modest balance.", "%s is in the lowest gold tier.", "%s has begun collecting gold.", "%s has a little gold."}}
	goldTier2 = persona.Pool{Name: "gold_tier2",
		Sassy: []string{"%s is getting rich 💰", "%s's chest is filling up 📦", "Nice haul, %s 🏴‍☠️", "%s is a proper collector 🧐",
			"%s is gold-plated 🥇", "%s has serious coin 💵", "Look at %s, all shiny 🌟", "%s could buy Mommy a coffee ☕"},
		Plain: []string{"%s has a good amount of gold.", "%s is in the middle gold tier.", "%s has collected plenty of gold.",
			"%s holds a solid balance.", "%s: mid gold tier.", "%s has a healthy gold balance.", "%s has gathered a fair amount.",
			"%s is a steady collector."}}
	goldTier3 = persona.Pool{Name: "gold_tier3",
		Sassy: []string{"%s is swimming in gold 🏊‍♀️💰", "Dragon-level hoard, %s 🐉", "%s is the gold rush 🤠", "%s, the richest of them all 👑",
			"%s's vault needs a bigger vault 🏦", "Golden legend: %s 🌟", "%s, please share 🥺💰", "%s makes it rain 🌧️🪙"},
		Plain: []string{"%s has a large amount of gold.", "%s is in the top gold tier.", "%s is one of the richest collectors.",
			"%s holds a very high balance.", "%s: top gold tier.", "%s has an exceptional gold balance.",
			"%s is a leading gold collector.", "%s has gathered a great deal of gold."}}
	goldrushTitle = persona.Pool{Name: "goldrush_title",
		Sassy: []string{"🤠 The Gold Rush", "🪙 Richest of the rich", "🐉 Top hoarders", "💰 The gold leaderboard, darlings",
			"✨ Shiniest people here", "🏦 Fattest wallets", "👑 Gold royalty", "⛏️ Best diggers"},
		Plain: []string{"Gold leaderboard", "Top 10 by gold", "Gold rankings", "Most gold", "Gold standings", "Top gold holders",
			"Gold top 10", "Leading gold balances"}}
	goldrushEmpty = persona.Pool{Name: "goldrush_empty",
		Sassy: []string{"No gold anywhere 🏜️ the rush hasn't started!", "Nobody's struck gold yet ⛏️", "The mines are empty, sweeties 🕳️",
			"Zero gold in circulation 😴", "No treasure yet 🗺️ stay tuned.", "Gold? What gold? 🤷‍♀️",
			"The vault is bare 🏦", "Nobody has a single coin 🪙❌"},
		Plain: []string{"Nobody has gold yet.", "The gold leaderboard is empty.", "No gold balances.", "No member holds gold.",
			"There is no gold yet.", "No one has collected gold.", "Gold rankings are empty.", "No gold to show."}}
	goldChangedTitle = persona.Pool{Name: "gold_changed_title",
		Sassy: []string{"🪙 Gold updated!", "✨ Shiny changes", "💰 The vault moved", "🏦 Gold ledger updated",
			"🤑 Gold adjustment", "⛏️ Gold dug (or buried)", "📦 Treasure updated", "🌟 New gold balance"},
		Plain: []string{"Gold updated", "Gold changed", "Gold balance updated", "Gold adjustment", "New gold balance",
			"Gold change recorded", "Updated gold", "Gold set"}}
	resetAllPrompt = persona.Pool{Name: "reset_all_prompt",
		Sassy: []string{"⚠️ Reset EVERYONE's gold to 0? No take-backs, darling. You have 60 seconds.",
			"Wipe the whole treasury? 🏦💥 Confirm within 60 seconds.", "Big red button time 🔴 reset all gold? 60 seconds to decide.",
			"Everyone goes back to zero? 😳 Confirm or cancel within 60 seconds.", "This empties every chest 🏴‍☠️ sure? 60 seconds.",
			"Mommy needs a yes or no 💅 reset all gold? You have 60 seconds.", "Season reset? 🔄 Confirm in the next 60 seconds.",
			"All gold, gone 💨 Really? 60 seconds on the clock ⏱️"},
		Plain: []string{"Reset every member's gold to 0? Confirm or cancel within 60 seconds.", "This resets all gold on the server. Confirm within 60 seconds.",
			"Please confirm resetting all gold (60 seconds).", "Reset all gold balances? You have 60 seconds to confirm.",
			"All gold will be set to 0. Confirm within 60 seconds.", "Confirm the gold reset for everyone within 60 seconds.",
			"Resetting all gold cannot be undone. Confirm within 60 seconds.", "Confirm or cancel: reset all gold (expires in 60 seconds)."}}
	resetAllDone = persona.Pool{Name: "reset_all_done",
		Sassy: []string{"💥 Done! %d chests emptied, %d gold gone.", "Fresh season 🌱 %d members reset, %d gold wiped.",
			"Poof 💨 %d balances back to zero (%d gold).", "The treasury is clean 🧹 %d members, %d gold.",
			"Everyone's broke now 😂 %d members, %d gold reset.", "Reset complete 🔄 %d members lost %d gold.",
			"Mommy swept it all up 🧺 %d members, %d gold.", "Clean slate ✨ %d members, %d gold reset."},
		Plain: []string{"All gold reset: %d members, %d gold in total.", "Reset complete: %d members, %d gold removed.",
			"%d gold balances reset (%d gold).", "Gold reset done for %d members (%d gold).", "Reset %d members' gold, %d in total.",
			"Finished: %d members set to 0 gold (%d removed).", "%d members reset; %d gold cleared.", "Gold reset: %d members, %d gold."}}
	resetAllCancelled = persona.Pool{Name: "reset_all_cancelled",
		Sassy: []string{"Phew 😮‍💨 gold reset cancelled.", "Never mind then 💅 everyone keeps their gold.", "Cancelled! The treasure is safe 🏴‍☠️",
			"Okay, okay, no reset 🙅‍♀️", "Mommy put the big red button away 🔴🚫", "Gold survives another day 🪙",
			"Reset called off ✋", "Crisis averted 😌 no reset."},
		Plain: []string{"Gold reset cancelled.", "The reset was cancelled; nothing changed.", "Cancelled. Gold balances are unchanged.",
			"No reset was performed.", "Reset aborted.", "Gold reset cancelled by the author.", "Nothing was reset.", "The gold reset did not happen."}}
	resetAllExpired = persona.Pool{Name: "reset_all_expired",
		Sassy: []string{"Too slow, sweetie ⏰ that prompt expired. Run it again.", "60 seconds came and went 💨 nothing was reset.",
			"This prompt is stale 🍞 start over if you still want it.", "Expired! Mommy doesn't wait forever 💅",
			"Time's up ⌛ no reset happened.", "Snooze, lose 😴 the prompt expired.", "That button turned into a pumpkin 🎃 try again.",
			"Prompt expired 🥀 nothing changed."},
		Plain: []string{"This confirmation has expired; nothing was reset.", "The 60 seconds have passed. Run the command again.",
			"Expired: no gold was reset.", "This prompt is no longer valid.", "Confirmation timed out.", "Too late: the prompt expired.",
			"The request expired without changes.", "Time limit reached; nothing changed."}}
	notYourButton = persona.Pool{Name: "not_your_button",
		Sassy: []string{"Hands off, that button isn't yours 🙅‍♀️", "Only whoever asked gets to decide, sweetie 💅", "Not your prompt, darling 👀",
			"Nice try 😏 that's someone else's button.", "Paws off 🐾 not your decision.", "Mommy only listens to the author here 👂",
			"That button belongs to someone else 🎀", "Shoo 🧹 not your confirmation."},
		Plain: []string{"Only the person who ran the command can use these buttons.", "This confirmation belongs to someone else.",
			"You cannot answer another member's prompt.", "Only the author can confirm or cancel.", "These buttons are not for you.",
			"This prompt can only be answered by its author.", "Only the command's author can decide.", "Not your confirmation."}}
	alreadyDecided = persona.Pool{Name: "already_decided",
		Sassy: []string{"Already handled, sweetie ✅", "That ship has sailed ⛵", "Decision's been made 💅", "Too late, it's done 🫡",
			"Mommy already took care of that 📌", "Done and dusted 🧹", "No do-overs, darling 🔁🚫", "That prompt is closed 🔒"},
		Plain: []string{"This prompt was already answered.", "Already decided.", "This request is closed.", "That was handled already.",
			"No further action possible.", "The decision has been made.", "This confirmation is no longer open.", "Already processed."}}
	goldDM = persona.Pool{Name: "gold_dm",
		Sassy: []string{"Ka-ching 🪙 your gold went from %d to %d!", "Treasure update 🏴‍☠️ %d → %d gold.", "Your vault changed, sweetie: %d → %d 🏦",
			"Shiny news ✨ %d → %d gold.", "Gold alert 🔔 %d → %d.", "Mommy adjusted your gold 💅 %d → %d.",
			"Your coin purse says %d → %d 👛", "Psst 💌 gold update: %d → %d."},
		Plain: []string{"Your gold changed from %d to %d.", "Gold update: %d → %d.", "Staff changed your gold from %d to %d.",
			"Your gold balance moved from %d to %d.", "Your gold went from %d to %d.", "Gold balance changed: %d → %d.",
			"Notice: gold %d → %d.", "Your recorded gold changed from %d to %d."}}
)

// pools lists every pool, for the pool test.
func pools() []persona.Pool {
	all := []persona.Pool{valueTitle, tierUnrated, tierLow, tierMid, tierHigh, rankNone, rankingsTitle, rankingsEmpty,
		roleSyncTitle, roleSyncNone, valueChangedTitle, valueDM, negativeValue, zeroAmount, tooLarge, botTarget,
		historyTitle, historyEmpty, activityTitle, goldTitle, goldTier0, goldTier1, goldTier2, goldTier3,
		goldrushTitle, goldrushEmpty, goldChangedTitle, resetAllPrompt, resetAllDone, resetAllCancelled, resetAllExpired,
		notYourButton, alreadyDecided, goldDM}
	return append(all, evalPools()...)
}

// Labels: field names and fixed words of the embeds, in both voices where they differ.
type labels struct {
	Value, Rank, Old, New, Change, By, When, Messages, Reactions, Score, LastActive, Never, Gold, Confirm, Cancel, Top string
}

func labelsFor(sassy bool) labels {
	if sassy {
		return labels{Value: "💰 Value", Rank: "🏅 Rank", Old: "⬅️ Before", New: "➡️ Now", Change: "📊 Change", By: "✍️ By", When: "🕰️ When",
			Messages: "💬 Messages", Reactions: "😍 Reactions", Score: "⚡ Activity score", LastActive: "👀 Last seen", Never: "never 👻",
			Gold: "🪙 Gold", Confirm: "Yes, reset it all", Cancel: "No, keep it", Top: "top %d of %d 💖"}
	}
	return labels{Value: "Value", Rank: "Rank", Old: "Old value", New: "New value", Change: "Change", By: "By", When: "When",
		Messages: "Messages", Reactions: "Reactions", Score: "Activity score", LastActive: "Last active", Never: "never",
		Gold: "Gold", Confirm: "Confirm", Cancel: "Cancel", Top: "top %d of %d"}
}
