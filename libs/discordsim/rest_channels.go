package discordsim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// bulkDeleteMaxAge is how old a message may be and still be bulk-deleted.
const bulkDeleteMaxAge = 14 * 24 * time.Hour

var (
	errBulkDeleteTooOld = newAPIError(http.StatusBadRequest, 50034, "You can only bulk delete messages that are under 14 days old.")
	errDMAction         = newAPIError(http.StatusForbidden, 50003, "Cannot execute action on a DM channel")
	errMaxChannels      = newAPIError(http.StatusBadRequest, 30013, "Maximum number of guild channels reached (500)")
)

// botHasLocked reports whether the bot holds perm in g: what Discord checks before letting a
// bot manage channels, roles or members.
func (s *Server) botHasLocked(g *guildRec, perm Permissions) bool {
	m, ok := g.members[s.bot.ID]
	return ok && s.permissionsLocked(g, m).Has(perm)
}

// creatableChannelType reports the guild channel types POST /guilds/{id}/channels accepts here.
func creatableChannelType(t ChannelType) bool {
	switch t {
	case ChannelGuildText, ChannelGuildVoice, ChannelGuildCategory, ChannelGuildAnnouncement:
		return true
	}
	return false
}

// createGuildChannel is POST /guilds/{guild_id}/channels.
func (s *Server) createGuildChannel(rc *restCtx) (int, any) {
	var body struct {
		Name                 string                `json:"name"`
		Type                 *ChannelType          `json:"type"`
		Topic                *string               `json:"topic"`
		Position             *int                  `json:"position"`
		ParentID             *Snowflake            `json:"parent_id"`
		NSFW                 bool                  `json:"nsfw"`
		RateLimitPerUser     *int                  `json:"rate_limit_per_user"`
		PermissionOverwrites []PermissionOverwrite `json:"permission_overwrites"`
	}
	if e := rc.decode(&body); e != nil {
		return fail(e)
	}
	typ := ChannelGuildText
	if body.Type != nil {
		typ = *body.Type
	}
	errs := formErrors{}
	checkLen(errs, "name", body.Name, 1, 100)
	if !creatableChannelType(typ) {
		errs.add("type", "BASE_TYPE_CHOICES", "Value must be one of {0, 2, 4, 5}.")
	}
	if body.Topic != nil {
		limitLen(errs, "topic", *body.Topic, 1024)
	}
	if r := body.RateLimitPerUser; r != nil && (*r < 0 || *r > 21600) {
		errs.add("rate_limit_per_user", "NUMBER_TYPE_MAX", "int value should be between 0 and 21600.")
	}
	if e := errs.err(); e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := rc.guildLocked()
	if e != nil {
		return fail(e)
	}
	if !s.botHasLocked(g, PermManageChannels) {
		return fail(errMissingPerms)
	}
	if len(g.channelOrder) >= 500 {
		return fail(errMaxChannels)
	}
	c := Channel{ID: s.newID(), GuildID: g.ID, Type: typ, Name: body.Name, NSFW: body.NSFW,
		Position: len(g.channelOrder)}
	if typ == ChannelGuildText || typ == ChannelGuildAnnouncement {
		// Discord normalises text channel names the way its client shows them.
		c.Name = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(c.Name)), " ", "-")
	}
	if body.Topic != nil {
		c.Topic = *body.Topic
	}
	if body.Position != nil {
		c.Position = *body.Position
	}
	if body.RateLimitPerUser != nil {
		c.RateLimitPerUser = *body.RateLimitPerUser
	}
	if body.ParentID != nil && *body.ParentID != 0 {
		parent, ok := s.w.channels[*body.ParentID]
		if !ok || parent.GuildID != g.ID || parent.Type != ChannelGuildCategory || typ == ChannelGuildCategory {
			return fail(invalidForm("parent_id", "CHANNEL_PARENT_INVALID", "Not a category"))
		}
		c.ParentID = parent.ID
	}
	for i, o := range body.PermissionOverwrites {
		if e := s.checkOverwriteLocked(g, o, fmt.Sprintf("permission_overwrites.%d", i)); e != nil {
			return fail(e)
		}
	}
	c.PermissionOverwrites = slices.Clone(body.PermissionOverwrites)
	rec := &channelRec{Channel: c, byID: map[Snowflake]*Message{}}
	s.w.channels[c.ID] = rec
	g.channelOrder = append(g.channelOrder, c.ID)
	w := s.channelJSONLocked(rec)
	s.emitLocked(event{name: "CHANNEL_CREATE", guildID: g.ID, intent: IntentGuilds, data: w})
	s.touchLocked()
	return http.StatusCreated, w
}

