package discordsim

import (
	"errors"
	"reflect"
	"testing"
)

func f64(v float64) *float64 { return &v }

// testCommands covers every option type the parser types.
func testCommands() []Command {
	return []Command{
		{Name: "headpat", Description: "Pat a member", Options: []CommandOption{
			{Type: OptionUser, Name: "member", Description: "who", Required: true},
			{Type: OptionString, Name: "reason", Description: "why"},
		}},
		{Name: "say", Description: "Say", Options: []CommandOption{
			{Type: OptionString, Name: "text", Description: "t", Required: true},
			{Type: OptionInteger, Name: "count", Description: "c", MinValue: f64(1), MaxValue: f64(10)},
			{Type: OptionBoolean, Name: "loud", Description: "l"},
			{Type: OptionNumber, Name: "ratio", Description: "r"},
			{Type: OptionChannel, Name: "where", Description: "w"},
			{Type: OptionRole, Name: "ping", Description: "p"},
			{Type: OptionMentionable, Name: "target", Description: "m"},
			{Type: OptionString, Name: "mode", Description: "m", Choices: []CommandChoice{{Name: "One versus one", Value: "1v1"}, {Name: "Two", Value: "2v2"}}},
			{Type: OptionInteger, Name: "tier", Description: "t", Choices: []CommandChoice{{Name: "gold", Value: 3.0}}},
		}},
		{Name: "wager", Description: "Wagers", Options: []CommandOption{
			{Type: OptionSubCommand, Name: "create", Description: "c", Options: []CommandOption{
				{Type: OptionInteger, Name: "amount", Description: "a", Required: true},
			}},
			{Type: OptionSubCommandGroup, Name: "admin", Description: "a", Options: []CommandOption{
				{Type: OptionSubCommand, Name: "cancel", Description: "c"},
			}},
		}},
	}
}

func TestParseSlash(t *testing.T) {
	t.Parallel()
	srv, demo := newTestServer(t, Options{})
	registerCommands(t, srv, demo.GuildID, testCommands())
	p2 := demo.Members["player2"]
	general, mod := demo.Channels["general"], demo.Roles["Moderator"]
	opt := func(name string, typ int, v any) wireOption { return wireOption{Name: name, Type: typ, Value: v} }

	tests := []struct {
		text string
		want []wireOption
		err  error
	}{
		{"/headpat member:<@" + p2.String() + ">", []wireOption{opt("member", 6, p2)}, nil},
		{"/headpat member:<@!" + p2.String() + ">", []wireOption{opt("member", 6, p2)}, nil},
		{"/headpat member:" + p2.String(), []wireOption{opt("member", 6, p2)}, nil},
		{"/headpat member:@player2", []wireOption{opt("member", 6, p2)}, nil},
		{"/headpat member:Player Two reason:nice", []wireOption{opt("member", 6, p2), opt("reason", 3, "nice")}, nil},
		{"/headpat reason:good job today member:player2", []wireOption{opt("reason", 3, "good job today"), opt("member", 6, p2)}, nil},
		{"/HEADPAT   member:player2   reason:  spaced out  ", []wireOption{opt("member", 6, p2), opt("reason", 3, "spaced out")}, nil},
		{`/say text:"count:3 is text" count:3`, []wireOption{opt("text", 3, "count:3 is text"), opt("count", 4, int64(3))}, nil},
		{`/say text:"say \"hi\""`, []wireOption{opt("text", 3, `say "hi"`)}, nil},
		{"/say text:x loud:TRUE ratio:0.5", []wireOption{opt("text", 3, "x"), opt("loud", 5, true), opt("ratio", 10, 0.5)}, nil},
		{"/say text:x loud:false", []wireOption{opt("text", 3, "x"), opt("loud", 5, false)}, nil},
		{"/say text:x where:<#" + general.String() + "> ping:<@&" + mod.String() + ">", []wireOption{opt("text", 3, "x"), opt("where", 7, general), opt("ping", 8, mod)}, nil},
		{"/say text:x where:#general ping:@Moderator", []wireOption{opt("text", 3, "x"), opt("where", 7, general), opt("ping", 8, mod)}, nil},
		{"/say text:x target:<@&" + mod.String() + ">", []wireOption{opt("text", 3, "x"), opt("target", 9, mod)}, nil},
		{"/say text:x target:player2", []wireOption{opt("text", 3, "x"), opt("target", 9, p2)}, nil},
		{"/say text:x mode:one versus one", []wireOption{opt("text", 3, "x"), opt("mode", 3, "1v1")}, nil},
		{"/say text:x mode:2v2 tier:gold", []wireOption{opt("text", 3, "x"), opt("mode", 3, "2v2"), opt("tier", 4, int64(3))}, nil},
		{"/wager create amount:5", []wireOption{{Name: "create", Type: 1, Options: []wireOption{opt("amount", 4, int64(5))}}}, nil},
		{"/wager admin cancel", []wireOption{{Name: "admin", Type: 2, Options: []wireOption{{Name: "cancel", Type: 1, Options: []wireOption{}}}}}, nil},

		{"/nope", nil, ErrUnknownCommand},
		{"headpat member:x", nil, ErrBadInput},
		{"/", nil, ErrBadInput},
		{"/headpat", nil, ErrBadInput},
		{"/headpat <@" + p2.String() + ">", nil, ErrBadInput},
		{"/headpat member:nobody", nil, ErrBadInput},
		{"/headpat member:<@123>", nil, ErrBadInput},
		{"/headpat reason:see colour:red member:player2", []wireOption{opt("reason", 3, "see colour:red"), opt("member", 6, p2)}, nil},
		{"/headpat member:player2 colour:red", nil, ErrBadInput}, // not an option: part of member's value
		{"/headpat colour:red member:player2", nil, ErrBadInput},
		{"/headpat member:player2 member:player3", nil, ErrBadInput},
		{"/say text:x count:many", nil, ErrBadInput},
		{"/say text:x count:11", nil, ErrBadInput},
		{"/say text:x loud:maybe", nil, ErrBadInput},
		{"/say text:x mode:3v3", nil, ErrBadInput},
		{`/say text:"open`, nil, ErrBadInput},
		{"/say text:", nil, ErrBadInput},
		{"/wager", nil, ErrBadInput},
		{"/wager create", nil, ErrBadInput},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			srv.mu.Lock()
			defer srv.mu.Unlock()
			tg, err := srv.resolveTargetLocked(0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			call, err := srv.parseSlashLocked(tg, tc.text)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tc.want != nil && !reflect.DeepEqual(call.options, tc.want) {
				t.Fatalf("options\n got %#v\nwant %#v", call.options, tc.want)
			}
		})
	}
}
