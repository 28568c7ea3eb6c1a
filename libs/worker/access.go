package worker

import (
	"slices"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// Allowed applies SPEC.md §0 "Permissions": staff = management role or Administrator;
// moderator = moderator role, Moderate Members, or staff; evaluator = evaluator role or
// staff. The permissions come from the event (Discord computed them for interactions; the
// gateway computed them from the guild's roles for prefix messages).
func Allowed(a commands.Access, m *busv1.Member, cfg *guildconfig.Config) bool {
	if a == commands.Anyone {
		return true
	}
	has := func(role string) bool { return role != "" && slices.Contains(m.GetRoleIds(), role) }
	staff := has(cfg.Role("management")) || m.GetPermissions()&discordgo.PermissionAdministrator != 0
	switch a {
	case commands.Staff:
		return staff
	case commands.Moderator:
		return staff || has(cfg.Role("moderator")) || m.GetPermissions()&discordgo.PermissionModerateMembers != 0
	case commands.Evaluator:
		return staff || has(cfg.Role("evaluator"))
	}
	return false
}
