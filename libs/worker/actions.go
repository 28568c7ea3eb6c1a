// Package worker runs a service's command handlers with Novera's guarantees: each command's
// database effects and the record that it was handled commit in one transaction, the
// Discord calls it causes are stored with that record (an outbox) and performed after the
// commit, and a redelivered command re-sends what is still owed instead of running again.
package worker

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discord"
)

// ActionKind names one Discord effect.
type ActionKind string

const (
	// Respond is an interaction's first response (callback).
	Respond ActionKind = "respond"
	// Send posts a message to a channel.
	Send ActionKind = "send"
	// AddRole and RemoveRole change a member's roles.
	AddRole    ActionKind = "add_role"
	RemoveRole ActionKind = "remove_role"
)

// Action is one Discord call owed after a command commits. Every kind is safe to repeat:
// Discord answers a second interaction callback with 40060, a message with a repeated
// nonce is returned instead of posted again, and role changes are idempotent.
type Action struct {
	Kind          ActionKind                     `json:"kind"`
	InteractionID string                         `json:"interaction_id,omitempty"`
	AppID         string                         `json:"app_id,omitempty"`
	Token         string                         `json:"token,omitempty"`
	ChannelID     string                         `json:"channel_id,omitempty"`
	GuildID       string                         `json:"guild_id,omitempty"`
	UserID        string                         `json:"user_id,omitempty"`
	RoleID        string                         `json:"role_id,omitempty"`
	Response      *discordgo.InteractionResponse `json:"response,omitempty"`
	Message       *discord.MessageCreate         `json:"message,omitempty"`
	// Optional actions (a courtesy DM, say) are dropped when Discord refuses them for
	// good, instead of failing the whole command.
	Optional bool `json:"optional,omitempty"`
}

// perform runs one action.
func perform(ctx context.Context, c *discord.Client, a *Action, nonce string, acked bool) error {
	switch a.Kind {
	case Respond:
		if acked {
			return c.AnswerAcknowledged(ctx, a.AppID, a.Token, a.Response)
		}
		return c.Answer(ctx, a.AppID, a.InteractionID, a.Token, a.Response)
	case Send:
		m := *a.Message
		m.Nonce, m.EnforceNonce = nonce, true
		_, err := c.SendMessage(ctx, a.ChannelID, &m)
		return err
	case AddRole:
		return c.AddRole(ctx, a.GuildID, a.UserID, a.RoleID)
	case RemoveRole:
		return c.RemoveRole(ctx, a.GuildID, a.UserID, a.RoleID)
	case DirectMessage:
		return performDM(ctx, c, a, nonce)
	default:
		return fmt.Errorf("worker: unknown action kind %q", a.Kind)
	}
}

// errOwed means some actions are still owed; the bus will deliver the command again.
var errOwed = errors.New("worker: Discord calls still owed")

// nonceFor derives a stable message nonce (Discord allows 25 characters) per action.
func nonceFor(eventID string, i int) string {
	n := eventID + "-" + strconv.Itoa(i)
	if len(n) > 25 {
		n = n[len(n)-25:]
	}
	return n
}
