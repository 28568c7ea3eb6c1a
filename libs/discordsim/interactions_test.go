package discordsim

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

type interactionPayload struct {
	ID            Snowflake   `json:"id"`
	ApplicationID Snowflake   `json:"application_id"`
	Type          int         `json:"type"`
	Token         string      `json:"token"`
	Version       int         `json:"version"`
	GuildID       Snowflake   `json:"guild_id"`
	ChannelID     Snowflake   `json:"channel_id"`
	Locale        string      `json:"locale"`
	AppPerms      Permissions `json:"app_permissions"`
	Channel       struct{ ID Snowflake }
	Member        *struct {
		User        struct{ ID Snowflake }
		Roles       []Snowflake
		Permissions Permissions
		JoinedAt    string `json:"joined_at"`
	}
	User *struct{ ID Snowflake }
	Data struct {
		ID            Snowflake       `json:"id"`
		Name          string          `json:"name"`
		Type          int             `json:"type"`
		Options       []wireOption    `json:"options"`
		CustomID      string          `json:"custom_id"`
		ComponentType int             `json:"component_type"`
		Values        []string        `json:"values"`
		Components    json.RawMessage `json:"components"`
		Resolved      struct {
			Users map[Snowflake]struct {
				ID       Snowflake
				Username string
			}
			Members map[Snowflake]map[string]any
			Roles   map[Snowflake]struct{ Name string }
		}
	}
	Message *struct{ ID Snowflake }
}

func readInteraction(t *testing.T, g *testGW) interactionPayload {
	t.Helper()
	var ip interactionPayload
	g.expect("INTERACTION_CREATE").decode(t, &ip)
	return ip
}

func callback(t *testing.T, srv *Server, ip interactionPayload, body any) (int, apiErrBody) {
	t.Helper()
	var e apiErrBody
	st, _ := apiAuth(t, srv, "", "POST", "/interactions/"+ip.ID.String()+"/"+ip.Token+"/callback", body, &e)
	return st, e
}

func webhookPath(srv *Server, ip interactionPayload) string {
	return "/webhooks/" + srv.Application().ID.String() + "/" + ip.Token
}

func TestSlashInteractionCreate(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	registerCommands(t, srv, demo.GuildID, testCommands())
	bot, _ := connectBot(t, srv, 0) // INTERACTION_CREATE needs no intent
	ctx := testCtx(t)
	p2 := demo.Members["player2"]
	ex, err := srv.Slash(ctx, SlashRequest{UserID: demo.Members["player1"], Text: "/headpat member:<@" + p2.String() + "> reason:for being great"})
	if err != nil {
		t.Fatal(err)
	}
	ip := readInteraction(t, bot)
	if ip.ID != ex.InteractionID || ip.Token != ex.InteractionToken || ip.Type != 2 || ip.Version != 1 ||
		ip.ApplicationID != srv.Application().ID || ip.GuildID != demo.GuildID || ip.ChannelID != demo.Channels["general"] ||
		ip.Channel.ID != demo.Channels["general"] || ip.Locale != "en-US" || ip.AppPerms != PermAll {
		t.Fatalf("bad interaction %+v", ip)
	}
	if ip.Member == nil || ip.Member.User.ID != demo.Members["player1"] || len(ip.Member.Roles) != 4 || ip.Member.JoinedAt == "" {
		t.Fatalf("member %+v", ip.Member)
	}
	if ip.Member.Permissions.Has(PermAdministrator) || !ip.Member.Permissions.Has(PermSendMessages) {
		t.Fatalf("player permissions %v", ip.Member.Permissions)
	}
	if ip.Data.Name != "headpat" || ip.Data.Type != 1 || ip.Data.ID == 0 || len(ip.Data.Options) != 2 {
		t.Fatalf("data %+v", ip.Data)
	}
	if u := ip.Data.Resolved.Users[p2]; u.Username != "player2" {
		t.Fatalf("resolved users %+v", ip.Data.Resolved.Users)
	}
	rm, ok := ip.Data.Resolved.Members[p2]
	if !ok || rm["user"] != nil || rm["permissions"] == nil || rm["roles"] == nil {
		t.Fatalf("resolved member must have roles and permissions and no user: %v", rm)
	}

	// Staff (Management = Administrator) and the owner get every permission.
	for _, who := range []string{"staff", "owner"} {
		if _, err := srv.Slash(ctx, SlashRequest{UserID: demo.Members[who], Text: "/headpat member:player3"}); err != nil {
			t.Fatal(err)
		}
		if ip := readInteraction(t, bot); ip.Member.Permissions != PermAll {
			t.Fatalf("%s permissions %v", who, ip.Member.Permissions)
		}
	}
}

