package discordsim

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// world is everything the simulator knows. Every field is guarded by Server.mu.
type world struct {
	users      map[Snowflake]*User
	guilds     map[Snowflake]*guildRec
	guildOrder []Snowflake
	channels   map[Snowflake]*channelRec
	dms        map[Snowflake]Snowflake // recipient user id → DM channel id

	globalCommands []Command
	guildCommands  map[Snowflake][]Command
	commandIDs     map[string]Snowflake // scope/type/name → id, so overwrites keep ids like Discord

	nonces    map[nonceKey]nonceEntry
	ephemeral map[Snowflake]*Message // ephemeral interaction messages; never in channel history

	sessions      map[string]*session
	conns         map[*gwConn]struct{}
	sessionStarts int

	interactions map[Snowflake]*interaction
	byToken      map[string]*interaction
	// exchanges maps a prefix command's message id, and the ids of the bot's replies to it,
	// to the Exchange collecting those replies.
	exchanges map[Snowflake]*Exchange
}

type guildRec struct {
	Guild
	botJoinedAt  time.Time
	roles        map[Snowflake]*Role
	members      map[Snowflake]*Member
	memberOrder  []Snowflake
	channelOrder []Snowflake
}

type channelRec struct {
	Channel
	msgs []*Message // ascending id
	byID map[Snowflake]*Message
}

type nonceKey struct {
	channel, author Snowflake
	nonce           string
}

type nonceEntry struct {
	messageID Snowflake
	at        time.Time
}

func newWorld() *world {
	return &world{
		users:         map[Snowflake]*User{},
		guilds:        map[Snowflake]*guildRec{},
		channels:      map[Snowflake]*channelRec{},
		dms:           map[Snowflake]Snowflake{},
		guildCommands: map[Snowflake][]Command{},
		commandIDs:    map[string]Snowflake{},
		nonces:        map[nonceKey]nonceEntry{},
		ephemeral:     map[Snowflake]*Message{},
		sessions:      map[string]*session{},
		conns:         map[*gwConn]struct{}{},
		interactions:  map[Snowflake]*interaction{},
		byToken:       map[string]*interaction{},
		exchanges:     map[Snowflake]*Exchange{},
	}
}

// touchLocked wakes everyone waiting in WaitFor. Callers hold s.mu.
func (s *Server) touchLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Changes returns a channel that is closed at the next state change (a message, a role change,
// a session, an interaction acknowledgement...). Call it again after each wake-up.
func (s *Server) Changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// WaitFor blocks until cond holds or ctx is done. cond is evaluated now and after every state
// change; it must only read through the State it is given.
func (s *Server) WaitFor(ctx context.Context, cond func(*State) bool) error {
	st := s.State()
	for {
		ch := s.Changes()
		if cond(st) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("discordsim: condition not met: %w", ctx.Err())
		}
	}
}

// ---- building state ----

// AddUser creates or replaces a user (not a guild member). A zero ID is generated.
func (s *Server) AddUser(u User) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(u), nil
}

func (s *Server) addUserLocked(u User) User {
	if u.ID == 0 {
		u.ID = s.newID()
	}
	if u.Username == "" {
		u.Username = "user" + u.ID.String()
	}
	if u.ID == s.bot.ID {
		return s.bot
	}
	cp := u
	s.w.users[u.ID] = &cp
	s.touchLocked()
	return u
}

// AddGuild creates a guild with its @everyone role (id = guild id) and the bot as a member, and
// sends GUILD_CREATE to connected sessions. A zero ID is generated; a zero OwnerID makes the
// bot the owner.
func (s *Server) AddGuild(g Guild) (Guild, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.ID == 0 {
		g.ID = s.newID()
	}
	if _, ok := s.w.guilds[g.ID]; ok {
		return Guild{}, fmt.Errorf("discordsim: guild %s already exists", g.ID)
	}
	if g.Name == "" {
		g.Name = "Guild " + g.ID.String()
	}
	if g.OwnerID == 0 {
		g.OwnerID = s.bot.ID
	}
	if g.PreferredLocale == "" {
		g.PreferredLocale = "en-US"
	}
	now := time.Now()
	rec := &guildRec{
		Guild:       g,
		botJoinedAt: now,
		roles:       map[Snowflake]*Role{},
		members:     map[Snowflake]*Member{},
	}
	rec.roles[g.ID] = &Role{ID: g.ID, GuildID: g.ID, Name: "@everyone", Permissions: PermDefaultEveryone}
	s.w.guilds[g.ID] = rec
	s.w.guildOrder = append(s.w.guildOrder, g.ID)
	s.putMemberLocked(rec, &Member{GuildID: g.ID, User: s.bot, JoinedAt: now})
	s.emitLocked(event{name: "GUILD_CREATE", guildID: g.ID, intent: IntentGuilds,
		render: func(in Intents) any { return s.guildCreateLocked(rec, in) }})
	s.touchLocked()
	return g, nil
}

