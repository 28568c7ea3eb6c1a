package discordsim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRESTAuthAndGenericErrors(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	general := demo.Channels["general"].String()
	tests := []struct {
		name, auth, method, path string
		body                     any
		status, code             int
		message                  string
	}{
		{"no auth", "", "GET", "/users/@me", nil, 401, 0, "401: Unauthorized"},
		{"wrong token", "Bot nope", "GET", "/users/@me", nil, 401, 0, "401: Unauthorized"},
		{"bearer is not bot", "Bearer " + srv.Token(), "GET", "/users/@me", nil, 401, 0, "401: Unauthorized"},
		{"unknown route", "Bot " + srv.Token(), "GET", "/nothing/here", nil, 404, 0, "404: Not Found"},
		{"method not allowed", "Bot " + srv.Token(), "DELETE", "/users/@me", nil, 405, 0, "405: Method Not Allowed"},
		{"invalid json", "Bot " + srv.Token(), "POST", "/channels/" + general + "/messages", "{nope", 400, 50109, "The request body contains invalid JSON."},
		{"not a snowflake", "Bot " + srv.Token(), "GET", "/channels/abc", nil, 400, 50035, "Invalid Form Body"},
		{"wrong type", "Bot " + srv.Token(), "POST", "/channels/" + general + "/messages", `{"content": 5}`, 400, 50035, "Invalid Form Body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var e apiErrBody
			st, _ := apiAuth(t, srv, tc.auth, tc.method, tc.path, tc.body, &e)
			if st != tc.status || e.Code != tc.code || e.Message != tc.message {
				t.Fatalf("got %d %d %q", st, e.Code, e.Message)
			}
		})
	}
	// GET /gateway needs no token.
	var gw struct{ URL string }
	if st, _ := apiAuth(t, srv, "", "GET", "/gateway", nil, &gw); st != 200 || gw.URL != srv.GatewayURL() {
		t.Fatalf("GET /gateway: %d %q", st, gw.URL)
	}
}

func TestRESTRateLimitHeaders(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t, Options{RateLimit: RateLimitOptions{Limit: 3, Window: time.Minute}})
	var buckets []string
	for i := range 3 {
		st, h := api(t, srv, "GET", "/users/@me", nil, nil)
		if st != 200 {
			t.Fatalf("status %d", st)
		}
		if h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) ||
			h.Get("X-RateLimit-Reset") == "" || h.Get("X-RateLimit-Reset-After") == "" {
			t.Fatalf("headers %v", h)
		}
		buckets = append(buckets, h.Get("X-RateLimit-Bucket"))
	}
	if buckets[0] == "" || buckets[0] != buckets[2] {
		t.Fatalf("bucket ids %v", buckets)
	}
	// Errors carry the headers too.
	if _, h := api(t, srv, "GET", "/no/such/route", nil, nil); h.Get("X-RateLimit-Bucket") == "" {
		t.Fatalf("404 without rate-limit headers: %v", h)
	}
	// Enforced by default: the fourth call is refused.
	if st, _ := api(t, srv, "GET", "/users/@me", nil, nil); st != 429 {
		t.Fatalf("status %d", st)
	}
	// Headers-only mode reports the limit but refuses nothing.
	lax, _ := newTestServer(t, Options{RateLimit: RateLimitOptions{Limit: 1, Window: time.Minute, Mode: RateLimitHeadersOnly}})
	for range 3 {
		if st, h := api(t, lax, "GET", "/users/@me", nil, nil); st != 200 || h.Get("X-RateLimit-Limit") != "1" {
			t.Fatalf("headers-only: %d %v", st, h)
		}
	}

	enforced, _ := newTestServer(t, Options{RateLimit: RateLimitOptions{Limit: 1, Window: time.Minute}})
	api(t, enforced, "GET", "/users/@me", nil, nil)
	var body struct {
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	st, h := api(t, enforced, "GET", "/users/@me", nil, &body)
	if st != 429 || body.RetryAfter <= 0 || h.Get("Retry-After") == "" || h.Get("X-RateLimit-Scope") != "user" {
		t.Fatalf("got %d %+v %v", st, body, h)
	}
}

