package discordsim

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxReactionEmojis is how many different emojis one message may carry.
const maxReactionEmojis = 20

var errUnknownEmoji = newAPIError(http.StatusBadRequest, 10014, "Unknown Emoji")
var errMaxReactions = newAPIError(http.StatusBadRequest, 30010, "Maximum number of reactions reached (20)")

// reactionStore keeps who reacted with what, per message. Guarded by Server.mu. It lives
// beside the messages rather than in them so that message copies handed out stay unchanged.
type reactionStore struct {
	byMessage map[Snowflake]*messageReactions
}

type messageReactions struct {
	order []string               // emoji keys in first-reaction order
	users map[string][]Snowflake // emoji key → users in reaction order
}

// reactionEmoji is an emoji as a reaction route names it: a Unicode emoji, or name:id for a
// custom one.
type reactionEmoji struct {
	ID   Snowflake
	Name string
}

func (e reactionEmoji) key() string {
	if e.ID != 0 {
		return e.Name + ":" + e.ID.String()
	}
	return e.Name
}

func (e reactionEmoji) wire() map[string]any {
	if e.ID != 0 {
		return map[string]any{"id": e.ID, "name": e.Name}
	}
	return map[string]any{"id": nil, "name": e.Name}
}

// parseReactionEmoji reads "👍", "name:id" or "<:name:id>"; Discord answers 10014 for
// anything else (a bare word such as "thumbsup" is not an emoji).
func parseReactionEmoji(s string) (reactionEmoji, bool) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	s = strings.TrimPrefix(s, "a:")
	if name, id, ok := strings.Cut(s, ":"); ok {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil || name == "" || n == 0 {
			return reactionEmoji{}, false
		}
		return reactionEmoji{ID: Snowflake(n), Name: name}, true
	}
	if s == "" || utf8.RuneCountInString(s) > 16 {
		return reactionEmoji{}, false
	}
	for _, r := range s {
		if r >= utf8.RuneSelf {
			return reactionEmoji{Name: s}, true
		}
	}
	return reactionEmoji{}, false
}

// setLocked adds or removes one user's reaction and reports whether anything changed.
func (st *reactionStore) setLocked(messageID Snowflake, e reactionEmoji, userID Snowflake, add bool) (bool, *apiError) {
	if st.byMessage == nil {
		st.byMessage = map[Snowflake]*messageReactions{}
	}
	mr := st.byMessage[messageID]
	if mr == nil {
		if !add {
			return false, nil
		}
		mr = &messageReactions{users: map[string][]Snowflake{}}
		st.byMessage[messageID] = mr
	}
	k := e.key()
	users := mr.users[k]
	has := slices.Contains(users, userID)
	switch {
	case add && has, !add && !has:
		return false, nil
	case add:
		if len(users) == 0 {
			if len(mr.order) >= maxReactionEmojis {
				return false, errMaxReactions
			}
			mr.order = append(mr.order, k)
		}
		mr.users[k] = append(slices.Clone(users), userID)
	default:
		mr.users[k] = slices.DeleteFunc(slices.Clone(users), func(u Snowflake) bool { return u == userID })
		if len(mr.users[k]) == 0 {
			delete(mr.users, k)
			mr.order = slices.DeleteFunc(mr.order, func(x string) bool { return x == k })
		}
	}
	return true, nil
}

func (st *reactionStore) usersLocked(messageID Snowflake, e reactionEmoji) []Snowflake {
	if mr := st.byMessage[messageID]; mr != nil {
		return slices.Clone(mr.users[e.key()])
	}
	return nil
}

func (st *reactionStore) dropLocked(messageID Snowflake) { delete(st.byMessage, messageID) }

// Reaction is one emoji on a message and who reacted with it.
type Reaction struct {
	// Emoji is the Unicode emoji, or name:id for a custom emoji.
	Emoji string
	Users []Snowflake
}

// Reactions lists a message's reactions in the order they were first added.
func (v *State) Reactions(messageID Snowflake) []Reaction {
	s := v.s
	s.mu.Lock()
	defer s.mu.Unlock()
	mr := s.reactions.byMessage[messageID]
	if mr == nil {
		return nil
	}
	out := make([]Reaction, 0, len(mr.order))
	for _, k := range mr.order {
		out = append(out, Reaction{Emoji: k, Users: slices.Clone(mr.users[k])})
	}
	return out
}

