package discordsim

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Application is the bot application the simulator serves.
type Application struct {
	ID          Snowflake
	Name        string
	Description string
	// BotUserID is the bot's user id; like modern Discord applications it equals ID.
	BotUserID Snowflake
	BotName   string
	// Token is accepted as "Authorization: Bot <Token>" and in identify.
	Token string
	// PublicKey is the hex Ed25519 verify key reported by /oauth2/applications/@me.
	PublicKey string
	OwnerID   Snowflake
	Flags     int
}

// User is a Discord user.
type User struct {
	ID         Snowflake `json:"id"`
	Username   string    `json:"username"`
	GlobalName string    `json:"global_name,omitempty"`
	Avatar     string    `json:"avatar,omitempty"`
	Bot        bool      `json:"bot,omitempty"`
	// DMsDisabled makes messages to this user's DM channel fail with 50007, as for a user who
	// closed their DMs. It exists only in the simulator.
	DMsDisabled bool `json:"-"`
}

// Guild is a Discord server. Roles, channels and members are kept beside it in the state.
type Guild struct {
	ID              Snowflake `json:"id"`
	Name            string    `json:"name"`
	OwnerID         Snowflake `json:"owner_id"`
	Icon            string    `json:"icon,omitempty"`
	Description     string    `json:"description,omitempty"`
	PreferredLocale string    `json:"preferred_locale,omitempty"`
}

// ChannelType is Discord's channel type.
type ChannelType int

// Channel types the simulator knows.
const (
	ChannelGuildText         ChannelType = 0
	ChannelDM                ChannelType = 1
	ChannelGuildVoice        ChannelType = 2
	ChannelGuildCategory     ChannelType = 4
	ChannelGuildAnnouncement ChannelType = 5
)

// Channel is a guild channel or a DM channel.
type Channel struct {
	ID               Snowflake   `json:"id"`
	GuildID          Snowflake   `json:"guild_id,omitempty"`
	Type             ChannelType `json:"type"`
	Name             string      `json:"name,omitempty"`
	Topic            string      `json:"topic,omitempty"`
	Position         int         `json:"position"`
	ParentID         Snowflake   `json:"parent_id,omitempty"`
	NSFW             bool        `json:"nsfw,omitempty"`
	RateLimitPerUser int         `json:"rate_limit_per_user,omitempty"`
	// RecipientIDs lists the other party of a DM channel.
	RecipientIDs  []Snowflake `json:"recipient_ids,omitempty"`
	LastMessageID Snowflake   `json:"last_message_id,omitempty"`
	// PermissionOverwrites are the channel's per-role and per-member permission changes.
	PermissionOverwrites []PermissionOverwrite `json:"permission_overwrites,omitempty"`
}

// Permission overwrite target types.
const (
	OverwriteRole   = 0
	OverwriteMember = 1
)

// PermissionOverwrite allows and denies permissions in one channel for a role or a member.
type PermissionOverwrite struct {
	ID    Snowflake   `json:"id"`
	Type  int         `json:"type"`
	Allow Permissions `json:"allow"`
	Deny  Permissions `json:"deny"`
}

// Role is a guild role. The @everyone role has the guild's id.
type Role struct {
	ID          Snowflake   `json:"id"`
	GuildID     Snowflake   `json:"guild_id"`
	Name        string      `json:"name"`
	Permissions Permissions `json:"permissions"`
	Position    int         `json:"position"`
	Color       int         `json:"color"`
	Hoist       bool        `json:"hoist,omitempty"`
	Mentionable bool        `json:"mentionable,omitempty"`
	// Managed roles belong to an integration (the bot's own role); BotID names the bot.
	Managed bool      `json:"managed,omitempty"`
	BotID   Snowflake `json:"bot_id,omitempty"`
}

// Member is a user's membership in a guild.
type Member struct {
	GuildID                    Snowflake   `json:"guild_id"`
	User                       User        `json:"user"`
	Nick                       string      `json:"nick,omitempty"`
	Roles                      []Snowflake `json:"roles"`
	JoinedAt                   time.Time   `json:"joined_at"`
	Avatar                     string      `json:"avatar,omitempty"`
	CommunicationDisabledUntil *time.Time  `json:"communication_disabled_until,omitempty"`
	Pending                    bool        `json:"pending,omitempty"`
}

// HasRole reports whether the member holds the role.
func (m Member) HasRole(id Snowflake) bool { return slices.Contains(m.Roles, id) }

// DisplayName is what Discord shows: nick, else global name, else username.
func (m Member) DisplayName() string {
	switch {
	case m.Nick != "":
		return m.Nick
	case m.User.GlobalName != "":
		return m.User.GlobalName
	}
	return m.User.Username
}