func TestRESTGatewayUsersApplication(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	var gb struct {
		URL               string `json:"url"`
		Shards            int    `json:"shards"`
		SessionStartLimit struct {
			Total, Remaining, ResetAfter, MaxConcurrency int
		} `json:"session_start_limit"`
	}
	api(t, srv, "GET", "/gateway/bot", nil, &gb)
	if gb.URL != srv.GatewayURL() || gb.Shards != 1 || gb.SessionStartLimit.Total != 1000 {
		t.Fatalf("gateway/bot %+v", gb)
	}
	var me struct {
		ID       Snowflake
		Username string
		Bot      bool
	}
	api(t, srv, "GET", "/users/@me", nil, &me)
	if me.ID != srv.BotUser().ID || !me.Bot || me.Username != "Novera" {
		t.Fatalf("@me %+v", me)
	}
	var app map[string]any
	api(t, srv, "GET", "/oauth2/applications/@me", nil, &app)
	for _, k := range []string{"id", "name", "description", "icon", "rpc_origins", "bot_public", "bot_require_code_grant", "owner", "verify_key", "flags"} {
		if _, ok := app[k]; !ok {
			t.Fatalf("application lacks %q: %v", k, app)
		}
	}
	var u struct{ Username string }
	api(t, srv, "GET", "/users/"+demo.Members["player2"].String(), nil, &u)
	if u.Username != "player2" {
		t.Fatalf("user %+v", u)
	}
	expectAPIError(t, srv, "GET", "/users/123", nil, 404, 10013)
}

func TestRESTMessages(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	bot, _ := connectBot(t, srv, IntentGuildMessages)
	ch := demo.Channels["general"].String()
	base := "/channels/" + ch + "/messages"

	type msg struct {
		ID              Snowflake
		Content         string
		Type            int
		EditedTimestamp *string `json:"edited_timestamp"`
		Author          struct {
			ID  Snowflake
			Bot bool
		}
		Embeds           []Embed
		MessageReference *MessageReference `json:"message_reference"`
		Mentions         []struct{ ID Snowflake }
	}
	var ids []Snowflake
	for i := range 5 {
		var m msg
		st, _ := api(t, srv, "POST", base, map[string]any{"content": fmt.Sprintf("m%d", i), "embeds": []Embed{{Title: "t"}}}, &m)
		if st != 200 || m.Content != fmt.Sprintf("m%d", i) || !m.Author.Bot || len(m.Embeds) != 1 || m.Embeds[0].Type != "rich" {
			t.Fatalf("create: %d %+v", st, m)
		}
		// The bot sees its own messages, content included, even without MESSAGE_CONTENT.
		var d msg
		bot.expect("MESSAGE_CREATE").decode(t, &d)
		if d.ID != m.ID || d.Content != m.Content || !d.Author.Bot {
			t.Fatalf("dispatch %+v", d)
		}
		ids = append(ids, m.ID)
	}

	var list []msg
	api(t, srv, "GET", base+"?limit=2", nil, &list)
	if len(list) != 2 || list[0].ID != ids[4] || list[1].ID != ids[3] {
		t.Fatalf("latest two: %+v", list)
	}
	api(t, srv, "GET", base+"?limit=2&before="+ids[2].String(), nil, &list)
	if len(list) != 2 || list[0].ID != ids[1] || list[1].ID != ids[0] {
		t.Fatalf("before: %+v", list)
	}
	api(t, srv, "GET", base+"?after="+ids[2].String(), nil, &list)
	if len(list) != 2 || list[0].ID != ids[4] {
		t.Fatalf("after: %+v", list)
	}
	expectAPIError(t, srv, "GET", base+"?limit=101", nil, 400, 50035)

	var got msg
	api(t, srv, "GET", base+"/"+ids[0].String(), nil, &got)
	if got.Content != "m0" {
		t.Fatalf("get: %+v", got)
	}
	var edited msg
	api(t, srv, "PATCH", base+"/"+ids[0].String(), map[string]any{"content": "m0 edited"}, &edited)
	if edited.Content != "m0 edited" || edited.EditedTimestamp == nil || len(edited.Embeds) != 1 {
		t.Fatalf("edit: %+v", edited)
	}
	bot.expect("MESSAGE_UPDATE").decode(t, &got)
	if got.Content != "m0 edited" {
		t.Fatalf("MESSAGE_UPDATE %+v", got)
	}
	if st, _ := api(t, srv, "DELETE", base+"/"+ids[0].String(), nil, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	bot.expect("MESSAGE_DELETE")
	expectAPIError(t, srv, "GET", base+"/"+ids[0].String(), nil, 404, 10008)

	// A reply to a user's message.
	ex, err := srv.Prefix(testCtx(t), MessageRequest{Content: "!ping"})
	if err != nil {
		t.Fatal(err)
	}
	bot.expect("MESSAGE_CREATE")
	var reply msg
	api(t, srv, "POST", base, map[string]any{"content": "pong", "message_reference": map[string]any{"message_id": ex.Trigger.ID}}, &reply)
	if reply.Type != MessageTypeReply || reply.MessageReference == nil || reply.MessageReference.MessageID != ex.Trigger.ID ||
		len(reply.Mentions) != 1 || reply.Mentions[0].ID != demo.Members["player1"] {
		t.Fatalf("reply %+v", reply)
	}
	expectAPIError(t, srv, "PATCH", base+"/"+ex.Trigger.ID.String(), map[string]any{"content": "x"}, 403, 50005)

	// Validation.
	tests := []struct {
		name   string
		body   any
		status int
		code   int
		path   string
	}{
		{"content too long", map[string]any{"content": strings.Repeat("a", 2001)}, 400, 50035, "content"},
		{"too many embeds", map[string]any{"embeds": make([]Embed, 11)}, 400, 50035, "embeds"},
		{"empty", map[string]any{"content": "  "}, 400, 50006, ""},
		{"no body", nil, 400, 50006, ""},
		{"unknown reply target", map[string]any{"content": "x", "message_reference": map[string]any{"message_id": "1"}}, 400, 50035, "message_reference"},
		{"too many rows", map[string]any{"content": "x", "components": make([]map[string]any, 6)}, 400, 50035, "components"},
		{"nonce too long", map[string]any{"content": "x", "nonce": strings.Repeat("n", 26)}, 400, 50035, "nonce"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := expectAPIError(t, srv, "POST", base, tc.body, tc.status, tc.code)
			if tc.path != "" {
				if _, ok := e.Errors[tc.path]; !ok {
					t.Fatalf("errors lack %q: %v", tc.path, e.Errors)
				}
			}
		})
	}
	expectAPIError(t, srv, "POST", "/channels/1/messages", map[string]any{"content": "x"}, 404, 10003)
}

