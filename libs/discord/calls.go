package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/bwmarrin/discordgo"
)

// Respond sends an interaction's first response. A 40060 means an earlier delivery of
// the same interaction already answered it, which is success for an at-least-once worker.
func (c *Client) Respond(ctx context.Context, interactionID, token string, resp *discordgo.InteractionResponse) error {
	err := c.s.InteractionRespond(&discordgo.Interaction{ID: interactionID, Token: token}, resp, discordgo.WithContext(ctx))
	if code, _ := Code(err); code == CodeAlreadyAcknowledged {
		return nil
	}
	if err != nil {
		return fmt.Errorf("discord: interaction callback: %w", err)
	}
	return nil
}

// Answer sends an interaction's answer. If the interaction was already acknowledged (a
// "thinking…" deferral sent while the answer was being prepared, or an earlier delivery of
// the same command), a message answer becomes an edit of the original response, so the
// member always sees the answer and never sees it twice.
func (c *Client) Answer(ctx context.Context, appID, interactionID, token string, resp *discordgo.InteractionResponse) error {
	err := c.s.InteractionRespond(&discordgo.Interaction{ID: interactionID, Token: token}, resp, discordgo.WithContext(ctx))
	if code, _ := Code(err); code == CodeAlreadyAcknowledged {
		return c.AnswerAcknowledged(ctx, appID, token, resp)
	}
	if err != nil {
		return fmt.Errorf("discord: interaction callback: %w", err)
	}
	return nil
}

// AnswerAcknowledged sends the answer of an interaction known to be acknowledged already
// (deferred): a message answer becomes an edit of the original response, and anything
// else has nothing left to do. It saves Answer's callback, which Discord would refuse.
func (c *Client) AnswerAcknowledged(ctx context.Context, appID, token string, resp *discordgo.InteractionResponse) error {
	if resp.Data == nil || appID == "" || (resp.Type != discordgo.InteractionResponseChannelMessageWithSource &&
		resp.Type != discordgo.InteractionResponseUpdateMessage) {
		return nil
	}
	d := resp.Data
	edit := &discordgo.WebhookEdit{Content: &d.Content, Embeds: &d.Embeds, Components: &d.Components, AllowedMentions: d.AllowedMentions}
	// Not discordgo's InteractionResponseEdit: it files every webhook edit of the bot
	// under one rate-limit bucket, which discordgo holds locked for each request's whole
	// round trip, so all deferred answers of a process went out one at a time. Discord
	// limits webhook calls per token; so does this bucket.
	uri := discordgo.EndpointInteractionResponseActions(appID, token)
	if _, err := c.s.RequestWithBucketID(http.MethodPatch, uri, edit, uri, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord: edit original response: %w", err)
	}
	return nil
}

// Typing shows "Novera is typing…" in a channel for a few seconds: the thinking frame of
// a slow prefix command.
func (c *Client) Typing(ctx context.Context, channelID string) error {
	if err := c.s.ChannelTyping(channelID, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord: typing in %s: %w", channelID, err)
	}
	return nil
}

// MessageCreate is discordgo's MessageSend plus the nonce fields it lacks. With
// EnforceNonce, Discord returns the message already created with this nonce instead of
// posting a second one, which makes retried sends safe.
type MessageCreate struct {
	discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

// SendMessage posts a message to a channel.
func (c *Client) SendMessage(ctx context.Context, channelID string, m *MessageCreate) (*discordgo.Message, error) {
	if m.Embeds == nil {
		m.Embeds = []*discordgo.MessageEmbed{}
	}
	body, err := c.s.RequestWithBucketID(http.MethodPost, discordgo.EndpointChannelMessages(channelID), m,
		discordgo.EndpointChannelMessages(channelID), discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("discord: create message in %s: %w", channelID, err)
	}
	var msg discordgo.Message
	if err := json.Unmarshal(body, &msg); err != nil {
		return nil, fmt.Errorf("discord: decode created message: %w", err)
	}
	return &msg, nil
}

// Message reads one message of a channel.
func (c *Client) Message(ctx context.Context, channelID, messageID string) (*discordgo.Message, error) {
	m, err := c.s.ChannelMessage(channelID, messageID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("discord: read message %s in %s: %w", messageID, channelID, err)
	}
	return m, nil
}

// AddRole gives a member a role; Discord treats a repeat as a no-op, so retries are safe.
func (c *Client) AddRole(ctx context.Context, guildID, userID, roleID string) error {
	if err := c.s.GuildMemberRoleAdd(guildID, userID, roleID, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord: add role %s to %s: %w", roleID, userID, err)
	}
	return nil
}

// RemoveRole takes a role from a member; also idempotent on Discord's side.
func (c *Client) RemoveRole(ctx context.Context, guildID, userID, roleID string) error {
	if err := c.s.GuildMemberRoleRemove(guildID, userID, roleID, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord: remove role %s from %s: %w", roleID, userID, err)
	}
	return nil
}

// GatewayBot asks where to connect and how many shards Discord recommends.
func (c *Client) GatewayBot(ctx context.Context) (*discordgo.GatewayBotResponse, error) {
	g, err := c.s.GatewayBot(discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("discord: GET /gateway/bot: %w", err)
	}
	return g, nil
}

// Me returns the bot's own user; used at start-up to learn the application id and to
// fail fast on a bad token.
func (c *Client) Me(ctx context.Context) (*discordgo.User, error) {
	u, err := c.s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("discord: GET /users/@me: %w", err)
	}
	return u, nil
}

// OverwriteCommands replaces the application's global slash commands (guildID "") or one
// guild's with cmds.
func (c *Client) OverwriteCommands(ctx context.Context, appID, guildID string, cmds []*discordgo.ApplicationCommand) error {
	if _, err := c.s.ApplicationCommandBulkOverwrite(appID, guildID, cmds, discordgo.WithContext(ctx)); err != nil {
		return fmt.Errorf("discord: register slash commands: %w", err)
	}
	return nil
}
