package fun

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// themed answers a command that is only a persona line with a title: shopping, tipjar,
// confess. Nothing is stored.
func themed(title, lines persona.Pool, color int) worker.Handler {
	return func(_ context.Context, r *worker.Request) error {
		r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{
			Title: r.Pick(title), Description: r.Pick(lines), Color: color,
		}}})
		return nil
	}
}
