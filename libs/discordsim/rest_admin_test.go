package discordsim

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const adminIntents = IntentGuilds | IntentGuildMembers | IntentGuildMessages | IntentGuildMessageReactions

// postMessage posts a bot message and returns its id.
func postMessage(t *testing.T, srv *Server, channelID Snowflake, content string) Snowflake {
	t.Helper()
	var m struct {
		ID Snowflake `json:"id"`
	}
	if st, _ := api(t, srv, "POST", "/channels/"+channelID.String()+"/messages", map[string]any{"content": content}, &m); st != 200 {
		t.Fatalf("post message: %d", st)
	}
	return m.ID
}

func TestReactions(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	gw, _ := connectBot(t, srv, adminIntents)
	ch := demo.Channels["general"]
	msgID := postMessage(t, srv, ch, "react to me")
	gw.expect("MESSAGE_CREATE")
	base := "/channels/" + ch.String() + "/messages/" + msgID.String() + "/reactions/"
	thumbs := url.PathEscape("👍")

	// The bot reacts through REST.
	if st, _ := api(t, srv, "PUT", base+thumbs+"/@me", nil, nil); st != http.StatusNoContent {
		t.Fatalf("PUT reaction: %d", st)
	}
	var add struct {
		UserID          Snowflake `json:"user_id"`
		MessageID       Snowflake `json:"message_id"`
		GuildID         Snowflake `json:"guild_id"`
		MessageAuthorID Snowflake `json:"message_author_id"`
		Emoji           struct {
			ID   *Snowflake `json:"id"`
			Name string     `json:"name"`
		} `json:"emoji"`
		Member *struct{ User struct{ ID Snowflake } } `json:"member"`
	}
	gw.expect("MESSAGE_REACTION_ADD").decode(t, &add)
	if add.UserID != srv.BotUser().ID || add.MessageID != msgID || add.GuildID != demo.GuildID || add.Emoji.Name != "👍" ||
		add.Emoji.ID != nil || add.MessageAuthorID != srv.BotUser().ID || add.Member == nil {
		t.Fatalf("reaction add %+v", add)
	}
	// Reacting twice changes nothing and sends nothing.
	api(t, srv, "PUT", base+thumbs+"/@me", nil, nil)

	// A person reacts with a custom emoji through the Go API.
	player := demo.Members["player1"]
	if err := srv.React(testCtx(t), ch, msgID, player, "pog:123456789012345678"); err != nil {
		t.Fatal(err)
	}
	gw.expect("MESSAGE_REACTION_ADD").decode(t, &add)
	if add.UserID != player || add.Emoji.ID == nil || *add.Emoji.ID != 123456789012345678 || add.Emoji.Name != "pog" {
		t.Fatalf("custom reaction %+v", add)
	}
	var users []struct{ ID Snowflake }
	api(t, srv, "GET", base+url.PathEscape("pog:123456789012345678"), nil, &users)
	if len(users) != 1 || users[0].ID != player {
		t.Fatalf("reaction users %+v", users)
	}
	if rs := srv.State().Reactions(msgID); len(rs) != 2 || rs[0].Emoji != "👍" || rs[1].Users[0] != player {
		t.Fatalf("state reactions %+v", rs)
	}
	var got struct {
		Reactions []struct {
			Count int  `json:"count"`
			Me    bool `json:"me"`
			Emoji struct {
				Name string `json:"name"`
			} `json:"emoji"`
		} `json:"reactions"`
	}
	api(t, srv, "GET", "/channels/"+ch.String()+"/messages/"+msgID.String(), nil, &got)
	if r := got.Reactions; len(r) != 2 || !r[0].Me || r[0].Count != 1 || r[0].Emoji.Name != "👍" || r[1].Me || r[1].Emoji.Name != "pog" {
		t.Fatalf("message reactions %+v", got.Reactions)
	}

	// Removal, by the bot and by the person.
	if st, _ := api(t, srv, "DELETE", base+thumbs+"/@me", nil, nil); st != http.StatusNoContent {
		t.Fatalf("DELETE reaction: %d", st)
	}
	gw.expect("MESSAGE_REACTION_REMOVE")
	if err := srv.Unreact(testCtx(t), ch, msgID, player, "pog:123456789012345678"); err != nil {
		t.Fatal(err)
	}
	var rm struct {
		UserID Snowflake `json:"user_id"`
	}
	gw.expect("MESSAGE_REACTION_REMOVE").decode(t, &rm)
	if rm.UserID != player || len(srv.State().Reactions(msgID)) != 0 {
		t.Fatalf("remove %+v", rm)
	}

	// Clearing: one emoji, then all.
	for _, e := range []string{"👍", "👋"} {
		if err := srv.React(testCtx(t), ch, msgID, player, e); err != nil {
			t.Fatal(err)
		}
		gw.expect("MESSAGE_REACTION_ADD")
	}
	if st, _ := api(t, srv, "DELETE", base+thumbs, nil, nil); st != http.StatusNoContent {
		t.Fatalf("remove emoji: %d", st)
	}
	var rmEmoji struct {
		Emoji struct{ Name string } `json:"emoji"`
	}
	gw.expect("MESSAGE_REACTION_REMOVE_EMOJI").decode(t, &rmEmoji)
	if rmEmoji.Emoji.Name != "👍" || len(srv.State().Reactions(msgID)) != 1 {
		t.Fatalf("remove emoji %+v %+v", rmEmoji, srv.State().Reactions(msgID))
	}
	if st, _ := api(t, srv, "DELETE", strings.TrimSuffix(base, "/"), nil, nil); st != http.StatusNoContent {
		t.Fatalf("remove all: %d", st)
	}
	gw.expect("MESSAGE_REACTION_REMOVE_ALL")
	if len(srv.State().Reactions(msgID)) != 0 {
		t.Fatal("reactions left")
	}

	errs := []struct {
		name, method, path string
		status, code       int
	}{
		{"not an emoji", "PUT", base + "thumbsup/@me", 400, 10014},
		{"unknown message", "PUT", "/channels/" + ch.String() + "/messages/1/reactions/" + thumbs + "/@me", 404, 10008},
		{"unknown channel", "PUT", "/channels/1/messages/" + msgID.String() + "/reactions/" + thumbs + "/@me", 404, 10003},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) { expectAPIError(t, srv, tc.method, tc.path, nil, tc.status, tc.code) })
	}
	goErrs := []struct {
		name       string
		user, msg  Snowflake
		emoji      string
		wantTarget error
	}{
		{"not an emoji", player, msgID, "smile", ErrBadInput},
		{"unknown message", player, 1, "👍", ErrUnknownMessage},
		{"not a member", srv.newID(), msgID, "👍", ErrUnknownUser},
	}
	for _, tc := range goErrs {
		if err := srv.React(testCtx(t), ch, tc.msg, tc.user, tc.emoji); !errors.Is(err, tc.wantTarget) {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}
}

