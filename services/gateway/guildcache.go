package gateway

import (
	"strconv"
	"sync"

	"github.com/bwmarrin/discordgo"
)

// guildCache keeps what the gateway needs to compute a prefix command's invoker
// permissions, which Discord sends with interactions but not with messages: each guild's
// owner and its roles' permission bits. It is fed by GUILD_CREATE/UPDATE/DELETE and the
// GUILD_ROLE_* events, all of which arrive on the shard that owns the guild.
type guildCache struct {
	mu     sync.RWMutex
	guilds map[string]*guildPerms
}

type guildPerms struct {
	owner string
	roles map[string]int64
}

func newGuildCache() *guildCache { return &guildCache{guilds: map[string]*guildPerms{}} }

func (c *guildCache) put(g *wireGuild) {
	if g.Unavailable {
		return
	}
	gp := &guildPerms{owner: g.OwnerID, roles: make(map[string]int64, len(g.Roles))}
	for _, r := range g.Roles {
		gp.roles[r.ID], _ = strconv.ParseInt(r.Permissions, 10, 64)
	}
	c.mu.Lock()
	c.guilds[g.ID] = gp
	c.mu.Unlock()
}

func (c *guildCache) remove(guildID string) {
	c.mu.Lock()
	delete(c.guilds, guildID)
	c.mu.Unlock()
}

func (c *guildCache) putRole(guildID string, r wireRole) {
	p, _ := strconv.ParseInt(r.Permissions, 10, 64)
	c.mu.Lock()
	if g := c.guilds[guildID]; g != nil {
		g.roles[r.ID] = p
	}
	c.mu.Unlock()
}

func (c *guildCache) removeRole(guildID, roleID string) {
	c.mu.Lock()
	if g := c.guilds[guildID]; g != nil {
		delete(g.roles, roleID)
	}
	c.mu.Unlock()
}

// permissions computes a member's guild-level permissions the way Discord does: the
// @everyone role (whose id is the guild's) plus every role held; the owner and
// Administrator get everything.
func (c *guildCache) permissions(guildID, userID string, roleIDs []string) uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	g := c.guilds[guildID]
	if g == nil {
		return 0
	}
	if userID == g.owner {
		return uint64(discordgo.PermissionAll)
	}
	p := g.roles[guildID]
	for _, id := range roleIDs {
		p |= g.roles[id]
	}
	if p&discordgo.PermissionAdministrator != 0 {
		return uint64(discordgo.PermissionAll)
	}
	return uint64(p)
}

func (c *guildCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.guilds)
}