// React adds userID's reaction to a message, as a person clicking an emoji would, and sends
// MESSAGE_REACTION_ADD. emoji is a Unicode emoji or name:id. Reacting twice changes nothing.
func (s *Server) React(ctx context.Context, channelID, messageID, userID Snowflake, emoji string) error {
	return s.react(ctx, channelID, messageID, userID, emoji, true)
}

// Unreact removes userID's reaction and sends MESSAGE_REACTION_REMOVE.
func (s *Server) Unreact(ctx context.Context, channelID, messageID, userID Snowflake, emoji string) error {
	return s.react(ctx, channelID, messageID, userID, emoji, false)
}

func (s *Server) react(ctx context.Context, channelID, messageID, userID Snowflake, emoji string, add bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("discordsim: react: %w", err)
	}
	e, ok := parseReactionEmoji(emoji)
	if !ok {
		return fmt.Errorf("%w: %q is not an emoji (use a Unicode emoji or name:id)", ErrBadInput, emoji)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.w.channels[channelID]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownChannel, channelID)
	}
	m, ok := c.byID[messageID]
	if !ok {
		return fmt.Errorf("%w: %s", ErrUnknownMessage, messageID)
	}
	if _, ok := s.w.users[userID]; !ok {
		return fmt.Errorf("%w: %s", ErrUnknownUser, userID)
	}
	if g, ok := s.w.guilds[c.GuildID]; ok {
		if _, member := g.members[userID]; !member {
			return fmt.Errorf("%w: %s is not a member of guild %s", ErrUnknownUser, userID, g.ID)
		}
	} else if c.Type == ChannelDM && !slices.Contains(c.RecipientIDs, userID) {
		return fmt.Errorf("%w: %s is not in DM channel %s", ErrUnknownUser, userID, c.ID)
	}
	_, apiErr := s.reactLocked(c, m, userID, e, add)
	return apiErrToGo(apiErr)
}

// reactLocked changes a reaction and dispatches the event Discord sends for it.
func (s *Server) reactLocked(c *channelRec, m *Message, userID Snowflake, e reactionEmoji, add bool) (bool, *apiError) {
	changed, apiErr := s.reactions.setLocked(m.ID, e, userID, add)
	if apiErr != nil || !changed {
		return false, apiErr
	}
	name := "MESSAGE_REACTION_REMOVE"
	d := map[string]any{
		"user_id": userID, "channel_id": c.ID, "message_id": m.ID, "emoji": e.wire(),
		"burst": false, "type": 0,
	}
	if c.GuildID != 0 {
		d["guild_id"] = c.GuildID
	}
	if add {
		name = "MESSAGE_REACTION_ADD"
		d["message_author_id"] = m.Author.ID
		d["burst_colors"] = []string{}
		if g, ok := s.w.guilds[c.GuildID]; ok {
			if mem, ok := g.members[userID]; ok {
				d["member"] = s.memberJSONLocked(g, mem, memberWithUser)
			}
		}
	}
	s.emitLocked(event{name: name, guildID: c.GuildID, intent: eventIntent(name, c.GuildID == 0), data: d})
	s.touchLocked()
	return true, nil
}

// reactionTargetLocked resolves the channel, message and emoji of a reaction route.
func (rc *restCtx) reactionTargetLocked() (*channelRec, *Message, reactionEmoji, *apiError) {
	c, m, e := rc.messageLocked()
	if e != nil {
		return nil, nil, reactionEmoji{}, e
	}
	emoji, ok := parseReactionEmoji(rc.params["emoji_name"])
	if !ok {
		return nil, nil, reactionEmoji{}, errUnknownEmoji
	}
	return c, m, emoji, nil
}

func (s *Server) addOwnReaction(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, e, apiErr := rc.reactionTargetLocked()
	if apiErr != nil {
		return fail(apiErr)
	}
	if apiErr := s.botChannelCheckLocked(c, PermReadMessageHistory|PermAddReactions); apiErr != nil {
		return fail(apiErr)
	}
	if _, apiErr := s.reactLocked(c, m, s.bot.ID, e, true); apiErr != nil {
		return fail(apiErr)
	}
	return noContent()
}

func (s *Server) removeOwnReaction(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, e, apiErr := rc.reactionTargetLocked()
	if apiErr != nil {
		return fail(apiErr)
	}
	if _, apiErr := s.reactLocked(c, m, s.bot.ID, e, false); apiErr != nil {
		return fail(apiErr)
	}
	return noContent()
}