// Message types the simulator produces.
const (
	MessageTypeDefault   = 0
	MessageTypeReply     = 19
	MessageTypeChatInput = 20
)

// Message flags.
const (
	FlagSuppressEmbeds        = 1 << 2
	FlagEphemeral             = 1 << 6
	FlagLoading               = 1 << 7
	FlagSuppressNotifications = 1 << 12
	FlagIsVoiceMessage        = 1 << 13
	FlagIsComponentsV2        = 1 << 15
)

// Message is a channel message, an interaction response or a follow-up.
type Message struct {
	ID               Snowflake         `json:"id"`
	ChannelID        Snowflake         `json:"channel_id"`
	GuildID          Snowflake         `json:"guild_id,omitempty"`
	Type             int               `json:"type"`
	Author           User              `json:"author"`
	Content          string            `json:"content"`
	Embeds           []Embed           `json:"embeds,omitempty"`
	Components       []Component       `json:"components,omitempty"`
	Attachments      []Attachment      `json:"attachments,omitempty"`
	MessageReference *MessageReference `json:"message_reference,omitempty"`
	Nonce            string            `json:"nonce,omitempty"`
	Timestamp        time.Time         `json:"timestamp"`
	EditedTimestamp  *time.Time        `json:"edited_timestamp,omitempty"`
	Flags            int               `json:"flags,omitempty"`
	TTS              bool              `json:"tts,omitempty"`
	Mentions         []Snowflake       `json:"mentions,omitempty"`
	MentionRoles     []Snowflake       `json:"mention_roles,omitempty"`
	MentionEveryone  bool              `json:"mention_everyone,omitempty"`
	WebhookID        Snowflake         `json:"webhook_id,omitempty"`
	ApplicationID    Snowflake         `json:"application_id,omitempty"`
	// InteractionID links an interaction response or follow-up to its interaction.
	InteractionID Snowflake `json:"interaction_id,omitempty"`
}

// String is for logs and test failures.
func (m Message) String() string {
	return fmt.Sprintf("message %s in %s by %s: %q (%d embeds, %d component rows)",
		m.ID, m.ChannelID, m.Author.Username, m.Content, len(m.Embeds), len(m.Components))
}

// Ephemeral reports whether only the invoking user can see the message.
func (m Message) Ephemeral() bool { return m.Flags&FlagEphemeral != 0 }

// clone copies the slices a caller might modify; nested values are replaced, never mutated, by
// the simulator, so a shallow copy of each slice is enough.
func (m *Message) clone() Message {
	c := *m
	c.Embeds = slices.Clone(m.Embeds)
	c.Components = slices.Clone(m.Components)
	c.Attachments = slices.Clone(m.Attachments)
	c.Mentions = slices.Clone(m.Mentions)
	c.MentionRoles = slices.Clone(m.MentionRoles)
	if m.MessageReference != nil {
		r := *m.MessageReference
		c.MessageReference = &r
	}
	return c
}

// MessageReference points at the message a reply answers.
type MessageReference struct {
	Type            int       `json:"type,omitempty"`
	MessageID       Snowflake `json:"message_id,omitempty"`
	ChannelID       Snowflake `json:"channel_id,omitempty"`
	GuildID         Snowflake `json:"guild_id,omitempty"`
	FailIfNotExists *bool     `json:"fail_if_not_exists,omitempty"`
}