func TestInteractionCallbackOnceAndLate(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{InteractionDeadline: 300 * time.Millisecond})
	registerCommands(t, srv, demo.GuildID, testCommands())
	bot, _ := connectBot(t, srv, IntentGuildMessages)
	ctx := testCtx(t)

	ex, err := srv.Slash(ctx, SlashRequest{Text: "/headpat member:player2"})
	if err != nil {
		t.Fatal(err)
	}
	ip := readInteraction(t, bot)
	if st, _ := callback(t, srv, ip, map[string]any{"type": 4, "data": map[string]any{"content": "*pats*"}}); st != http.StatusNoContent {
		t.Fatalf("first callback %d", st)
	}
	if st, e := callback(t, srv, ip, map[string]any{"type": 4, "data": map[string]any{"content": "again"}}); st != 400 || e.Code != 40060 {
		t.Fatalf("second callback %d %+v", st, e)
	}
	rs, err := ex.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r := rs[0]; r.Kind != ReplyInteractionResponse || r.Message.Content != "*pats*" || r.Ephemeral || r.ResponseType != 4 {
		t.Fatalf("reply %+v", r)
	}
	// A public response is a real channel message, dispatched like Discord does.
	var m struct {
		Type            int
		Content         string
		WebhookID       Snowflake      `json:"webhook_id"`
		InteractionMeta map[string]any `json:"interaction_metadata"`
	}
	bot.expect("MESSAGE_CREATE").decode(t, &m)
	if m.Type != MessageTypeChatInput || m.Content != "*pats*" || m.WebhookID != srv.Application().ID || m.InteractionMeta["name"] != "headpat" {
		t.Fatalf("response message %+v", m)
	}
	if msgs := srv.State().Messages(demo.Channels["general"]); len(msgs) != 1 || msgs[0].InteractionID != ip.ID {
		t.Fatalf("history %v", msgs)
	}

	// Too late.
	if _, err := srv.Slash(ctx, SlashRequest{Text: "/headpat member:player2"}); err != nil {
		t.Fatal(err)
	}
	late := readInteraction(t, bot)
	time.Sleep(400 * time.Millisecond)
	if st, e := callback(t, srv, late, map[string]any{"type": 4, "data": map[string]any{"content": "late"}}); st != 404 || e.Code != 10062 {
		t.Fatalf("late callback %d %+v", st, e)
	}
	// Unknown id or wrong token.
	bogus := late
	bogus.Token = "wrong"
	if st, e := callback(t, srv, bogus, map[string]any{"type": 5}); st != 404 || e.Code != 10062 {
		t.Fatalf("wrong token %d %+v", st, e)
	}
	bogus = late
	bogus.ID = 42
	if st, e := callback(t, srv, bogus, map[string]any{"type": 5}); st != 404 || e.Code != 10062 {
		t.Fatalf("unknown id %d %+v", st, e)
	}
	// A command cannot be answered with an update (that is for components).
	if _, err := srv.Slash(ctx, SlashRequest{Text: "/headpat member:player2"}); err != nil {
		t.Fatal(err)
	}
	if st, e := callback(t, srv, readInteraction(t, bot), map[string]any{"type": 7, "data": map[string]any{"content": "x"}}); st != 400 || e.Code != 50035 {
		t.Fatalf("type 7 on a command %d %+v", st, e)
	}
}

