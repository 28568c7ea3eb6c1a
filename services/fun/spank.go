package fun

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/worker"
)

var spankGesture = &gesture{role: "spank", table: "spanks", needRole: needSpankRole, self: spankSelf,
	bot: spankBot, title: spankTitle, lines: spankLines, count: spankCount, gifs: spankGIFs}

// spank: SPEC.md §4, as headpat without the role race; the bot refuses to be the target.
func spank(ctx context.Context, r *worker.Request) error {
	target, _, embed, err := spankGesture.perform(ctx, r)
	if err != nil || target == nil {
		return err
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{embed}})
	return nil
}
