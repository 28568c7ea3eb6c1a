package league

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/league/ledger"
)

// resetWindow is how long a resetallgold prompt waits for its author.
const resetWindow = 60 * time.Second

// goldTier picks the status line of a gold balance.
func goldTier(amount int64) *persona.Pool {
	switch {
	case amount <= 0:
		return &goldTier0
	case amount < 100:
		return &goldTier1
	case amount < 500:
		return &goldTier2
	}
	return &goldTier3
}

// checkgold: SPEC.md §1, the second currency.
func (s *service) checkgold(ctx context.Context, r *worker.Request) error {
	m := target(r)
	if err := refuseBot(r, m); err != nil {
		return err
	}
	g, err := ledger.Balance(ctx, r.Tx, r.Cmd.GuildId, m.UserId, ledger.Gold)
	if err != nil {
		return err
	}
	lb := labelsFor(r.Sassy())
	e := &discordgo.MessageEmbed{Title: r.Pick(goldTitle, name(m)), Description: r.Pick(*goldTier(g), mention(m.UserId)),
		Color: persona.ColorGold, Thumbnail: &discordgo.MessageEmbedThumbnail{URL: avatarURL(m)},
		Fields: []*discordgo.MessageEmbedField{{Name: lb.Gold, Value: strconv.FormatInt(g, 10), Inline: true}}}
	if g > 0 {
		pos, total, err := rankOf(ctx, r.Tx, r.Cmd.GuildId, ledger.Gold, g)
		if err != nil {
			return err
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: lb.Rank, Value: rankLine(pos, total), Inline: true})
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{e}})
	return nil
}

// goldrush: the top 10 by gold.
func (s *service) goldrush(ctx context.Context, r *worker.Request) error {
	all, err := standings(ctx, r.Tx, r.Cmd.GuildId, ledger.Gold)
	if err != nil {
		return err
	}
	top := all[:min(10, len(all))]
	e := &discordgo.MessageEmbed{Title: r.Pick(goldrushTitle), Color: persona.ColorGold}
	if len(top) == 0 {
		e.Description = r.Pick(goldrushEmpty)
	} else {
		lines := make([]string, len(top))
		for i, x := range top {
			lines[i] = fmt.Sprintf("%s %s · %d gold", medal(i+1), mention(x.UserID), x.Amount)
		}
		e.Description = strings.Join(lines, "\n")
		e.Footer = &discordgo.MessageEmbedFooter{Text: fmt.Sprintf(labelsFor(r.Sassy()).Top, len(top), len(all))}
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{e}})
	return nil
}

// addgold: a non-zero amount; the balance stops at 0.
func (s *service) addgold(ctx context.Context, r *worker.Request) error {
	return s.addFloored(ctx, r, ledger.Gold, s.goldChanged)
}

// resetgold: one member's gold to 0.
func (s *service) resetgold(ctx context.Context, r *worker.Request) error {
	m := target(r)
	if err := refuseBot(r, m); err != nil {
		return err
	}
	old, now, err := ledger.Set(ctx, r.Tx, s.entry(r, m.UserId, ledger.Gold), 0)
	if err != nil {
		return err
	}
	s.goldChanged(r, m.UserId, old, now)
	return nil
}

func (s *service) goldChanged(r *worker.Request, userID string, old, now int64) {
	e := changeEmbed(r, r.Pick(goldChangedTitle), userID, strconv.FormatInt(old, 10), strconv.FormatInt(now, 10), signed(now-old))
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{e}})
	if old != now {
		r.DM(userID, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(goldDM, old, now), Color: persona.ColorGold}}})
	}
}

// resetallgold asks its author to confirm within resetWindow. The prompt is a row, keyed
// by the command's event id, that the buttons name ("resetallgold:confirm:<id>"), so a
// click after a restart finds it, and a second click finds it decided.
func (s *service) resetallgold(ctx context.Context, r *worker.Request) error {
	if r.Cmd.Source == busv1.Source_SOURCE_COMPONENT {
		return s.resetallgoldClick(ctx, r)
	}
	_, err := r.Tx.Exec(ctx, `INSERT INTO league.gold_resets (id, guild_id, author_id, expires_at) VALUES ($1, $2, $3, $4)`,
		r.Cmd.Id, r.Cmd.GuildId, r.Cmd.Invoker.GetUserId(), r.Cmd.ReceivedAt.AsTime().Add(resetWindow))
	if err != nil {
		return fmt.Errorf("store reset prompt: %w", err)
	}
	lb := labelsFor(r.Sassy())
	r.Reply(worker.Message{
		Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(resetAllPrompt), Color: persona.ColorRed}},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: lb.Confirm, Style: discordgo.DangerButton, CustomID: "resetallgold:confirm:" + r.Cmd.Id},
			discordgo.Button{Label: lb.Cancel, Style: discordgo.SecondaryButton, CustomID: "resetallgold:cancel:" + r.Cmd.Id},
		}}},
	})
	return nil
}

func (s *service) resetallgoldClick(ctx context.Context, r *worker.Request) error {
	parts := strings.SplitN(r.Cmd.CustomId, ":", 3)
	if len(parts) != 3 || (parts[1] != "confirm" && parts[1] != "cancel") {
		return worker.Fail(r.Pick(alreadyDecided))
	}
	var author, state string
	var expires time.Time
	err := r.Tx.QueryRow(ctx, `SELECT author_id, state, expires_at FROM league.gold_resets WHERE id = $1 AND guild_id = $2 FOR UPDATE`,
		parts[2], r.Cmd.GuildId).Scan(&author, &state, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return worker.Fail(r.Pick(alreadyDecided))
	}
	if err != nil {
		return fmt.Errorf("read reset prompt: %w", err)
	}
	switch {
	case author != r.Cmd.Invoker.GetUserId():
		return worker.Fail(r.Pick(notYourButton))
	case state != "pending":
		return worker.Fail(r.Pick(alreadyDecided))
	}
	decide := func(state string) error {
		_, err := r.Tx.Exec(ctx, `UPDATE league.gold_resets SET state = $2, decided_at = $3 WHERE id = $1`,
			parts[2], state, r.Cmd.ReceivedAt.AsTime())
		return err
	}
	closed := func(text string, color int) {
		r.Update(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: text, Color: color}}})
	}
	switch {
	case r.Cmd.ReceivedAt.AsTime().After(expires):
		closed(r.Pick(resetAllExpired), persona.ColorBlue)
		return decide("expired")
	case parts[1] == "cancel":
		closed(r.Pick(resetAllCancelled), persona.ColorBlue)
		return decide("cancelled")
	}
	members, total, err := s.resetAll(ctx, r)
	if err != nil {
		return err
	}
	closed(r.Pick(resetAllDone, members, total), persona.ColorGold)
	return decide("confirmed")
}

// resetAll takes every gold balance of the guild to zero through the ledger.
func (s *service) resetAll(ctx context.Context, r *worker.Request) (members int, total int64, err error) {
	rows, err := r.Tx.Query(ctx, `SELECT user_id FROM league.balances WHERE guild_id = $1 AND currency = 'gold' AND amount > 0 ORDER BY user_id`,
		r.Cmd.GuildId)
	if err != nil {
		return 0, 0, fmt.Errorf("list gold balances: %w", err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, 0, fmt.Errorf("list gold balances: %w", err)
	}
	for _, u := range users {
		e := s.entry(r, u, ledger.Gold)
		old, _, err := ledger.Set(ctx, r.Tx, e, 0)
		if err != nil {
			return 0, 0, err
		}
		if old > 0 {
			members++
			total += old
		}
	}
	return members, total, nil
}
