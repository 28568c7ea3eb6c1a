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

func pools() []persona.Pool { return []persona.Pool{helpTitle, helpEmpty} }
