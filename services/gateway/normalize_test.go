package gateway

import (
	"testing"
	"time"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
)

func newTestNormalizer() *normalizer {
	n := &normalizer{reg: commands.Novera(), guilds: newGuildCache()}
	n.guilds.put(&wireGuild{ID: "10", OwnerID: "1", Roles: []wireRole{
		{ID: "10", Permissions: "1024"},          // @everyone: view channel
		{ID: "20", Permissions: "8"},             // administrator
		{ID: "30", Permissions: "1099511627776"}, // moderate members
	}})
	return n
}

func TestFromInteraction(t *testing.T) {
	n := newTestNormalizer()
	tests := []struct {
		name        string
		raw         string
		wantOK      bool
		wantErr     bool
		wantSubject string
		check       func(t *testing.T, c *busv1.Command)
	}{
		{
			name: "slash with a member option",
			raw: `{"id":"5","application_id":"9","type":2,"token":"tok","guild_id":"10","channel_id":"11",
				"member":{"user":{"id":"2","username":"amy"},"roles":["30"],"permissions":"1099511628800"},
				"data":{"name":"headpat","options":[{"name":"member","type":6,"value":"3"}],
				"resolved":{"users":{"3":{"id":"3","username":"bo"}},"members":{"3":{"roles":[]}}}}}`,
			wantOK: true, wantSubject: "commands.fun.headpat",
			check: func(t *testing.T, c *busv1.Command) {
				if c.Source != busv1.Source_SOURCE_SLASH || c.InteractionToken != "tok" || c.Id != "5" {
					t.Errorf("identity: %+v", c)
				}
				if len(c.Options) != 1 || c.Options[0].Value != "3" || c.Options[0].Type != busv1.OptionType_OPTION_TYPE_USER {
					t.Errorf("options: %+v", c.Options)
				}
				if u := c.Users["3"]; u == nil || !u.InGuild || u.Username != "bo" {
					t.Errorf("resolved member: %+v", u)
				}
				if c.Invoker.Permissions != 1099511628800 || c.Invoker.RoleIds[0] != "30" {
					t.Errorf("invoker: %+v", c.Invoker)
				}
			},
		},
		{
			name:   "resolved user who is not a member",
			raw:    `{"id":"5","type":2,"token":"t","guild_id":"10","member":{"user":{"id":"2"}},"data":{"name":"headpat","options":[{"name":"member","type":6,"value":"4"}],"resolved":{"users":{"4":{"id":"4"}}}}}`,
			wantOK: true, wantSubject: "commands.fun.headpat",
			check: func(t *testing.T, c *busv1.Command) {
				if c.Users["4"].InGuild {
					t.Error("a user without a resolved member is not in the guild")
				}
			},
		},
		{
			name:   "unknown slash command",
			raw:    `{"id":"5","type":2,"token":"t","user":{"id":"2"},"data":{"name":"Ghost"}}`,
			wantOK: true, wantSubject: commands.UnknownSubject,
			check: func(t *testing.T, c *busv1.Command) {
				if c.Name != commands.UnknownName || c.InvokedAs != "ghost" || c.Invoker.InGuild {
					t.Errorf("%+v", c)
				}
			},
		},
		{
			name:   "button routed by custom id",
			raw:    `{"id":"6","type":3,"token":"t","guild_id":"10","member":{"user":{"id":"2"}},"message":{"id":"77"},"data":{"custom_id":"help:fun","values":["Fun"]}}`,
			wantOK: true, wantSubject: "commands.community.help",
			check: func(t *testing.T, c *busv1.Command) {
				if c.Source != busv1.Source_SOURCE_COMPONENT || c.CustomId != "help:fun" || c.ComponentMessageId != "77" || c.Values[0] != "Fun" {
					t.Errorf("%+v", c)
				}
			},
		},
		{
			name:   "modal fields",
			raw:    `{"id":"7","type":5,"token":"t","guild_id":"10","member":{"user":{"id":"2"}},"data":{"custom_id":"headpat:x","components":[{"type":1,"components":[{"type":4,"custom_id":"name","value":"Lions"}]}]}}`,
			wantOK: true, wantSubject: "commands.fun.headpat",
			check: func(t *testing.T, c *busv1.Command) {
				if c.Source != busv1.Source_SOURCE_MODAL || c.Fields["name"] != "Lions" {
					t.Errorf("%+v", c)
				}
			},
		},
		{
			name:   "subcommand flattened",
			raw:    `{"id":"9","type":2,"token":"t","user":{"id":"2"},"data":{"name":"help","options":[{"name":"set","type":1,"options":[{"name":"key","type":3,"value":"sassy"}]}]}}`,
			wantOK: true, wantSubject: "commands.community.help",
			check: func(t *testing.T, c *busv1.Command) {
				if len(c.Options) != 2 || c.Options[0].Name != commands.SubcommandOption || c.Options[0].Value != "set" || c.Options[1].Value != "sassy" {
					t.Errorf("%+v", c.Options)
				}
			},
		},
		{name: "ping is not a command", raw: `{"id":"8","type":1,"token":"t","user":{"id":"2"}}`},
		{name: "no token", raw: `{"id":"8","type":2,"data":{"name":"headpat"}}`, wantErr: true},
		{name: "no invoker", raw: `{"id":"8","type":2,"token":"t","data":{"name":"headpat"}}`, wantErr: true},
		{name: "not JSON", raw: `{"id":`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, subject, ok, err := n.fromInteraction([]byte(tc.raw), 3, time.Unix(0, 0))
			if (err != nil) != tc.wantErr || ok != tc.wantOK {
				t.Fatalf("ok=%v err=%v", ok, err)
			}
			if !ok {
				return
			}
			if subject != tc.wantSubject {
				t.Errorf("subject %q, want %q", subject, tc.wantSubject)
			}
			if c.Shard != 3 {
				t.Errorf("shard %d", c.Shard)
			}
			tc.check(t, c)
		})
	}
}

