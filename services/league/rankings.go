package league

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
	"github.com/novera-bot/novera/services/league/ledger"
)

// rankRoles is how many ranks hold a role ("Rank 1" … "Rank 10").
const rankRoles = 10

// rankings: SPEC.md §1. With rank-role sync on, the member list comes from Discord: it
// tells who is still here and who holds which rank role, so exactly the needed role
// changes are sent (each an idempotent PUT or DELETE, paced by the client's rate-limit
// handling, and owed until done: a 429 storm delays them, never drops them).
func (s *service) rankings(ctx context.Context, r *worker.Request) error {
	guild := r.Cmd.GuildId
	all, err := standings(ctx, r.Tx, guild, ledger.Value)
	if err != nil {
		return err
	}
	var members map[string][]string
	if r.Config.Feature("rank_role_sync") {
		members, err = s.memberRoles(ctx, guild)
		switch {
		case err != nil && discord.Transient(err):
			return err // retried by the bus; the answer waits for it
		case err != nil:
			// Discord refuses the list for good (a missing intent, say): answer without
			// touching roles rather than not at all.
			s.log.WarnContext(ctx, "rank-role sync skipped", "guild_id", guild, "err", err)
			members = nil
		default:
			all = slices.DeleteFunc(all, func(x ranked) bool { _, here := members[x.UserID]; return !here })
		}
	}
	top := all[:min(rankRoles, len(all))]
	e := &discordgo.MessageEmbed{Title: r.Pick(rankingsTitle), Color: persona.ColorGold}
	if len(top) == 0 {
		e.Description = r.Pick(rankingsEmpty)
	} else {
		lines := make([]string, len(top))
		for i, x := range top {
			lines[i] = fmt.Sprintf("%s %s · value: %d million", medal(i+1), mention(x.UserID), x.Amount)
		}
		e.Description = strings.Join(lines, "\n")
		e.Footer = &discordgo.MessageEmbedFooter{Text: fmt.Sprintf(labelsFor(r.Sassy()).Top, len(top), len(all))}
	}
	embeds := []*discordgo.MessageEmbed{e}
	var changes []roleChange
	if members != nil {
		sync, c, err := s.syncRankRoles(ctx, r, members, top)
		if err != nil {
			return err
		}
		embeds, changes = append(embeds, sync), c
	}
	// The answer goes first: an interaction must be answered within 3 seconds, and a
	// rate-limited batch of role changes may take longer than that.
	r.Reply(worker.Message{Embeds: embeds})
	for _, c := range changes {
		if c.add {
			r.AddRole(c.userID, c.roleID)
		} else {
			r.RemoveRole(c.userID, c.roleID)
		}
	}
	return nil
}

// roleChange is one rank role to give or take.
type roleChange struct {
	userID, roleID string
	add            bool
}

// syncRankRoles works out the role changes that make ranks 1..10 hold their role and
// nobody else hold any, and describes them.
func (s *service) syncRankRoles(ctx context.Context, r *worker.Request, members map[string][]string, top []ranked) (*discordgo.MessageEmbed, []roleChange, error) {
	roles, missing, err := s.rankRoleIDs(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	var changes []roleChange
	users := make([]string, 0, len(members))
	for u := range members {
		users = append(users, u)
	}
	slices.Sort(users)
	var lines []string
	for _, u := range users {
		for i, role := range roles {
			if role == "" {
				continue
			}
			has := hasRole(members[u], role)
			want := i < len(top) && top[i].UserID == u
			switch {
			case want && !has:
				changes = append(changes, roleChange{userID: u, roleID: role, add: true})
				lines = append(lines, fmt.Sprintf("➕ %s ← <@&%s>", mention(u), role))
			case has && !want:
				changes = append(changes, roleChange{userID: u, roleID: role})
				lines = append(lines, fmt.Sprintf("➖ %s ✕ <@&%s>", mention(u), role))
			}
		}
	}
	e := &discordgo.MessageEmbed{Title: r.Pick(roleSyncTitle), Color: persona.ColorBlue}
	if len(lines) == 0 {
		lines = append(lines, r.Pick(roleSyncNone))
	}
	for _, n := range missing {
		lines = append(lines, fmt.Sprintf("⚠️ Rank %d: no role (it could not be created)", n))
	}
	e.Description = truncateLines(lines, 4000)
	return e, changes, nil
}

// rankRoleIDs returns the role of each rank from the configuration; a rank without one
// gets the guild's role named "Rank N", created if there is none, and remembered in the
// configuration. Ranks whose role cannot be had are listed in missing.
func (s *service) rankRoleIDs(ctx context.Context, r *worker.Request) (roles []string, missing []int, err error) {
	roles = make([]string, rankRoles)
	var guildRoles []*discordgo.Role
	for i := range roles {
		key := "rank" + strconv.Itoa(i+1)
		if roles[i] = r.Config.Role(key); roles[i] != "" {
			continue
		}
		if guildRoles == nil {
			if guildRoles, err = s.discord.Session().GuildRoles(r.Cmd.GuildId, discordgo.WithContext(ctx)); err != nil {
				return nil, nil, fmt.Errorf("list roles of %s: %w", r.Cmd.GuildId, err)
			}
		}
		want := "Rank " + strconv.Itoa(i+1)
		for _, gr := range guildRoles {
			if gr.Name == want {
				roles[i] = gr.ID
				break
			}
		}
		if roles[i] == "" {
			created, err := s.discord.Session().GuildRoleCreate(r.Cmd.GuildId, &discordgo.RoleParams{Name: want}, discordgo.WithContext(ctx))
			if err != nil {
				if discord.Transient(err) {
					return nil, nil, fmt.Errorf("create role %s: %w", want, err)
				}
				s.log.WarnContext(ctx, "rank role could not be created", "guild_id", r.Cmd.GuildId, "role", want, "err", err)
				missing = append(missing, i+1)
				continue
			}
			roles[i] = created.ID
		}
		// Remember it, so the next rankings neither searches nor creates a second one. In
		// the command's transaction: it already holds a pool connection, and asking the
		// pool for another while holding one deadlocks once every connection is held by
		// such a command. Should the transaction roll back, the next one finds the role
		// by name above.
		if _, err := guildconfig.SetIn(ctx, r.Tx, r.Cmd.GuildId, "role."+key, roles[i], "league"); err != nil {
			return nil, nil, fmt.Errorf("remember role %s: %w", want, err)
		}
	}
	return roles, missing, nil
}

// memberRoles lists the guild's human members with their roles, page by page.
func (s *service) memberRoles(ctx context.Context, guildID string) (map[string][]string, error) {
	out := map[string][]string{}
	after := ""
	for {
		page, err := s.discord.Session().GuildMembers(guildID, after, 1000, discordgo.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("list members of %s: %w", guildID, err)
		}
		for _, m := range page {
			if m.User == nil {
				continue
			}
			after = m.User.ID
			if !m.User.Bot {
				out[m.User.ID] = m.Roles
			}
		}
		if len(page) < 1000 {
			return out, nil
		}
	}
}
