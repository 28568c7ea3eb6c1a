package discordsim

import (
	"errors"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func TestDiscordgoREST(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	dg := newDiscordgo(t, srv)
	gid, general := demo.GuildID.String(), demo.Channels["general"].String()

	me, err := dg.User("@me")
	if err != nil || me.ID != srv.BotUser().ID.String() || !me.Bot {
		t.Fatalf("User(@me) = %+v, %v", me, err)
	}
	app, err := dg.Application("@me")
	if err != nil || app.ID != srv.Application().ID.String() {
		t.Fatalf("Application(@me) = %+v, %v", app, err)
	}
	roles, err := dg.GuildRoles(gid)
	if err != nil || len(roles) != len(demo.Roles) {
		t.Fatalf("GuildRoles: %d, %v", len(roles), err)
	}
	channels, err := dg.GuildChannels(gid)
	if err != nil || len(channels) != len(demo.Channels) {
		t.Fatalf("GuildChannels: %d, %v", len(channels), err)
	}
	mem, err := dg.GuildMember(gid, demo.Members["evaluator"].String())
	if err != nil || mem.User.Username != "evaluator" || len(mem.Roles) != 2 {
		t.Fatalf("GuildMember: %+v, %v", mem, err)
	}
	_, err = dg.GuildMember(gid, srv.BotUser().ID.String()+"0")
	var rerr *discordgo.RESTError
	if !errors.As(err, &rerr) || rerr.Message == nil || rerr.Message.Code != 10013 && rerr.Message.Code != 10007 {
		t.Fatalf("unknown member error = %v", err)
	}

	p4 := demo.Members["player4"].String()
	if err := dg.GuildMemberRoleAdd(gid, p4, demo.Roles["Evaluated"].String()); err != nil {
		t.Fatal(err)
	}
	if err := dg.GuildMemberRoleRemove(gid, p4, demo.Roles["Tryout Pending"].String()); err != nil {
		t.Fatal(err)
	}
	m, _ := srv.State().Member(demo.GuildID, demo.Members["player4"])
	if !m.HasRole(demo.Roles["Evaluated"]) || m.HasRole(demo.Roles["Tryout Pending"]) {
		t.Fatalf("roles after REST %v", m.Roles)
	}
	until := time.Now().Add(10 * time.Minute)
	if err := dg.GuildMemberTimeout(gid, p4, &until); err != nil {
		t.Fatal(err)
	}

	sent, err := dg.ChannelMessageSendComplex(general, &discordgo.MessageSend{
		Content: "Tryout results are in",
		Embeds:  []*discordgo.MessageEmbed{{Title: "Results", Fields: []*discordgo.MessageEmbedField{{Name: "player4", Value: "passed", Inline: true}}}},
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Details", Style: discordgo.PrimaryButton, CustomID: "details"},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent.Embeds) != 1 || sent.Embeds[0].Fields[0].Value != "passed" || len(sent.Components) != 1 {
		t.Fatalf("sent %+v", sent)
	}
	edited, err := dg.ChannelMessageEdit(general, sent.ID, "Tryout results are in (final)")
	if err != nil || edited.Content != "Tryout results are in (final)" || edited.EditedTimestamp == nil {
		t.Fatalf("edit: %+v %v", edited, err)
	}
	msgs, err := dg.ChannelMessages(general, 10, "", "", "")
	if err != nil || len(msgs) != 1 {
		t.Fatalf("ChannelMessages: %d %v", len(msgs), err)
	}
	if err := dg.ChannelMessageDelete(general, sent.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := dg.ChannelMessageSend(general, string(make([]byte, 2001))); err == nil {
		t.Fatal("content over 2000 must fail")
	}

	dm, err := dg.UserChannelCreate(p4)
	if err != nil || dm.Type != discordgo.ChannelTypeDM {
		t.Fatalf("UserChannelCreate: %+v %v", dm, err)
	}
	if _, err := dg.ChannelMessageSend(dm.ID, "You passed!"); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.State().Messages(Snowflake(mustID(t, dm.ID))); len(msgs) != 1 {
		t.Fatalf("DM history %v", msgs)
	}
	if got := srv.Requests(RequestFilter{Route: "/users/@me/channels"}); len(got) != 1 {
		t.Fatalf("recorded %d DM opens", len(got))
	}
}

func mustID(t *testing.T, s string) Snowflake {
	t.Helper()
	id, err := ParseSnowflake(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDiscordgoBotEndToEnd(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{HeartbeatInterval: time.Second})
	dg := startBot(t, srv, demo)
	ctx := testCtx(t)

	if err := dg.UpdateListeningStatus("commands | !help"); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitFor(ctx, func(s *State) bool {
		ss := s.Sessions()
		return len(ss) == 1 && len(ss[0].Presence.Activities) == 1 &&
			ss[0].Presence.Activities[0].Name == "commands | !help" && ss[0].Presence.Activities[0].Type == ActivityListening
	}); err != nil {
		t.Fatalf("presence: %v (%+v)", err, srv.State().Sessions())
	}

	ex, err := srv.Slash(ctx, SlashRequest{Text: "/headpat member:@player2"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ex.WaitAnswer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Message.Content != "*pats <@"+demo.Members["player2"].String()+">*" || len(r.Message.Embeds) != 1 || r.Message.Embeds[0].Title != "Headpat" {
		t.Fatalf("headpat reply %+v", r)
	}

	ex, err = srv.Slash(ctx, SlashRequest{Text: "/say text:hello there"})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ex.Wait(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !rs[0].Deferred || rs[1].Kind != ReplyEdit || rs[1].Message.Content != "hello there" || rs[2].Kind != ReplyFollowup || !rs[2].Ephemeral {
		t.Fatalf("say replies %+v", rs)
	}

	px, err := srv.Prefix(ctx, MessageRequest{Content: "!ping"})
	if err != nil {
		t.Fatal(err)
	}
	rs, err = px.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Kind != ReplyMessage || rs[0].Message.Content != "pong" || rs[0].Message.MessageReference.MessageID != px.Trigger.ID {
		t.Fatalf("ping reply %+v", rs[0])
	}
}