func TestInteractionDeferredEphemeralFollowups(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	registerCommands(t, srv, demo.GuildID, testCommands())
	bot, _ := connectBot(t, srv, 0)
	ctx := testCtx(t)
	ex, err := srv.Slash(ctx, SlashRequest{Text: "/headpat member:player2"})
	if err != nil {
		t.Fatal(err)
	}
	ip := readInteraction(t, bot)
	wh := webhookPath(srv, ip)

	// A follow-up before the acknowledgement is refused.
	expectAPIError(t, srv, "POST", wh, map[string]any{"content": "early"}, 404, 10015)
	if st, _ := callback(t, srv, ip, map[string]any{"type": 5, "data": map[string]any{"flags": FlagEphemeral}}); st != 204 {
		t.Fatalf("defer %d", st)
	}
	var orig struct {
		ID    Snowflake
		Flags int
	}
	api(t, srv, "GET", wh+"/messages/@original", nil, &orig)
	if orig.Flags != FlagLoading|FlagEphemeral {
		t.Fatalf("deferred original flags %d", orig.Flags)
	}
	if st, _ := api(t, srv, "PATCH", wh+"/messages/@original", map[string]any{"content": "done thinking"}, nil); st != 200 {
		t.Fatalf("edit original %d", st)
	}
	var fu struct {
		ID    Snowflake
		Flags int
	}
	api(t, srv, "POST", wh+"?wait=true", map[string]any{"content": "one more", "flags": FlagEphemeral}, &fu)
	if fu.ID == 0 || fu.Flags&FlagEphemeral == 0 {
		t.Fatalf("follow-up %+v", fu)
	}
	if st, _ := api(t, srv, "PATCH", wh+"/messages/"+fu.ID.String(), map[string]any{"content": "one more (edited)"}, nil); st != 200 {
		t.Fatalf("edit follow-up %d", st)
	}
	if st, _ := api(t, srv, "DELETE", wh+"/messages/"+fu.ID.String(), nil, nil); st != 204 {
		t.Fatalf("delete follow-up %d", st)
	}
	expectAPIError(t, srv, "GET", wh+"/messages/"+fu.ID.String(), nil, 404, 10008)
	expectAPIError(t, srv, "POST", "/webhooks/1/"+ip.Token, map[string]any{"content": "x"}, 404, 10015)

	rs, err := ex.Wait(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind     ReplyKind
		deferred bool
		content  string
	}{
		{ReplyInteractionResponse, true, ""},
		{ReplyEdit, false, "done thinking"},
		{ReplyFollowup, false, "one more"},
		{ReplyEdit, false, "one more (edited)"},
		{ReplyDelete, false, ""},
	}
	for i, w := range want {
		r := rs[i]
		if r.Kind != w.kind || r.Deferred != w.deferred || r.Message.Content != w.content || !r.Ephemeral {
			t.Fatalf("reply %d: %+v, want %+v", i, r, w)
		}
	}
	if ans, _ := ex.WaitAnswer(ctx); ans.Message.Content != "done thinking" {
		t.Fatalf("first answer %+v", ans)
	}
	// Ephemeral messages never reach the channel history.
	if n := len(srv.State().Messages(demo.Channels["general"])); n != 0 {
		t.Fatalf("%d messages in history", n)
	}
}

func TestInteractionFollowupFillsDeferredResponse(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	registerCommands(t, srv, demo.GuildID, testCommands())
	bot, _ := connectBot(t, srv, IntentGuildMessages|IntentMessageContent)
	ctx := testCtx(t)
	ex, _ := srv.Slash(ctx, SlashRequest{Text: "/headpat member:player2"})
	ip := readInteraction(t, bot)
	callback(t, srv, ip, map[string]any{"type": 5})
	var loading struct{ Flags int }
	bot.expect("MESSAGE_CREATE").decode(t, &loading)
	if loading.Flags != FlagLoading {
		t.Fatalf("loading flags %d", loading.Flags)
	}
	var fu struct{ ID Snowflake }
	api(t, srv, "POST", webhookPath(srv, ip), map[string]any{"content": "here it is"}, &fu)
	var upd struct {
		ID      Snowflake
		Content string
		Flags   int
	}
	bot.expect("MESSAGE_UPDATE").decode(t, &upd)
	if upd.ID != fu.ID || upd.Content != "here it is" || upd.Flags != 0 {
		t.Fatalf("the follow-up should fill the deferred message: %+v (follow-up %s)", upd, fu.ID)
	}
	rs, _ := ex.Wait(ctx, 2)
	if rs[1].Kind != ReplyFollowup || rs[1].MessageID != rs[0].MessageID {
		t.Fatalf("replies %+v", rs)
	}
}