func TestRESTNonceDedup(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	bot, _ := connectBot(t, srv, IntentGuildMessages)
	base := "/channels/" + demo.Channels["general"].String() + "/messages"
	var a, b, c struct{ ID Snowflake }
	api(t, srv, "POST", base, map[string]any{"content": "once", "nonce": "n-1", "enforce_nonce": true}, &a)
	api(t, srv, "POST", base, map[string]any{"content": "once", "nonce": "n-1", "enforce_nonce": true}, &b)
	if a.ID == 0 || a.ID != b.ID {
		t.Fatalf("retry created a new message: %s vs %s", a.ID, b.ID)
	}
	// Without enforce_nonce the nonce is only echoed.
	api(t, srv, "POST", base, map[string]any{"content": "twice", "nonce": "n-1"}, &c)
	if c.ID == a.ID {
		t.Fatalf("without enforce_nonce a new message is expected")
	}
	bot.expect("MESSAGE_CREATE")
	bot.expect("MESSAGE_CREATE") // the duplicate was not dispatched
	if n := len(srv.State().Messages(demo.Channels["general"])); n != 2 {
		t.Fatalf("%d messages stored", n)
	}
}

func TestRESTMemberRoles(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	bot, _ := connectBot(t, srv, IntentGuilds|IntentGuildMembers)
	g, u, r := demo.GuildID.String(), demo.Members["player5"].String(), demo.Roles["Goodboy"].String()
	path := "/guilds/" + g + "/members/" + u + "/roles/" + r

	if st, _ := api(t, srv, "PUT", path, nil, nil); st != 204 {
		t.Fatalf("PUT %d", st)
	}
	var upd struct {
		GuildID Snowflake   `json:"guild_id"`
		Roles   []Snowflake `json:"roles"`
		User    struct{ ID Snowflake }
	}
	bot.expect("GUILD_MEMBER_UPDATE").decode(t, &upd)
	if upd.GuildID != demo.GuildID || upd.User.ID != demo.Members["player5"] || len(upd.Roles) != 1 || upd.Roles[0] != demo.Roles["Goodboy"] {
		t.Fatalf("update %+v", upd)
	}
	if m, _ := srv.State().Member(demo.GuildID, demo.Members["player5"]); !m.HasRole(demo.Roles["Goodboy"]) {
		t.Fatalf("state not updated")
	}
	// Idempotent: a second PUT changes nothing and sends nothing.
	if st, _ := api(t, srv, "PUT", path, nil, nil); st != 204 {
		t.Fatalf("second PUT %d", st)
	}
	if st, _ := api(t, srv, "DELETE", path, nil, nil); st != 204 {
		t.Fatalf("DELETE %d", st)
	}
	bot.expect("GUILD_MEMBER_UPDATE").decode(t, &upd)
	if len(upd.Roles) != 0 {
		t.Fatalf("roles after delete %v", upd.Roles)
	}
	if st, _ := api(t, srv, "DELETE", path, nil, nil); st != 204 {
		t.Fatalf("second DELETE %d", st)
	}
	srv.Dispatch(demo.GuildID, "MARKER", nil)
	bot.expect("MARKER")

	expectAPIError(t, srv, "PUT", "/guilds/"+g+"/members/"+u+"/roles/1", nil, 404, 10011)
	expectAPIError(t, srv, "PUT", "/guilds/1/members/"+u+"/roles/"+r, nil, 404, 10004)
	outsider, _ := srv.AddUser(User{Username: "outsider"})
	expectAPIError(t, srv, "PUT", "/guilds/"+g+"/members/"+outsider.ID.String()+"/roles/"+r, nil, 404, 10007)
	expectAPIError(t, srv, "GET", "/guilds/"+g+"/members/"+outsider.ID.String(), nil, 404, 10007)
}

