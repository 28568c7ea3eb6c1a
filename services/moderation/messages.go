package moderation

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/services/moderation/filter"
)

// wireMessage is the part of MESSAGE_CREATE and MESSAGE_UPDATE the filter reads.
type wireMessage struct {
	ID        string  `json:"id"`
	ChannelID string  `json:"channel_id"`
	GuildID   string  `json:"guild_id"`
	Content   *string `json:"content"`
	WebhookID string  `json:"webhook_id"`
	Author    *struct {
		ID  string `json:"id"`
		Bot bool   `json:"bot"`
	} `json:"author"`
	Member *struct {
		Roles []string `json:"roles"`
	} `json:"member"`
}

// staleAfter bounds how old a message event may be when judged: after a long outage, or
// when a new consumer starts on a stream full of history, deleting yesterday's messages
// and timing people out for them would surprise everyone.
const staleAfter = time.Hour

// onEvent runs in the transaction that marks the event handled, so a redelivered event
// does nothing twice.
func (s *service) onEvent(ctx context.Context, tx pgx.Tx, ev *busv1.Event) error {
	switch ev.Type {
	case "MESSAGE_CREATE", "MESSAGE_UPDATE":
		var m wireMessage
		if err := json.Unmarshal(ev.Raw, &m); err != nil {
			s.log.WarnContext(ctx, "undecodable message event", "event_id", ev.Id, "err", err)
			return nil
		}
		return s.judge(ctx, tx, ev, &m)
	case "GUILD_CREATE", "GUILD_UPDATE":
		var g wireGuild
		if err := json.Unmarshal(ev.Raw, &g); err != nil {
			return nil
		}
		return storeGuild(ctx, tx, g)
	case "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE":
		var re wireRoleEvent
		if err := json.Unmarshal(ev.Raw, &re); err != nil || re.GuildID == "" {
			return nil
		}
		return storeRole(ctx, tx, ev.Type, re)
	}
	return nil
}

