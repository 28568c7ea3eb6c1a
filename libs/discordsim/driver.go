package discordsim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// target is where a driven input happens: guild (nil for DMs), channel, and acting user.
type target struct {
	g *guildRec
	c *channelRec
	m *Member // nil in DMs
	u *User
}

// resolveTargetLocked fills defaults: the demo guild (else the first guild), its "general"
// channel (else its first text channel), and an ordinary member. A DM channel id makes the
// input a DM from its recipient.
func (s *Server) resolveTargetLocked(guildID, channelID, userID Snowflake) (target, error) {
	return s.resolveTargetDMLocked(guildID, channelID, userID, false)
}

// resolveTargetDMLocked resolves like resolveTargetLocked; with dm set the input goes to the
// user's DM with the bot, opened if needed (the user defaults as in the guild case).
func (s *Server) resolveTargetDMLocked(guildID, channelID, userID Snowflake, dm bool) (target, error) {
	var t target
	if dm && channelID == 0 {
		if userID == 0 {
			if gid := s.defaultGuildLocked(); gid != 0 {
				userID = s.defaultUserLocked(s.w.guilds[gid])
			}
		}
		c, e := s.openDMLocked(userID)
		if e != nil {
			return t, fmt.Errorf("%w: cannot open a DM with %s", ErrUnknownUser, userID)
		}
		channelID = c.ID
	}
	if channelID != 0 {
		c, ok := s.w.channels[channelID]
		if !ok {
			return t, fmt.Errorf("%w: %s", ErrUnknownChannel, channelID)
		}
		if c.Type == ChannelDM {
			if guildID != 0 {
				return t, fmt.Errorf("%w: %s is a DM channel, not in guild %s", ErrUnknownChannel, channelID, guildID)
			}
			if userID == 0 {
				userID = c.RecipientIDs[0]
			}
			if userID != c.RecipientIDs[0] {
				return t, fmt.Errorf("%w: %s is not the recipient of DM %s", ErrUnknownUser, userID, channelID)
			}
			t.c, t.u = c, s.w.users[userID]
			return t, nil
		}
		if guildID == 0 {
			guildID = c.GuildID
		}
	}
	if guildID == 0 {
		guildID = s.defaultGuildLocked()
		if guildID == 0 {
			return t, fmt.Errorf("%w: there are no guilds (call SeedDemo or AddGuild)", ErrUnknownGuild)
		}
	}
	g, ok := s.w.guilds[guildID]
	if !ok {
		return t, fmt.Errorf("%w: %s", ErrUnknownGuild, guildID)
	}
	t.g = g
	if channelID == 0 {
		channelID = s.defaultChannelLocked(g)
		if channelID == 0 {
			return t, fmt.Errorf("%w: guild %s has no text channel", ErrUnknownChannel, guildID)
		}
	}
	c := s.w.channels[channelID]
	if c.GuildID != g.ID {
		return t, fmt.Errorf("%w: %s is not in guild %s", ErrUnknownChannel, channelID, guildID)
	}
	t.c = c
	if userID == 0 {
		userID = s.defaultUserLocked(g)
		if userID == 0 {
			return t, fmt.Errorf("%w: guild %s has no member to act as", ErrUnknownUser, guildID)
		}
	}
	m, ok := g.members[userID]
	if !ok {
		return t, fmt.Errorf("%w: %s is not a member of guild %s", ErrUnknownUser, userID, guildID)
	}
	t.m, t.u = m, s.w.users[userID]
	return t, nil
}

func (s *Server) defaultGuildLocked() Snowflake {
	if s.demo != nil {
		if _, ok := s.w.guilds[s.demo.GuildID]; ok {
			return s.demo.GuildID
		}
	}
	if len(s.w.guildOrder) > 0 {
		return s.w.guildOrder[0]
	}
	return 0
}