func TestClickAndModal(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	registerCommands(t, srv, demo.GuildID, testCommands())
	bot, _ := connectBot(t, srv, 0)
	ctx := testCtx(t)
	ch := demo.Channels["giveaways"]

	// The bot posts a message with a button and a select.
	var posted struct{ ID Snowflake }
	api(t, srv, "POST", "/channels/"+ch.String()+"/messages", map[string]any{
		"content": "Giveaway!",
		"components": []map[string]any{
			{"type": 1, "components": []map[string]any{{"type": 2, "style": 1, "label": "Enter", "custom_id": "enter"}}},
			{"type": 1, "components": []map[string]any{{"type": 3, "custom_id": "pick", "options": []map[string]any{{"label": "A", "value": "a"}, {"label": "B", "value": "b"}}}}},
		},
	}, &posted)

	ex, err := srv.Click(ctx, ClickRequest{MessageID: posted.ID, CustomID: "enter", UserID: demo.Members["player3"]})
	if err != nil {
		t.Fatal(err)
	}
	ip := readInteraction(t, bot)
	if ip.Type != InteractionMessageComponent || ip.Data.CustomID != "enter" || ip.Data.ComponentType != 2 || ip.Message == nil || ip.Message.ID != posted.ID || ip.Member.User.ID != demo.Members["player3"] {
		t.Fatalf("component interaction %+v", ip)
	}
	if st, _ := callback(t, srv, ip, map[string]any{"type": 7, "data": map[string]any{"content": "Giveaway! (1 entry)"}}); st != 204 {
		t.Fatalf("update %d", st)
	}
	rs, _ := ex.Wait(ctx, 1)
	if rs[0].Kind != ReplyInteractionResponse || rs[0].MessageID != posted.ID || rs[0].Message.Content != "Giveaway! (1 entry)" {
		t.Fatalf("update reply %+v", rs[0])
	}
	if m, _ := srv.State().Message(ch, posted.ID); m.Content != "Giveaway! (1 entry)" || len(m.Components) != 2 {
		t.Fatalf("message after update %v", m)
	}

	if _, err := srv.Click(ctx, ClickRequest{MessageID: posted.ID, CustomID: "pick", Values: []string{"b"}}); err != nil {
		t.Fatal(err)
	}
	sel := readInteraction(t, bot)
	if sel.Data.ComponentType != 3 || len(sel.Data.Values) != 1 || sel.Data.Values[0] != "b" {
		t.Fatalf("select %+v", sel.Data)
	}
	if st, _ := callback(t, srv, sel, map[string]any{"type": 6}); st != 204 {
		t.Fatalf("deferred update %d", st)
	}
	for _, bad := range []ClickRequest{
		{MessageID: posted.ID, CustomID: "nope"},
		{MessageID: posted.ID, CustomID: "pick", Values: []string{"z"}},
		{MessageID: posted.ID, CustomID: "pick"},
		{MessageID: 1, CustomID: "enter"},
	} {
		if _, err := srv.Click(ctx, bad); err == nil {
			t.Fatalf("click %+v should fail", bad)
		}
	}

	// A slash command answered with a modal, then the modal submitted.
	ex, _ = srv.Slash(ctx, SlashRequest{Text: "/say text:form"})
	ip = readInteraction(t, bot)
	modal := map[string]any{"custom_id": "report", "title": "Report", "components": []map[string]any{
		{"type": 1, "components": []map[string]any{{"type": 4, "custom_id": "why", "label": "Why?", "style": 2}}},
	}}
	if st, e := callback(t, srv, ip, map[string]any{"type": 9, "data": modal}); st != 204 {
		t.Fatalf("modal %d %+v", st, e)
	}
	rs, _ = ex.Wait(ctx, 1)
	if rs[0].Kind != ReplyModal || rs[0].Modal == nil || rs[0].Modal.CustomID != "report" {
		t.Fatalf("modal reply %+v", rs[0])
	}
	if _, err := srv.SubmitModal(ctx, ModalSubmitRequest{InteractionID: ex.InteractionID, Values: map[string]string{}}); err == nil {
		t.Fatal("a required input left empty must fail")
	}
	sub, err := srv.SubmitModal(ctx, ModalSubmitRequest{InteractionID: ex.InteractionID, Values: map[string]string{"why": "spam"}})
	if err != nil {
		t.Fatal(err)
	}
	ms := readInteraction(t, bot)
	if ms.Type != InteractionModalSubmit || ms.Data.CustomID != "report" {
		t.Fatalf("modal submit %+v", ms)
	}
	var rows []struct {
		Components []struct {
			CustomID string `json:"custom_id"`
			Value    string
		}
	}
	json.Unmarshal(ms.Data.Components, &rows)
	if len(rows) != 1 || rows[0].Components[0].CustomID != "why" || rows[0].Components[0].Value != "spam" {
		t.Fatalf("modal components %s", ms.Data.Components)
	}
	callback(t, srv, ms, map[string]any{"type": 4, "data": map[string]any{"content": "Thanks", "flags": 64}})
	if r, _ := sub.WaitAnswer(ctx); r.Message.Content != "Thanks" || !r.Ephemeral {
		t.Fatalf("modal answer %+v", r)
	}
	if _, err := srv.SubmitModal(ctx, ModalSubmitRequest{InteractionID: ex.InteractionID, Values: map[string]string{"why": "again"}}); err == nil {
		t.Fatal("a modal is submitted once")
	}
}