// AddChannel creates a guild channel (GuildID required) and sends CHANNEL_CREATE.
func (s *Server) AddChannel(c Channel) (Channel, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[c.GuildID]
	if !ok {
		return Channel{}, fmt.Errorf("%w: %s", ErrUnknownGuild, c.GuildID)
	}
	if c.Type == ChannelDM {
		return Channel{}, fmt.Errorf("%w: DM channels are opened with POST /users/@me/channels", ErrBadInput)
	}
	if c.ID == 0 {
		c.ID = s.newID()
	}
	if _, dup := s.w.channels[c.ID]; dup {
		return Channel{}, fmt.Errorf("discordsim: channel %s already exists", c.ID)
	}
	if c.Name == "" {
		c.Name = "channel-" + c.ID.String()
	}
	if c.Position == 0 {
		c.Position = len(g.channelOrder)
	}
	s.w.channels[c.ID] = &channelRec{Channel: c, byID: map[Snowflake]*Message{}}
	g.channelOrder = append(g.channelOrder, c.ID)
	s.emitLocked(event{name: "CHANNEL_CREATE", guildID: g.ID, intent: IntentGuilds,
		data: s.channelJSONLocked(s.w.channels[c.ID])})
	s.touchLocked()
	return c, nil
}

// AddRole creates a role (GuildID required) and sends GUILD_ROLE_CREATE.
func (s *Server) AddRole(r Role) (Role, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[r.GuildID]
	if !ok {
		return Role{}, fmt.Errorf("%w: %s", ErrUnknownGuild, r.GuildID)
	}
	if r.ID == 0 {
		r.ID = s.newID()
	}
	if _, dup := g.roles[r.ID]; dup {
		return Role{}, fmt.Errorf("discordsim: role %s already exists", r.ID)
	}
	if r.Name == "" {
		r.Name = "new role"
	}
	if r.Position == 0 {
		r.Position = len(g.roles)
	}
	cp := r
	g.roles[r.ID] = &cp
	s.emitLocked(event{name: "GUILD_ROLE_CREATE", guildID: g.ID, intent: IntentGuilds,
		data: map[string]any{"guild_id": g.ID, "role": roleJSON(&cp)}})
	s.touchLocked()
	return r, nil
}

// AddMember adds a user to a guild (creating or updating the user from m.User; a zero user id
// is generated) and sends GUILD_MEMBER_ADD.
func (s *Server) AddMember(m Member) (Member, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[m.GuildID]
	if !ok {
		return Member{}, fmt.Errorf("%w: %s", ErrUnknownGuild, m.GuildID)
	}
	for _, r := range m.Roles {
		if _, ok := g.roles[r]; !ok || r == g.ID {
			return Member{}, fmt.Errorf("%w: role %s is not in guild %s", ErrBadInput, r, g.ID)
		}
	}
	m.User = s.addUserLocked(m.User)
	if m.JoinedAt.IsZero() {
		m.JoinedAt = time.Now()
	}
	m.Roles = slices.Clone(m.Roles)
	if m.Roles == nil {
		m.Roles = []Snowflake{}
	}
	cp := m
	s.putMemberLocked(g, &cp)
	s.emitLocked(event{name: "GUILD_MEMBER_ADD", guildID: g.ID, intent: IntentGuildMembers,
		data: s.memberJSONLocked(g, &cp, memberWithUser|memberWithGuildID)})
	s.touchLocked()
	return s.memberCopyLocked(&cp), nil
}

func (s *Server) putMemberLocked(g *guildRec, m *Member) {
	if _, ok := g.members[m.User.ID]; !ok {
		g.memberOrder = append(g.memberOrder, m.User.ID)
	}
	g.members[m.User.ID] = m
}

// AddMemberRole gives a member a role, as a moderator would in the client. It reports whether
// anything changed; a change sends GUILD_MEMBER_UPDATE.
func (s *Server) AddMemberRole(guildID, userID, roleID Snowflake) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed, apiErr := s.setMemberRoleLocked(guildID, userID, roleID, true)
	return changed, apiErrToGo(apiErr)
}