func (s *Server) defaultChannelLocked(g *guildRec) Snowflake {
	var first Snowflake
	for _, id := range g.channelOrder {
		c := s.w.channels[id]
		if c.Type != ChannelGuildText && c.Type != ChannelGuildAnnouncement {
			continue
		}
		if c.Name == "general" {
			return id
		}
		if first == 0 {
			first = id
		}
	}
	return first
}

func (s *Server) defaultUserLocked(g *guildRec) Snowflake {
	if s.demo != nil && s.demo.GuildID == g.ID {
		if id, ok := s.demo.Members["player1"]; ok {
			if _, in := g.members[id]; in {
				return id
			}
		}
	}
	for _, id := range g.memberOrder {
		if u := s.w.users[id]; !u.Bot && id != g.OwnerID {
			return id
		}
	}
	for _, id := range g.memberOrder {
		if !s.w.users[id].Bot {
			return id
		}
	}
	return 0
}

// SlashRequest is a slash command typed by a user.
type SlashRequest struct {
	// GuildID, ChannelID and UserID default to the demo (or first) guild, its general
	// channel and an ordinary member. A DM channel id sends the command in that DM.
	GuildID   Snowflake
	ChannelID Snowflake
	UserID    Snowflake
	// Text is the command line, e.g. `/headpat member:<@123>` or `/say text:"a: b"`.
	Text string
	// Locale is the user's client locale; default "en-US".
	Locale string
	// DM sends the command in the user's DM with the bot instead of a guild channel.
	DM bool
}

// maxUserContent is the longest message a (Nitro) user can send.
const maxUserContent = 4000

// Slash sends INTERACTION_CREATE for a slash command the bot registered, with options typed
// by its definition, and returns the Exchange collecting the bot's answers. Errors wrap
// ErrUnknownGuild, ErrUnknownChannel, ErrUnknownUser, ErrUnknownCommand or ErrBadInput.
func (s *Server) Slash(ctx context.Context, req SlashRequest) (*Exchange, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.resolveTargetDMLocked(req.GuildID, req.ChannelID, req.UserID, req.DM)
	if err != nil {
		return nil, err
	}
	call, err := s.parseSlashLocked(t, req.Text)
	if err != nil {
		return nil, err
	}
	it := s.newInteractionLocked(InteractionApplicationCommand, t)
	it.commandName = call.cmd.Name
	data := map[string]any{"id": call.cmd.ID, "name": call.cmd.Name, "type": CommandChatInput}
	if call.cmd.GuildID != 0 {
		data["guild_id"] = call.cmd.GuildID
	}
	if len(call.options) > 0 {
		data["options"] = call.options
	}
	if !call.resolved.empty() {
		data["resolved"] = call.resolved
	}
	s.emitInteractionLocked(it, t, data, nil, req.Locale)
	return it.ex, nil
}

// emitInteractionLocked dispatches INTERACTION_CREATE. It needs no intent.
func (s *Server) emitInteractionLocked(it *interaction, t target, data any, msg *Message, locale string) {
	if locale == "" {
		locale = "en-US"
	}
	d := map[string]any{
		"id":                             it.id,
		"application_id":                 s.app.ID,
		"type":                           it.typ,
		"data":                           data,
		"channel_id":                     t.c.ID,
		"channel":                        s.interactionChannelLocked(t),
		"token":                          it.token,
		"version":                        1,
		"locale":                         locale,
		"entitlements":                   []any{},
		"attachment_size_limit":          10 << 20,
		"authorizing_integration_owners": map[string]any{"0": it.guildID},
	}
	if t.g != nil {
		d["guild_id"] = t.g.ID
		d["guild"] = map[string]any{"id": t.g.ID, "locale": t.g.PreferredLocale, "features": []string{}}
		d["guild_locale"] = t.g.PreferredLocale
		d["member"] = s.memberJSONLocked(t.g, t.m, memberWithUser|memberWithPermissions)
		d["app_permissions"] = s.permissionsLocked(t.g, t.g.members[s.bot.ID])
		d["context"] = 0
	} else {
		d["user"] = s.userJSONLocked(t.u.ID)
		d["app_permissions"] = PermViewChannel | PermSendMessages | PermEmbedLinks | PermAttachFiles |
			PermReadMessageHistory | PermAddReactions | PermUseExternalEmojis
		d["context"] = 1
		d["authorizing_integration_owners"] = map[string]any{"0": "0"}
	}
	if msg != nil {
		d["message"] = s.messageJSONLocked(msg, 0)
	}
	it.payload = d
	s.emitLocked(event{name: "INTERACTION_CREATE", guildID: it.guildID, data: d})
}

