package discordsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The control API lets people and scripts act as Discord users over JSON on the simulator's
// port, without authentication:
//
//	POST /_sim/commands  {"text": "/headpat member:<@1>"} or {"text": "!help"} → {"replies": [...]}
//	POST /_sim/click     {"message_id", "custom_id", "values"?}               → {"replies": [...]}
//	POST /_sim/modal     {"interaction_id", "values": {"input": "text"}}      → {"replies": [...]}
//	GET  /_sim/state                                                          → guilds, sessions
//	GET  /_sim/channels/{id}/messages                                         → channel history
//	GET  /_sim/requests                                                       → recent REST calls
//	POST /_sim/faults    {"fault": "reconnect"} (see faults_control.go)        → {"connections": n}
//	POST /_sim/rest-faults {"route", "status": 503, "count": 2} (rest_faults_control.go) → {"id"}
//	GET  /_sim/rate-limits                                                    → invalid_requests, limits
//
// guild_id, channel_id and user_id default to the demo guild, its #general and player1;
// "dm": true sends the command in the user's DM with the bot instead. Bad
// input is a 400 {"error"}; no answer within timeout_ms (default 3000) is a 504 with whatever
// replies arrived.

const maxControlTimeout = 60 * time.Second

type controlReply struct {
	Kind         ReplyKind   `json:"kind"`
	ResponseType int         `json:"response_type,omitempty"`
	Content      string      `json:"content"`
	Embeds       []Embed     `json:"embeds"`
	Components   []Component `json:"components"`
	Ephemeral    bool        `json:"ephemeral"`
	Deferred     bool        `json:"deferred,omitempty"`
	ChannelID    Snowflake   `json:"channel_id"`
	MessageID    Snowflake   `json:"message_id,omitempty"`
	Modal        *Modal      `json:"modal,omitempty"`
}

func controlReplies(rs []Reply) []controlReply {
	out := make([]controlReply, 0, len(rs))
	for _, r := range rs {
		c := controlReply{
			Kind: r.Kind, ResponseType: r.ResponseType, Content: r.Message.Content,
			Embeds: r.Message.Embeds, Components: r.Message.Components, Ephemeral: r.Ephemeral,
			Deferred: r.Deferred, ChannelID: r.ChannelID, MessageID: r.MessageID, Modal: r.Modal,
		}
		if c.Embeds == nil {
			c.Embeds = []Embed{}
		}
		if c.Components == nil {
			c.Components = []Component{}
		}
		out = append(out, c)
	}
	return out
}

func controlError(w http.ResponseWriter, status int, format string, a ...any) {
	writeJSON(w, status, map[string]any{"error": fmt.Sprintf(format, a...)})
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/_sim"), "/")
	route := func(method string, h func(http.ResponseWriter, *http.Request)) {
		if r.Method != method {
			controlError(w, http.StatusMethodNotAllowed, "use %s", method)
			return
		}
		h(w, r)
	}
	switch {
	case path == "/commands":
		route(http.MethodPost, s.controlCommand)
	case path == "/click":
		route(http.MethodPost, s.controlClick)
	case path == "/modal":
		route(http.MethodPost, s.controlModal)
	case path == "/state":
		route(http.MethodGet, s.controlState)
	case path == "/rest-faults":
		s.controlRESTFaults(w, r) // see rest_faults_control.go
	case path == "/rate-limits":
		route(http.MethodGet, s.controlRateLimits)
	case path == "/requests":
		route(http.MethodGet, s.controlRequests)
	case path == "/faults":
		s.controlFaults(w, r) // GET and POST; see faults_control.go
	case strings.HasPrefix(path, "/channels/") && strings.HasSuffix(path, "/messages"):
		route(http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
			s.controlMessages(w, strings.TrimSuffix(strings.TrimPrefix(path, "/channels/"), "/messages"))
		})
	default:
		controlError(w, http.StatusNotFound, "no control endpoint %s", r.URL.Path)
	}
}

// readControl decodes a control request body strictly: a typo in a field name is an error a
// person wants to see.
func readControl(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	return nil
}

func controlTimeout(ms int, def time.Duration) (time.Duration, error) {
	switch {
	case ms < 0:
		return 0, errors.New("timeout_ms must not be negative")
	case ms == 0:
		return def, nil
	}
	return min(time.Duration(ms)*time.Millisecond, maxControlTimeout), nil
}

