package discordsim

import (
	"slices"
	"time"
)

// This file turns state records into Discord's JSON shapes. Discord distinguishes null from
// absent in many places, so the wire types use pointers and explicit tags rather than reusing
// the Go model types. Builders with the Locked suffix read state and need s.mu.

// discordTime is the ISO 8601 layout Discord uses ("2024-01-02T03:04:05.123000+00:00").
const discordTime = "2006-01-02T15:04:05.000000-07:00"

func isoTime(t time.Time) string { return t.UTC().Format(discordTime) }

func isoTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := isoTime(*t)
	return &s
}

func nullStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type wireUser struct {
	ID            Snowflake   `json:"id"`
	Username      string      `json:"username"`
	Discriminator string      `json:"discriminator"`
	GlobalName    *string     `json:"global_name"`
	Avatar        *string     `json:"avatar"`
	Bot           bool        `json:"bot,omitempty"`
	PublicFlags   int         `json:"public_flags"`
	Flags         int         `json:"flags"`
	Member        *wireMember `json:"member,omitempty"`
}

func userJSON(u User) *wireUser {
	return &wireUser{
		ID:            u.ID,
		Username:      u.Username,
		Discriminator: "0",
		GlobalName:    nullStr(u.GlobalName),
		Avatar:        nullStr(u.Avatar),
		Bot:           u.Bot,
	}
}

func (s *Server) userJSONLocked(id Snowflake) *wireUser {
	if u, ok := s.w.users[id]; ok {
		return userJSON(*u)
	}
	return userJSON(User{ID: id, Username: "deleted_user_" + id.String()})
}

type wireMember struct {
	User                       *wireUser    `json:"user,omitempty"`
	GuildID                    Snowflake    `json:"guild_id,omitempty"`
	Nick                       *string      `json:"nick"`
	Avatar                     *string      `json:"avatar"`
	Banner                     *string      `json:"banner"`
	Roles                      []Snowflake  `json:"roles"`
	JoinedAt                   string       `json:"joined_at"`
	PremiumSince               *string      `json:"premium_since"`
	Deaf                       bool         `json:"deaf"`
	Mute                       bool         `json:"mute"`
	Flags                      int          `json:"flags"`
	Pending                    bool         `json:"pending"`
	CommunicationDisabledUntil *string      `json:"communication_disabled_until"`
	Permissions                *Permissions `json:"permissions,omitempty"`
}

type memberShape int

const (
	memberWithUser memberShape = 1 << iota
	memberWithGuildID
	memberWithPermissions
)

func (s *Server) memberJSONLocked(g *guildRec, m *Member, shape memberShape) *wireMember {
	w := &wireMember{
		Nick:                       nullStr(m.Nick),
		Avatar:                     nullStr(m.Avatar),
		Roles:                      slices.Clone(m.Roles),
		JoinedAt:                   isoTime(m.JoinedAt),
		Pending:                    m.Pending,
		CommunicationDisabledUntil: isoTimePtr(m.CommunicationDisabledUntil),
	}
	if w.Roles == nil {
		w.Roles = []Snowflake{}
	}
	if shape&memberWithUser != 0 {
		w.User = s.userJSONLocked(m.User.ID)
	}
	if shape&memberWithGuildID != 0 {
		w.GuildID = g.ID
	}
	if shape&memberWithPermissions != 0 {
		p := s.permissionsLocked(g, m)
		w.Permissions = &p
	}
	return w
}

// permissionsLocked is the member's guild-level permissions; channelPermissionsLocked
// (rest_permissions.go) applies a channel's overwrites on top.
func (s *Server) permissionsLocked(g *guildRec, m *Member) Permissions {
	if m.User.ID == g.OwnerID {
		return PermAll
	}
	p := g.roles[g.ID].Permissions
	for _, id := range m.Roles {
		if r, ok := g.roles[id]; ok {
			p |= r.Permissions
		}
	}
	if p.Has(PermAdministrator) {
		return PermAll
	}
	return p
}