// deleteChannel is DELETE /channels/{channel_id}: a guild channel is deleted (CHANNEL_DELETE);
// a DM is only closed, as in Discord, and stays reachable.
func (s *Server) deleteChannel(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := rc.channelLocked()
	if e != nil {
		return fail(e)
	}
	w := s.channelJSONLocked(c)
	if c.Type == ChannelDM {
		return http.StatusOK, w
	}
	g, ok := s.w.guilds[c.GuildID]
	if !ok {
		return fail(errUnknownChannel)
	}
	if e := s.botChannelCheckLocked(c, PermManageChannels); e != nil {
		return fail(e)
	}
	for _, m := range c.msgs {
		s.reactions.dropLocked(m.ID)
	}
	delete(s.w.channels, c.ID)
	g.channelOrder = slices.DeleteFunc(g.channelOrder, func(id Snowflake) bool { return id == c.ID })
	// Children of a deleted category move to the top level, as in Discord.
	for _, id := range g.channelOrder {
		if ch := s.w.channels[id]; ch.ParentID == c.ID {
			ch.ParentID = 0
			s.emitLocked(event{name: "CHANNEL_UPDATE", guildID: g.ID, intent: IntentGuilds, data: s.channelJSONLocked(ch)})
		}
	}
	s.emitLocked(event{name: "CHANNEL_DELETE", guildID: g.ID, intent: IntentGuilds, data: w})
	s.touchLocked()
	return http.StatusOK, w
}

// checkOverwriteLocked checks an overwrite's target exists: a role of the guild for type 0, a
// user for type 1.
func (s *Server) checkOverwriteLocked(g *guildRec, o PermissionOverwrite, path string) *apiError {
	switch o.Type {
	case OverwriteRole:
		if _, ok := g.roles[o.ID]; !ok {
			return errUnknownRole
		}
	case OverwriteMember:
		if _, ok := s.w.users[o.ID]; !ok {
			return errUnknownUser
		}
	default:
		return invalidForm(path+".type", "BASE_TYPE_CHOICES", "Value must be one of {0, 1}.")
	}
	return nil
}

// guildChannelForAdminLocked resolves a guild channel the bot may manage.
func (rc *restCtx) guildChannelForAdminLocked() (*guildRec, *channelRec, *apiError) {
	c, e := rc.channelLocked()
	if e != nil {
		return nil, nil, e
	}
	if c.Type == ChannelDM {
		return nil, nil, errDMAction
	}
	g, ok := rc.s.w.guilds[c.GuildID]
	if !ok {
		return nil, nil, errUnknownChannel
	}
	if e := rc.s.botChannelCheckLocked(c, PermManageRoles); e != nil {
		return nil, nil, e
	}
	return g, c, nil
}