func (s *Server) interactionChannelLocked(t target) *wireChannel {
	w := s.channelJSONLocked(t.c)
	if t.g != nil {
		p := s.permissionsLocked(t.g, t.m)
		w.Permissions = &p
	}
	return w
}

// MessageRequest is a message typed by a user.
type MessageRequest struct {
	// GuildID, ChannelID and UserID default as for SlashRequest.
	GuildID   Snowflake
	ChannelID Snowflake
	UserID    Snowflake
	Content   string
	// ReplyTo makes the message a reply to that message of the same channel.
	ReplyTo Snowflake
	// DM sends the message to the bot in the user's DM instead of a guild channel.
	DM bool
}

// Prefix posts a user's message (stored in the channel and dispatched as MESSAGE_CREATE) and
// returns the Exchange that collects the bot messages answering it: replies referencing it and
// messages sent with its id as nonce.
func (s *Server) Prefix(ctx context.Context, req MessageRequest) (*Exchange, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Content) == "" {
		return nil, fmt.Errorf("%w: message content is empty", ErrBadInput)
	}
	// Users with Nitro may post 4,000 characters (bots only 2,000), so a bot must cope
	// with the longer ones.
	if utf8.RuneCountInString(req.Content) > maxUserContent {
		return nil, fmt.Errorf("%w: message content is over %d characters", ErrBadInput, maxUserContent)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.resolveTargetDMLocked(req.GuildID, req.ChannelID, req.UserID, req.DM)
	if err != nil {
		return nil, err
	}
	var guildID Snowflake
	if t.g != nil {
		guildID = t.g.ID
	}
	m := &Message{ID: s.newID(), ChannelID: t.c.ID, GuildID: guildID, Author: *t.u, Content: req.Content}
	m.Timestamp = m.ID.Time()
	m.Mentions, m.MentionRoles, m.MentionEveryone = s.mentionsLocked(m.Content, guildID, nil)
	if req.ReplyTo != 0 {
		target, ok := t.c.byID[req.ReplyTo]
		if !ok {
			return nil, fmt.Errorf("%w: %s is not in channel %s", ErrUnknownMessage, req.ReplyTo, t.c.ID)
		}
		m.Type = MessageTypeReply
		m.MessageReference = &MessageReference{Type: 0, MessageID: target.ID, ChannelID: t.c.ID, GuildID: guildID}
		if !slices.Contains(m.Mentions, target.Author.ID) {
			m.Mentions = append(m.Mentions, target.Author.ID)
		}
	}
	s.appendMessageLocked(t.c, m)
	ex := newExchange(guildID, t.c.ID, t.u.ID)
	trigger := m.clone()
	ex.Trigger = &trigger
	s.w.exchanges[m.ID] = ex
	s.emitMessageLocked("MESSAGE_CREATE", m)
	return ex, nil
}

// ClickRequest presses a button or picks select-menu values on a message.
type ClickRequest struct {
	// ChannelID may be zero; the message is then looked up everywhere.
	ChannelID Snowflake
	MessageID Snowflake
	CustomID  string
	// UserID defaults to the invoking user for ephemeral messages, else an ordinary member.
	UserID Snowflake
	// Values are the picked option values (string selects) or ids (user, role, mentionable and
	// channel selects).
	Values []string
}

