package discordsim

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxRequestBody is Discord's upload ceiling for unboosted guilds plus room for the JSON.
const maxRequestBody = 26 << 20

type handler func(rc *restCtx) (int, any)

// route is one REST endpoint. pattern uses Discord's parameter names, and is what requests are
// recorded and rate-limited under.
type route struct {
	method  string
	pattern string
	segs    []string
	noAuth  bool // interaction callbacks and webhook-token routes authenticate by token
	handler handler
}

// restCtx carries one request through its handler.
type restCtx struct {
	s       *Server
	r       *http.Request
	route   *route
	params  map[string]string
	payload []byte       // the JSON body, or payload_json of a multipart body
	files   []Attachment // files of a multipart body
	now     time.Time
}

func fail(e *apiError) (int, any) { return e.status, e.body() }

// textBody is a plain-text answer, such as the edge's "error code: 1015" to a banned client.
type textBody string

func noContent() (int, any) { return http.StatusNoContent, nil }

func (s *Server) restRoutes() []*route {
	var rs []*route
	add := func(method, pattern string, h handler, noAuth bool) {
		rs = append(rs, &route{method: method, pattern: pattern, segs: splitPath(pattern), noAuth: noAuth, handler: h})
	}
	auth := func(method, pattern string, h handler) { add(method, pattern, h, false) }
	open := func(method, pattern string, h handler) { add(method, pattern, h, true) }

	open("GET", "/gateway", s.getGateway)
	auth("GET", "/gateway/bot", s.getGatewayBot)
	auth("GET", "/users/@me", s.getMe)
	auth("GET", "/users/{user_id}", s.getUser)
	auth("POST", "/users/@me/channels", s.createDM)
	auth("GET", "/oauth2/applications/@me", s.getApplication)
	auth("GET", "/applications/@me", s.getApplication)

	auth("GET", "/applications/{application_id}/commands", s.listCommands)
	auth("PUT", "/applications/{application_id}/commands", s.overwriteCommands)
	auth("POST", "/applications/{application_id}/commands", s.createCommand)
	auth("GET", "/applications/{application_id}/guilds/{guild_id}/commands", s.listCommands)
	auth("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", s.overwriteCommands)
	auth("POST", "/applications/{application_id}/guilds/{guild_id}/commands", s.createCommand)

	open("POST", "/interactions/{interaction_id}/{interaction_token}/callback", s.interactionCallback)
	open("POST", "/webhooks/{webhook_id}/{webhook_token}", s.createFollowup)
	open("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", s.getWebhookMessage)
	open("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", s.editWebhookMessage)
	open("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", s.deleteWebhookMessage)

	auth("GET", "/channels/{channel_id}", s.getChannel)
	auth("PATCH", "/channels/{channel_id}", s.patchChannel)
	auth("GET", "/channels/{channel_id}/messages", s.listMessages)
	auth("POST", "/channels/{channel_id}/messages", s.createMessage)
	auth("GET", "/channels/{channel_id}/messages/{message_id}", s.getMessage)
	auth("PATCH", "/channels/{channel_id}/messages/{message_id}", s.editMessage)
	auth("DELETE", "/channels/{channel_id}/messages/{message_id}", s.deleteMessage)
	auth("POST", "/channels/{channel_id}/typing", s.typing)
	auth("DELETE", "/channels/{channel_id}", s.deleteChannel)
	auth("POST", "/channels/{channel_id}/messages/bulk-delete", s.bulkDeleteMessages)
	auth("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", s.putOverwrite)
	auth("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", s.deleteOverwrite)
	auth("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}", s.listReactionUsers)
	auth("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions", s.removeAllReactions)
	auth("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}", s.removeAllReactions)
	auth("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me", s.addOwnReaction)
	auth("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me", s.removeOwnReaction)
	auth("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/{user_id}", s.removeUserReaction)

	auth("GET", "/guilds/{guild_id}", s.getGuild)
	auth("GET", "/guilds/{guild_id}/roles", s.getRoles)
	auth("GET", "/guilds/{guild_id}/channels", s.getGuildChannels)
	auth("POST", "/guilds/{guild_id}/channels", s.createGuildChannel)
	auth("POST", "/guilds/{guild_id}/roles", s.createRole)
	auth("PATCH", "/guilds/{guild_id}/roles", s.reorderRoles)
	auth("GET", "/guilds/{guild_id}/roles/{role_id}", s.getRole)
	auth("PATCH", "/guilds/{guild_id}/roles/{role_id}", s.editRole)
	auth("DELETE", "/guilds/{guild_id}/roles/{role_id}", s.deleteRole)
	auth("DELETE", "/guilds/{guild_id}/members/{user_id}", s.kickMember)
	auth("GET", "/guilds/{guild_id}/members", s.listMembers)
	auth("GET", "/guilds/{guild_id}/members/{user_id}", s.getMember)
	auth("PATCH", "/guilds/{guild_id}/members/{user_id}", s.patchMember)
	auth("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", s.addMemberRole)
	auth("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", s.removeMemberRole)
	return rs
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match finds the route for a path. Literal segments beat parameters ("/users/@me" over
// "/users/{user_id}"); pathOnly reports a path that exists under another method (405).
func (s *Server) match(method, path string) (rt *route, params map[string]string, pathOnly bool) {
	segs := splitPath(path)
	best := -1
	for _, r := range s.routes {
		if len(r.segs) != len(segs) {
			continue
		}
		score, ok := 0, true
		for i, p := range r.segs {
			if strings.HasPrefix(p, "{") {
				continue
			}
			if p != segs[i] {
				ok = false
				break
			}
			score++
		}
		if !ok {
			continue
		}
		if r.method != method {
			pathOnly = true
			continue
		}
		if score > best {
			best, rt = score, r
		}
	}
	if rt == nil {
		return nil, nil, pathOnly
	}
	params = map[string]string{}
	for i, p := range rt.segs {
		if strings.HasPrefix(p, "{") {
			v, err := url.PathUnescape(segs[i])
			if err != nil {
				v = segs[i]
			}
			params[strings.Trim(p, "{}")] = v
		}
	}
	return rt, params, false
}

// apiPath strips /api/v9 or /api/v10 (discordgo speaks v9; the versions differ in nothing
// the simulator models).
func apiPath(p string) (string, bool) {
	for _, prefix := range []string{"/api/v10/", "/api/v9/"} {
		if strings.HasPrefix(p, prefix) {
			return p[len(prefix)-1:], true
		}
	}
	return "", false
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &RecordedRequest{Time: start, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()}
	if reason := r.Header.Get("X-Audit-Log-Reason"); reason != "" {
		rec.Reason, _ = url.PathUnescape(reason)
	}
	status, body := s.handleREST(w, r, rec, start)
	var out []byte
	text, isText := body.(textBody)
	switch {
	case isText:
		out = []byte(text)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	case status != http.StatusNoContent && body != nil:
		var err error
		if out, err = json.Marshal(body); err != nil {
			s.log.Error("encode response", "route", rec.Route, "err", err)
			status, out = http.StatusInternalServerError, []byte(`{"message": "500: Internal Server Error", "code": 0}`)
		}
	}
	if out != nil && !isText {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	if out != nil {
		_, _ = w.Write(out)
	}
	// A banned client's requests are refused by the edge and do not count again.
	if !isText && countsAsInvalid(status, w.Header().Get("X-RateLimit-Scope")) {
		s.rl.noteInvalid(time.Now())
	}
	rec.Status, rec.Response, rec.Duration = status, out, time.Since(start)
	s.rec.add(rec)
	s.log.Debug("rest", "method", r.Method, "path", rec.Path, "status", status)
}

func (s *Server) handleREST(w http.ResponseWriter, r *http.Request, rec *RecordedRequest, now time.Time) (int, any) {
	path, ok := apiPath(r.URL.Path)
	if !ok {
		return fail(errNotFound)
	}
	rec.Path = path
	s.warmSpec()
	if ban := s.rl.banFor(now); ban > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ban.Seconds()))))
		return http.StatusTooManyRequests, textBody("error code: 1015")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		return fail(errTooLarge)
	}
	rec.Body = raw
	rt, params, pathOnly := s.match(r.Method, path)
	pattern := ""
	if rt != nil {
		pattern = rt.pattern
	}
	// Interaction callbacks are exempt from the global limit and from route buckets, as on
	// Discord; webhook-token routes do not count against the bot's global limit.
	callback := rt != nil && strings.HasPrefix(rt.pattern, "/interactions/")
	if rt != nil && !rt.noAuth && !callback {
		if wait := s.rl.takeGlobal(now); wait > 0 && s.rl.enforce() {
			rec.Route = pattern
			return http.StatusTooManyRequests, tooManyRequests(w.Header(), wait, "global", true)
		}
	}
	// Every response carries rate-limit headers; unmatched paths share one bucket.
	bucket := "unmatched"
	if rt != nil {
		bucket = r.Method + " " + rt.pattern
	}
	ri := s.rl.take(bucket, majorParameter(params), now)
	ri.setHeaders(w.Header())
	// Injected faults come before the request is looked at: a 5xx or 429 from Discord's edge
	// says nothing about the request itself.
	if status, body, faulted := s.applyRESTFault(r.Context(), w.Header(), r.Method, pattern); faulted {
		rec.Route = pattern
		if status == http.StatusTooManyRequests {
			w.Header().Set("X-RateLimit-Remaining", "0")
		}
		return status, body
	}
	if rt == nil {
		if pathOnly {
			return fail(errMethodNotAllowed)
		}
		return fail(errNotFound)
	}
	rec.Route = rt.pattern
	if !rt.noAuth && !s.authOK(r.Header.Get("Authorization")) {
		return fail(errUnauthorized)
	}
	if ri.exceeded && s.rl.enforce() && !callback {
		return http.StatusTooManyRequests, ri.tooMany(w.Header())
	}
	rc := &restCtx{s: s, r: r, route: rt, params: params, payload: raw, now: now}
	if e := rc.parseBody(); e != nil {
		return fail(e)
	}
	rec.Body = rc.payload
	if e := s.validateBody(rt, rc.payload); e != nil {
		return fail(e)
	}
	return rt.handler(rc)
}