// RemoveMemberRole takes a role away; see AddMemberRole.
func (s *Server) RemoveMemberRole(guildID, userID, roleID Snowflake) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed, apiErr := s.setMemberRoleLocked(guildID, userID, roleID, false)
	return changed, apiErrToGo(apiErr)
}

func apiErrToGo(e *apiError) error {
	switch e {
	case nil:
		return nil
	case errUnknownGuild:
		return ErrUnknownGuild
	case errUnknownMember, errUnknownUser:
		return ErrUnknownUser
	case errUnknownChannel:
		return ErrUnknownChannel
	case errUnknownMessage:
		return ErrUnknownMessage
	}
	return fmt.Errorf("%w: %s (code %d)", ErrBadInput, e.message, e.code)
}

func (s *Server) setMemberRoleLocked(guildID, userID, roleID Snowflake, add bool) (bool, *apiError) {
	g, ok := s.w.guilds[guildID]
	if !ok {
		return false, errUnknownGuild
	}
	m, ok := g.members[userID]
	if !ok {
		return false, errUnknownMember
	}
	if _, ok := g.roles[roleID]; !ok || roleID == guildID {
		return false, errUnknownRole
	}
	has := slices.Contains(m.Roles, roleID)
	if has == add {
		return false, nil // Discord answers 204 without an event when nothing changes
	}
	// Replace the slice instead of editing it: copies handed out earlier share its array.
	if add {
		m.Roles = append(slices.Clone(m.Roles), roleID)
	} else {
		m.Roles = slices.DeleteFunc(slices.Clone(m.Roles), func(r Snowflake) bool { return r == roleID })
	}
	s.memberUpdatedLocked(g, m)
	return true, nil
}

func (s *Server) memberUpdatedLocked(g *guildRec, m *Member) {
	s.emitLocked(event{name: "GUILD_MEMBER_UPDATE", guildID: g.ID, intent: IntentGuildMembers,
		data: s.memberJSONLocked(g, m, memberWithUser|memberWithGuildID)})
	s.touchLocked()
}

// memberCopyLocked returns a copy with the current user record.
func (s *Server) memberCopyLocked(m *Member) Member {
	c := *m
	c.Roles = slices.Clone(m.Roles)
	if u, ok := s.w.users[m.User.ID]; ok {
		c.User = *u
	}
	return c
}

// ---- reading state ----

// State is a read-only view of the simulator's state. Each method takes the lock and returns
// copies, so values stay valid after later changes.
type State struct{ s *Server }

// State returns the read-only view.
func (s *Server) State() *State { return &State{s: s} }

// Guilds lists guilds in creation order.
func (v *State) Guilds() []Guild {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Guild, 0, len(s.w.guildOrder))
	for _, id := range s.w.guildOrder {
		out = append(out, s.w.guilds[id].Guild)
	}
	return out
}

// Guild returns one guild.
func (v *State) Guild(id Snowflake) (Guild, bool) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[id]
	if !ok {
		return Guild{}, false
	}
	return g.Guild, true
}

// Channels lists a guild's channels in creation order.
func (v *State) Channels(guildID Snowflake) []Channel {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[guildID]
	if !ok {
		return nil
	}
	out := make([]Channel, 0, len(g.channelOrder))
	for _, id := range g.channelOrder {
		out = append(out, s.w.channels[id].copy())
	}
	return out
}

func (c *channelRec) copy() Channel {
	out := c.Channel
	out.RecipientIDs = slices.Clone(c.RecipientIDs)
	out.PermissionOverwrites = slices.Clone(c.PermissionOverwrites)
	return out
}

// Channel returns a guild or DM channel.
func (v *State) Channel(id Snowflake) (Channel, bool) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.w.channels[id]
	if !ok {
		return Channel{}, false
	}
	return c.copy(), true
}

// DMChannel returns the bot's DM channel with a user, once the bot has opened it.
func (v *State) DMChannel(userID Snowflake) (Channel, bool) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.w.dms[userID]
	if !ok {
		return Channel{}, false
	}
	return s.w.channels[id].copy(), true
}

// Roles lists a guild's roles by position, @everyone first.
func (v *State) Roles(guildID Snowflake) []Role {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[guildID]
	if !ok {
		return nil
	}
	return sortedRoles(g)
}