func TestFromMessage(t *testing.T) {
	n := newTestNormalizer()
	msg := func(content string, authorID string, roles ...string) *wireMessage {
		return &wireMessage{ID: "100", ChannelID: "11", GuildID: "10", Content: content,
			Author: wireUser{ID: authorID, Username: "u"}, Member: &wireMember{Roles: roles},
			Mentions: []wireMention{{wireUser: wireUser{ID: "3"}, Member: &wireMember{}}, {wireUser: wireUser{ID: "4"}}}}
	}
	tests := []struct {
		name        string
		m           *wireMessage
		wantOK      bool
		wantSubject string
		wantName    string
		wantPerms   uint64
		wantParse   bool
	}{
		{"prefix command", msg("!headpat <@3>", "2"), true, "commands.fun.headpat", "headpat", 1024, false},
		{"alias", msg("!Commands", "2"), true, "commands.community.help", "help", 1024, false},
		{"owner gets everything", msg("!headpat", "1"), true, "commands.fun.headpat", "headpat", 0, false},
		{"administrator role", msg("!headpat", "2", "20"), true, "commands.fun.headpat", "headpat", 0, false},
		{"bad arguments are carried, not dropped", msg("!headpat nobody", "2"), true, "commands.fun.headpat", "headpat", 1024, true},
		{"unknown command", msg("!dance", "2"), true, commands.UnknownSubject, commands.UnknownName, 1024, false},
		{"plain chat", msg("hello there", "2"), false, "", "", 0, false},
		{"bots are ignored", &wireMessage{ID: "1", Content: "!headpat", Author: wireUser{ID: "9", Bot: true}}, false, "", "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, subject, ok := n.fromMessage(tc.m, "!", 0, time.Now())
			if ok != tc.wantOK {
				t.Fatalf("ok=%v", ok)
			}
			if !ok {
				return
			}
			if subject != tc.wantSubject || c.Name != tc.wantName {
				t.Errorf("routed %q as %q", subject, c.Name)
			}
			if tc.wantPerms != 0 && c.Invoker.Permissions != tc.wantPerms {
				t.Errorf("permissions %d, want %d", c.Invoker.Permissions, tc.wantPerms)
			}
			if tc.wantPerms == 0 && c.Invoker.Permissions&8 == 0 {
				t.Errorf("owner/administrator should have Administrator, got %d", c.Invoker.Permissions)
			}
			if (c.ParseError != "") != tc.wantParse {
				t.Errorf("parse error %q", c.ParseError)
			}
			if !c.Users["3"].InGuild || c.Users["4"].InGuild {
				t.Errorf("mentions: %+v", c.Users)
			}
			if c.Source != busv1.Source_SOURCE_PREFIX || c.MessageId != "100" || c.Prefix != "!" {
				t.Errorf("identity: %+v", c)
			}
		})
	}
}

func TestPeekMessage(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		want   messageHead
		wantOK bool
	}{
		{"chat", `{"id":"7","guild_id":"10","content":"gg","author":{"id":"2","bot":false},"webhook_id":null}`,
			messageHead{ID: "7", GuildID: "10", AuthorID: "2", Content: "gg"}, true},
		{"a bot's reply", `{"author":{"bot":true,"id":"9"},"content":"*pats*","id":"8"}`,
			messageHead{ID: "8", AuthorID: "9", AuthorBot: true, Content: "*pats*"}, true},
		{"a webhook", `{"id":"8","webhook_id":"55","author":{"id":"55"},"content":"!headpat"}`,
			messageHead{ID: "8", AuthorID: "55", Webhook: true, Content: "!headpat"}, true},
		{"escaped content", `{"id":"8","content":"!say \"hi\" \u00e9","author":{"id":"2"}}`,
			messageHead{ID: "8", AuthorID: "2", Content: `!say "hi" é`}, true},
		{"a reply keeps its own author and content", `{"referenced_message":{"id":"1","content":"!ban","author":{"id":"66","bot":true}},` +
			`"id":"9","content":"lol","author":{"id":"2"},"embeds":[{"author":{"name":"x"}}]}`,
			messageHead{ID: "9", AuthorID: "2", Content: "lol"}, true},
		{"no id", `{"content":"!headpat","author":{"id":"2"}}`, messageHead{AuthorID: "2", Content: "!headpat"}, false},
		{"not json", `not json`, messageHead{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := peekMessage([]byte(tt.raw))
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("peekMessage = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