// Click sends a MESSAGE_COMPONENT interaction for a component of a message.
func (s *Server) Click(ctx context.Context, req ClickRequest) (*Exchange, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := s.findMessageLocked(req.ChannelID, req.MessageID)
	if msg == nil && req.ChannelID == 0 {
		for _, c := range s.w.channels {
			if m, ok := c.byID[req.MessageID]; ok {
				msg = m
				break
			}
		}
	}
	if msg == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknownMessage, req.MessageID)
	}
	userID := req.UserID
	if msg.Ephemeral() {
		owner := s.w.interactions[msg.InteractionID]
		if owner == nil {
			return nil, fmt.Errorf("%w: ephemeral message %s has expired", ErrUnknownMessage, msg.ID)
		}
		if userID == 0 {
			userID = owner.userID
		}
		if userID != owner.userID {
			return nil, fmt.Errorf("%w: only %s can see ephemeral message %s", ErrBadInput, owner.userID, msg.ID)
		}
	}
	var t target
	var err error
	if msg.GuildID != 0 {
		t, err = s.resolveTargetLocked(msg.GuildID, msg.ChannelID, userID)
	} else {
		t, err = s.resolveTargetLocked(0, msg.ChannelID, userID)
	}
	if err != nil {
		return nil, err
	}
	comp := findComponent(msg.Components, req.CustomID)
	if comp == nil {
		return nil, fmt.Errorf("%w: no component %q on message %s", ErrUnknownComponent, req.CustomID, msg.ID)
	}
	if comp.Disabled {
		return nil, fmt.Errorf("%w: component %q is disabled", ErrBadInput, req.CustomID)
	}
	data := map[string]any{"custom_id": comp.CustomID, "component_type": comp.Type}
	switch comp.Type {
	case ComponentButton:
		if comp.Style == ButtonStyleLink {
			return nil, fmt.Errorf("%w: %q is a link button", ErrBadInput, req.CustomID)
		}
	case ComponentStringSelect, ComponentUserSelect, ComponentRoleSelect, ComponentMentionableSelect, ComponentChannelSelect:
		res, err := s.selectValuesLocked(t, comp, req.Values)
		if err != nil {
			return nil, err
		}
		data["values"] = append([]string{}, req.Values...)
		if !res.empty() {
			data["resolved"] = res
		}
	default:
		return nil, fmt.Errorf("%w: component %q (type %d) cannot be clicked", ErrBadInput, req.CustomID, comp.Type)
	}
	it := s.newInteractionLocked(InteractionMessageComponent, t)
	it.sourceID = msg.ID
	s.emitInteractionLocked(it, t, data, msg, "")
	return it.ex, nil
}

func findComponent(cs []Component, customID string) *Component {
	for i := range cs {
		c := &cs[i]
		if c.CustomID == customID && c.Type != ComponentActionRow {
			return c
		}
		if f := findComponent(c.Components, customID); f != nil {
			return f
		}
		for _, sub := range []*Component{c.Component, c.Accessory} {
			if sub != nil {
				if f := findComponent([]Component{*sub}, customID); f != nil {
					return f
				}
			}
		}
	}
	return nil
}

func (s *Server) selectValuesLocked(t target, comp *Component, values []string) (*resolvedData, error) {
	lo, hi := 1, 1
	if comp.MinValues != nil {
		lo = *comp.MinValues
	}
	if comp.MaxValues != nil {
		hi = *comp.MaxValues
	}
	if len(values) < lo || len(values) > hi {
		return nil, fmt.Errorf("%w: select %q takes %d to %d values, got %d", ErrBadInput, comp.CustomID, lo, hi, len(values))
	}
	res := &resolvedData{}
	for _, v := range values {
		var err error
		switch comp.Type {
		case ComponentStringSelect:
			if !slices.ContainsFunc(comp.Options, func(o SelectOption) bool { return o.Value == v }) {
				err = fmt.Errorf("%q is not an option", v)
			}
		case ComponentUserSelect:
			var id Snowflake
			if id, err = s.resolveUserArgLocked(t, v); err == nil {
				s.resolveUserLocked(t, id, res)
			}
		case ComponentRoleSelect:
			var r *Role
			if r, err = s.resolveRoleArgLocked(t, v); err == nil {
				s.resolveRoleLocked(r, res)
			}
		case ComponentChannelSelect:
			var c *channelRec
			if c, err = s.resolveChannelArgLocked(t, v); err == nil {
				s.resolveChannelLocked(t, c, res)
			}
		case ComponentMentionableSelect:
			def := &CommandOption{Name: comp.CustomID, Type: OptionMentionable}
			_, err = s.convertOptionLocked(t, def, v, res)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: select %q: %v", ErrBadInput, comp.CustomID, err)
		}
	}
	return res, nil
}

