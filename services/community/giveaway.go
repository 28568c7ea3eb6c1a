package community

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// Giveaway limits: long enough for a weekend event, short enough that nobody forgets.
const (
	giveawayMin      = 10 * time.Second
	giveawayMax      = 30 * 24 * time.Hour
	giveawayMaxPrize = 200
)

// giveaway: SPEC.md §5. Staff start it (the framework checks), members enter with the
// button (one entry each), and a durable timer draws one entrant at the end, exactly once,
// even if the service was down when it ended.
func giveaway(ctx context.Context, r *worker.Request) error {
	switch r.Cmd.Source {
	case busv1.Source_SOURCE_TIMER:
		return giveawayDraw(ctx, r)
	case busv1.Source_SOURCE_COMPONENT:
		return giveawayEnter(ctx, r)
	}
	return giveawayStart(ctx, r)
}

func giveawayStart(ctx context.Context, r *worker.Request) error {
	rawDuration, _ := r.Option("duration")
	prize, _ := r.Option("prize")
	d, err := commands.ParseDuration(rawDuration)
	if err == nil && (d < giveawayMin || d > giveawayMax) {
		err = fmt.Errorf("a giveaway runs from %s to %d days", giveawayMin, int(giveawayMax.Hours()/24))
	}
	if err != nil {
		return worker.Fail(r.Pick(giveawayBadInput, err.Error()))
	}
	prize = strings.TrimSpace(prize)
	if prize == "" || utf8.RuneCountInString(prize) > giveawayMaxPrize {
		return worker.Fail(r.Pick(giveawayBadInput, fmt.Sprintf("the prize needs 1 to %d characters", giveawayMaxPrize)))
	}
	ends := r.Cmd.ReceivedAt.AsTime().Add(d)
	var id int64
	err = r.Tx.QueryRow(ctx, `
		INSERT INTO community.giveaways (guild_id, channel_id, host_id, prize, ends_at, event_id)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		r.Cmd.GuildId, r.Cmd.ChannelId, r.Cmd.Invoker.GetUserId(), prize, ends, r.Cmd.Id).Scan(&id)
	if err != nil {
		return fmt.Errorf("store giveaway: %w", err)
	}
	key := "giveaway:" + strconv.FormatInt(id, 10)
	if err := r.Schedule(ctx, key, ends, "giveaway", strconv.FormatInt(id, 10)); err != nil {
		return err
	}
	r.Reply(worker.Message{
		Embeds: []*discordgo.MessageEmbed{{
			Title:       r.Pick(giveawayTitle),
			Description: r.Pick(giveawayOpen, prize, ends.Unix()),
			Color:       persona.ColorGold,
			Footer:      &discordgo.MessageEmbedFooter{Text: "Giveaway #" + strconv.FormatInt(id, 10)},
		}},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Enter", Emoji: &discordgo.ComponentEmoji{Name: "🎉"}, Style: discordgo.SuccessButton,
				CustomID: "giveaway:enter:" + strconv.FormatInt(id, 10)},
		}}},
	})
	return nil
}

func giveawayEnter(ctx context.Context, r *worker.Request) error {
	idText, ok := strings.CutPrefix(r.Cmd.CustomId, "giveaway:enter:")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil {
		return worker.Fail(r.Pick(persona.Oops))
	}
	var drawn bool
	err = r.Tx.QueryRow(ctx, `SELECT drawn_at IS NOT NULL OR ends_at <= $2 FROM community.giveaways WHERE id = $1 AND guild_id = $3`,
		id, r.Cmd.ReceivedAt.AsTime(), r.Cmd.GuildId).Scan(&drawn)
	if errors.Is(err, pgx.ErrNoRows) || drawn {
		return worker.Fail(r.Pick(giveawayClosed))
	}
	if err != nil {
		return fmt.Errorf("read giveaway %d: %w", id, err)
	}
	tag, err := r.Tx.Exec(ctx, `INSERT INTO community.giveaway_entries (giveaway_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		id, r.Cmd.Invoker.GetUserId())
	if err != nil {
		return fmt.Errorf("enter giveaway %d: %w", id, err)
	}
	pool := giveawayEntered
	if tag.RowsAffected() == 0 {
		pool = giveawayAlready
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(pool), Color: persona.ColorPink}}, Ephemeral: true})
	return nil
}

func giveawayDraw(ctx context.Context, r *worker.Request) error {
	_, state, _ := r.TimerKey()
	id, err := strconv.ParseInt(state, 10, 64)
	if err != nil {
		return fmt.Errorf("giveaway timer with state %q: %w", state, err)
	}
	var channel, prize string
	var drawn bool
	err = r.Tx.QueryRow(ctx, `SELECT channel_id, prize, drawn_at IS NOT NULL FROM community.giveaways WHERE id = $1 FOR UPDATE`, id).
		Scan(&channel, &prize, &drawn)
	if errors.Is(err, pgx.ErrNoRows) || drawn {
		return nil // deleted or already drawn: nothing more to say
	}
	if err != nil {
		return fmt.Errorf("read giveaway %d: %w", id, err)
	}
	var entrants []string
	rows, err := r.Tx.Query(ctx, `SELECT user_id FROM community.giveaway_entries WHERE giveaway_id = $1 ORDER BY entered_at, user_id`, id)
	if err != nil {
		return fmt.Errorf("read entrants of %d: %w", id, err)
	}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return fmt.Errorf("read entrants of %d: %w", id, err)
		}
		entrants = append(entrants, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read entrants of %d: %w", id, err)
	}
	winner := ""
	if len(entrants) > 0 {
		winner = entrants[r.Rand.IntN(len(entrants))]
	}
	if _, err := r.Tx.Exec(ctx, `UPDATE community.giveaways SET winner_id = NULLIF($2, ''), drawn_at = now() WHERE id = $1`, id, winner); err != nil {
		return fmt.Errorf("record winner of %d: %w", id, err)
	}
	text := r.Pick(giveawayNobody, prize)
	if winner != "" {
		text = r.Pick(giveawayWinner, "<@"+winner+">", prize, len(entrants))
	}
	r.Send(channel, worker.Message{Embeds: []*discordgo.MessageEmbed{{
		Title: r.Pick(giveawayEndTitle), Description: text, Color: persona.ColorGold,
		Footer: &discordgo.MessageEmbedFooter{Text: "Giveaway #" + state},
	}}})
	return nil
}