func TestRESTGuildReads(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	g := "/guilds/" + demo.GuildID.String()
	var guild struct {
		ID      Snowflake
		Name    string
		OwnerID Snowflake `json:"owner_id"`
		Roles   []any
	}
	api(t, srv, "GET", g, nil, &guild)
	if guild.Name != "Novera Demo" || guild.OwnerID != demo.Members["owner"] || len(guild.Roles) != len(demo.Roles) {
		t.Fatalf("guild %+v", guild)
	}
	var roles []struct {
		Name     string
		Position int
	}
	api(t, srv, "GET", g+"/roles", nil, &roles)
	if roles[0].Name != "@everyone" || len(roles) != len(demo.Roles) {
		t.Fatalf("roles %+v", roles)
	}
	var channels []struct{ Name string }
	api(t, srv, "GET", g+"/channels", nil, &channels)
	if len(channels) != 13 || channels[0].Name != "general" {
		t.Fatalf("channels %+v", channels)
	}
	var member struct {
		User  struct{ Username string }
		Roles []Snowflake
	}
	api(t, srv, "GET", g+"/members/"+demo.Members["staff"].String(), nil, &member)
	if member.User.Username != "staff" || len(member.Roles) != 2 {
		t.Fatalf("member %+v", member)
	}
	// Paging by user id.
	var seen []Snowflake
	after := Snowflake(0)
	for {
		var page []struct{ User struct{ ID Snowflake } }
		api(t, srv, "GET", g+"/members?limit=4&after="+after.String(), nil, &page)
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			seen = append(seen, m.User.ID)
		}
		after = page[len(page)-1].User.ID
	}
	if len(seen) != len(demo.Members) {
		t.Fatalf("paged %d members, want %d", len(seen), len(demo.Members))
	}
}

func TestRESTPatchMemberTimeout(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	path := "/guilds/" + demo.GuildID.String() + "/members/"
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	var m struct {
		Until *string `json:"communication_disabled_until"`
	}
	if st, _ := api(t, srv, "PATCH", path+demo.Members["player2"].String(), map[string]any{"communication_disabled_until": until}, &m); st != 200 || m.Until == nil {
		t.Fatalf("timeout: %d %+v", st, m)
	}
	if got, _ := srv.State().Member(demo.GuildID, demo.Members["player2"]); got.CommunicationDisabledUntil == nil {
		t.Fatal("timeout not stored")
	}
	tooFar := time.Now().Add(29 * 24 * time.Hour).UTC().Format(time.RFC3339)
	expectAPIError(t, srv, "PATCH", path+demo.Members["player2"].String(), map[string]any{"communication_disabled_until": tooFar}, 400, 50035)
	expectAPIError(t, srv, "PATCH", path+demo.Members["staff"].String(), map[string]any{"communication_disabled_until": until}, 403, 50013)
	api(t, srv, "PATCH", path+demo.Members["player2"].String(), map[string]any{"communication_disabled_until": nil}, &m)
	if m.Until != nil {
		t.Fatalf("timeout not lifted")
	}
}

