package discordsim

import (
	"net/http"
)

func (s *Server) getGateway(rc *restCtx) (int, any) {
	return http.StatusOK, map[string]any{"url": s.GatewayURL()}
}

// getGatewayBot reports the recommended shard count and the session start budget; see
// GatewayBot in gateway_limits.go.
func (s *Server) getGatewayBot(rc *restCtx) (int, any) {
	return http.StatusOK, s.GatewayBot()
}

func (s *Server) getMe(rc *restCtx) (int, any) {
	return http.StatusOK, readyUser{wireUser: userJSON(s.bot), Verified: true}
}

func (s *Server) getUser(rc *restCtx) (int, any) {
	id, e := rc.id("user_id")
	if e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.w.users[id]
	if !ok {
		return fail(errUnknownUser)
	}
	return http.StatusOK, userJSON(*u)
}

func (s *Server) getApplication(rc *restCtx) (int, any) {
	s.mu.Lock()
	owner := s.userJSONLocked(s.app.OwnerID)
	if s.app.OwnerID == 0 {
		owner = userJSON(User{ID: s.app.ID, Username: s.app.Name + " owner"})
	}
	s.mu.Unlock()
	return http.StatusOK, map[string]any{
		"id":                        s.app.ID,
		"name":                      s.app.Name,
		"icon":                      nil,
		"description":               s.app.Description,
		"summary":                   "",
		"type":                      nil,
		"hook":                      true,
		"rpc_origins":               []string{},
		"bot_public":                true,
		"bot_require_code_grant":    false,
		"verify_key":                s.app.PublicKey,
		"owner":                     owner,
		"team":                      nil,
		"flags":                     s.app.Flags,
		"bot":                       userJSON(s.bot),
		"tags":                      []string{},
		"redirect_uris":             []string{},
		"interactions_endpoint_url": nil,
		"approximate_guild_count":   len(s.State().Guilds()),
	}
}

// createDM opens (or returns) the bot's DM channel with a user: one channel per recipient.
func (s *Server) createDM(rc *restCtx) (int, any) {
	var body struct {
		RecipientID Snowflake `json:"recipient_id"`
	}
	if e := rc.decode(&body); e != nil {
		return fail(e)
	}
	if body.RecipientID == 0 {
		return fail(invalidForm("recipient_id", "BASE_TYPE_REQUIRED", "This field is required"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := s.openDMLocked(body.RecipientID)
	if e != nil {
		return fail(e)
	}
	return http.StatusOK, s.channelJSONLocked(c)
}

func (s *Server) openDMLocked(userID Snowflake) (*channelRec, *apiError) {
	if _, ok := s.w.users[userID]; !ok || userID == s.bot.ID {
		return nil, errUnknownUser
	}
	if id, ok := s.w.dms[userID]; ok {
		return s.w.channels[id], nil
	}
	c := &channelRec{
		Channel: Channel{ID: s.newID(), Type: ChannelDM, RecipientIDs: []Snowflake{userID}},
		byID:    map[Snowflake]*Message{},
	}
	s.w.channels[c.ID] = c
	s.w.dms[userID] = c.ID
	s.touchLocked()
	return c, nil
}