func TestBulkDelete(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	gw, _ := connectBot(t, srv, adminIntents)
	ch := demo.Channels["general"]
	path := "/channels/" + ch.String() + "/messages/bulk-delete"
	a, b := postMessage(t, srv, ch, "a"), postMessage(t, srv, ch, "b")
	keep := postMessage(t, srv, ch, "keep")
	for range 3 {
		gw.expect("MESSAGE_CREATE")
	}
	old := Snowflake(uint64(time.Now().Add(-15*24*time.Hour).UnixMilli()-DiscordEpoch) << 22)
	tests := []struct {
		name   string
		ids    []Snowflake
		status int
		code   int
		field  string
	}{
		{"one id", []Snowflake{a}, 400, 50035, "messages"},
		{"duplicate ids", []Snowflake{a, a}, 400, 50035, "messages"},
		{"older than 14 days", []Snowflake{a, old}, 400, 50034, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := expectAPIError(t, srv, "POST", path, map[string]any{"messages": tc.ids}, tc.status, tc.code)
			if tc.field != "" && formErrorCode(e, tc.field) == "" {
				t.Fatalf("no error at %s: %v", tc.field, e.Errors)
			}
		})
	}
	// Unknown ids are skipped; the others go, with one MESSAGE_DELETE_BULK.
	if st, _ := api(t, srv, "POST", path, map[string]any{"messages": []Snowflake{a, b, srv.newID()}}, nil); st != http.StatusNoContent {
		t.Fatalf("bulk delete: %d", st)
	}
	var ev struct {
		IDs       []Snowflake `json:"ids"`
		ChannelID Snowflake   `json:"channel_id"`
		GuildID   Snowflake   `json:"guild_id"`
	}
	gw.expect("MESSAGE_DELETE_BULK").decode(t, &ev)
	if len(ev.IDs) != 2 || ev.ChannelID != ch || ev.GuildID != demo.GuildID {
		t.Fatalf("event %+v", ev)
	}
	msgs := srv.State().Messages(ch)
	if len(msgs) != 1 || msgs[0].ID != keep {
		t.Fatalf("left %v", msgs)
	}
}

