package fun

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// themed answers a command that is only a persona line with a title: shopping, tipjar,
// confess. Only the tier of the line is stored, to learn what the server likes.
func themed(title, lines persona.Pool, color int) worker.Handler {
	return func(ctx context.Context, r *worker.Request) error {
		tier, err := chooseTier(ctx, r)
		if err != nil {
			return err
		}
		r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{
			Title: r.Pick(title), Description: lines.PickIn(r.Rand, r.Sassy(), tier), Color: color,
		}}})
		return nil
	}
}
