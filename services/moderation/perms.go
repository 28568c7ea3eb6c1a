package moderation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/store"
)

// guildPerms is what computing a member's permissions needs: Discord sends interactions
// with the invoker's permissions, but messages only with roles.
type guildPerms struct {
	Owner string
	Roles map[string]int64 // role id (the guild id is @everyone) → permission bits
}

// permissions computes a member's guild-level permissions as Discord does.
func (g *guildPerms) permissions(guildID, userID string, roleIDs []string) int64 {
	if userID == g.Owner {
		return discordgo.PermissionAll
	}
	p := g.Roles[guildID]
	for _, id := range roleIDs {
		p |= g.Roles[id]
	}
	if p&discordgo.PermissionAdministrator != 0 {
		return discordgo.PermissionAll
	}
	return p
}

// exempt applies SPEC.md §6: staff (the management role or Administrator), members with
// Manage Messages, and the owner are not filtered.
func exempt(cfg *guildconfig.Config, g *guildPerms, guildID, userID string, roleIDs []string) bool {
	if userID == g.Owner {
		return true
	}
	if r := cfg.Role("management"); r != "" && slices.Contains(roleIDs, r) {
		return true
	}
	p := g.permissions(guildID, userID, roleIDs)
	return p&(discordgo.PermissionAdministrator|discordgo.PermissionManageMessages) != 0
}

// wireGuild and wireRole are the parts of guild and role dispatches the service reads.
type (
	wireRole struct {
		ID          string `json:"id"`
		Permissions string `json:"permissions"`
	}
	wireGuild struct {
		ID          string     `json:"id"`
		OwnerID     string     `json:"owner_id"`
		Roles       []wireRole `json:"roles"`
		Unavailable bool       `json:"unavailable"`
	}
	wireRoleEvent struct {
		GuildID string   `json:"guild_id"`
		Role    wireRole `json:"role"`
		RoleID  string   `json:"role_id"`
	}
)

func rolesJSON(roles []wireRole) ([]byte, error) {
	m := make(map[string]string, len(roles))
	for _, r := range roles {
		m[r.ID] = r.Permissions
	}
	return json.Marshal(m)
}

// storeGuild records a guild's owner and roles (GUILD_CREATE, GUILD_UPDATE, or a REST
// fetch).
func storeGuild(ctx context.Context, q store.Querier, g wireGuild) error {
	if g.ID == "" || g.Unavailable || g.OwnerID == "" {
		return nil
	}
	roles, err := rolesJSON(g.Roles)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO moderation.guild_perms (guild_id, owner_id, roles, updated_at) VALUES ($1, $2, $3, now())
		ON CONFLICT (guild_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, roles = EXCLUDED.roles, updated_at = now()`,
		g.ID, g.OwnerID, roles)
	if err != nil {
		return fmt.Errorf("store guild %s permissions: %w", g.ID, err)
	}
	return nil
}

// storeRole applies a role event; a deleted role loses its bits.
func storeRole(ctx context.Context, q store.Querier, typ string, ev wireRoleEvent) error {
	var err error
	if typ == "GUILD_ROLE_DELETE" {
		_, err = q.Exec(ctx, `UPDATE moderation.guild_perms SET roles = roles - $2, updated_at = now() WHERE guild_id = $1`,
			ev.GuildID, ev.RoleID)
	} else {
		_, err = q.Exec(ctx, `UPDATE moderation.guild_perms SET roles = roles || jsonb_build_object($2::text, $3::text), updated_at = now()
			WHERE guild_id = $1`, ev.GuildID, ev.Role.ID, ev.Role.Permissions)
	}
	if err != nil {
		return fmt.Errorf("store role of guild %s: %w", ev.GuildID, err)
	}
	return nil
}

// permsMaxAge bounds how long a stored guild is trusted without an event refreshing it:
// a missed role event then heals by itself.
const permsMaxAge = time.Hour

// loadPerms reads a guild's permissions, fetching them from Discord when unknown or old.
func (s *service) loadPerms(ctx context.Context, q store.Querier, guildID string) (*guildPerms, error) {
	var owner string
	var raw []byte
	var updated time.Time
	err := q.QueryRow(ctx, `SELECT owner_id, roles, updated_at FROM moderation.guild_perms WHERE guild_id = $1`, guildID).
		Scan(&owner, &raw, &updated)
	if err == nil && time.Since(updated) < permsMaxAge {
		return decodePerms(owner, raw)
	}
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("load guild %s permissions: %w", guildID, err)
	}
	g, err := s.discord.Session().Guild(guildID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("fetch guild %s: %w", guildID, err)
	}
	wg := wireGuild{ID: g.ID, OwnerID: g.OwnerID}
	for _, r := range g.Roles {
		wg.Roles = append(wg.Roles, wireRole{ID: r.ID, Permissions: strconv.FormatInt(r.Permissions, 10)})
	}
	if err := storeGuild(ctx, q, wg); err != nil {
		return nil, err
	}
	gp := &guildPerms{Owner: g.OwnerID, Roles: map[string]int64{}}
	for _, r := range g.Roles {
		gp.Roles[r.ID] = r.Permissions
	}
	return gp, nil
}

func decodePerms(owner string, raw []byte) (*guildPerms, error) {
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode guild permissions: %w", err)
	}
	gp := &guildPerms{Owner: owner, Roles: make(map[string]int64, len(m))}
	for id, p := range m {
		gp.Roles[id], _ = strconv.ParseInt(p, 10, 64)
	}
	return gp, nil
}

// memberRoles asks Discord for a member's roles when an event did not carry them (some
// MESSAGE_UPDATEs). A member who left has none, and is not exempt.
func (s *service) memberRoles(ctx context.Context, guildID, userID string) ([]string, bool, error) {
	m, err := s.discord.Session().GuildMember(guildID, userID, discordgo.WithContext(ctx))
	if err != nil {
		if discord.Transient(err) {
			return nil, false, fmt.Errorf("fetch member %s: %w", userID, err)
		}
		return nil, false, nil
	}
	return m.Roles, true, nil
}