// removeUserReaction removes someone else's reaction (a moderator action).
func (s *Server) removeUserReaction(rc *restCtx) (int, any) {
	uid, apiErr := rc.id("user_id")
	if apiErr != nil {
		return fail(apiErr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, e, apiErr := rc.reactionTargetLocked()
	if apiErr != nil {
		return fail(apiErr)
	}
	if c.Type == ChannelDM && uid != s.bot.ID {
		return fail(errMissingPerms)
	}
	if uid != s.bot.ID {
		if apiErr := s.botChannelCheckLocked(c, PermManageMessages); apiErr != nil {
			return fail(apiErr)
		}
	}
	if _, apiErr := s.reactLocked(c, m, uid, e, false); apiErr != nil {
		return fail(apiErr)
	}
	return noContent()
}

// listReactionUsers is GET .../reactions/{emoji}: the users who reacted, by user id, paged
// with after and limit (1–100, default 25).
func (s *Server) listReactionUsers(rc *restCtx) (int, any) {
	limit, apiErr := rc.queryInt("limit", 25, 1, 100)
	if apiErr != nil {
		return fail(apiErr)
	}
	after, apiErr := rc.querySnowflake("after")
	if apiErr != nil {
		return fail(apiErr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, m, e, apiErr := rc.reactionTargetLocked()
	if apiErr != nil {
		return fail(apiErr)
	}
	ids := slices.Sorted(slices.Values(s.reactions.usersLocked(m.ID, e)))
	out := []*wireUser{}
	for _, id := range ids {
		if id > after && len(out) < limit {
			out = append(out, s.userJSONLocked(id))
		}
	}
	return http.StatusOK, out
}

// wireReaction is a message's "reactions" entry.
type wireReaction struct {
	Count        int            `json:"count"`
	CountDetails map[string]int `json:"count_details"`
	Me           bool           `json:"me"`
	MeBurst      bool           `json:"me_burst"`
	Emoji        map[string]any `json:"emoji"`
	BurstColors  []string       `json:"burst_colors"`
}

// wireLocked renders a message's reactions as seen by the bot (me = the bot reacted).
func (st *reactionStore) wireLocked(messageID, botID Snowflake) []wireReaction {
	mr := st.byMessage[messageID]
	if mr == nil {
		return nil
	}
	out := make([]wireReaction, 0, len(mr.order))
	for _, k := range mr.order {
		users := mr.users[k]
		e, _ := parseReactionEmoji(k)
		out = append(out, wireReaction{Count: len(users), CountDetails: map[string]int{"burst": 0, "normal": len(users)},
			Me: slices.Contains(users, botID), Emoji: e.wire(), BurstColors: []string{}})
	}
	return out
}

// removeAllReactions is DELETE .../reactions (every emoji, MESSAGE_REACTION_REMOVE_ALL) and
// DELETE .../reactions/{emoji_name} (one emoji, MESSAGE_REACTION_REMOVE_EMOJI); both need
// MANAGE_MESSAGES and send nothing when there was nothing to remove.
func (s *Server) removeAllReactions(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, apiErr := rc.messageLocked()
	if apiErr != nil {
		return fail(apiErr)
	}
	var emoji *reactionEmoji
	if raw, ok := rc.params["emoji_name"]; ok {
		e, ok := parseReactionEmoji(raw)
		if !ok {
			return fail(errUnknownEmoji)
		}
		emoji = &e
	}
	if c.Type == ChannelDM {
		return fail(errDMAction)
	}
	if apiErr := s.botChannelCheckLocked(c, PermManageMessages); apiErr != nil {
		return fail(apiErr)
	}
	mr := s.reactions.byMessage[m.ID]
	if mr == nil {
		return noContent()
	}
	d := map[string]any{"channel_id": c.ID, "message_id": m.ID, "guild_id": c.GuildID}
	name := "MESSAGE_REACTION_REMOVE_ALL"
	if emoji != nil {
		k := emoji.key()
		if len(mr.users[k]) == 0 {
			return noContent()
		}
		delete(mr.users, k)
		mr.order = slices.DeleteFunc(mr.order, func(x string) bool { return x == k })
		name, d["emoji"] = "MESSAGE_REACTION_REMOVE_EMOJI", emoji.wire()
	} else {
		s.reactions.dropLocked(m.ID)
	}
	s.emitLocked(event{name: name, guildID: c.GuildID, intent: eventIntent(name, false), data: d})
	s.touchLocked()
	return noContent()
}