func (s *Server) authOK(h string) bool {
	want := "Bot " + s.opts.Token
	return subtle.ConstantTimeCompare([]byte(h), []byte(want)) == 1
}

// majorParameter is the part of a path Discord keys rate-limit buckets by.
func majorParameter(params map[string]string) string {
	for _, k := range []string{"channel_id", "guild_id", "interaction_id"} {
		if v, ok := params[k]; ok {
			return k + "=" + v
		}
	}
	if v, ok := params["webhook_id"]; ok {
		return "webhook=" + v + "/" + params["webhook_token"]
	}
	return ""
}

// parseBody checks the body is JSON, or unpacks a multipart upload into payload_json and
// attachments as Discord does.
func (rc *restCtx) parseBody() *apiError {
	ct, params, _ := mime.ParseMediaType(rc.r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		mr := multipart.NewReader(bytes.NewReader(rc.payload), params["boundary"])
		var payload []byte
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return errInvalidJSON
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return errInvalidJSON
			}
			if part.FormName() == "payload_json" {
				payload = data
				continue
			}
			if part.FileName() != "" {
				id := rc.s.newID()
				rc.files = append(rc.files, Attachment{
					ID: id, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type"),
					Size: len(data),
					URL:  rc.s.URL() + "/_sim/attachments/" + id.String() + "/" + url.PathEscape(part.FileName()),
				})
			}
		}
		rc.payload = payload
		for i := range rc.files {
			rc.files[i].ProxyURL = rc.files[i].URL
		}
	}
	if len(bytes.TrimSpace(rc.payload)) > 0 && !json.Valid(rc.payload) {
		return errInvalidJSON
	}
	return nil
}

