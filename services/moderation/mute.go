package moderation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// The commands make their Discord call inside the handler, before the transaction
// commits, instead of through the outbox: the moderator must hear whether Discord took
// the timeout (a member above the bot's role cannot be muted), and each call sets an
// absolute state derived from the command (its receipt time), so a redelivery that runs
// the handler again repeats the same call with the same effect.

// mute times a member out.
func (s *service) mute(ctx context.Context, r *worker.Request) error {
	target, _ := r.Option("member")
	raw, _ := r.Option("duration")
	reason, _ := r.Option("reason")
	d, err := parseDuration(raw)
	if err != nil {
		return worker.Fail(durationError(r, raw, err))
	}
	if err := s.checkTarget(ctx, r, target); err != nil {
		return err
	}
	until := receivedAt(r).Add(d)
	if err := s.timeout(ctx, r, target, &until); err != nil {
		return err
	}
	if reason == "" {
		reason = logNoReason
	}
	if err := s.record(ctx, r, "mute", target, reason, &until); err != nil {
		return err
	}
	mention := "<@" + target + ">"
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(muteDone, mention, humanDuration(d)), Color: persona.ColorPink}}})
	s.modlog(r, logMuteTitle, target,
		&discordgo.MessageEmbedField{Name: logTimeout, Value: humanDuration(d), Inline: true},
		&discordgo.MessageEmbedField{Name: logUntil, Value: "<t:" + strconv.FormatInt(until.Unix(), 10) + ":f>", Inline: true},
		&discordgo.MessageEmbedField{Name: logReason, Value: clip(reason, 1000)})
	return nil
}

// unmute lifts a member's timeout.
func (s *service) unmute(ctx context.Context, r *worker.Request) error {
	target, _ := r.Option("member")
	if err := s.timeout(ctx, r, target, nil); err != nil {
		return err
	}
	if err := s.record(ctx, r, "unmute", target, "", nil); err != nil {
		return err
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(unmuteDone, "<@"+target+">"), Color: persona.ColorGreen}}})
	s.modlog(r, logUnmuteTitle, target)
	return nil
}

// utm lifts a member's timeout and clears their filter warnings, so the next hit starts
// the ladder again from the bottom.
func (s *service) utm(ctx context.Context, r *worker.Request) error {
	target, _ := r.Option("member")
	if err := s.timeout(ctx, r, target, nil); err != nil {
		return err
	}
	tag, err := r.Tx.Exec(ctx, `UPDATE moderation.warnings SET cleared_at = $3 WHERE guild_id = $1 AND user_id = $2 AND cleared_at IS NULL`,
		r.Cmd.GuildId, target, receivedAt(r))
	if err != nil {
		return fmt.Errorf("clear warnings: %w", err)
	}
	n := int(tag.RowsAffected())
	if err := s.record(ctx, r, "utm", target, strconv.Itoa(n)+" warnings cleared", nil); err != nil {
		return err
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{Description: r.Pick(utmDone, "<@"+target+">", n), Color: persona.ColorGreen}}})
	s.modlog(r, logUTMTitle, target, &discordgo.MessageEmbedField{Name: logCleared, Value: strconv.Itoa(n), Inline: true})
	return nil
}

// checkTarget refuses to mute yourself, a bot, or staff (SPEC.md §6); the owner counts as
// staff, and Discord would refuse anyway.
func (s *service) checkTarget(ctx context.Context, r *worker.Request, target string) error {
	if target == r.Cmd.GetInvoker().GetUserId() {
		return worker.Fail(r.Pick(errMuteSelf))
	}
	m, _ := r.Member(target)
	if m.GetBot() {
		return worker.Fail(r.Pick(errMuteBot))
	}
	staff, err := s.isStaff(ctx, r, target, m)
	if err != nil {
		return err
	}
	if staff {
		return worker.Fail(r.Pick(errMuteStaff))
	}
	return nil
}