func (s *Server) controlCommand(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GuildID   Snowflake `json:"guild_id"`
		ChannelID Snowflake `json:"channel_id"`
		UserID    Snowflake `json:"user_id"`
		Text      string    `json:"text"`
		DM        bool      `json:"dm"`
		TimeoutMS int       `json:"timeout_ms"`
	}
	if err := readControl(r, &req); err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	text := strings.TrimSpace(req.Text)
	if text == "" {
		controlError(w, http.StatusBadRequest, "text is empty: send a slash command (\"/help\") or a message")
		return
	}
	timeout, err := controlTimeout(req.TimeoutMS, s.opts.ControlTimeout)
	if err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if status, err := s.checkOnline(req.GuildID, req.ChannelID, req.UserID, req.DM); err != nil {
		controlError(w, status, "%v", err)
		return
	}
	var ex *Exchange
	if strings.HasPrefix(text, "/") {
		ex, err = s.Slash(r.Context(), SlashRequest{GuildID: req.GuildID, ChannelID: req.ChannelID, UserID: req.UserID, Text: text, DM: req.DM})
	} else {
		ex, err = s.Prefix(r.Context(), MessageRequest{GuildID: req.GuildID, ChannelID: req.ChannelID, UserID: req.UserID, Content: req.Text, DM: req.DM})
	}
	if err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.answerControl(w, r, ex, timeout)
}

// checkOnline refuses to drive a bot that has no gateway session for the target guild: a
// person gets "the bot is offline" at once instead of a timeout.
func (s *Server) checkOnline(guildID, channelID, userID Snowflake, dm bool) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.resolveTargetDMLocked(guildID, channelID, userID, dm)
	if err != nil {
		return http.StatusBadRequest, err
	}
	var gid Snowflake
	if t.g != nil {
		gid = t.g.ID
	}
	for _, ss := range s.w.sessions {
		if ss.holds(gid) {
			return 0, nil
		}
	}
	return http.StatusServiceUnavailable, fmt.Errorf("the bot is not connected to the gateway (no session holds guild %s)", gid)
}

func (s *Server) controlClick(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ChannelID Snowflake `json:"channel_id"`
		MessageID Snowflake `json:"message_id"`
		CustomID  string    `json:"custom_id"`
		UserID    Snowflake `json:"user_id"`
		Values    []string  `json:"values"`
		TimeoutMS int       `json:"timeout_ms"`
	}
	if err := readControl(r, &req); err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	timeout, err := controlTimeout(req.TimeoutMS, s.opts.ControlTimeout)
	if err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	ex, err := s.Click(r.Context(), ClickRequest{ChannelID: req.ChannelID, MessageID: req.MessageID,
		CustomID: req.CustomID, UserID: req.UserID, Values: req.Values})
	if err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.answerControl(w, r, ex, timeout)
}

func (s *Server) controlModal(w http.ResponseWriter, r *http.Request) {
	var req struct {
		InteractionID Snowflake         `json:"interaction_id"`
		Values        map[string]string `json:"values"`
		TimeoutMS     int               `json:"timeout_ms"`
	}
	if err := readControl(r, &req); err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	timeout, err := controlTimeout(req.TimeoutMS, s.opts.ControlTimeout)
	if err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	ex, err := s.SubmitModal(r.Context(), ModalSubmitRequest{InteractionID: req.InteractionID, Values: req.Values})
	if err != nil {
		controlError(w, http.StatusBadRequest, "%v", err)
		return
	}
	s.answerControl(w, r, ex, timeout)
}

