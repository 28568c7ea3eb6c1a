package fun

import "github.com/novera-bot/novera/libs/persona"

// Every line the fun service says. %s is a member's mention, %d a number.
var (
	headpatTitle = persona.Pool{Name: "headpat_title",
		Sassy: []string{"Headpat incoming! 🤲", "Pat pat pat 💞", "*gentle pats* 🌸", "Mommy's headpat delivery 📦💗",
			"Special pat service ✨", "Pat o'clock 🕰️💕", "A wild headpat appears 🐾", "Certified headpat moment 🏅"},
		Plain: []string{"Headpat", "A headpat", "Headpat delivered", "Headpat time", "Headpat given", "A friendly headpat",
			"Headpat received", "Headpat sent"}}
	headpatLines = persona.Pool{Name: "headpat",
		Sassy: []string{
			"%s gets the softest headpat in the whole server 🥰",
			"There there, %s 💕 Mommy's proud of you.",
			"*pats %s gently* who's doing their best? You are 💖",
			"%s, hold still, sweetie 🤲 pat pat pat.",
			"Mommy ruffles %s's hair 😌 good job today, darling.",
			"%s earned this one 🌟 *pat pat*",
			"Aww, %s, come here 💞 headpats for you.",
			"One premium headpat for %s, no charge 💅",
			"%s, you're doing amazing, sweetie 🫶 *pats*",
			"Mommy sees you, %s 👀💗 and Mommy approves. *pat*",
		},
		Plain: []string{
			"%s receives a headpat.",
			"A headpat for %s. Well done.",
			"%s has been given a headpat.",
			"Headpat delivered to %s.",
			"%s gets a friendly headpat.",
			"A well-deserved headpat for %s.",
			"%s: one headpat, as requested.",
			"Here is a headpat for %s.",
		}}
	headpatCount = persona.Pool{Name: "headpat_count",
		Sassy: []string{"Pats today: %d 💗", "Today's pat tally: %d 🐾", "%d pat(s) today, spoiled much? 😏", "Headpat counter: %d ✨",
			"Pats received today: %d 🌸", "Pat-o-meter: %d 📈", "Pats so far today: %d 💞", "Daily pats: %d 🥰"},
		Plain: []string{"Headpats today: %d", "Pats received today: %d", "Today's headpats: %d", "Headpat count today: %d",
			"Number of headpats today: %d", "Headpats so far today: %d", "Daily headpats: %d", "Total headpats today: %d"}}
	headpatSelf = persona.Pool{Name: "headpat_self",
		Sassy: []string{
			"%s, patting yourself? 🙄 That's not how this works, sweetie.",
			"Nuh-uh, %s 🙅‍♀️ self-pats don't count. Ask a friend!",
			"%s trying to pat their own head 😂 adorable, but no.",
			"Sweetie %s, headpats are a gift, not a DIY project 🎁",
			"%s, put your hand down 🤭 someone else has to pat you.",
			"Self-service pats are closed, %s 🚫💅",
			"Ooh %s, bold move 😏 still not counting it.",
			"%s, Mommy saw that 👀 no patting yourself!",
		},
		Plain: []string{
			"%s, you can't give yourself a headpat.",
			"Self-headpats are not allowed, %s.",
			"%s, please choose someone else to pat.",
			"Headpats must go to another member, %s.",
			"%s, patting yourself doesn't count.",
			"Sorry %s, you cannot target yourself.",
			"%s, headpats need a different recipient.",
			"That won't work, %s: pick another member.",
		}}
	headpatBot = persona.Pool{Name: "headpat_bot",
		Sassy: []string{
			"Excuse me, %s?! 😤 *I* give the headpats around here.",
			"%s, Mommy doesn't get patted, Mommy pats 💅",
			"Hands off the hair, %s 🙅‍♀️ it took me all morning.",
			"%s, trying to pat a bot? Cute, but no 🤖",
			"Bold of you, %s 😏 but the pats flow one way only.",
			"%s, I'm flattered 🫢 but no. Pat a human.",
			"Nope, %s 🚫 bots are not pettable. Mostly.",
			"%s, sweetie, that's my head 😤 go pat someone else.",
		},
		Plain: []string{
			"%s, bots can't receive headpats.",
			"Headpats are for members, %s, not bots.",
			"%s, please pat a member rather than a bot.",
			"Sorry %s, bots don't take headpats.",
			"%s, that target is a bot; choose a member.",
			"Bots are excluded from headpats, %s.",
			"%s, headpats only work on people.",
			"That's a bot, %s. Pick a member instead.",
		}}
	needHeadpatRole = persona.Pool{Name: "headpat_role",
		Sassy: []string{"Headpats are a privilege, sweetie 💅 you need the headpat role.",
			"No headpat license, no headpats 🪪 get the headpat role first!",
			"Mommy only lets the headpat crew do that 🤲 ask for the headpat role.",
			"Aww, you don't have the headpat role yet 🥺",
			"Members with the headpat role only, darling 💖",
			"You need the headpat role for that, cutie 🌸",
			"Hands need a headpat role first 🙌",
			"Not so fast 😏 that needs the headpat role.",
		},
		Plain: []string{"You need the headpat role to use this command.",
			"This command requires the headpat role.",
			"Only members with the headpat role can give headpats.",
			"Headpats are limited to the headpat role.",
			"Please ask staff for the headpat role to use this.",
			"You are missing the headpat role.",
			"The headpat role is required.",
			"You don't have the headpat role.",
		}}
	goodboyTitle = persona.Pool{Name: "goodboy_title",
		Sassy: []string{"🏆 GOODBOY OF THE DAY 🏆", "👑 New goodboy crowned!", "🎉 Three pats, one legend", "✨ Goodboy alert ✨",
			"🐶 Who's a good boy?!", "🥇 Triple-pat champion", "💫 The goodboy torch has passed", "🎀 Goodboy status unlocked"},
		Plain: []string{"Goodboy of the day", "New goodboy", "Goodboy role awarded", "Three headpats today", "Goodboy role moved",
			"Daily goodboy", "Goodboy announcement", "The goodboy role has a new holder"}}
	goodboyLines = persona.Pool{Name: "goodboy",
		Sassy: []string{
			"%s got three pats today and takes the goodboy role! Everyone clap 👏💖",
			"Three headpats?! %s is officially Mommy's goodboy 🐶👑",
			"%s collected the daily triple 🥳 the goodboy role is theirs alone!",
			"The pats have spoken: %s is today's goodboy 🏆",
			"Move aside, everyone 💅 %s is the goodboy now.",
			"%s, three pats, one crown 👑 wear it proudly, goodboy.",
			"Mommy's favourite (for today): %s 💞 goodboy role secured.",
			"%s is so pattable they earned the goodboy role 🌟",
		},
		Plain: []string{
			"%s received three headpats today and now holds the goodboy role.",
			"The goodboy role moves to %s after three headpats today.",
			"%s is today's goodboy.",
			"Congratulations %s: three headpats earn the goodboy role.",
			"%s has been given the goodboy role.",
			"Goodboy role: now held by %s.",
			"%s reached three headpats today and takes the goodboy role.",
			"The goodboy role now belongs to %s.",
		}}

	// headpatGIFs are the animations shown with a pat. Operators can point these at their
	// own media host; the names describe the scene.
	headpatGIFs = []string{
		"https://media.novera.gg/gifs/headpat-gentle.gif",
		"https://media.novera.gg/gifs/headpat-ruffle.gif",
		"https://media.novera.gg/gifs/headpat-double.gif",
		"https://media.novera.gg/gifs/headpat-cat.gif",
		"https://media.novera.gg/gifs/headpat-sleepy.gif",
		"https://media.novera.gg/gifs/headpat-proud.gif",
		"https://media.novera.gg/gifs/headpat-happy.gif",
		"https://media.novera.gg/gifs/headpat-tiptoe.gif",
	}
)

// pools lists every pool, for the pool test.
func pools() []persona.Pool {
	return []persona.Pool{headpatTitle, headpatLines, headpatCount, headpatSelf, headpatBot, needHeadpatRole, goodboyTitle, goodboyLines,
		spankTitle, spankLines, spankCount, spankSelf, spankBot, needSpankRole,
		shoppingTitle, shoppingLines, tipjarTitle, tipjarLines, confessTitle, confessLines,
		spillTitle, spill0, spill1, spill2, spill3, clankerRetort}
}
