package discordsim

import (
	"net/http"
	"testing"
)

// TestBotChannelPermissions checks REST refuses what the bot may not do in a channel, with
// Discord's answers: 50001 when it cannot see the channel, 50013 when it lacks a permission,
// following the overwrite order (@everyone, roles, member).
func TestBotChannelPermissions(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	// A guild where the bot is an ordinary member with @everyone's permissions.
	g, err := srv.AddGuild(Guild{Name: "strict", OwnerID: demo.Members["owner"]})
	if err != nil {
		t.Fatal(err)
	}
	bot := srv.BotUser().ID
	speaker, err := srv.AddRole(Role{GuildID: g.ID, Name: "Speaker"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddMemberRole(g.ID, bot, speaker.ID); err != nil {
		t.Fatal(err)
	}
	channel := func(name string, o ...PermissionOverwrite) string {
		c, err := srv.AddChannel(Channel{GuildID: g.ID, Name: name, PermissionOverwrites: o})
		if err != nil {
			t.Fatal(err)
		}
		return "/channels/" + c.ID.String()
	}
	everyone := func(allow, deny Permissions) PermissionOverwrite {
		return PermissionOverwrite{ID: g.ID, Type: OverwriteRole, Allow: allow, Deny: deny}
	}
	open := channel("open")
	hidden := channel("hidden", everyone(0, PermViewChannel))
	readOnly := channel("read-only", everyone(0, PermSendMessages))
	roleAllowed := channel("role-allowed", everyone(0, PermSendMessages),
		PermissionOverwrite{ID: speaker.ID, Type: OverwriteRole, Allow: PermSendMessages})
	memberDenied := channel("member-denied", PermissionOverwrite{ID: speaker.ID, Type: OverwriteRole, Allow: PermSendMessages},
		PermissionOverwrite{ID: bot, Type: OverwriteMember, Deny: PermSendMessages})
	msg := map[string]any{"content": "hi"}
	member, err := srv.AddMember(Member{GuildID: g.ID, User: User{Username: "someone"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path string
		body               any
		status, code       int
	}{
		{"post in an open channel", "POST", open + "/messages", msg, 200, 0},
		{"post where @everyone cannot see", "POST", hidden + "/messages", msg, 403, 50001},
		{"read where @everyone cannot see", "GET", hidden + "/messages", nil, 403, 50001},
		{"post where @everyone cannot send", "POST", readOnly + "/messages", msg, 403, 50013},
		{"read a read-only channel", "GET", readOnly + "/messages", nil, 200, 0},
		{"a role overwrite allows", "POST", roleAllowed + "/messages", msg, 200, 0},
		{"a member overwrite beats the role", "POST", memberDenied + "/messages", msg, 403, 50013},
		{"slowmode needs MANAGE_CHANNELS", "PATCH", open, map[string]any{"rate_limit_per_user": 5}, 403, 50013},
		{"overwrites need MANAGE_ROLES", "PUT", open + "/permissions/" + g.ID.String(), map[string]any{"type": 0}, 403, 50013},
		{"bulk delete needs MANAGE_MESSAGES", "POST", open + "/messages/bulk-delete", map[string]any{"messages": []Snowflake{srv.newID(), srv.newID()}}, 403, 50013},
		{"channel delete needs MANAGE_CHANNELS", "DELETE", readOnly, nil, 403, 50013},
		{"role create needs MANAGE_ROLES", "POST", "/guilds/" + g.ID.String() + "/roles", map[string]any{"name": "x"}, 403, 50013},
		{"timeout needs MODERATE_MEMBERS", "PATCH", "/guilds/" + g.ID.String() + "/members/" + member.User.ID.String(),
			map[string]any{"communication_disabled_until": nil}, 403, 50013},
		{"nick needs MANAGE_NICKNAMES", "PATCH", "/guilds/" + g.ID.String() + "/members/" + member.User.ID.String(),
			map[string]any{"nick": "x"}, 403, 50013},
		{"member roles need MANAGE_ROLES", "PUT", "/guilds/" + g.ID.String() + "/members/" + member.User.ID.String() + "/roles/" + speaker.ID.String(),
			nil, 403, 50013},
		{"kick needs KICK_MEMBERS", "DELETE", "/guilds/" + g.ID.String() + "/members/" + member.User.ID.String(), nil, 403, 50013},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.status == http.StatusOK {
				if st, _ := api(t, srv, tc.method, tc.path, tc.body, nil); st != 200 {
					t.Fatalf("status %d", st)
				}
				return
			}
			expectAPIError(t, srv, tc.method, tc.path, tc.body, tc.status, tc.code)
		})
	}
}
