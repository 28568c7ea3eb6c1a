package discordsim

import (
	"fmt"
	"net/http"
	"slices"
)

// commandScope checks the application and optional guild of a commands route and returns the
// guild id (0 for global commands).
func (rc *restCtx) commandScope() (Snowflake, *apiError) {
	app, e := rc.id("application_id")
	if e != nil {
		return 0, e
	}
	if app != rc.s.app.ID {
		return 0, errMissingAccess
	}
	if _, ok := rc.params["guild_id"]; !ok {
		return 0, nil
	}
	g, e := rc.id("guild_id")
	if e != nil {
		return 0, e
	}
	if _, ok := rc.s.w.guilds[g]; !ok {
		return 0, errUnknownGuild
	}
	return g, nil
}

func (s *Server) listCommands(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := rc.commandScope()
	if e != nil {
		return fail(e)
	}
	cmds := s.w.globalCommands
	if g != 0 {
		cmds = s.w.guildCommands[g]
	}
	if cmds == nil {
		cmds = []Command{}
	}
	return http.StatusOK, slices.Clone(cmds)
}

// overwriteCommands replaces the whole set, keeping the ids of commands that keep their name,
// as Discord does.
func (s *Server) overwriteCommands(rc *restCtx) (int, any) {
	var cmds []Command
	if e := rc.decode(&cmds); e != nil {
		return fail(e)
	}
	if e := validateCommands(cmds).err(); e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := rc.commandScope()
	if e != nil {
		return fail(e)
	}
	version := s.newID()
	out := make([]Command, len(cmds))
	for i, c := range cmds {
		out[i] = s.normalizeCommandLocked(c, g, version)
	}
	s.storeCommandsLocked(g, out)
	return http.StatusOK, slices.Clone(out)
}

func (s *Server) createCommand(rc *restCtx) (int, any) {
	var c Command
	if e := rc.decode(&c); e != nil {
		return fail(e)
	}
	if errs := validateCommands([]Command{c}); len(errs) > 0 {
		// Single-command errors are reported without the list index.
		if inner, ok := errs["0"].(map[string]any); ok {
			errs = formErrors(inner)
		}
		return fail(errs.err())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, e := rc.commandScope()
	if e != nil {
		return fail(e)
	}
	c = s.normalizeCommandLocked(c, g, s.newID())
	cmds := slices.Clone(s.w.globalCommands)
	if g != 0 {
		cmds = slices.Clone(s.w.guildCommands[g])
	}
	status := http.StatusCreated
	if i := slices.IndexFunc(cmds, func(x Command) bool { return x.ID == c.ID }); i >= 0 {
		cmds[i] = c
		status = http.StatusOK
	} else {
		cmds = append(cmds, c)
	}
	s.storeCommandsLocked(g, cmds)
	return status, c
}

func (s *Server) normalizeCommandLocked(c Command, guildID, version Snowflake) Command {
	if c.Type == 0 {
		c.Type = CommandChatInput
	}
	key := fmt.Sprintf("%d/%d/%s", guildID, c.Type, c.Name)
	id, ok := s.w.commandIDs[key]
	if !ok {
		id = s.newID()
		s.w.commandIDs[key] = id
	}
	c.ID, c.ApplicationID, c.GuildID, c.Version = id, s.app.ID, guildID, version
	if len(c.IntegrationTypes) == 0 {
		c.IntegrationTypes = []int{0}
	}
	return c
}

func (s *Server) storeCommandsLocked(guildID Snowflake, cmds []Command) {
	if guildID == 0 {
		s.w.globalCommands = cmds
	} else {
		s.w.guildCommands[guildID] = cmds
	}
	s.touchLocked()
}

// findCommandLocked finds a chat-input command by name, guild commands first, as the client
// lists them.
func (s *Server) findCommandLocked(guildID Snowflake, name string) (*Command, bool) {
	for _, set := range [][]Command{s.w.guildCommands[guildID], s.w.globalCommands} {
		for i := range set {
			if set[i].Type == CommandChatInput && set[i].Name == name {
				return &set[i], true
			}
		}
	}
	return nil, false
}