// ModalSubmitRequest fills in and submits a modal the bot showed.
type ModalSubmitRequest struct {
	// InteractionID is the interaction the bot answered with the modal (Exchange.InteractionID).
	InteractionID Snowflake
	// Values maps text input custom ids to what the user typed.
	Values map[string]string
}

// SubmitModal sends the MODAL_SUBMIT interaction for a modal shown in answer to InteractionID.
func (s *Server) SubmitModal(ctx context.Context, req ModalSubmitRequest) (*Exchange, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, ok := s.w.interactions[req.InteractionID]
	if !ok || prev.modal == nil {
		return nil, fmt.Errorf("%w: interaction %s was not answered with a modal", ErrBadInput, req.InteractionID)
	}
	t, err := s.resolveTargetLocked(prev.guildID, prev.channelID, prev.userID)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	var fill func(c Component) (map[string]any, error)
	fill = func(c Component) (map[string]any, error) {
		switch c.Type {
		case ComponentActionRow:
			var kids []map[string]any
			for _, k := range c.Components {
				w, err := fill(k)
				if err != nil {
					return nil, err
				}
				kids = append(kids, w)
			}
			return map[string]any{"type": c.Type, "id": c.ID, "components": kids}, nil
		case ComponentLabel:
			if c.Component == nil {
				return map[string]any{"type": c.Type, "id": c.ID}, nil
			}
			w, err := fill(*c.Component)
			if err != nil {
				return nil, err
			}
			return map[string]any{"type": c.Type, "id": c.ID, "component": w}, nil
		case ComponentTextInput:
			v, given := req.Values[c.CustomID]
			used[c.CustomID] = true
			required := c.Required == nil || *c.Required
			if required && strings.TrimSpace(v) == "" {
				return nil, fmt.Errorf("%w: modal input %q is required", ErrBadInput, c.CustomID)
			}
			if c.MaxLength != nil && utf8.RuneCountInString(v) > *c.MaxLength ||
				given && v != "" && c.MinLength != nil && utf8.RuneCountInString(v) < *c.MinLength {
				return nil, fmt.Errorf("%w: modal input %q has the wrong length", ErrBadInput, c.CustomID)
			}
			return map[string]any{"type": c.Type, "id": c.ID, "custom_id": c.CustomID, "value": v}, nil
		}
		return map[string]any{"type": c.Type, "id": c.ID, "custom_id": c.CustomID}, nil
	}
	var comps []map[string]any
	for _, c := range prev.modal.Components {
		w, err := fill(c)
		if err != nil {
			return nil, err
		}
		comps = append(comps, w)
	}
	for k := range req.Values {
		if !used[k] {
			return nil, fmt.Errorf("%w: the modal has no input %q", ErrBadInput, k)
		}
	}
	it := s.newInteractionLocked(InteractionModalSubmit, t)
	it.sourceID = prev.sourceID
	var msg *Message
	if prev.sourceID != 0 {
		msg = s.findMessageLocked(0, prev.sourceID)
		if msg == nil {
			msg = s.findMessageLocked(prev.channelID, prev.sourceID)
		}
	}
	data := map[string]any{"custom_id": prev.modal.CustomID, "components": comps}
	prev.modal = nil // a modal is submitted once
	s.emitInteractionLocked(it, t, data, msg, "")
	return it.ex, nil
}