// putOverwrite is PUT /channels/{channel_id}/permissions/{overwrite_id}.
func (s *Server) putOverwrite(rc *restCtx) (int, any) {
	var body struct {
		Type  *int         `json:"type"`
		Allow *Permissions `json:"allow"`
		Deny  *Permissions `json:"deny"`
	}
	if e := rc.decode(&body); e != nil {
		return fail(e)
	}
	if body.Type == nil {
		return fail(invalidForm("type", "BASE_TYPE_REQUIRED", "This field is required"))
	}
	id, e := rc.id("overwrite_id")
	if e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, c, e := rc.guildChannelForAdminLocked()
	if e != nil {
		return fail(e)
	}
	o := PermissionOverwrite{ID: id, Type: *body.Type}
	if body.Allow != nil {
		o.Allow = *body.Allow
	}
	if body.Deny != nil {
		o.Deny = *body.Deny
	}
	if e := s.checkOverwriteLocked(g, o, ""); e != nil {
		return fail(e)
	}
	list := slices.DeleteFunc(slices.Clone(c.PermissionOverwrites), func(x PermissionOverwrite) bool { return x.ID == id })
	c.PermissionOverwrites = append(list, o)
	s.emitLocked(event{name: "CHANNEL_UPDATE", guildID: g.ID, intent: IntentGuilds, data: s.channelJSONLocked(c)})
	s.touchLocked()
	return noContent()
}

// deleteOverwrite is DELETE /channels/{channel_id}/permissions/{overwrite_id}; deleting an
// overwrite that does not exist succeeds without an event.
func (s *Server) deleteOverwrite(rc *restCtx) (int, any) {
	id, e := rc.id("overwrite_id")
	if e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, c, e := rc.guildChannelForAdminLocked()
	if e != nil {
		return fail(e)
	}
	n := len(c.PermissionOverwrites)
	c.PermissionOverwrites = slices.DeleteFunc(slices.Clone(c.PermissionOverwrites), func(x PermissionOverwrite) bool { return x.ID == id })
	if len(c.PermissionOverwrites) != n {
		s.emitLocked(event{name: "CHANNEL_UPDATE", guildID: g.ID, intent: IntentGuilds, data: s.channelJSONLocked(c)})
		s.touchLocked()
	}
	return noContent()
}

// bulkDeleteMessages is POST /channels/{channel_id}/messages/bulk-delete: 2–100 distinct ids,
// none older than 14 days; ids of messages that no longer exist are skipped, as Discord does.
func (s *Server) bulkDeleteMessages(rc *restCtx) (int, any) {
	var body struct {
		Messages []Snowflake `json:"messages"`
	}
	if e := rc.decode(&body); e != nil {
		return fail(e)
	}
	if n := len(body.Messages); n < 2 || n > 100 {
		return fail(invalidForm("messages", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100 in length."))
	}
	seen := map[Snowflake]bool{}
	for i, id := range body.Messages {
		if seen[id] {
			return fail(invalidForm(fmt.Sprintf("messages.%d", i), "BASE_TYPE_DUPLICATE", "Duplicate message ids are not allowed."))
		}
		seen[id] = true
		if rc.now.Sub(id.Time()) > bulkDeleteMaxAge {
			return fail(errBulkDeleteTooOld)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := rc.channelLocked()
	if e != nil {
		return fail(e)
	}
	if c.Type == ChannelDM {
		return fail(errDMAction)
	}
	g, ok := s.w.guilds[c.GuildID]
	if !ok {
		return fail(errUnknownChannel)
	}
	if e := s.botChannelCheckLocked(c, PermManageMessages|PermReadMessageHistory); e != nil {
		return fail(e)
	}
	var deleted []Snowflake
	for _, id := range body.Messages {
		m, ok := c.byID[id]
		if !ok {
			continue
		}
		s.deleteMessageLocked(c, id)
		s.reactions.dropLocked(id)
		s.linkEditLocked(m, ReplyDelete)
		deleted = append(deleted, id)
	}
	if len(deleted) > 0 {
		s.emitLocked(event{name: "MESSAGE_DELETE_BULK", guildID: g.ID, intent: eventIntent("MESSAGE_DELETE_BULK", false),
			data: map[string]any{"ids": deleted, "channel_id": c.ID, "guild_id": g.ID}})
	}
	return noContent()
}
