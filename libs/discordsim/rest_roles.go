package discordsim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// maxGuildRoles is Discord's cap on roles per guild.
const maxGuildRoles = 250

var errMaxRoles = newAPIError(http.StatusBadRequest, 30005, "Maximum number of guild roles reached (250)")

// roleBody is the body of role create and edit; pointers tell absent fields from zero ones.
type roleBody struct {
	Name         *string      `json:"name"`
	Permissions  *Permissions `json:"permissions"`
	Color        *int         `json:"color"`
	Hoist        *bool        `json:"hoist"`
	Mentionable  *bool        `json:"mentionable"`
	UnicodeEmoji *string      `json:"unicode_emoji"`
}

func (b *roleBody) validate() *apiError {
	errs := formErrors{}
	if b.Name != nil {
		limitLen(errs, "name", *b.Name, 100)
	}
	if b.Color != nil && (*b.Color < 0 || *b.Color > 0xFFFFFF) {
		errs.add("color", "NUMBER_TYPE_MAX", "int value should be between 0 and 16777215.")
	}
	return errs.err()
}

func (b *roleBody) apply(r *Role) {
	if b.Name != nil {
		r.Name = *b.Name
	}
	if b.Permissions != nil {
		r.Permissions = *b.Permissions
	}
	if b.Color != nil {
		r.Color = *b.Color
	}
	if b.Hoist != nil {
		r.Hoist = *b.Hoist
	}
	if b.Mentionable != nil {
		r.Mentionable = *b.Mentionable
	}
}

// botOutranksLocked reports whether the bot's highest role is above position; the owner
// outranks everyone.
func (s *Server) botOutranksLocked(g *guildRec, position int) bool {
	if g.OwnerID == s.bot.ID {
		return true
	}
	m, ok := g.members[s.bot.ID]
	if !ok {
		return false
	}
	top := 0
	for _, id := range m.Roles {
		if r, ok := g.roles[id]; ok {
			top = max(top, r.Position)
		}
	}
	return top > position
}

func (s *Server) emitRoleLocked(name string, g *guildRec, r *Role) {
	s.emitLocked(event{name: name, guildID: g.ID, intent: IntentGuilds,
		data: map[string]any{"guild_id": g.ID, "role": roleJSON(r)}})
}

// createRole is POST /guilds/{guild_id}/roles: the new role goes to position 1, just above
// @everyone, and the others move up, as in Discord.
func (s *Server) createRole(rc *restCtx) (int, any) {
	var body roleBody
	if e := rc.decode(&body); e != nil {
		return fail(e)
	}
	if e := body.validate(); e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := rc.guildLocked()
	if e != nil {
		return fail(e)
	}
	if !s.botHasLocked(g, PermManageRoles) {
		return fail(errMissingPerms)
	}
	if len(g.roles) >= maxGuildRoles {
		return fail(errMaxRoles)
	}
	r := &Role{ID: s.newID(), GuildID: g.ID, Name: "new role", Permissions: g.roles[g.ID].Permissions, Position: 1}
	body.apply(r)
	for _, other := range g.roles {
		if other.ID != g.ID {
			other.Position++
		}
	}
	g.roles[r.ID] = r
	s.emitRoleLocked("GUILD_ROLE_CREATE", g, r)
	s.touchLocked()
	return http.StatusOK, roleJSON(r)
}

// getRole is GET /guilds/{guild_id}/roles/{role_id}.
func (s *Server) getRole(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, r, e := rc.roleLocked()
	if e != nil {
		return fail(e)
	}
	return http.StatusOK, roleJSON(r)
}

// editRole is PATCH /guilds/{guild_id}/roles/{role_id}.
func (s *Server) editRole(rc *restCtx) (int, any) {
	var body roleBody
	if e := rc.decode(&body); e != nil {
		return fail(e)
	}
	if e := body.validate(); e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, r, e := rc.roleLocked()
	if e != nil {
		return fail(e)
	}
	if !s.botHasLocked(g, PermManageRoles) || (r.ID != g.ID && !s.botOutranksLocked(g, r.Position)) {
		return fail(errMissingPerms)
	}
	if r.ID == g.ID && body.Name != nil && *body.Name != r.Name {
		return fail(invalidForm("name", "ROLE_NAME_EVERYONE", "The @everyone role cannot be renamed."))
	}
	nr := *r
	body.apply(&nr)
	g.roles[r.ID] = &nr
	s.emitRoleLocked("GUILD_ROLE_UPDATE", g, &nr)
	s.touchLocked()
	return http.StatusOK, roleJSON(&nr)
}