func TestChannelAdministration(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	gw, _ := connectBot(t, srv, adminIntents)
	guild := "/guilds/" + demo.GuildID.String()

	// Create.
	var created struct {
		ID                   Snowflake             `json:"id"`
		Name                 string                `json:"name"`
		RateLimitPerUser     int                   `json:"rate_limit_per_user"`
		PermissionOverwrites []PermissionOverwrite `json:"permission_overwrites"`
	}
	body := map[string]any{"name": "Mod Log", "type": 0, "rate_limit_per_user": 10,
		"permission_overwrites": []map[string]any{{"id": demo.GuildID, "type": 0, "deny": "1024"}}}
	if st, _ := api(t, srv, "POST", guild+"/channels", body, &created); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	if created.Name != "mod-log" || created.RateLimitPerUser != 10 || len(created.PermissionOverwrites) != 1 ||
		created.PermissionOverwrites[0].Deny != PermViewChannel {
		t.Fatalf("created %+v", created)
	}
	gw.expect("CHANNEL_CREATE")
	path := "/channels/" + created.ID.String()

	// Slowmode within and beyond Discord's range.
	slowmode := []struct {
		value  int
		status int
	}{{0, 200}, {21600, 200}, {21601, 400}, {-1, 400}}
	for _, tc := range slowmode {
		if st, _ := api(t, srv, "PATCH", path, map[string]any{"rate_limit_per_user": tc.value}, nil); st != tc.status {
			t.Fatalf("slowmode %d: status %d", tc.value, st)
		}
		if tc.status == 200 {
			gw.expect("CHANNEL_UPDATE")
		}
	}

	// Permission overwrites.
	role := demo.Roles["Verified"]
	if st, _ := api(t, srv, "PUT", path+"/permissions/"+role.String(), map[string]any{"type": 0, "allow": "2048"}, nil); st != 204 {
		t.Fatalf("put overwrite: %d", st)
	}
	gw.expect("CHANNEL_UPDATE")
	c, _ := srv.State().Channel(created.ID)
	if len(c.PermissionOverwrites) != 2 || c.PermissionOverwrites[1] != (PermissionOverwrite{ID: role, Type: OverwriteRole, Allow: PermSendMessages}) {
		t.Fatalf("overwrites %+v", c.PermissionOverwrites)
	}
	expectAPIError(t, srv, "PUT", path+"/permissions/1", map[string]any{"type": 0}, 404, 10011)
	if st, _ := api(t, srv, "DELETE", path+"/permissions/"+role.String(), nil, nil); st != 204 {
		t.Fatalf("delete overwrite: %d", st)
	}
	gw.expect("CHANNEL_UPDATE")

	// PATCH replaces the whole overwrite list.
	ows := []map[string]any{{"id": demo.Members["player1"], "type": 1, "allow": "2048"}}
	if st, _ := api(t, srv, "PATCH", path, map[string]any{"permission_overwrites": ows}, nil); st != 200 {
		t.Fatalf("patch overwrites: %d", st)
	}
	gw.expect("CHANNEL_UPDATE")
	if c, _ := srv.State().Channel(created.ID); len(c.PermissionOverwrites) != 1 || c.PermissionOverwrites[0].Type != OverwriteMember {
		t.Fatalf("overwrites after PATCH %+v", c.PermissionOverwrites)
	}

	// Delete.
	if st, _ := api(t, srv, "DELETE", path, nil, nil); st != 200 {
		t.Fatalf("delete: %d", st)
	}
	gw.expect("CHANNEL_DELETE")
	if _, ok := srv.State().Channel(created.ID); ok {
		t.Fatal("channel still there")
	}
	expectAPIError(t, srv, "DELETE", path, nil, 404, 10003)
}