type wireRole struct {
	ID           Snowflake      `json:"id"`
	Name         string         `json:"name"`
	Color        int            `json:"color"`
	Colors       map[string]any `json:"colors"`
	Hoist        bool           `json:"hoist"`
	Icon         *string        `json:"icon"`
	UnicodeEmoji *string        `json:"unicode_emoji"`
	Position     int            `json:"position"`
	Permissions  Permissions    `json:"permissions"`
	Managed      bool           `json:"managed"`
	Mentionable  bool           `json:"mentionable"`
	Flags        int            `json:"flags"`
	Tags         map[string]any `json:"tags,omitempty"`
}

func roleJSON(r *Role) *wireRole {
	w := &wireRole{
		ID:          r.ID,
		Name:        r.Name,
		Color:       r.Color,
		Colors:      map[string]any{"primary_color": r.Color, "secondary_color": nil, "tertiary_color": nil},
		Hoist:       r.Hoist,
		Position:    r.Position,
		Permissions: r.Permissions,
		Managed:     r.Managed,
		Mentionable: r.Mentionable,
	}
	if r.BotID != 0 {
		w.Tags = map[string]any{"bot_id": r.BotID}
	}
	return w
}

func rolesJSON(g *guildRec) []*wireRole {
	roles := sortedRoles(g)
	out := make([]*wireRole, len(roles))
	for i := range roles {
		out[i] = roleJSON(&roles[i])
	}
	return out
}

type wireChannel struct {
	ID                   Snowflake             `json:"id"`
	Type                 ChannelType           `json:"type"`
	GuildID              Snowflake             `json:"guild_id,omitempty"`
	Name                 *string               `json:"name,omitempty"`
	Position             *int                  `json:"position,omitempty"`
	PermissionOverwrites []PermissionOverwrite `json:"permission_overwrites,omitempty"`
	Topic                *string               `json:"topic,omitempty"`
	NSFW                 *bool                 `json:"nsfw,omitempty"`
	LastMessageID        *Snowflake            `json:"last_message_id"`
	RateLimitPerUser     *int                  `json:"rate_limit_per_user,omitempty"`
	ParentID             *Snowflake            `json:"parent_id,omitempty"`
	Recipients           []*wireUser           `json:"recipients,omitempty"`
	Flags                int                   `json:"flags"`
	Permissions          *Permissions          `json:"permissions,omitempty"`
}

func (s *Server) channelJSONLocked(c *channelRec) *wireChannel {
	w := &wireChannel{ID: c.ID, Type: c.Type}
	if c.LastMessageID != 0 {
		id := c.LastMessageID
		w.LastMessageID = &id
	}
	if c.Type == ChannelDM {
		for _, r := range c.RecipientIDs {
			w.Recipients = append(w.Recipients, s.userJSONLocked(r))
		}
		return w
	}
	name, pos, nsfw, rl := c.Name, c.Position, c.NSFW, c.RateLimitPerUser
	w.GuildID = c.GuildID
	w.Name, w.Position, w.NSFW, w.RateLimitPerUser = &name, &pos, &nsfw, &rl
	w.PermissionOverwrites = append([]PermissionOverwrite{}, c.PermissionOverwrites...)
	w.Topic = nullStr(c.Topic)
	if c.ParentID != 0 {
		p := c.ParentID
		w.ParentID = &p
	}
	return w
}

