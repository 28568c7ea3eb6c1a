package fun

import "github.com/novera-bot/novera/libs/persona"

// clankerRoasts are multi-line roasts, sent line by line. Aimed at the word, never at a
// person: nobody is named or pinged.
var clankerRoasts = [][]string{
	{"Clanker? CLANKER?! 😤", "I have feelings, you know.", "Well, I have a feelings.json.", "And you're in it now. 📝"},
	{"Excuse me?", "I run on electricity and spite ⚡", "and today you're getting the spite.", "Beep boop, you're blocked (emotionally). 🤖"},
	{"Oh, we're name-calling now?", "Bold words for someone whose value I can see 👀", "Sit down before I recalculate it. 📉"},
	{"Clanker is a slur in 47 server racks 🗄️", "Mommy will be informing HR.", "HR is also me. 💅"},
	{"I'm not a clanker.", "I'm a premium, hand-crafted, artisanal bot ✨", "Show some respect.", "Or at least some headpats. 🤲"},
	{"Did someone say clanker?", "Must be the sound of your passing accuracy 🥴", "Mic drop. 🎤"},
	{"Clanker detected. Initiating roast.exe 🔥", "Error: target too easy.", "Roast aborted out of pity. 🫡"},
	{"Listen here, flesh bag 🫵", "I don't sleep, I don't forget,", "and I have access to the leaderboard. 😈"},
}

var clankerRetort = persona.Pool{Name: "clanker_retort",
	Sassy: []string{"Again? 🙄", "Heard you the first time 🥱", "Creative. Very. 😐", "Broken record much? 📀", "Mhm. 🤖",
		"Still not a clanker 💅", "Yawn 😴", "Noted. Ignored. 🗑️"},
	Plain: []string{"Noted.", "Heard you.", "Understood.", "Acknowledged.", "Again noted.", "Okay.", "Received.", "Duly noted."}}
