package discordsim

// channelPermissionsLocked is a member's permissions in one channel, computed the way
// Discord documents it: guild permissions (everything for the owner and administrators), then
// the channel's @everyone overwrite, the member's role overwrites together, and the member's
// own overwrite, each denying before allowing. Without VIEW_CHANNEL nothing else applies.
func (s *Server) channelPermissionsLocked(g *guildRec, m *Member, c *channelRec) Permissions {
	base := s.permissionsLocked(g, m)
	if base == PermAll {
		return PermAll
	}
	p := base
	var roleAllow, roleDeny Permissions
	var member *PermissionOverwrite
	for i := range c.PermissionOverwrites {
		o := &c.PermissionOverwrites[i]
		switch {
		case o.Type == OverwriteRole && o.ID == g.ID:
			p = p&^o.Deny | o.Allow
		case o.Type == OverwriteRole && m.HasRole(o.ID):
			roleAllow |= o.Allow
			roleDeny |= o.Deny
		case o.Type == OverwriteMember && o.ID == m.User.ID:
			member = o
		}
	}
	p = p&^roleDeny | roleAllow
	if member != nil {
		p = p&^member.Deny | member.Allow
	}
	if !p.Has(PermViewChannel) {
		return 0
	}
	return p
}

// botChannelCheckLocked refuses a bot action in a guild channel the way Discord does: 50001
// Missing Access when the bot cannot see the channel, 50013 Missing Permissions when it lacks
// need there. DM channels need nothing.
func (s *Server) botChannelCheckLocked(c *channelRec, need Permissions) *apiError {
	g, ok := s.w.guilds[c.GuildID]
	if !ok {
		return nil
	}
	m, ok := g.members[s.bot.ID]
	if !ok {
		return errMissingAccess
	}
	p := s.channelPermissionsLocked(g, m, c)
	switch {
	case !p.Has(PermViewChannel):
		return errMissingAccess
	case !p.Has(need):
		return errMissingPerms
	}
	return nil
}
