package league

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/league/ledger"
)

// historyLength is how many changes valuehistory shows.
const historyLength = 10

// checkvalue: SPEC.md §1. The tier line depends on the value: 0 unrated, 1–10 low,
// 11–50 mid, above 50 high.
func (s *service) checkvalue(ctx context.Context, r *worker.Request) error {
	m := target(r)
	if err := refuseBot(r, m); err != nil {
		return err
	}
	guild, lb := r.Cmd.GuildId, labelsFor(r.Sassy())
	v, err := ledger.Balance(ctx, r.Tx, guild, m.UserId, ledger.Value)
	if err != nil {
		return err
	}
	e := &discordgo.MessageEmbed{Title: r.Pick(valueTitle, name(m)), Color: persona.ColorGold,
		Thumbnail: &discordgo.MessageEmbedThumbnail{URL: avatarURL(m)}}
	rank := r.Pick(rankNone)
	switch {
	case v == 0:
		e.Description = r.Pick(tierUnrated, mention(m.UserId), usage(r, "getevaluated"))
		e.Color = persona.ColorBlue
	case v <= 10:
		e.Description = r.Pick(tierLow, mention(m.UserId))
	case v <= 50:
		e.Description = r.Pick(tierMid, mention(m.UserId))
	default:
		e.Description = r.Pick(tierHigh, mention(m.UserId))
	}
	if v > 0 {
		pos, total, err := rankOf(ctx, r.Tx, guild, ledger.Value, v)
		if err != nil {
			return err
		}
		rank = rankLine(pos, total)
	}
	e.Fields = []*discordgo.MessageEmbedField{{Name: lb.Value, Value: millions(v), Inline: true}, {Name: lb.Rank, Value: rank, Inline: true}}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{e}})
	if ch := r.Config.Channel("values"); r.Config.Feature("announce_value_checks") && ch != "" && ch != r.Cmd.ChannelId {
		r.Send(ch, worker.Message{Embeds: []*discordgo.MessageEmbed{e}})
	}
	return nil
}

// setvalue: SPEC.md §1. The member counts as evaluated from now on.
func (s *service) setvalue(ctx context.Context, r *worker.Request) error {
	m := target(r)
	if err := refuseBot(r, m); err != nil {
		return err
	}
	raw, _ := r.Option("value")
	v, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case err != nil:
		return worker.Fail(r.Pick(tooLarge, ledger.MaxBalance)) // the gateway checked it is a whole number: only overflow is left
	case v < 0:
		return worker.Fail(r.Pick(negativeValue))
	case v > ledger.MaxBalance:
		return worker.Fail(r.Pick(tooLarge, ledger.MaxBalance))
	}
	old, now, err := ledger.Set(ctx, r.Tx, s.entry(r, m.UserId, ledger.Value), v)
	if err := ledgerRefusal(r, err); err != nil {
		return err
	}
	s.valueChanged(r, m.UserId, old, now)
	// After the answer, which has a deadline; both changes are idempotent.
	if role := r.Config.Role("evaluated"); role != "" && !hasRole(m.RoleIds, role) {
		r.AddRole(m.UserId, role)
	}
	if role := r.Config.Role("tryout_pending"); role != "" && hasRole(m.RoleIds, role) {
		r.RemoveRole(m.UserId, role)
	}
	return nil
}

// addvalue: SPEC.md §1. The amount is non-zero; the result stops at 0.
func (s *service) addvalue(ctx context.Context, r *worker.Request) error {
	return s.addFloored(ctx, r, ledger.Value, s.valueChanged)
}

// addFloored is a staff "add" of one currency to the command's target, stopping at 0, and
// reported by changed: what addvalue and addgold share.
func (s *service) addFloored(ctx context.Context, r *worker.Request, c ledger.Currency,
	changed func(r *worker.Request, userID string, old, now int64)) error {
	m := target(r)
	if err := refuseBot(r, m); err != nil {
		return err
	}
	n, err := amount(r)
	if err != nil {
		return err
	}
	e := s.entry(r, m.UserId, c)
	e.Delta = n
	applied, now, err := ledger.AddFloored(ctx, r.Tx, e)
	if err := ledgerRefusal(r, err); err != nil {
		return err
	}
	changed(r, m.UserId, now-applied, now)
	return nil
}

// amount reads addvalue's and addgold's non-zero amount.
func amount(r *worker.Request) (int64, error) {
	raw, _ := r.Option("amount")
	n, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case err != nil || n > ledger.MaxBalance || n < -ledger.MaxBalance:
		return 0, worker.Fail(r.Pick(tooLarge, ledger.MaxBalance))
	case n == 0:
		return 0, worker.Fail(r.Pick(zeroAmount))
	}
	return n, nil
}

// entry starts a staff ledger entry caused by this command.
func (s *service) entry(r *worker.Request, userID string, c ledger.Currency) ledger.Entry {
	return ledger.Entry{GuildID: r.Cmd.GuildId, UserID: userID, Currency: c, Reason: ledger.Staff,
		ActorID: r.Cmd.Invoker.GetUserId(), EventID: r.Cmd.Id, Note: r.Cmd.Name}
}

// valueChanged answers a staff change with old, new, change, who and when, and DMs the
// member (a courtesy: a closed DM does not fail the command).
func (s *service) valueChanged(r *worker.Request, userID string, old, now int64) {
	e := changeEmbed(r, r.Pick(valueChangedTitle), userID, millions(old), millions(now), signed(now-old))
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{e}})
	if old != now {
		r.DM(userID, worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(valueDM, old, now), Color: persona.ColorGold}}})
	}
}

func changeEmbed(r *worker.Request, title, userID, old, now, change string) *discordgo.MessageEmbed {
	lb := labelsFor(r.Sassy())
	return &discordgo.MessageEmbed{Title: title, Description: mention(userID), Color: persona.ColorGold,
		Fields: []*discordgo.MessageEmbedField{
			{Name: lb.Old, Value: old, Inline: true},
			{Name: lb.New, Value: now, Inline: true},
			{Name: lb.Change, Value: change, Inline: true},
			{Name: lb.By, Value: mention(r.Cmd.Invoker.GetUserId()), Inline: true},
			{Name: lb.When, Value: timestamp(r.Cmd.ReceivedAt.AsTime(), "f"), Inline: true},
		}}
}

// valuehistory: SPEC.md §1, straight from the ledger.
func (s *service) valuehistory(ctx context.Context, r *worker.Request) error {
	m := target(r)
	if err := refuseBot(r, m); err != nil {
		return err
	}
	recs, err := ledger.History(ctx, r.Tx, r.Cmd.GuildId, m.UserId, ledger.Value, historyLength)
	if err != nil {
		return err
	}
	e := &discordgo.MessageEmbed{Title: r.Pick(historyTitle, name(m)), Color: persona.ColorBlue}
	if len(recs) == 0 {
		e.Description = r.Pick(historyEmpty, mention(m.UserId))
	}
	var lines []string
	for _, rec := range recs {
		by := ""
		if rec.ActorID != "" {
			by = " · " + mention(rec.ActorID)
		}
		lines = append(lines, fmt.Sprintf("`%s` → **%d** · %s%s · %s", signed(rec.Delta), rec.BalanceAfter, rec.Reason, by, timestamp(rec.At, "R")))
	}
	if len(lines) > 0 {
		e.Description = strings.Join(lines, "\n")
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{e}})
	return nil
}

func hasRole(roles []string, role string) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}