// decode unmarshals the JSON body into v; see decodeJSON.
func (rc *restCtx) decode(v any) *apiError { return decodeJSON(rc.payload, v, "") }

// decodeJSON unmarshals b into v. Type mismatches become 50035 with the field path (under
// prefix), the way Discord reports them; an empty body decodes as {}.
func decodeJSON(b []byte, v any, prefix string) *apiError {
	if len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}")
	}
	err := json.Unmarshal(b, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		code, what := "BASE_TYPE_INVALID", te.Type.String()
		switch te.Type.Kind().String() {
		case "string":
			code, what = "BASE_TYPE_STRING", "string"
		case "int", "int64", "uint64", "float64":
			code, what = "NUMBER_TYPE_COERCE", "number"
		case "bool":
			code, what = "BASE_TYPE_BOOLEAN", "boolean"
		case "slice":
			code, what = "BASE_TYPE_ARRAY", "array"
		case "struct", "map":
			code, what = "DICT_TYPE_CONVERT", "object"
		}
		return invalidForm(joinPath(prefix, te.Field), code, fmt.Sprintf("Could not interpret %q as %s.", te.Value, what))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return errInvalidJSON
	}
	return invalidForm(prefix, "BASE_TYPE_INVALID", err.Error())
}

func joinPath(prefix, p string) string {
	switch {
	case prefix == "":
		return p
	case p == "":
		return prefix
	}
	return prefix + "." + p
}

// id parses a snowflake path parameter; Discord answers 50035 NUMBER_TYPE_COERCE otherwise.
func (rc *restCtx) id(name string) (Snowflake, *apiError) {
	v := rc.params[name]
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, invalidForm(name, "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not snowflake.", v))
	}
	return Snowflake(n), nil
}

// queryInt reads an integer query parameter with a default and bounds.
func (rc *restCtx) queryInt(name string, def, lo, hi int) (int, *apiError) {
	v := rc.r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, invalidForm(name, "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not int.", v))
	}
	if n < lo || n > hi {
		return 0, invalidForm(name, "NUMBER_TYPE_MAX", fmt.Sprintf("int value should be between %d and %d.", lo, hi))
	}
	return n, nil
}

// querySnowflake reads an optional snowflake query parameter.
func (rc *restCtx) querySnowflake(name string) (Snowflake, *apiError) {
	v := rc.r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, invalidForm(name, "NUMBER_TYPE_COERCE", fmt.Sprintf("Value %q is not snowflake.", v))
	}
	return Snowflake(n), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
