package fun

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/tidwall/gjson"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/worker"
)

// Reaction-learned tiers. A fun reply's main line comes from a tier chosen from the
// server's scores (persona.PickTier) and the choice is recorded under the command's event
// id. When the bot's own message shows up on the gateway, its nonce (prefix replies) or
// interaction id (slash replies) names that event, which ties the message to its tier;
// reactions on the message then move the tier's score.

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

// tierEvent keeps what tier learning needs: the bot's own messages and reactions.
func tierEvent(ev *busv1.Event) bool {
	switch ev.Type {
	case "MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE":
		return true
	case "MESSAGE_CREATE":
		// Only bots' messages come here (bus.BotMessageCreate); webhooks' share their
		// subject but cannot be our replies.
		return ev.AuthorBot
	}
	return false
}

type reaction struct {
	MessageID string `json:"message_id"`
	GuildID   string `json:"guild_id"`
	Emoji     struct {
		Name string `json:"name"`
	} `json:"emoji"`
	Member *struct {
		User struct {
			Bot bool `json:"bot"`
		} `json:"user"`
	} `json:"member"`
}

// linkReply ties one of the bot's messages to the tier its reply was given. Setting the
// message id is idempotent, so it needs no transaction of its own nor a handled record:
// this runs for every answer the bot sends, and a commit is what it would wait for.
func linkReply(ctx context.Context, db store.Querier, ev *busv1.Event) (bool, error) {
	if ev.Type != "MESSAGE_CREATE" {
		return false, nil
	}
	id, event := replyOf(ev.Raw)
	if event == "" {
		return true, nil
	}
	if _, err := db.Exec(ctx, `UPDATE fun.reply_tiers SET message_id = $2 WHERE event_id = $1 AND message_id IS NULL`, event, id); err != nil {
		return false, fmt.Errorf("link reply %s: %w", id, err)
	}
	return true, nil
}

// replyOf reads which command a bot message answers: its id and the command's event id,
// from the interaction it answers (slash replies) or its nonce (prefix replies). event is
// "" for anything else. Four fields of a message that is mostly its embeds are read where
// they lie rather than decoding it all (that decode was 2 % of the fun worker's CPU under
// load).
func replyOf(raw []byte) (id, event string) {
	f := gjson.GetManyBytes(raw, "id", "author.bot", "interaction_metadata.id", "nonce")
	id, bot, interaction, nonce := f[0].String(), f[1].Bool(), f[2], f[3]
	if id == "" || !bot {
		return "", ""
	}
	event = interaction.String() // "" when absent or null
	if event == "" && nonce.Type == gjson.String {
		event, _, _ = strings.Cut(nonce.Str, "-") // nonces are <event id>-<action index>
	}
	return id, event
}

// learnTiers scores reactions on the bot's replies, exactly once per event (the consumer
// records each event with these writes). Messages are linkReply's.
func learnTiers(ctx context.Context, tx pgx.Tx, ev *busv1.Event) error {
	switch ev.Type {
	case "MESSAGE_CREATE":
		return nil
	default:
		var re reaction
		if err := json.Unmarshal(ev.Raw, &re); err != nil || (re.Member != nil && re.Member.User.Bot) {
			return nil
		}
		delta := int64(0)
		emoji := strings.TrimSuffix(re.Emoji.Name, "\uFE0F") // ❤️ arrives with or without the variation selector
		switch {
		case contains(likes, emoji):
			delta = 1
		case contains(dislikes, emoji):
			delta = -1
		}
		if delta == 0 {
			return nil
		}
		if ev.Type == "MESSAGE_REACTION_REMOVE" {
			delta = -delta
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO fun.tier_scores (guild_id, tier, score)
			SELECT guild_id, tier, $2::bigint FROM fun.reply_tiers WHERE message_id = $1
			ON CONFLICT (guild_id, tier) DO UPDATE SET score = tier_scores.score + EXCLUDED.score`, re.MessageID, delta)
		return err
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
