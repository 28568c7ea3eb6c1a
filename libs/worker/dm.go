package worker

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discord"
)

// DirectMessage sends Message to UserID's DM channel.
const DirectMessage ActionKind = "dm"

// performDM opens (or finds: Discord returns the existing one) the DM channel and posts
// the message with the action's nonce, so a repeat is returned instead of posted again.
func performDM(ctx context.Context, c *discord.Client, a *Action, nonce string) error {
	ch, err := c.Session().UserChannelCreate(a.UserID, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("discord: open DM with %s: %w", a.UserID, err)
	}
	m := *a.Message
	m.Nonce, m.EnforceNonce = nonce, true
	_, err = c.SendMessage(ctx, ch.ID, &m)
	return err
}
