package fun

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// goodboyPats is the pat of the day that wins the goodboy role.
const goodboyPats = 3

// headpat: SPEC.md §4. Without a member, Mommy pats the invoker.
func headpat(ctx context.Context, r *worker.Request) error {
	cmd := r.Cmd
	if role := r.Config.Role("headpat"); role != "" && !hasRole(cmd.Invoker, role) {
		return worker.Fail(r.Pick(needHeadpatRole))
	}
	target := cmd.Invoker
	if id, ok := r.Option("member"); ok {
		m, _ := r.Member(id)
		switch {
		case m.GetBot():
			r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{
				Description: r.Pick(headpatBot, display(cmd.Invoker)), Color: persona.ColorRed}}})
			return nil
		case id == cmd.Invoker.UserId:
			r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{
				Description: r.Pick(headpatSelf, display(cmd.Invoker)), Color: persona.ColorRed}}})
			return nil
		}
		target = m
	}
	day := cmd.ReceivedAt.AsTime().UTC().Truncate(24 * time.Hour)
	var today int
	err := r.Tx.QueryRow(ctx, `
		INSERT INTO fun.headpats (guild_id, user_id, day, count) VALUES ($1, $2, $3, 1)
		ON CONFLICT (guild_id, user_id, day) DO UPDATE SET count = headpats.count + 1
		RETURNING count`, cmd.GuildId, target.UserId, day).Scan(&today)
	if err != nil {
		return fmt.Errorf("count headpat: %w", err)
	}
	embeds := []*discordgo.MessageEmbed{{
		Title:       r.Pick(headpatTitle),
		Description: r.Pick(headpatLines, display(target)),
		Color:       persona.ColorPink,
		Image:       &discordgo.MessageEmbedImage{URL: headpatGIFs[r.Rand.IntN(len(headpatGIFs))]},
		Footer:      &discordgo.MessageEmbedFooter{Text: r.Pick(headpatCount, today)},
	}}
	if role := r.Config.Role("goodboy"); role != "" && today == goodboyPats {
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
			Description: r.Pick(goodboyLines, display(target)),
			Color:       persona.ColorGold,
		})
	}
	r.Reply(worker.Message{Embeds: embeds})
	return nil
}

func hasRole(m *busv1.Member, role string) bool {
	for _, id := range m.GetRoleIds() {
		if id == role {
			return true
		}
	}
	return false
}

// display names a member without pinging them: embeds never ping, and the mention
// renders as their name in Discord's clients.
func display(m *busv1.Member) string {
	return "<@" + m.GetUserId() + ">"
}