// reorderRoles is PATCH /guilds/{guild_id}/roles with [{id, position}]: the listed roles move
// to their positions, the others keep their order around them, and positions are renumbered
// 1..n above @everyone. Every role whose position changed gets GUILD_ROLE_UPDATE.
func (s *Server) reorderRoles(rc *restCtx) (int, any) {
	var moves []struct {
		ID       Snowflake `json:"id"`
		Position *int      `json:"position"`
	}
	if e := rc.decode(&moves); e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := rc.guildLocked()
	if e != nil {
		return fail(e)
	}
	if !s.botHasLocked(g, PermManageRoles) {
		return fail(errMissingPerms)
	}
	want := map[Snowflake]int{}
	for i, m := range moves {
		r, ok := g.roles[m.ID]
		switch {
		case !ok:
			return fail(invalidForm(strconv.Itoa(i)+".id", "ROLE_INVALID", "Unknown role"))
		case m.ID == g.ID:
			return fail(invalidForm(strconv.Itoa(i)+".id", "ROLE_INVALID", "The @everyone role cannot be moved."))
		case !s.botOutranksLocked(g, r.Position):
			return fail(errMissingPerms)
		}
		if m.Position != nil {
			want[m.ID] = *m.Position
		}
	}
	var order []*Role
	for _, r := range sortedRoles(g) {
		if r.ID != g.ID {
			order = append(order, g.roles[r.ID])
		}
	}
	moved := slices.DeleteFunc(slices.Clone(order), func(r *Role) bool { _, ok := want[r.ID]; return !ok })
	order = slices.DeleteFunc(order, func(r *Role) bool { _, ok := want[r.ID]; return ok })
	slices.SortStableFunc(moved, func(a, b *Role) int { return want[a.ID] - want[b.ID] })
	for _, r := range moved {
		i := min(max(want[r.ID]-1, 0), len(order))
		order = slices.Insert(order, i, r)
	}
	for i, r := range order {
		if r.Position != i+1 {
			nr := *r
			nr.Position = i + 1
			g.roles[r.ID] = &nr
			s.emitRoleLocked("GUILD_ROLE_UPDATE", g, &nr)
		}
	}
	s.touchLocked()
	return http.StatusOK, rolesJSON(g)
}

// deleteRole is DELETE /guilds/{guild_id}/roles/{role_id}; members lose the role silently,
// as in Discord (only GUILD_ROLE_DELETE is sent).
func (s *Server) deleteRole(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, r, e := rc.roleLocked()
	if e != nil {
		return fail(e)
	}
	if r.ID == g.ID {
		return fail(invalidForm("role_id", "ROLE_INVALID", "The @everyone role cannot be deleted."))
	}
	if !s.botHasLocked(g, PermManageRoles) || !s.botOutranksLocked(g, r.Position) || r.Managed {
		return fail(errMissingPerms)
	}
	delete(g.roles, r.ID)
	for _, m := range g.members {
		if slices.Contains(m.Roles, r.ID) {
			m.Roles = slices.DeleteFunc(slices.Clone(m.Roles), func(x Snowflake) bool { return x == r.ID })
		}
	}
	s.emitLocked(event{name: "GUILD_ROLE_DELETE", guildID: g.ID, intent: IntentGuilds,
		data: map[string]any{"guild_id": g.ID, "role_id": r.ID}})
	s.touchLocked()
	return noContent()
}

// kickMember is DELETE /guilds/{guild_id}/members/{user_id}.
func (s *Server) kickMember(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, m, e := rc.memberLocked()
	if e != nil {
		return fail(e)
	}
	if !s.botHasLocked(g, PermKickMembers) {
		return fail(errMissingPerms)
	}
	if m.User.ID == g.OwnerID || m.User.ID == s.bot.ID {
		return fail(errMissingPerms)
	}
	s.removeMemberLocked(g, m.User.ID)
	return noContent()
}

// RemoveMember takes a user out of a guild, as when they leave, and sends GUILD_MEMBER_REMOVE.
func (s *Server) RemoveMember(guildID, userID Snowflake) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[guildID]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownGuild, guildID)
	}
	if _, ok := g.members[userID]; !ok {
		return fmt.Errorf("%w: %s is not a member of guild %s", ErrUnknownUser, userID, guildID)
	}
	if userID == s.bot.ID {
		return fmt.Errorf("%w: the bot cannot leave a guild this way", ErrBadInput)
	}
	s.removeMemberLocked(g, userID)
	return nil
}

func (s *Server) removeMemberLocked(g *guildRec, userID Snowflake) {
	delete(g.members, userID)
	g.memberOrder = slices.DeleteFunc(g.memberOrder, func(id Snowflake) bool { return id == userID })
	s.emitLocked(event{name: "GUILD_MEMBER_REMOVE", guildID: g.ID, intent: IntentGuildMembers,
		data: map[string]any{"guild_id": g.ID, "user": s.userJSONLocked(userID)}})
	s.touchLocked()
}

// roleLocked finds the guild and role a role route names. Callers hold s.mu.
func (rc *restCtx) roleLocked() (*guildRec, *Role, *apiError) {
	rid, e := rc.id("role_id")
	if e != nil {
		return nil, nil, e
	}
	g, e := rc.guildLocked()
	if e != nil {
		return nil, nil, e
	}
	r, ok := g.roles[rid]
	if !ok {
		return nil, nil, errUnknownRole
	}
	return g, r, nil
}
