package league

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// The parts of the dispatches the league reads.
type (
	wireUser struct {
		ID  string `json:"id"`
		Bot bool   `json:"bot"`
	}
	messageEvent struct {
		GuildID   string   `json:"guild_id"`
		WebhookID string   `json:"webhook_id"`
		Author    wireUser `json:"author"`
	}
	reactionEvent struct {
		GuildID string `json:"guild_id"`
		UserID  string `json:"user_id"`
		Member  *struct {
			User *wireUser `json:"user"`
		} `json:"member"`
	}
	memberEvent struct {
		GuildID string   `json:"guild_id"`
		User    wireUser `json:"user"`
	}
)

// onEvent counts activity and follows membership. It runs in the transaction that marks
// the event handled, so a redelivered event counts nothing.
func (s *service) onEvent(ctx context.Context, tx pgx.Tx, ev *busv1.Event) error {
	at := ev.GetReceivedAt().AsTime()
	switch ev.Type {
	case "MESSAGE_CREATE":
		var m messageEvent
		if err := json.Unmarshal(ev.Raw, &m); err != nil {
			return nil // not ours to fix: a malformed dispatch counts as nothing
		}
		if m.GuildID == "" || m.Author.ID == "" || m.Author.Bot || m.WebhookID != "" {
			return nil
		}
		return count(ctx, tx, m.GuildID, m.Author.ID, 1, 0, at)
	case "MESSAGE_REACTION_ADD":
		var re reactionEvent
		if err := json.Unmarshal(ev.Raw, &re); err != nil {
			return nil
		}
		if re.GuildID == "" || re.UserID == "" || re.Member != nil && re.Member.User != nil && re.Member.User.Bot {
			return nil
		}
		return count(ctx, tx, re.GuildID, re.UserID, 0, 1, at)
	case "GUILD_MEMBER_REMOVE":
		var me memberEvent
		if err := json.Unmarshal(ev.Raw, &me); err != nil || me.GuildID == "" || me.User.ID == "" {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO league.departed (guild_id, user_id, left_at) VALUES ($1, $2, $3)
			ON CONFLICT (guild_id, user_id) DO UPDATE SET left_at = EXCLUDED.left_at`, me.GuildID, me.User.ID, at)
		if err != nil {
			return fmt.Errorf("record departure: %w", err)
		}
	case "GUILD_MEMBER_ADD":
		var me memberEvent
		if err := json.Unmarshal(ev.Raw, &me); err != nil || me.GuildID == "" || me.User.ID == "" {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM league.departed WHERE guild_id = $1 AND user_id = $2`, me.GuildID, me.User.ID); err != nil {
			return fmt.Errorf("record return: %w", err)
		}
	}
	return nil
}

func count(ctx context.Context, tx pgx.Tx, guildID, userID string, messages, reactions int, at time.Time) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO league.activity (guild_id, user_id, messages, reactions, last_active) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (guild_id, user_id) DO UPDATE SET messages = activity.messages + EXCLUDED.messages,
			reactions = activity.reactions + EXCLUDED.reactions,
			last_active = greatest(activity.last_active, EXCLUDED.last_active)`,
		guildID, userID, messages, reactions, at)
	if err != nil {
		return fmt.Errorf("count activity of %s: %w", userID, err)
	}
	return nil
}

// activity: SPEC.md §1. Score = messages + reactions / 2.
func (s *service) activity(ctx context.Context, r *worker.Request) error {
	m := target(r)
	var messages, reactions int64
	var last *time.Time
	err := r.Tx.QueryRow(ctx, `SELECT messages, reactions, last_active FROM league.activity WHERE guild_id = $1 AND user_id = $2`,
		r.Cmd.GuildId, m.UserId).Scan(&messages, &reactions, &last)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read activity: %w", err)
	}
	lb := labelsFor(r.Sassy())
	seen := lb.Never
	if last != nil {
		seen = timestamp(*last, "R")
	}
	score := float64(messages) + float64(reactions)/2
	e := &discordgo.MessageEmbed{Title: r.Pick(activityTitle, name(m)), Description: mention(m.UserId), Color: persona.ColorPink,
		Thumbnail: &discordgo.MessageEmbedThumbnail{URL: avatarURL(m)},
		Fields: []*discordgo.MessageEmbedField{
			{Name: lb.Messages, Value: strconv.FormatInt(messages, 10), Inline: true},
			{Name: lb.Reactions, Value: strconv.FormatInt(reactions, 10), Inline: true},
			{Name: lb.Score, Value: strconv.FormatFloat(score, 'f', 1, 64), Inline: true},
			{Name: lb.LastActive, Value: seen, Inline: true},
		}}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{e}})
	return nil
}