// answerControl waits for the first real answer, then for a quiet period so that multi-part
// answers (a response and its follow-ups) come back together.
func (s *Server) answerControl(w http.ResponseWriter, r *http.Request, ex *Exchange, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	rs, answered := collectReplies(ctx, ex, s.opts.QuietPeriod)
	body := map[string]any{"replies": controlReplies(rs)}
	if ex.InteractionID != 0 {
		body["interaction_id"] = ex.InteractionID
	}
	if ex.Trigger != nil {
		body["message_id"] = ex.Trigger.ID
	}
	if !answered {
		body["error"] = fmt.Sprintf("the bot did not answer within %d ms", timeout.Milliseconds())
		writeJSON(w, http.StatusGatewayTimeout, body)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// collectReplies waits until an answer arrives and then quiet passes without another reply, or
// until ctx ends. It reports whether any answer (not just a deferral) arrived.
func collectReplies(ctx context.Context, ex *Exchange, quiet time.Duration) ([]Reply, bool) {
	var quietC <-chan time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	seen := -1
	for {
		rs, changed := ex.snapshot()
		answered := false
		for _, r := range rs {
			answered = answered || isAnswer(r)
		}
		if answered && len(rs) != seen {
			seen = len(rs)
			if timer == nil {
				timer = time.NewTimer(quiet)
			} else {
				timer.Reset(quiet)
			}
			quietC = timer.C
		}
		select {
		case <-changed:
		case <-quietC:
			return rs, true
		case <-ctx.Done():
			return rs, answered
		}
	}
}

func (s *Server) controlState(w http.ResponseWriter, _ *http.Request) {
	type member struct {
		ID         Snowflake   `json:"id"`
		Username   string      `json:"username"`
		GlobalName string      `json:"global_name,omitempty"`
		Nick       string      `json:"nick,omitempty"`
		Roles      []Snowflake `json:"roles"`
		Bot        bool        `json:"bot,omitempty"`
	}
	type guild struct {
		Guild
		Channels []Channel `json:"channels"`
		Roles    []Role    `json:"roles"`
		Members  []member  `json:"members"`
		Commands []string  `json:"commands"`
	}
	st := s.State()
	var guilds []guild
	for _, g := range st.Guilds() {
		out := guild{Guild: g, Channels: st.Channels(g.ID), Roles: st.Roles(g.ID), Members: []member{}, Commands: []string{}}
		for _, m := range st.Members(g.ID) {
			out.Members = append(out.Members, member{ID: m.User.ID, Username: m.User.Username,
				GlobalName: m.User.GlobalName, Nick: m.Nick, Roles: m.Roles, Bot: m.User.Bot})
		}
		for _, c := range st.Commands(g.ID) {
			out.Commands = append(out.Commands, "/"+c.Name)
		}
		guilds = append(guilds, out)
	}
	global := []string{}
	for _, c := range st.Commands(0) {
		global = append(global, "/"+c.Name)
	}
	type session struct {
		ID        string   `json:"id"`
		Shard     [2]int   `json:"shard"`
		Intents   Intents  `json:"intents"`
		Connected bool     `json:"connected"`
		Seq       int64    `json:"seq"`
		Presence  Presence `json:"presence"`
	}
	sessions := []session{}
	for _, ss := range st.Sessions() {
		sessions = append(sessions, session{ID: ss.ID, Shard: [2]int{ss.ShardID, ss.ShardCount},
			Intents: ss.Intents, Connected: ss.Connected, Seq: ss.Seq, Presence: ss.Presence})
	}
	app := s.Application()
	writeJSON(w, http.StatusOK, map[string]any{
		"application":     map[string]any{"id": app.ID, "name": app.Name, "bot_user_id": app.BotUserID, "bot_name": app.BotName},
		"api_url":         s.APIURL(),
		"gateway_url":     s.GatewayURL(),
		"guilds":          guilds,
		"global_commands": global,
		"sessions":        sessions,
		"demo":            s.Demo(),
	})
}

func (s *Server) controlMessages(w http.ResponseWriter, rawID string) {
	id, err := ParseSnowflake(rawID)
	if err != nil {
		controlError(w, http.StatusBadRequest, "bad channel id %q", rawID)
		return
	}
	st := s.State()
	if _, ok := st.Channel(id); !ok {
		controlError(w, http.StatusNotFound, "unknown channel %s", id)
		return
	}
	msgs := st.Messages(id)
	if msgs == nil {
		msgs = []Message{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": msgs})
}

func (s *Server) controlRequests(w http.ResponseWriter, _ *http.Request) {
	type req struct {
		Time   time.Time `json:"time"`
		Method string    `json:"method"`
		Path   string    `json:"path"`
		Route  string    `json:"route"`
		Status int       `json:"status"`
	}
	all := s.Requests(RequestFilter{})
	out := []req{}
	for _, r := range all[max(0, len(all)-200):] {
		out = append(out, req{Time: r.Time, Method: r.Method, Path: r.Path, Route: r.Route, Status: r.Status})
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": out})
}