func TestRoleAdministration(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	gw, _ := connectBot(t, srv, adminIntents)
	guild := "/guilds/" + demo.GuildID.String()
	type roleEvent struct {
		Role struct {
			ID       Snowflake `json:"id"`
			Name     string    `json:"name"`
			Position int       `json:"position"`
			Color    int       `json:"color"`
		} `json:"role"`
	}

	var created struct {
		ID       Snowflake `json:"id"`
		Position int       `json:"position"`
		Name     string    `json:"name"`
	}
	if st, _ := api(t, srv, "POST", guild+"/roles", map[string]any{"name": "Champion", "color": 0xFFD700, "hoist": true}, &created); st != 200 {
		t.Fatalf("create: %d", st)
	}
	if created.Position != 1 || created.Name != "Champion" {
		t.Fatalf("created %+v", created)
	}
	var ev roleEvent
	gw.expect("GUILD_ROLE_CREATE").decode(t, &ev)
	if ev.Role.ID != created.ID {
		t.Fatalf("event %+v", ev)
	}

	// Edit.
	if st, _ := api(t, srv, "PATCH", guild+"/roles/"+created.ID.String(), map[string]any{"name": "Champion II", "color": 0x00FF00}, nil); st != 200 {
		t.Fatalf("edit: %d", st)
	}
	gw.expect("GUILD_ROLE_UPDATE").decode(t, &ev)
	if r, _ := srv.State().Role(demo.GuildID, created.ID); r.Name != "Champion II" || r.Color != 0x00FF00 || !r.Hoist {
		t.Fatalf("edited %+v", r)
	}
	expectAPIError(t, srv, "PATCH", guild+"/roles/1", map[string]any{"name": "x"}, 404, 10011)
	var fetched struct{ Name string }
	if st, _ := api(t, srv, "GET", guild+"/roles/"+created.ID.String(), nil, &fetched); st != 200 || fetched.Name != "Champion II" {
		t.Fatalf("get role: %d %+v", st, fetched)
	}

	// Move it to position 3: the roles it passes move down one, and each move is an update.
	var roles []struct {
		ID       Snowflake `json:"id"`
		Position int       `json:"position"`
	}
	if st, _ := api(t, srv, "PATCH", guild+"/roles", []map[string]any{{"id": created.ID, "position": 3}}, &roles); st != 200 {
		t.Fatalf("reorder: %d", st)
	}
	for range 3 {
		gw.expect("GUILD_ROLE_UPDATE")
	}
	if r, _ := srv.State().Role(demo.GuildID, created.ID); r.Position != 3 {
		t.Fatalf("position %d", r.Position)
	}
	seen := map[int]bool{}
	for _, r := range roles {
		if seen[r.Position] {
			t.Fatalf("duplicate position %d in %+v", r.Position, roles)
		}
		seen[r.Position] = true
	}
	expectFormError(t, srv, "PATCH", guild+"/roles", []map[string]any{{"id": demo.GuildID, "position": 2}}, "0.id", "ROLE_INVALID")

	// Delete.
	if st, _ := api(t, srv, "DELETE", guild+"/roles/"+created.ID.String(), nil, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	gw.expect("GUILD_ROLE_DELETE")
	expectFormError(t, srv, "DELETE", guild+"/roles/"+demo.GuildID.String(), nil, "role_id", "ROLE_INVALID")
	// The bot's own role is above it... but managed roles cannot be deleted.
	expectAPIError(t, srv, "DELETE", guild+"/roles/"+demo.Roles[srv.BotUser().Username].String(), nil, 403, 50013)
}

func TestMemberAddRemove(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	gw, _ := connectBot(t, srv, adminIntents)
	m, err := srv.AddMember(Member{GuildID: demo.GuildID, User: User{Username: "newcomer"}})
	if err != nil {
		t.Fatal(err)
	}
	gw.expect("GUILD_MEMBER_ADD")
	if err := srv.RemoveMember(demo.GuildID, m.User.ID); err != nil {
		t.Fatal(err)
	}
	var rm struct {
		GuildID Snowflake `json:"guild_id"`
		User    struct {
			ID Snowflake `json:"id"`
		} `json:"user"`
	}
	gw.expect("GUILD_MEMBER_REMOVE").decode(t, &rm)
	if rm.GuildID != demo.GuildID || rm.User.ID != m.User.ID {
		t.Fatalf("remove %+v", rm)
	}
	if err := srv.RemoveMember(demo.GuildID, m.User.ID); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("second remove: %v", err)
	}
	// A kick through REST sends the same event; the owner cannot be kicked.
	guild := "/guilds/" + demo.GuildID.String()
	if st, _ := api(t, srv, "DELETE", guild+"/members/"+demo.Members["player5"].String(), nil, nil); st != 204 {
		t.Fatalf("kick: %d", st)
	}
	gw.expect("GUILD_MEMBER_REMOVE")
	expectAPIError(t, srv, "DELETE", guild+"/members/"+demo.Members["owner"].String(), nil, 403, 50013)
	expectAPIError(t, srv, "DELETE", guild+"/members/"+demo.Members["player5"].String(), nil, 404, 10007)

	// Timeouts: up to 28 days ahead.
	until := func(d time.Duration) map[string]any {
		return map[string]any{"communication_disabled_until": time.Now().Add(d).UTC().Format(time.RFC3339)}
	}
	p1 := guild + "/members/" + demo.Members["player1"].String()
	if st, _ := api(t, srv, "PATCH", p1, until(27*24*time.Hour), nil); st != 200 {
		t.Fatalf("timeout 27 days: %d", st)
	}
	gw.expect("GUILD_MEMBER_UPDATE")
	expectFormError(t, srv, "PATCH", p1, until(29*24*time.Hour), "communication_disabled_until", "COMMUNICATION_DISABLED_UNTIL_TOO_FAR")
	raw, _ := json.Marshal(map[string]any{"communication_disabled_until": nil})
	if st, _ := api(t, srv, "PATCH", p1, raw, nil); st != 200 {
		t.Fatalf("lift timeout: %d", st)
	}
	if mem, _ := srv.State().Member(demo.GuildID, demo.Members["player1"]); mem.CommunicationDisabledUntil != nil {
		t.Fatal("timeout not lifted")
	}
}
