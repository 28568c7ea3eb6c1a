package discordsim

import (
	"fmt"
	"maps"
	"time"
)

// Demo describes the guild SeedDemo builds, by the names callers wire configuration with:
// Channels["general"], Roles["Goodboy"], Members["player1"]...
type Demo struct {
	GuildID Snowflake
	// Channels by name: general, values, tryout-results, evaluation-requests, wager-review,
	// wagers-1v1, wagers-2v2, wagers-3v3, wagers-5v5, welcome, tickets, mod-log, giveaways.
	Channels map[string]Snowflake
	// Roles by name: @everyone, Novera (the bot's managed role), Management, Evaluator,
	// Moderator, Headpat, Spank, Goodboy, Tryout Pending, Evaluated, Verified, Wager Ping,
	// Rank 1 … Rank 10.
	Roles map[string]Snowflake
	// Members by part: owner, staff (Management), evaluator, moderator, player1 … player5, bot.
	Members map[string]Snowflake
}

// demoChannels lists the demo guild's text channels in order.
func demoChannels() []struct{ name, topic string } {
	return []struct{ name, topic string }{
		{"general", "Talk, and try the bot's commands here."},
		{"values", "Player value announcements."},
		{"tryout-results", "Results of tryouts."},
		{"evaluation-requests", "Ask an evaluator for an evaluation."},
		{"wager-review", "Staff review of disputed wagers."},
		{"wagers-1v1", "1v1 wagers."},
		{"wagers-2v2", "2v2 wagers."},
		{"wagers-3v3", "3v3 wagers."},
		{"wagers-5v5", "5v5 wagers."},
		{"welcome", "Welcome messages."},
		{"tickets", "Open a support ticket."},
		{"mod-log", "Moderation log."},
		{"giveaways", "Giveaways."},
	}
}

// SeedDemo creates the "Novera Demo" guild with a channel for every feature of the bot, its
// roles and a cast of members, and makes it the default target of the driving and control
// APIs. Calling it again returns the guild already created.
func (s *Server) SeedDemo() (*Demo, error) {
	s.mu.Lock()
	if s.demo != nil {
		d := s.demo.copy()
		s.mu.Unlock()
		return d, nil
	}
	s.mu.Unlock()

	d := &Demo{Channels: map[string]Snowflake{}, Roles: map[string]Snowflake{}, Members: map[string]Snowflake{}}
	owner, err := s.AddUser(User{Username: "owner", GlobalName: "Demo Owner"})
	if err != nil {
		return nil, err
	}
	g, err := s.AddGuild(Guild{Name: "Novera Demo", OwnerID: owner.ID, Description: "A simulated guild for trying Novera."})
	if err != nil {
		return nil, fmt.Errorf("discordsim: seed demo: %w", err)
	}
	d.GuildID = g.ID
	d.Roles["@everyone"] = g.ID
	d.Members["bot"] = s.bot.ID

	for i, c := range demoChannels() {
		ch, err := s.AddChannel(Channel{GuildID: g.ID, Name: c.name, Topic: c.topic, Type: ChannelGuildText, Position: i + 1})
		if err != nil {
			return nil, fmt.Errorf("discordsim: seed demo: %w", err)
		}
		d.Channels[c.name] = ch.ID
	}

	// Lowest first: positions follow the order of this list, so staff roles sit above ranks
	// and the bot's role above everything it manages.
	type roleSpec struct {
		name  string
		perms Permissions
		color int
	}
	roles := []roleSpec{}
	for i := 1; i <= 10; i++ {
		roles = append(roles, roleSpec{fmt.Sprintf("Rank %d", i), 0, 0x5865F2 + i*0x0A0A00})
	}
	roles = append(roles,
		roleSpec{"Wager Ping", 0, 0xE67E22},
		roleSpec{"Verified", 0, 0x2ECC71},
		roleSpec{"Evaluated", 0, 0x1ABC9C},
		roleSpec{"Tryout Pending", 0, 0x95A5A6},
		roleSpec{"Goodboy", 0, 0xF1C40F},
		roleSpec{"Spank", 0, 0xE74C3C},
		roleSpec{"Headpat", 0, 0xFFB6C1},
		roleSpec{"Evaluator", PermManageMessages, 0x9B59B6},
		roleSpec{"Moderator", PermModerateMembers | PermManageMessages | PermKickMembers, 0x3498DB},
		roleSpec{"Management", PermAdministrator, 0xC0392B},
	)
	for i, r := range roles {
		role, err := s.AddRole(Role{GuildID: g.ID, Name: r.name, Permissions: r.perms, Position: i + 1, Color: r.color, Hoist: r.perms != 0, Mentionable: true})
		if err != nil {
			return nil, fmt.Errorf("discordsim: seed demo: %w", err)
		}
		d.Roles[r.name] = role.ID
	}
	botRole, err := s.AddRole(Role{GuildID: g.ID, Name: s.bot.Username, Permissions: PermAdministrator,
		Position: len(roles) + 1, Managed: true, BotID: s.bot.ID})
	if err != nil {
		return nil, fmt.Errorf("discordsim: seed demo: %w", err)
	}
	d.Roles[s.bot.Username] = botRole.ID
	if _, err := s.AddMemberRole(g.ID, s.bot.ID, botRole.ID); err != nil {
		return nil, fmt.Errorf("discordsim: seed demo: %w", err)
	}

	joined := time.Now().Add(-90 * 24 * time.Hour)
	cast := []struct {
		part, username, global string
		roles                  []string
	}{
		{"owner", "owner", "Demo Owner", nil},
		{"staff", "staff", "Staff Member", []string{"Management", "Verified"}},
		{"evaluator", "evaluator", "Eva Luator", []string{"Evaluator", "Verified"}},
		{"moderator", "moderator", "Mod Erator", []string{"Moderator", "Verified"}},
		{"player1", "player1", "Player One", []string{"Verified", "Evaluated", "Rank 3", "Wager Ping"}},
		{"player2", "player2", "Player Two", []string{"Verified", "Evaluated", "Rank 5"}},
		{"player3", "player3", "Player Three", []string{"Verified", "Rank 1"}},
		{"player4", "player4", "Player Four", []string{"Verified", "Tryout Pending"}},
		{"player5", "player5", "Player Five", nil},
	}
	for i, c := range cast {
		u := User{Username: c.username, GlobalName: c.global}
		if c.part == "owner" {
			u = owner
		}
		var ids []Snowflake
		for _, r := range c.roles {
			ids = append(ids, d.Roles[r])
		}
		m, err := s.AddMember(Member{GuildID: g.ID, User: u, Roles: ids, JoinedAt: joined.Add(time.Duration(i) * time.Hour)})
		if err != nil {
			return nil, fmt.Errorf("discordsim: seed demo: %w", err)
		}
		d.Members[c.part] = m.User.ID
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.demo = d.copy()
	return d, nil
}

// Demo returns what SeedDemo created, or nil.
func (s *Server) Demo() *Demo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.demo == nil {
		return nil
	}
	return s.demo.copy()
}

func (d *Demo) copy() *Demo {
	return &Demo{GuildID: d.GuildID, Channels: maps.Clone(d.Channels), Roles: maps.Clone(d.Roles),
		Members: maps.Clone(d.Members)}
}