// isStaff decides from the member's roles; their permissions come with a slash command's
// resolved members, and are computed from the guild's roles otherwise.
func (s *service) isStaff(ctx context.Context, r *worker.Request, userID string, m *busv1.Member) (bool, error) {
	if m != nil && m.GetPermissions() != 0 && worker.Allowed(commands.Staff, m, r.Config) {
		return true, nil
	}
	perms, err := s.loadPerms(ctx, r.Tx, r.Cmd.GuildId)
	if err != nil {
		return false, err
	}
	if userID == perms.Owner {
		return true, nil
	}
	computed := &busv1.Member{UserId: userID, RoleIds: m.GetRoleIds(),
		Permissions: uint64(perms.permissions(r.Cmd.GuildId, userID, m.GetRoleIds()))}
	return worker.Allowed(commands.Staff, computed, r.Config), nil
}

// timeout sets (until non-nil) or lifts a member's timeout. Discord's refusals become an
// answer; trouble reaching Discord is an error, so the command is retried.
func (s *service) timeout(ctx context.Context, r *worker.Request, userID string, until *time.Time) error {
	err := s.discord.Session().GuildMemberTimeout(r.Cmd.GuildId, userID, until, discordgo.WithContext(ctx))
	return s.refusal(r, err)
}

func (s *service) refusal(r *worker.Request, err error) error {
	if err == nil {
		return nil
	}
	if discord.Transient(err) {
		return fmt.Errorf("discord: %w", err)
	}
	code, status := discord.Code(err)
	why := strconv.Itoa(status)
	if code != 0 {
		why += "/" + strconv.Itoa(code)
	}
	return worker.Fail(r.Pick(errRefused, why))
}

// record keeps the action in the audit table; a redelivered command finds its row.
func (s *service) record(ctx context.Context, r *worker.Request, kind, target, detail string, until *time.Time) error {
	_, err := r.Tx.Exec(ctx, `INSERT INTO moderation.actions (event_id, guild_id, kind, moderator_id, target_id, detail, until, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING`,
		r.Cmd.Id, r.Cmd.GuildId, kind, r.Cmd.GetInvoker().GetUserId(), target, detail, until, receivedAt(r))
	if err != nil {
		return fmt.Errorf("record %s: %w", kind, err)
	}
	return nil
}

// modlog posts an action to the mod-log channel, if the server has one.
func (s *service) modlog(r *worker.Request, title, target string, fields ...*discordgo.MessageEmbedField) {
	ch := r.Config.Channel("modlog")
	if ch == "" {
		return
	}
	head := []*discordgo.MessageEmbedField{{Name: logModerator, Value: "<@" + r.Cmd.GetInvoker().GetUserId() + ">", Inline: true}}
	if target != "" {
		head = append(head, &discordgo.MessageEmbedField{Name: logMember, Value: "<@" + target + ">", Inline: true})
	}
	r.Send(ch, worker.Message{Embeds: []*discordgo.MessageEmbed{{Title: title, Color: persona.ColorBlue,
		Fields: append(head, fields...), Timestamp: receivedAt(r).UTC().Format(time.RFC3339)}}})
}

// receivedAt is when the gateway received the command: the fixed point that makes a
// redelivered command compute the same timeout.
func receivedAt(r *worker.Request) time.Time {
	if at := r.Cmd.GetReceivedAt(); at != nil {
		return at.AsTime()
	}
	return time.Now()
}

// durationError phrases parseDuration's refusal.
func durationError(r *worker.Request, raw string, err error) string {
	raw = clip(raw, 40)
	switch {
	case errors.Is(err, errTooLong):
		return r.Pick(errDurationTooLong, raw)
	case errors.Is(err, errNoUnit):
		return r.Pick(errDurationUnit, raw)
	case errors.Is(err, errZero):
		return r.Pick(errDurationZero, raw)
	default:
		return r.Pick(errDurationUnreadable, raw)
	}
}
