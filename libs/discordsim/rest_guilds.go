package discordsim

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// maxTimeout is the longest communication_disabled_until Discord accepts.
const maxTimeout = 28 * 24 * time.Hour

func (rc *restCtx) guildLocked() (*guildRec, *apiError) {
	id, e := rc.id("guild_id")
	if e != nil {
		return nil, e
	}
	g, ok := rc.s.w.guilds[id]
	if !ok {
		return nil, errUnknownGuild
	}
	return g, nil
}

func (s *Server) getGuild(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := rc.guildLocked()
	if e != nil {
		return fail(e)
	}
	d := s.guildJSONLocked(g)
	if rc.r.URL.Query().Get("with_counts") == "true" {
		d["approximate_member_count"] = len(g.members)
		d["approximate_presence_count"] = len(g.members)
	}
	return http.StatusOK, d
}

func (s *Server) getRoles(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := rc.guildLocked()
	if e != nil {
		return fail(e)
	}
	return http.StatusOK, rolesJSON(g)
}

func (s *Server) getGuildChannels(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := rc.guildLocked()
	if e != nil {
		return fail(e)
	}
	out := make([]*wireChannel, 0, len(g.channelOrder))
	for _, id := range g.channelOrder {
		out = append(out, s.channelJSONLocked(s.w.channels[id]))
	}
	return http.StatusOK, out
}

// listMembers pages members by user id, as Discord does (limit 1–1000, default 1).
func (s *Server) listMembers(rc *restCtx) (int, any) {
	limit, e := rc.queryInt("limit", 1, 1, 1000)
	if e != nil {
		return fail(e)
	}
	after, e := rc.querySnowflake("after")
	if e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := rc.guildLocked()
	if e != nil {
		return fail(e)
	}
	ids := make([]Snowflake, 0, len(g.members))
	for id := range g.members {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := []*wireMember{}
	for _, id := range ids[:min(limit, len(ids))] {
		out = append(out, s.memberJSONLocked(g, g.members[id], memberWithUser))
	}
	return http.StatusOK, out
}

func (rc *restCtx) memberLocked() (*guildRec, *Member, *apiError) {
	g, e := rc.guildLocked()
	if e != nil {
		return nil, nil, e
	}
	uid, e := rc.id("user_id")
	if e != nil {
		return nil, nil, e
	}
	m, ok := g.members[uid]
	if !ok {
		if _, known := rc.s.w.users[uid]; !known {
			return nil, nil, errUnknownUser
		}
		return nil, nil, errUnknownMember
	}
	return g, m, nil
}

func (s *Server) getMember(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, m, e := rc.memberLocked()
	if e != nil {
		return fail(e)
	}
	return http.StatusOK, s.memberJSONLocked(g, m, memberWithUser)
}

// patchMember edits nick, roles and timeouts (communication_disabled_until).
func (s *Server) patchMember(rc *restCtx) (int, any) {
	var body struct {
		Nick                       *string      `json:"nick"`
		Roles                      *[]Snowflake `json:"roles"`
		CommunicationDisabledUntil *string      `json:"communication_disabled_until"`
	}
	if e := rc.decode(&body); e != nil {
		return fail(e)
	}
	var keys map[string]any
	_ = decodeJSON(rc.payload, &keys, "")
	s.mu.Lock()
	defer s.mu.Unlock()
	g, m, e := rc.memberLocked()
	if e != nil {
		return fail(e)
	}
	// Each field takes its own permission, as on Discord.
	for key, perm := range map[string]Permissions{"nick": PermManageNicknames, "roles": PermManageRoles,
		"communication_disabled_until": PermModerateMembers} {
		if _, ok := keys[key]; ok && !s.botHasLocked(g, perm) {
			return fail(errMissingPerms)
		}
	}
	nm := s.memberCopyLocked(m)
	errs := formErrors{}
	if _, ok := keys["nick"]; ok {
		nm.Nick = ""
		if body.Nick != nil {
			limitLen(errs, "nick", *body.Nick, 32)
			nm.Nick = *body.Nick
		}
	}
	if body.Roles != nil {
		for i, r := range *body.Roles {
			if _, ok := g.roles[r]; !ok || r == g.ID {
				errs.add("roles."+strconv.Itoa(i), "ROLE_INVALID", "Unknown role")
			}
		}
		nm.Roles = slices.Compact(slices.Sorted(slices.Values(*body.Roles)))
	}
	if _, ok := keys["communication_disabled_until"]; ok {
		nm.CommunicationDisabledUntil = nil
		if body.CommunicationDisabledUntil != nil {
			t, err := time.Parse(time.RFC3339Nano, *body.CommunicationDisabledUntil)
			switch {
			case err != nil:
				errs.add("communication_disabled_until", "DATE_TYPE_PARSE", "Could not parse date. Should be ISO8601.")
			case t.Sub(rc.now) > maxTimeout:
				errs.add("communication_disabled_until", "COMMUNICATION_DISABLED_UNTIL_TOO_FAR", "Communication disabled until must be less than 28 days in the future.")
			default:
				// Owners and administrators cannot be timed out.
				if s.permissionsLocked(g, m).Has(PermAdministrator) {
					return fail(errMissingPerms)
				}
				if t.After(rc.now) {
					nm.CommunicationDisabledUntil = &t
				}
			}
		}
	}
	if e := errs.err(); e != nil {
		return fail(e)
	}
	*m = nm
	s.memberUpdatedLocked(g, m)
	return http.StatusOK, s.memberJSONLocked(g, m, memberWithUser)
}

func (s *Server) addMemberRole(rc *restCtx) (int, any)    { return s.memberRoleREST(rc, true) }
func (s *Server) removeMemberRole(rc *restCtx) (int, any) { return s.memberRoleREST(rc, false) }

func (s *Server) memberRoleREST(rc *restCtx, add bool) (int, any) {
	gid, e := rc.id("guild_id")
	if e != nil {
		return fail(e)
	}
	uid, e := rc.id("user_id")
	if e != nil {
		return fail(e)
	}
	rid, e := rc.id("role_id")
	if e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.w.guilds[gid]; ok && !s.botHasLocked(g, PermManageRoles) {
		return fail(errMissingPerms)
	}
	if _, e := s.setMemberRoleLocked(gid, uid, rid, add); e != nil {
		return fail(e)
	}
	return noContent()
}