// judge runs the filter on one message and, on a hit, records the warning and schedules
// what it owes: delete the message, post a warning that disappears, apply the timeout of
// the member's rung, and log it all.
func (s *service) judge(ctx context.Context, tx pgx.Tx, ev *busv1.Event, m *wireMessage) error {
	if m.GuildID == "" || m.Author == nil || m.Author.Bot || m.WebhookID != "" || m.Content == nil || *m.Content == "" {
		return nil // DMs, bots, webhooks, and updates that did not touch the text
	}
	if at := ev.GetReceivedAt(); at != nil && time.Since(at.AsTime()) > staleAfter {
		s.log.InfoContext(ctx, "stale message event skipped", "event_id", ev.Id, "received_at", at.AsTime())
		return nil
	}
	// The filter first: it is cheap, and most messages are clean, so they cost no query.
	res := s.filter.Check(*m.Content)
	if !res.Hit() {
		return nil
	}
	cfg, err := guildconfig.GetIn(ctx, tx, m.GuildID)
	if err != nil {
		return fmt.Errorf("read guild config: %w", err)
	}
	if !cfg.Feature("profanity_filter") {
		return nil
	}
	roles, ok := []string(nil), true
	if m.Member != nil {
		roles = m.Member.Roles
	} else if roles, ok, err = s.memberRoles(ctx, m.GuildID, m.Author.ID); err != nil {
		return err
	}
	perms, err := s.loadPerms(ctx, tx, m.GuildID)
	if err != nil {
		return err
	}
	if ok && exempt(cfg, perms, m.GuildID, m.Author.ID, roles) {
		return nil
	}
	// One member's messages are judged one at a time, so two quick hits climb two rungs
	// instead of both reading the same count.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "moderation:"+m.GuildID+":"+m.Author.ID); err != nil {
		return fmt.Errorf("lock member: %w", err)
	}
	var prior int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM moderation.warnings WHERE guild_id = $1 AND user_id = $2 AND cleared_at IS NULL`,
		m.GuildID, m.Author.ID).Scan(&prior); err != nil {
		return fmt.Errorf("count warnings: %w", err)
	}
	level, timeout := rung(prior, res.Category)
	now := time.Now()
	tag, err := tx.Exec(ctx, `INSERT INTO moderation.warnings (guild_id, user_id, channel_id, message_id, category, matches, level, timeout_seconds, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (guild_id, message_id) DO NOTHING`,
		m.GuildID, m.Author.ID, m.ChannelID, m.ID, res.Category.String(), res.Matches, level, int64(timeout/time.Second), now)
	if err != nil {
		return fmt.Errorf("store warning: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil // this message was judged already (its create and an edit, say)
	}
	s.log.InfoContext(ctx, "filter hit", "guild_id", m.GuildID, "user_id", m.Author.ID, "message_id", m.ID,
		"category", res.Category.String(), "level", level, "timeout", timeout.String())
	return s.scheduleHit(ctx, tx, cfg, m, res, prior+1, level, timeout, now)
}

// scheduleHit writes the jobs a hit owes, keyed by the message so they exist once.
func (s *service) scheduleHit(ctx context.Context, tx pgx.Tx, cfg *guildconfig.Config, m *wireMessage, res filter.Result,
	count, level int, timeout time.Duration, now time.Time) error {
	key := m.GuildID + ":" + m.ID
	if err := schedule(ctx, tx, "filter-delete:"+key, now, job{Kind: jobDeleteMessage, ChannelID: m.ChannelID, MessageID: m.ID}); err != nil {
		return err
	}
	// Pick with a source seeded by the message, so the text is the same however often
	// the event is judged.
	id, _ := strconv.ParseUint(m.ID, 10, 64)
	rnd := rand.New(rand.NewPCG(id, 0x6d6f64))
	mention := "<@" + m.Author.ID + ">"
	desc := warnLines.Pick(rnd, cfg.Sassy(), mention) + "\n" + warnCount.Pick(rnd, cfg.Sassy(), count)
	var until *time.Time
	if timeout > 0 {
		u := now.Add(timeout)
		until = &u
		desc += "\n" + warnTimeout.Pick(rnd, cfg.Sassy(), humanDuration(timeout))
	}
	warning := &discord.MessageCreate{MessageSend: discordgo.MessageSend{
		Content: mention,
		Embeds:  []*discordgo.MessageEmbed{{Description: desc, Color: persona.ColorRed}},
		// Ping the member, and nobody else, whatever the warning quotes.
		AllowedMentions: &discordgo.MessageAllowedMentions{Users: []string{m.Author.ID}},
	}}
	if err := schedule(ctx, tx, "filter-warn:"+key, now, job{Kind: jobSend, ChannelID: m.ChannelID, Message: warning, DeleteAfter: WarningTTL}); err != nil {
		return err
	}
	if until != nil {
		if err := schedule(ctx, tx, "filter-timeout:"+key, now, job{Kind: jobTimeout, GuildID: m.GuildID, UserID: m.Author.ID, Until: until}); err != nil {
			return err
		}
	}
	if ch := cfg.Channel("modlog"); ch != "" {
		timeoutText := logNone
		if until != nil {
			timeoutText = humanDuration(timeout) + " (<t:" + strconv.FormatInt(until.Unix(), 10) + ":R>)"
		}
		matched := make([]string, len(res.Matches))
		for i, w := range res.Matches {
			matched[i] = "||" + w + "||"
		}
		e := &discordgo.MessageEmbed{Title: logFilterTitle, Color: persona.ColorRed, Timestamp: now.UTC().Format(time.RFC3339),
			Fields: []*discordgo.MessageEmbedField{
				{Name: logMember, Value: mention, Inline: true},
				{Name: logChannel, Value: "<#" + m.ChannelID + ">", Inline: true},
				{Name: logCategory, Value: res.Category.String(), Inline: true},
				{Name: logWarning, Value: strconv.Itoa(count) + " · " + fmt.Sprintf(logLevel, level), Inline: true},
				{Name: logTimeout, Value: timeoutText, Inline: true},
				{Name: logMatched, Value: strings.Join(matched, ", "), Inline: true},
				{Name: logContent, Value: "||" + clip(*m.Content, 900) + "||"},
			}}
		if err := schedule(ctx, tx, "filter-log:"+key, now, job{Kind: jobSend, ChannelID: ch, Message: logMessage(e)}); err != nil {
			return err
		}
	}
	return nil
}

// logMessage wraps a mod-log embed; the log names people without pinging them.
func logMessage(e *discordgo.MessageEmbed) *discord.MessageCreate {
	return &discord.MessageCreate{MessageSend: discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{e},
		AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}}
}

// clip shortens s to n characters, escaping the spoiler marks that would end ours early.
func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "||", "|\u200b|")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