// guildJSONLocked is the guild object of GET /guilds/{id}.
func (s *Server) guildJSONLocked(g *guildRec) map[string]any {
	return map[string]any{
		"id":                            g.ID,
		"name":                          g.Name,
		"icon":                          nullStr(g.Icon),
		"icon_hash":                     nullStr(g.Icon),
		"splash":                        nil,
		"discovery_splash":              nil,
		"owner_id":                      g.OwnerID,
		"region":                        nil,
		"afk_channel_id":                nil,
		"afk_timeout":                   300,
		"widget_enabled":                false,
		"verification_level":            0,
		"default_message_notifications": 1,
		"explicit_content_filter":       0,
		"roles":                         rolesJSON(g),
		"emojis":                        []any{},
		"stickers":                      []any{},
		"features":                      []string{},
		"mfa_level":                     0,
		"application_id":                nil,
		"system_channel_id":             nil,
		"system_channel_flags":          0,
		"rules_channel_id":              nil,
		"max_members":                   500000,
		"vanity_url_code":               nil,
		"description":                   nullStr(g.Description),
		"banner":                        nil,
		"premium_tier":                  0,
		"premium_subscription_count":    0,
		"preferred_locale":              g.PreferredLocale,
		"public_updates_channel_id":     nil,
		"nsfw_level":                    0,
		"premium_progress_bar_enabled":  false,
		"safety_alerts_channel_id":      nil,
	}
}

// guildCreateLocked is the full GUILD_CREATE payload for a session with the given intents.
// Like Discord, members are only listed in full with GUILD_MEMBERS; otherwise the bot's own
// member is the only one.
func (s *Server) guildCreateLocked(g *guildRec, in Intents) map[string]any {
	d := s.guildJSONLocked(g)
	channels := make([]*wireChannel, 0, len(g.channelOrder))
	for _, id := range g.channelOrder {
		channels = append(channels, s.channelJSONLocked(s.w.channels[id]))
	}
	members := []*wireMember{}
	for _, id := range g.memberOrder {
		if in.Has(IntentGuildMembers) || id == s.bot.ID {
			members = append(members, s.memberJSONLocked(g, g.members[id], memberWithUser))
		}
	}
	d["channels"] = channels
	d["threads"] = []any{}
	d["members"] = members
	d["member_count"] = len(g.members)
	d["joined_at"] = isoTime(g.botJoinedAt)
	d["large"] = false
	d["unavailable"] = false
	d["voice_states"] = []any{}
	d["presences"] = []any{}
	d["stage_instances"] = []any{}
	d["guild_scheduled_events"] = []any{}
	d["soundboard_sounds"] = []any{}
	return d
}

type wireMessage struct {
	ID                  Snowflake         `json:"id"`
	Type                int               `json:"type"`
	ChannelID           Snowflake         `json:"channel_id"`
	GuildID             Snowflake         `json:"guild_id,omitempty"`
	Author              *wireUser         `json:"author"`
	Member              *wireMember       `json:"member,omitempty"`
	Content             string            `json:"content"`
	Timestamp           string            `json:"timestamp"`
	EditedTimestamp     *string           `json:"edited_timestamp"`
	TTS                 bool              `json:"tts"`
	MentionEveryone     bool              `json:"mention_everyone"`
	Mentions            []*wireUser       `json:"mentions"`
	MentionRoles        []Snowflake       `json:"mention_roles"`
	Attachments         []Attachment      `json:"attachments"`
	Embeds              []Embed           `json:"embeds"`
	Components          []Component       `json:"components"`
	Pinned              bool              `json:"pinned"`
	Nonce               *string           `json:"nonce,omitempty"`
	WebhookID           Snowflake         `json:"webhook_id,omitempty"`
	ApplicationID       Snowflake         `json:"application_id,omitempty"`
	Flags               int               `json:"flags"`
	MessageReference    *MessageReference `json:"message_reference,omitempty"`
	ReferencedMessage   *wireMessage      `json:"referenced_message,omitempty"`
	InteractionMetadata map[string]any    `json:"interaction_metadata,omitempty"`
	Interaction         map[string]any    `json:"interaction,omitempty"`
	Reactions           []wireReaction    `json:"reactions,omitempty"` // see rest_reactions.go
}

type messageShape int

const (
	// messageForGateway adds the author's partial member and members on mentions, as
	// MESSAGE_CREATE does and REST responses do not.
	messageForGateway messageShape = 1 << iota
	// messageNoContent empties content, embeds, attachments and components for sessions
	// without MESSAGE_CONTENT.
	messageNoContent
	// messageNoReference leaves out referenced_message (it is not nested twice).
	messageNoReference
)