func TestRESTDirectMessages(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	bot, _ := connectBot(t, srv, IntentDirectMessages)
	var a, b struct {
		ID         Snowflake
		Type       int
		Recipients []struct{ ID Snowflake }
	}
	player := demo.Members["player3"]
	api(t, srv, "POST", "/users/@me/channels", map[string]any{"recipient_id": player}, &a)
	api(t, srv, "POST", "/users/@me/channels", map[string]any{"recipient_id": player.String()}, &b)
	if a.ID == 0 || a.ID != b.ID || a.Type != 1 || len(a.Recipients) != 1 || a.Recipients[0].ID != player {
		t.Fatalf("DM channels %+v %+v", a, b)
	}
	if st, _ := api(t, srv, "POST", "/channels/"+a.ID.String()+"/messages", map[string]any{"content": "you won"}, nil); st != 200 {
		t.Fatalf("DM send %d", st)
	}
	var d struct {
		Content string
		GuildID Snowflake `json:"guild_id"`
	}
	bot.expect("MESSAGE_CREATE").decode(t, &d)
	if d.Content != "you won" || d.GuildID != 0 {
		t.Fatalf("DM dispatch %+v", d)
	}
	dm, ok := srv.State().DMChannel(player)
	if !ok || dm.ID != a.ID {
		t.Fatal("DM channel not in state")
	}
	if msgs := srv.State().Messages(dm.ID); len(msgs) != 1 || msgs[0].Content != "you won" {
		t.Fatalf("DM history %v", msgs)
	}
	closed, _ := srv.AddUser(User{Username: "closed", DMsDisabled: true})
	var c struct{ ID Snowflake }
	api(t, srv, "POST", "/users/@me/channels", map[string]any{"recipient_id": closed.ID}, &c)
	expectAPIError(t, srv, "POST", "/channels/"+c.ID.String()+"/messages", map[string]any{"content": "hi"}, 403, 50007)
	expectAPIError(t, srv, "POST", "/users/@me/channels", map[string]any{"recipient_id": "5"}, 404, 10013)
}

func TestRESTCommands(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	appPath := "/applications/" + srv.Application().ID.String()
	cmds := []Command{
		{Name: "headpat", Description: "Pat someone", Options: []CommandOption{{Type: OptionUser, Name: "member", Description: "who", Required: true}}},
		{Name: "help", Description: "Help"},
	}
	first := registerCommands(t, srv, demo.GuildID, cmds)
	if len(first) != 2 || first[0].ID == 0 || first[0].ApplicationID != srv.Application().ID || first[0].GuildID != demo.GuildID || first[0].Type != 1 {
		t.Fatalf("registered %+v", first)
	}
	again := registerCommands(t, srv, demo.GuildID, cmds[:1])
	if again[0].ID != first[0].ID {
		t.Fatalf("overwrite changed the id of an unchanged command")
	}
	var listed []Command
	api(t, srv, "GET", appPath+"/guilds/"+demo.GuildID.String()+"/commands", nil, &listed)
	if len(listed) != 1 {
		t.Fatalf("listed %+v", listed)
	}
	var global []Command
	api(t, srv, "PUT", appPath+"/commands", []Command{{Name: "ping", Description: "Ping"}}, &global)
	if len(global) != 1 || global[0].GuildID != 0 || len(srv.State().Commands(0)) != 1 {
		t.Fatalf("global %+v", global)
	}

	bad := []struct {
		name string
		cmd  Command
		path string
	}{
		{"upper case", Command{Name: "Headpat", Description: "x"}, "name"},
		{"too long", Command{Name: strings.Repeat("a", 33), Description: "x"}, "name"},
		{"space", Command{Name: "head pat", Description: "x"}, "name"},
		{"no description", Command{Name: "x"}, "description"},
		{"bad option name", Command{Name: "x", Description: "x", Options: []CommandOption{{Type: 3, Name: "Bad", Description: "d"}}}, "options"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			e := expectAPIError(t, srv, "PUT", appPath+"/commands", []Command{tc.cmd}, 400, 50035)
			item, _ := e.Errors["0"].(map[string]any)
			if _, ok := item[tc.path]; !ok {
				t.Fatalf("errors %v lack 0.%s", e.Errors, tc.path)
			}
		})
	}
	expectAPIError(t, srv, "PUT", "/applications/1/commands", []Command{}, 403, 50001)
}

func TestRequestsRecorded(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	path := "/channels/" + demo.Channels["general"].String() + "/messages"
	api(t, srv, "POST", path, map[string]any{"content": "hi"}, nil)
	api(t, srv, "GET", "/users/@me", nil, nil)
	got := srv.Requests(RequestFilter{Route: "/channels/{channel_id}/messages", Method: "POST"})
	if len(got) != 1 || got[0].Status != 200 || got[0].Path != path || !strings.Contains(string(got[0].Body), `"hi"`) || got[0].Time.IsZero() {
		t.Fatalf("recorded %+v", got)
	}
	if all := srv.Requests(RequestFilter{}); len(all) != 2 {
		t.Fatalf("%d requests", len(all))
	}
	if n := len(srv.Requests(RequestFilter{Status: http.StatusNotFound})); n != 0 {
		t.Fatalf("%d 404s", n)
	}
	srv.ClearRequests()
	if n := len(srv.Requests(RequestFilter{})); n != 0 {
		t.Fatalf("%d after clear", n)
	}
}
