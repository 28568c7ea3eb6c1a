package commands

import (
	"errors"
	"strings"
	"testing"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
)

func TestSplitPrefix(t *testing.T) {
	tests := []struct {
		content, prefix, word, args string
		ok                          bool
	}{
		{"!headpat <@1>", "!", "headpat", "<@1>", true},
		{"!HeadPat", "!", "headpat", "", true},
		{"nv!help  fun ", "NV!", "help", "fun", true},
		{"! headpat", "!", "", "", false},
		{"!", "!", "", "", false},
		{"!!! wow", "!", "", "", false},
		{"hello !headpat", "!", "", "", false},
		{"", "!", "", "", false},
	}
	for _, tc := range tests {
		word, args, ok := SplitPrefix(tc.content, tc.prefix)
		if word != tc.word || args != tc.args || ok != tc.ok {
			t.Errorf("SplitPrefix(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.content, tc.prefix, word, args, ok, tc.word, tc.args, tc.ok)
		}
	}
}

func TestParseArgs(t *testing.T) {
	cmd := &Command{Name: "t", Options: []Option{
		{Name: "member", Type: busv1.OptionType_OPTION_TYPE_USER, Required: true},
		{Name: "amount", Type: busv1.OptionType_OPTION_TYPE_INTEGER},
		{Name: "flag", Type: busv1.OptionType_OPTION_TYPE_BOOLEAN},
		{Name: "reason", Type: busv1.OptionType_OPTION_TYPE_STRING},
	}}
	tests := []struct {
		name, args string
		want       string // name=value pairs
		wantErr    string
	}{
		{"mention", "<@123>", "member=123", ""},
		{"nick mention", "<@!123> 5", "member=123 amount=5", ""},
		{"bare id and negative", "123 -7 yes", "member=123 amount=-7 flag=true", ""},
		{"rest of line", "<@1> 2 no  because  I said so", "member=1 amount=2 flag=false reason=because  I said so", ""},
		{"missing required", "", "", "`member` is missing"},
		{"not a member", "bob", "", "should be a member"},
		{"bad integer", "<@1> lots", "", "whole number"},
		{"bad bool", "<@1> 1 maybe", "", "yes or no"},
		{"too long", strings.Repeat("a", MaxPrefixArgs+1), "", "too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := ParseArgs(cmd, tc.args)
			if tc.wantErr != "" {
				var ae *ArgError
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want ArgError containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range opts {
				got = append(got, o.Name+"="+o.Value)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got %q, want %q", g, tc.want)
			}
		})
	}
	noArgs := &Command{Name: "n"}
	if _, err := ParseArgs(noArgs, "extra words"); err == nil {
		t.Error("extra arguments must be refused")
	}
	choice := &Command{Name: "c", Options: []Option{{Name: "category", Type: busv1.OptionType_OPTION_TYPE_STRING, Choices: []string{"Fun", "League"}}}}
	if opts, err := ParseArgs(choice, "fun"); err != nil || opts[0].Value != "Fun" {
		t.Errorf("choice not canonicalised: %v %v", opts, err)
	}
	if _, err := ParseArgs(choice, "cooking"); err == nil {
		t.Error("unknown choice must be refused")
	}
}

func TestNoveraRegistry(t *testing.T) {
	r := Novera()
	hp, ok := r.Lookup("HEADPAT")
	if !ok || hp.Subject() != "commands.fun.headpat" {
		t.Fatalf("headpat lookup: %v %v", hp, ok)
	}
	if h, ok := r.Lookup("commands"); !ok || h.Name != "help" {
		t.Errorf("alias not resolved")
	}
	acs := r.ApplicationCommands()
	if len(acs) != len(r.All()) {
		t.Errorf("slash set differs from registry")
	}
	if got := hp.Usage("!"); got != "!headpat [@member]" {
		t.Errorf("usage %q", got)
	}
}

func TestRegistryRejectsBadDefinitions(t *testing.T) {
	tests := []struct {
		name string
		cmds []Command
	}{
		{"upper case", []Command{{Name: "Bad", Service: "x", Description: "d"}}},
		{"too long", []Command{{Name: strings.Repeat("a", 33), Service: "x", Description: "d"}}},
		{"duplicate alias", []Command{{Name: "a", Service: "x", Description: "d"}, {Name: "b", Service: "x", Description: "d", Aliases: []string{"a"}}}},
		{"required after optional", []Command{{Name: "a", Service: "x", Description: "d", Options: []Option{
			{Name: "o", Description: "d"}, {Name: "r", Description: "d", Required: true}}}}},
		{"no service", []Command{{Name: "a", Description: "d"}}},
	}
	for _, tc := range tests {
		if _, err := NewRegistry(tc.cmds...); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