// Attachment is a file attached to a message. The simulator keeps names and sizes, not bytes.
type Attachment struct {
	ID          Snowflake `json:"id"`
	Filename    string    `json:"filename"`
	Description string    `json:"description,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	Size        int       `json:"size"`
	URL         string    `json:"url"`
	ProxyURL    string    `json:"proxy_url"`
}

// Embed is a rich embed, field for field as Discord defines it.
type Embed struct {
	Title       string         `json:"title,omitempty"`
	Type        string         `json:"type,omitempty"`
	Description string         `json:"description,omitempty"`
	URL         string         `json:"url,omitempty"`
	Timestamp   string         `json:"timestamp,omitempty"`
	Color       int            `json:"color,omitempty"`
	Footer      *EmbedFooter   `json:"footer,omitempty"`
	Image       *EmbedMedia    `json:"image,omitempty"`
	Thumbnail   *EmbedMedia    `json:"thumbnail,omitempty"`
	Video       *EmbedMedia    `json:"video,omitempty"`
	Provider    *EmbedProvider `json:"provider,omitempty"`
	Author      *EmbedAuthor   `json:"author,omitempty"`
	Fields      []EmbedField   `json:"fields,omitempty"`
}

// EmbedFooter is an embed's footer.
type EmbedFooter struct {
	Text         string `json:"text"`
	IconURL      string `json:"icon_url,omitempty"`
	ProxyIconURL string `json:"proxy_icon_url,omitempty"`
}

// EmbedMedia is an embed image, thumbnail or video.
type EmbedMedia struct {
	URL      string `json:"url"`
	ProxyURL string `json:"proxy_url,omitempty"`
	Height   int    `json:"height,omitempty"`
	Width    int    `json:"width,omitempty"`
}

// EmbedProvider is an embed's provider.
type EmbedProvider struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
}

// EmbedAuthor is an embed's author line.
type EmbedAuthor struct {
	Name         string `json:"name"`
	URL          string `json:"url,omitempty"`
	IconURL      string `json:"icon_url,omitempty"`
	ProxyIconURL string `json:"proxy_icon_url,omitempty"`
}

// EmbedField is one name/value field of an embed.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

// Component types.
const (
	ComponentActionRow         = 1
	ComponentButton            = 2
	ComponentStringSelect      = 3
	ComponentTextInput         = 4
	ComponentUserSelect        = 5
	ComponentRoleSelect        = 6
	ComponentMentionableSelect = 7
	ComponentChannelSelect     = 8
	ComponentSection           = 9
	ComponentTextDisplay       = 10
	ComponentContainer         = 17
	ComponentLabel             = 18
)

// ButtonStyleLink is the style of URL buttons, which open a link instead of sending an
// interaction.
const ButtonStyleLink = 5

// Component is any message or modal component. One struct covers every type, as in Discord's
// JSON; Raw keeps the exact JSON the bot sent so that fields the simulator does not model
// survive a round trip.
type Component struct {
	Type        int             `json:"type"`
	ID          int             `json:"id,omitempty"`
	CustomID    string          `json:"custom_id,omitempty"`
	Style       int             `json:"style,omitempty"`
	Label       string          `json:"label,omitempty"`
	Emoji       *Emoji          `json:"emoji,omitempty"`
	URL         string          `json:"url,omitempty"`
	Disabled    bool            `json:"disabled,omitempty"`
	Placeholder string          `json:"placeholder,omitempty"`
	MinValues   *int            `json:"min_values,omitempty"`
	MaxValues   *int            `json:"max_values,omitempty"`
	Options     []SelectOption  `json:"options,omitempty"`
	MinLength   *int            `json:"min_length,omitempty"`
	MaxLength   *int            `json:"max_length,omitempty"`
	Required    *bool           `json:"required,omitempty"`
	Value       string          `json:"value,omitempty"`
	Content     string          `json:"content,omitempty"`
	Description string          `json:"description,omitempty"`
	Components  []Component     `json:"components,omitempty"`
	Component   *Component      `json:"component,omitempty"`
	Accessory   *Component      `json:"accessory,omitempty"`
	Raw         json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes the component and remembers its raw form.
func (c *Component) UnmarshalJSON(b []byte) error {
	type plain Component
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*c = Component(p)
	c.Raw = slices.Clone(b)
	return nil
}

// MarshalJSON writes the raw form when there is one, so the simulator echoes what it was given.
func (c Component) MarshalJSON() ([]byte, error) {
	if len(c.Raw) > 0 {
		return c.Raw, nil
	}
	type plain Component
	return json.Marshal(plain(c))
}

// Emoji is a partial emoji as used by buttons and select options.
type Emoji struct {
	ID       Snowflake `json:"id,omitempty"`
	Name     string    `json:"name,omitempty"`
	Animated bool      `json:"animated,omitempty"`
}

// SelectOption is one option of a string select.
type SelectOption struct {
	Label       string `json:"label"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
	Emoji       *Emoji `json:"emoji,omitempty"`
	Default     bool   `json:"default,omitempty"`
}

// Modal is what an interaction response of type 9 shows the user.
type Modal struct {
	CustomID   string      `json:"custom_id"`
	Title      string      `json:"title"`
	Components []Component `json:"components"`
}

// Presence is what a session reported at identify or with op 3.
type Presence struct {
	Status     string     `json:"status"`
	Activities []Activity `json:"activities"`
	AFK        bool       `json:"afk"`
	Since      *int64     `json:"since,omitempty"`
}

// Activity types.
const (
	ActivityPlaying   = 0
	ActivityStreaming = 1
	ActivityListening = 2
	ActivityWatching  = 3
	ActivityCustom    = 4
	ActivityCompeting = 5
)

// Activity is one entry of a presence.
type Activity struct {
	Name  string `json:"name"`
	Type  int    `json:"type"`
	State string `json:"state,omitempty"`
	URL   string `json:"url,omitempty"`
}
