package worker

import (
	"testing"

	"github.com/bwmarrin/discordgo"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/guildconfig"
)

func TestAllowed(t *testing.T) {
	cfg := guildconfig.Defaults("1")
	for key, id := range map[string]string{"role.management": "100", "role.moderator": "200", "role.evaluator": "300"} {
		var err error
		if cfg, err = cfg.With(key, id); err != nil {
			t.Fatal(err)
		}
	}
	member := func(perms int64, roles ...string) *busv1.Member {
		return &busv1.Member{RoleIds: roles, Permissions: uint64(perms)}
	}
	tests := []struct {
		name   string
		access commands.Access
		m      *busv1.Member
		want   bool
	}{
		{"anyone", commands.Anyone, member(0), true},
		{"staff by role", commands.Staff, member(0, "100"), true},
		{"staff by Administrator", commands.Staff, member(discordgo.PermissionAdministrator), true},
		{"moderator is not staff", commands.Staff, member(0, "200"), false},
		{"moderator by role", commands.Moderator, member(0, "200"), true},
		{"moderator by Moderate Members", commands.Moderator, member(discordgo.PermissionModerateMembers), true},
		{"staff may moderate", commands.Moderator, member(0, "100"), true},
		{"evaluator by role", commands.Evaluator, member(0, "300"), true},
		{"moderator is not evaluator", commands.Evaluator, member(0, "200"), false},
		{"nobody special", commands.Evaluator, member(0, "999"), false},
	}
	for _, tc := range tests {
		if got := Allowed(tc.access, tc.m, cfg); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
	// With no roles configured, only Discord permissions count.
	bare := guildconfig.Defaults("2")
	if Allowed(commands.Staff, member(0, ""), bare) {
		t.Error("an empty role id must never match")
	}
}

func TestNonceFits(t *testing.T) {
	if n := nonceFor("1575860928367296514", 3); len(n) > 25 || n != "1575860928367296514-3" {
		t.Errorf("nonce %q", n)
	}
	if n := nonceFor("12345678901234567890123456789", 12); len(n) != 25 {
		t.Errorf("long nonce not trimmed: %q", n)
	}
}