func TestPrefixExchange(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	bot, _ := connectBot(t, srv, IntentGuildMessages|IntentMessageContent)
	ctx := testCtx(t)
	p2 := demo.Members["player2"]
	ex, err := srv.Prefix(ctx, MessageRequest{UserID: demo.Members["moderator"], Content: "!warn <@" + p2.String() + "> <@&" + demo.Roles["Verified"].String() + "> spam"})
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ID       Snowflake
		Content  string
		Member   *struct{ Roles []Snowflake }
		Mentions []struct {
			ID     Snowflake
			Member *struct{ Roles []Snowflake }
		}
		MentionRoles []Snowflake `json:"mention_roles"`
		Timestamp    time.Time
	}
	bot.expect("MESSAGE_CREATE").decode(t, &m)
	if m.ID != ex.Trigger.ID || m.Member == nil || len(m.Mentions) != 1 || m.Mentions[0].ID != p2 ||
		m.Mentions[0].Member == nil || len(m.MentionRoles) != 1 || m.Timestamp.IsZero() {
		t.Fatalf("MESSAGE_CREATE %+v", m)
	}
	base := "/channels/" + demo.Channels["general"].String() + "/messages"
	var r1 struct{ ID Snowflake }
	api(t, srv, "POST", base, map[string]any{"content": "Warned.", "message_reference": map[string]any{"message_id": m.ID}}, &r1)
	api(t, srv, "POST", base, map[string]any{"content": "Logged.", "nonce": m.ID.String(), "enforce_nonce": true}, nil)
	api(t, srv, "POST", base, map[string]any{"content": "unrelated"}, nil)
	api(t, srv, "PATCH", base+"/"+r1.ID.String(), map[string]any{"content": "Warned (edited)."}, nil)
	rs, err := ex.Wait(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].Kind != ReplyMessage || rs[0].Message.Content != "Warned." || rs[1].Message.Content != "Logged." ||
		rs[2].Kind != ReplyEdit || rs[2].Message.Content != "Warned (edited)." {
		t.Fatalf("replies %+v", rs)
	}
}

func TestWaitForStateChange(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	ctx := testCtx(t)
	go func() {
		time.Sleep(20 * time.Millisecond)
		srv.AddMemberRole(demo.GuildID, demo.Members["player5"], demo.Roles["Spank"])
	}()
	err := srv.WaitFor(ctx, func(s *State) bool {
		m, _ := s.Member(demo.GuildID, demo.Members["player5"])
		return m.HasRole(demo.Roles["Spank"])
	})
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if err := srv.WaitFor(short, func(*State) bool { return false }); !isTimeout(err) {
		t.Fatalf("WaitFor = %v, want a deadline error", err)
	}
}
