package fun

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/worker"
)

// Reaction-learned tiers. A fun reply's main line comes from a tier chosen from the
// server's scores (persona.PickTier) and the choice is recorded under the command's event
// id. The first like or dislike on one of the bot's messages ties the message to that
// record: read from Discord, the message names the interaction it answers (slash replies)
// or the member's message it replies to (prefix replies), and either id is the command's
// event id. Reactions on a tied message then move its tier's score.
//
// Tying a reply when it is reacted to, rather than when it shows up on the gateway, costs
// a read from Discord per reacted reply instead of a bus delivery and a database write per
// answer the bot sends, and few replies get a reaction.

// Reactions that say "more of this" and "less of this".
var (
	likes    = []string{"😂", "🤣", "😆", "❤", "😍", "🥰", "🔥", "💖", "👍", "💯"}
	dislikes = []string{"🙄", "👎", "😐", "😒", "🥱"}
)

// tierScoresSQL reads a guild's tier scores for pickTier.
const tierScoresSQL = `SELECT tier, score FROM fun.tier_scores WHERE guild_id = $1`

// chooseTier picks this reply's tier and records it.
func chooseTier(ctx context.Context, r *worker.Request) (int, error) {
	rows, err := r.Tx.Query(ctx, tierScoresSQL, r.Cmd.GuildId)
	if err != nil {
		return 0, fmt.Errorf("read tier scores: %w", err)
	}
	return pickTier(r, rows)
}

// pickTier reads the scores tierScoresSQL returned (closing rows), picks this reply's
// tier and records it. A handler with a statement of its own sends both in one batch.
func pickTier(r *worker.Request, rows pgx.Rows) (int, error) {
	var scores [persona.Tiers]int64
	for rows.Next() {
		var t int
		var s int64
		if err := rows.Scan(&t, &s); err != nil {
			rows.Close()
			return 0, fmt.Errorf("read tier scores: %w", err)
		}
		if t >= 0 && t < persona.Tiers {
			scores[t] = s
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read tier scores: %w", err)
	}
	tier := persona.PickTier(r.Rand, scores)
	// Read back only when the reply shows up on the gateway: sent with the COMMIT.
	r.ExecAtCommit(`INSERT INTO fun.reply_tiers (event_id, guild_id, tier) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		r.Cmd.Id, r.Cmd.GuildId, tier)
	return tier, nil
}

type reaction struct {
	MessageID       string `json:"message_id"`
	ChannelID       string `json:"channel_id"`
	GuildID         string `json:"guild_id"`
	MessageAuthorID string `json:"message_author_id"` // only on additions
	Emoji           struct {
		Name string `json:"name"`
	} `json:"emoji"`
	Member *struct {
		User struct {
			Bot bool `json:"bot"`
		} `json:"user"`
	} `json:"member"`
}

// tasteOf reads a reaction event: its reaction, and the score it moves its message's tier
// by (+1 for a like, -1 for a dislike, the reverse when taken back). ok is false for a
// reaction that says nothing of taste: another emoji, or a bot's.
func tasteOf(ev *busv1.Event) (re reaction, delta int64, ok bool) {
	if err := json.Unmarshal(ev.Raw, &re); err != nil || (re.Member != nil && re.Member.User.Bot) || re.MessageID == "" {
		return re, 0, false
	}
	emoji := strings.TrimSuffix(re.Emoji.Name, "\uFE0F") // ❤️ arrives with or without the variation selector
	switch {
	case slices.Contains(likes, emoji):
		delta = 1
	case slices.Contains(dislikes, emoji):
		delta = -1
	default:
		return re, 0, false
	}
	if ev.Type == "MESSAGE_REACTION_REMOVE" {
		delta = -delta
	}
	return re, delta, true
}

// tierLinker ties reacted replies to their tier records.
type tierLinker struct {
	discord *discord.Client
	log     *slog.Logger

	mu   sync.Mutex
	self string // the bot's user id, asked of Discord once
}

// botID is the bot's own user id.
func (l *tierLinker) botID(ctx context.Context) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.self == "" {
		u, err := l.discord.Me(ctx)
		if err != nil {
			return "", err
		}
		l.self = u.ID
	}
	return l.self, nil
}

// link makes sure a reaction's message is tied to its tier record before the reaction is
// scored (learnTiers), and reports true for a reaction with nothing to score: not about
// taste, on a message that is not a fun reply, or taking back one that was never counted.
// Tying is idempotent (it only ever sets an unset message id), so it needs no transaction
// of its own; the scoring that follows is done exactly once.
func (l *tierLinker) link(ctx context.Context, db store.Querier, ev *busv1.Event) (bool, error) {
	re, _, ok := tasteOf(ev)
	if !ok {
		return true, nil
	}
	var linked bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT FROM fun.reply_tiers WHERE message_id = $1)`, re.MessageID).Scan(&linked); err != nil {
		return false, fmt.Errorf("look up the tier of message %s: %w", re.MessageID, err)
	}
	if linked {
		return false, nil
	}
	if ev.Type == "MESSAGE_REACTION_REMOVE" {
		return true, nil // its addition would have tied it: it was never counted
	}
	self, err := l.botID(ctx)
	if err != nil {
		return false, fmt.Errorf("learn the bot's user id: %w", err)
	}
	if re.MessageAuthorID != "" && re.MessageAuthorID != self {
		return true, nil // members' messages are most of what gets reactions: no read for them
	}
	m, err := l.discord.Message(ctx, re.ChannelID, re.MessageID)
	if discord.Transient(err) {
		return false, err // the bus tries again later
	}
	if err != nil {
		// Deleted, or out of the bot's sight (no Read Message History in that channel):
		// nothing to learn from it.
		code, status := discord.Code(err)
		l.log.DebugContext(ctx, "reacted message not readable; the reaction teaches nothing", "message_id", re.MessageID,
			"channel_id", re.ChannelID, "code", code, "status", status)
		return true, nil
	}
	event := replyEvent(m, self)
	if event == "" {
		return true, nil
	}
	tag, err := db.Exec(ctx, `UPDATE fun.reply_tiers SET message_id = $2 WHERE event_id = $1 AND message_id IS NULL`, event, m.ID)
	if err != nil {
		return false, fmt.Errorf("tie message %s to the tier of %s: %w", m.ID, event, err)
	}
	return tag.RowsAffected() == 0, nil // no record: not a reply that picked a tier
}

// replyEvent is the event id of the command a message of the bot's answers: the
// interaction it answers, or the member's message it replies to (a prefix command's id is
// its message's). "" for anyone else's message and for the bot's other messages.
func replyEvent(m *discordgo.Message, self string) string {
	switch {
	case m.Author == nil || m.Author.ID != self:
		return ""
	case m.InteractionMetadata != nil:
		return m.InteractionMetadata.ID
	case m.MessageReference != nil:
		return m.MessageReference.MessageID
	}
	return ""
}

// learnTiers scores reactions on the bot's replies, exactly once per event (the consumer
// records each event with these writes). Their messages are tied to their tiers by
// tierLinker.link first.
func learnTiers(ctx context.Context, tx pgx.Tx, ev *busv1.Event) error {
	re, delta, ok := tasteOf(ev)
	if !ok {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO fun.tier_scores (guild_id, tier, score)
		SELECT guild_id, tier, $2::bigint FROM fun.reply_tiers WHERE message_id = $1
		ON CONFLICT (guild_id, tier) DO UPDATE SET score = tier_scores.score + EXCLUDED.score`, re.MessageID, delta)
	return err
}
