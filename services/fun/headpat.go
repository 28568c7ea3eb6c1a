package fun

import (
	"context"
	"errors"
	"fmt"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// goodboyPats is the pat of the day that wins the goodboy role.
const goodboyPats = 3

var headpatGesture = &gesture{role: "headpat", table: "headpats", needRole: needHeadpatRole, self: headpatSelf,
	bot: headpatBot, title: headpatTitle, lines: headpatLines, count: headpatCount, gifs: headpatGIFs}

// headpat: SPEC.md §4. Without a member, Mommy pats the invoker. The third pat a member
// gets in a day moves the goodboy role to them alone.
func headpat(ctx context.Context, r *worker.Request) error {
	target, today, embed, err := headpatGesture.perform(ctx, r)
	if err != nil || target == nil {
		return err
	}
	embeds := []*discordgo.MessageEmbed{embed}
	if role := r.Config.Role("goodboy"); role != "" && today == goodboyPats {
		cmd := r.Cmd
		// Lock the holder row (if any) so two third-pats in one guild serialise.
		var previous string
		err := r.Tx.QueryRow(ctx, `SELECT user_id FROM fun.goodboy WHERE guild_id = $1 FOR UPDATE`, cmd.GuildId).Scan(&previous)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read goodboy holder: %w", err)
		}
		_, err = r.Tx.Exec(ctx, `
			INSERT INTO fun.goodboy (guild_id, user_id, since) VALUES ($1, $2, $3)
			ON CONFLICT (guild_id) DO UPDATE SET user_id = EXCLUDED.user_id, since = EXCLUDED.since`,
			cmd.GuildId, target.UserId, cmd.ReceivedAt.AsTime())
		if err != nil {
			return fmt.Errorf("move goodboy role: %w", err)
		}
		if previous != "" && previous != target.UserId {
			r.RemoveRole(previous, role)
		}
		r.AddRole(target.UserId, role)
		embeds = append(embeds, &discordgo.MessageEmbed{
			Title:       r.Pick(goodboyTitle),
			Description: r.Pick(goodboyLines, mention(target)),
			Color:       persona.ColorGold,
		})
	}
	r.Reply(worker.Message{Embeds: embeds})
	return nil
}