func sortedRoles(g *guildRec) []Role {
	out := make([]Role, 0, len(g.roles))
	for _, r := range g.roles {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Role) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		return compareIDs(a.ID, b.ID)
	})
	return out
}

func compareIDs(a, b Snowflake) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Role returns one role.
func (v *State) Role(guildID, roleID Snowflake) (Role, bool) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[guildID]
	if !ok {
		return Role{}, false
	}
	r, ok := g.roles[roleID]
	if !ok {
		return Role{}, false
	}
	return *r, true
}

// Members lists a guild's members in join order.
func (v *State) Members(guildID Snowflake) []Member {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[guildID]
	if !ok {
		return nil
	}
	out := make([]Member, 0, len(g.memberOrder))
	for _, id := range g.memberOrder {
		out = append(out, s.memberCopyLocked(g.members[id]))
	}
	return out
}

// Member returns one member.
func (v *State) Member(guildID, userID Snowflake) (Member, bool) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.w.guilds[guildID]
	if !ok {
		return Member{}, false
	}
	m, ok := g.members[userID]
	if !ok {
		return Member{}, false
	}
	return s.memberCopyLocked(m), true
}

// User returns one user.
func (v *State) User(id Snowflake) (User, bool) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.w.users[id]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// Messages lists a channel's history, oldest first. Ephemeral messages are not in it.
func (v *State) Messages(channelID Snowflake) []Message {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.w.channels[channelID]
	if !ok {
		return nil
	}
	out := make([]Message, 0, len(c.msgs))
	for _, m := range c.msgs {
		out = append(out, m.clone())
	}
	return out
}

// Message returns one message of a channel's history, or an ephemeral message by id when
// channelID is zero.
func (v *State) Message(channelID, messageID Snowflake) (Message, bool) {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMessageLocked(channelID, messageID)
	if m == nil {
		return Message{}, false
	}
	return m.clone(), true
}

func (s *Server) findMessageLocked(channelID, messageID Snowflake) *Message {
	if c, ok := s.w.channels[channelID]; ok {
		if m, ok := c.byID[messageID]; ok {
			return m
		}
	}
	if m, ok := s.w.ephemeral[messageID]; ok && (channelID == 0 || m.ChannelID == channelID) {
		return m
	}
	return nil
}

// Commands lists the registered commands of a guild, or the global ones for guildID 0.
func (v *State) Commands(guildID Snowflake) []Command {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if guildID == 0 {
		return slices.Clone(s.w.globalCommands)
	}
	return slices.Clone(s.w.guildCommands[guildID])
}

// ---- history ----

// appendMessageLocked stores a message in its channel's history, bounded by
// MaxMessagesPerChannel.
func (s *Server) appendMessageLocked(c *channelRec, m *Message) {
	c.msgs = append(c.msgs, m)
	c.byID[m.ID] = m
	c.LastMessageID = m.ID
	// Trim in batches so that a full channel does not cost a copy per message.
	if limit := s.opts.MaxMessagesPerChannel; len(c.msgs) > limit+limit/8 {
		over := len(c.msgs) - limit
		for _, old := range c.msgs[:over] {
			delete(c.byID, old.ID)
		}
		c.msgs = slices.Delete(c.msgs, 0, over)
	}
	s.touchLocked()
}

func (s *Server) deleteMessageLocked(c *channelRec, id Snowflake) {
	delete(c.byID, id)
	c.msgs = slices.DeleteFunc(c.msgs, func(m *Message) bool { return m.ID == id })
	s.touchLocked()
}

// expireLocked drops what has outlived its window.
func (s *Server) expireLocked(now time.Time) {
	for id, ss := range s.w.sessions {
		if ss.conn == nil && now.Sub(ss.disconnectedAt) > s.opts.ResumeWindow {
			delete(s.w.sessions, id)
			s.touchLocked()
		}
	}
	for k, n := range s.w.nonces {
		if now.Sub(n.at) > s.opts.NonceWindow {
			delete(s.w.nonces, k)
		}
	}
	for id, it := range s.w.interactions {
		if now.Sub(it.createdAt) > s.opts.InteractionTokenTTL {
			delete(s.w.interactions, id)
			delete(s.w.byToken, it.token)
			for mid := range it.messages {
				delete(s.w.ephemeral, mid)
			}
		}
	}
	for id, ex := range s.w.exchanges {
		if now.Sub(ex.created) > s.opts.InteractionTokenTTL {
			delete(s.w.exchanges, id)
		}
	}
}
