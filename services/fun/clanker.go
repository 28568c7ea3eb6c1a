package fun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/worker"
)

// The clanker roast (SPEC.md §4), off unless a server switches it on: a message saying
// "clanker" gets a roast, one line per message; a trigger within 30 s of the last one
// starts 5 minutes of short retorts instead, so a channel cannot farm roasts.
const (
	clankerRepeat  = 30 * time.Second
	clankerRetorts = 5 * time.Minute
)

var clankerWord = regexp.MustCompile(`(?i)\bclankers?\b`)

// mentionsClanker is the cheap test run on every chat message before any database work;
// plain chat never gets further.
func mentionsClanker(ev *busv1.Event) bool {
	return ev.Type == "MESSAGE_CREATE" && bytes.Contains(bytes.ToLower(ev.Raw), []byte("clanker"))
}

type chatMessage struct {
	ChannelID string `json:"channel_id"`
	Content   string `json:"content"`
	Author    struct {
		Bot bool `json:"bot"`
	} `json:"author"`
	WebhookID string `json:"webhook_id"`
}

func clanker(ctx context.Context, r *worker.Request) error {
	var m chatMessage
	if err := json.Unmarshal(r.Cmd.EventRaw, &m); err != nil {
		return fmt.Errorf("decode message: %w", err)
	}
	if m.Author.Bot || m.WebhookID != "" || r.Cmd.GuildId == "" || !clankerWord.MatchString(m.Content) || !r.Config.Feature("clanker_roasts") {
		return nil
	}
	now := r.Cmd.ReceivedAt.AsTime()
	var last time.Time
	var retortUntil *time.Time
	err := r.Tx.QueryRow(ctx, `SELECT last_trigger, retort_until FROM fun.clanker WHERE guild_id = $1 AND channel_id = $2 FOR UPDATE`,
		r.Cmd.GuildId, m.ChannelID).Scan(&last, &retortUntil)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("read clanker state: %w", err)
	}
	retorting := retortUntil != nil && now.Before(*retortUntil)
	if !retorting && !last.IsZero() && now.Sub(last) < clankerRepeat {
		retorting = true
		until := now.Add(clankerRetorts)
		retortUntil = &until
	}
	if _, err := r.Tx.Exec(ctx, `
		INSERT INTO fun.clanker (guild_id, channel_id, last_trigger, retort_until) VALUES ($1, $2, $3, $4)
		ON CONFLICT (guild_id, channel_id) DO UPDATE SET last_trigger = EXCLUDED.last_trigger, retort_until = EXCLUDED.retort_until`,
		r.Cmd.GuildId, m.ChannelID, now, retortUntil); err != nil {
		return fmt.Errorf("store clanker state: %w", err)
	}
	if retorting {
		r.Send(m.ChannelID, worker.Message{Content: r.Pick(clankerRetort)})
		return nil
	}
	// One message per line, in order: the outbox sends them one after another through
	// the REST client, which waits on the channel's rate-limit bucket between them, and
	// every message goes out with no allowed mentions.
	for _, line := range clankerRoasts[r.Rand.IntN(len(clankerRoasts))] {
		r.Send(m.ChannelID, worker.Message{Content: line})
	}
	return nil
}