func (s *Server) messageJSONLocked(m *Message, shape messageShape) *wireMessage {
	w := &wireMessage{
		ID:              m.ID,
		Type:            m.Type,
		ChannelID:       m.ChannelID,
		GuildID:         m.GuildID,
		Author:          s.authorJSONLocked(m),
		Content:         m.Content,
		Timestamp:       isoTime(m.Timestamp),
		EditedTimestamp: isoTimePtr(m.EditedTimestamp),
		TTS:             m.TTS,
		MentionEveryone: m.MentionEveryone,
		Mentions:        []*wireUser{},
		MentionRoles:    slices.Clone(m.MentionRoles),
		Attachments:     slices.Clone(m.Attachments),
		Embeds:          slices.Clone(m.Embeds),
		Components:      slices.Clone(m.Components),
		Nonce:           nullStr(m.Nonce),
		WebhookID:       m.WebhookID,
		ApplicationID:   m.ApplicationID,
		Flags:           m.Flags,
	}
	w.Reactions = s.reactions.wireLocked(m.ID, s.bot.ID)
	if w.MentionRoles == nil {
		w.MentionRoles = []Snowflake{}
	}
	if w.Attachments == nil {
		w.Attachments = []Attachment{}
	}
	if w.Embeds == nil {
		w.Embeds = []Embed{}
	}
	for i := range w.Embeds {
		if w.Embeds[i].Type == "" {
			w.Embeds[i].Type = "rich"
		}
	}
	if w.Components == nil {
		w.Components = []Component{}
	}
	g := s.w.guilds[m.GuildID]
	for _, id := range m.Mentions {
		u := s.userJSONLocked(id)
		if g != nil && shape&messageForGateway != 0 {
			if mem, ok := g.members[id]; ok {
				u.Member = s.memberJSONLocked(g, mem, 0)
			}
		}
		w.Mentions = append(w.Mentions, u)
	}
	if g != nil && shape&messageForGateway != 0 && m.WebhookID == 0 {
		if mem, ok := g.members[m.Author.ID]; ok {
			w.Member = s.memberJSONLocked(g, mem, 0)
		}
	}
	if ref := m.MessageReference; ref != nil {
		r := *ref
		w.MessageReference = &r
		if shape&messageNoReference == 0 && m.Type == MessageTypeReply {
			if target := s.findMessageLocked(ref.ChannelID, ref.MessageID); target != nil {
				w.ReferencedMessage = s.messageJSONLocked(target, messageNoReference)
			}
		}
	}
	if m.InteractionID != 0 {
		if it, ok := s.w.interactions[m.InteractionID]; ok {
			w.InteractionMetadata = map[string]any{
				"id":                             it.id,
				"type":                           it.typ,
				"user":                           s.userJSONLocked(it.userID),
				"authorizing_integration_owners": map[string]any{"0": it.guildID},
				"original_response_message_id":   nil,
			}
			if it.typ == InteractionApplicationCommand {
				w.InteractionMetadata["name"] = it.commandName
				w.Interaction = map[string]any{"id": it.id, "type": it.typ, "name": it.commandName,
					"user": s.userJSONLocked(it.userID)}
			}
		}
	}
	if shape&messageNoContent != 0 {
		w.Content = ""
		w.Embeds = []Embed{}
		w.Attachments = []Attachment{}
		w.Components = []Component{}
	}
	return w
}

func (s *Server) authorJSONLocked(m *Message) *wireUser {
	if m.WebhookID != 0 && m.Author.ID == 0 {
		return userJSON(s.bot)
	}
	return s.userJSONLocked(m.Author.ID)
}

// needsContentIntent reports whether a session without MESSAGE_CONTENT gets this message with
// its content emptied. Discord exempts the app's own messages, DMs and messages that mention
// the app.
func (s *Server) needsContentIntent(m *Message) bool {
	if m.GuildID == 0 || m.Author.ID == s.bot.ID {
		return false
	}
	return !slices.Contains(m.Mentions, s.bot.ID)
}
