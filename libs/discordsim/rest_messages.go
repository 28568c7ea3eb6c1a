package discordsim

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// channelLocked resolves the channel_id parameter.
func (rc *restCtx) channelLocked() (*channelRec, *apiError) {
	id, e := rc.id("channel_id")
	if e != nil {
		return nil, e
	}
	c, ok := rc.s.w.channels[id]
	if !ok {
		return nil, errUnknownChannel
	}
	return c, nil
}

func (s *Server) getChannel(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := rc.channelLocked()
	if e != nil {
		return fail(e)
	}
	return http.StatusOK, s.channelJSONLocked(c)
}

// patchChannel edits the channel fields bots change: slowmode, name, topic, nsfw and the
// permission overwrites (which take MANAGE_ROLES besides MANAGE_CHANNELS).
func (s *Server) patchChannel(rc *restCtx) (int, any) {
	var body struct {
		Name             *string `json:"name"`
		Topic            *string `json:"topic"`
		NSFW             *bool   `json:"nsfw"`
		RateLimitPerUser *int    `json:"rate_limit_per_user"`

		PermissionOverwrites *[]PermissionOverwrite `json:"permission_overwrites"`
	}
	if e := rc.decode(&body); e != nil {
		return fail(e)
	}
	errs := formErrors{}
	if body.Name != nil {
		checkLen(errs, "name", *body.Name, 1, 100)
	}
	if body.Topic != nil {
		limitLen(errs, "topic", *body.Topic, 1024)
	}
	if r := body.RateLimitPerUser; r != nil && (*r < 0 || *r > 21600) {
		errs.add("rate_limit_per_user", "NUMBER_TYPE_MAX", "int value should be between 0 and 21600.")
	}
	if e := errs.err(); e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := rc.channelLocked()
	if e != nil {
		return fail(e)
	}
	if c.Type == ChannelDM {
		return fail(errMissingPerms)
	}
	if e := s.botChannelCheckLocked(c, PermManageChannels); e != nil {
		return fail(e)
	}
	if ows := body.PermissionOverwrites; ows != nil {
		if e := s.botChannelCheckLocked(c, PermManageRoles); e != nil {
			return fail(e)
		}
		g, ok := s.w.guilds[c.GuildID]
		if !ok {
			return fail(errUnknownChannel)
		}
		for i, o := range *ows {
			if e := s.checkOverwriteLocked(g, o, "permission_overwrites."+strconv.Itoa(i)); e != nil {
				return fail(e)
			}
		}
		c.PermissionOverwrites = slices.Clone(*ows)
	}
	if body.Name != nil {
		c.Name = *body.Name
	}
	if body.Topic != nil {
		c.Topic = *body.Topic
	}
	if body.NSFW != nil {
		c.NSFW = *body.NSFW
	}
	if body.RateLimitPerUser != nil {
		c.RateLimitPerUser = *body.RateLimitPerUser
	}
	w := s.channelJSONLocked(c)
	s.emitLocked(event{name: "CHANNEL_UPDATE", guildID: c.GuildID, intent: IntentGuilds, data: w})
	s.touchLocked()
	return http.StatusOK, w
}

func (s *Server) typing(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := rc.channelLocked()
	if e != nil {
		return fail(e)
	}
	if e := s.botChannelCheckLocked(c, PermSendMessages); e != nil {
		return fail(e)
	}
	return noContent()
}

func (s *Server) createMessage(rc *restCtx) (int, any) {
	in, e := parseMessageInput(rc.payload, "")
	if e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := rc.channelLocked()
	if e != nil {
		return fail(e)
	}
	if c.Type == ChannelDM {
		if u, ok := s.w.users[c.RecipientIDs[0]]; !ok || u.DMsDisabled || u.Bot {
			return fail(errCannotDM)
		}
	}
	need := PermSendMessages
	if len(rc.files) > 0 {
		need |= PermAttachFiles
	}
	if in.MessageReference != nil {
		need |= PermReadMessageHistory
	}
	if e := s.botChannelCheckLocked(c, need); e != nil {
		return fail(e)
	}
	// enforce_nonce: a retry of a request that already succeeded returns the first message
	// instead of posting a duplicate.
	key := nonceKey{channel: c.ID, author: s.bot.ID, nonce: in.nonce}
	if in.EnforceNonce && in.nonce != "" {
		if prev, ok := s.w.nonces[key]; ok && rc.now.Sub(prev.at) <= s.opts.NonceWindow {
			if m, ok := c.byID[prev.messageID]; ok {
				return http.StatusOK, s.messageJSONLocked(m, 0)
			}
		}
	}
	if in.empty(len(rc.files)) {
		return fail(errEmptyMessage)
	}
	m := s.newMessageFromInput(in, c, rc.files)
	if ref := in.MessageReference; ref != nil && ref.Type == 0 {
		if ref.ChannelID == 0 {
			ref.ChannelID = c.ID
		}
		target, ok := c.byID[ref.MessageID]
		if !ok || ref.ChannelID != c.ID {
			if ref.FailIfNotExists == nil || *ref.FailIfNotExists {
				return fail(invalidForm("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"))
			}
		} else {
			m.Type = MessageTypeReply
			r := *ref
			r.GuildID = c.GuildID
			m.MessageReference = &r
			// Replies ping their target unless allowed_mentions.replied_user says otherwise.
			pingReplied := in.AllowedMentions == nil ||
				(in.AllowedMentions.RepliedUser != nil && *in.AllowedMentions.RepliedUser)
			if pingReplied && target.Author.ID != s.bot.ID && !slices.Contains(m.Mentions, target.Author.ID) {
				m.Mentions = append(m.Mentions, target.Author.ID)
			}
		}
	}
	s.appendMessageLocked(c, m)
	if in.nonce != "" {
		s.w.nonces[key] = nonceEntry{messageID: m.ID, at: rc.now}
	}
	s.emitMessageLocked("MESSAGE_CREATE", m)
	s.linkBotMessageLocked(m, rc.now)
	return http.StatusOK, s.messageJSONLocked(m, 0)
}

// linkBotMessageLocked adds a bot message to the Exchange of the prefix command it answers:
// a reply to it (message_reference) or a message whose nonce is its id. at is when the
// request arrived: the reply's time to the microsecond, which the message's own (snowflake)
// timestamp only has to the millisecond.
func (s *Server) linkBotMessageLocked(m *Message, at time.Time) {
	var ex *Exchange
	if ref := m.MessageReference; ref != nil {
		ex = s.w.exchanges[ref.MessageID]
	}
	if ex == nil && m.Nonce != "" {
		if id, err := ParseSnowflake(m.Nonce); err == nil {
			ex = s.w.exchanges[id]
		}
	}
	if ex == nil {
		return
	}
	s.w.exchanges[m.ID] = ex
	ex.add(Reply{Kind: ReplyMessage, Message: m.clone(), ChannelID: m.ChannelID, MessageID: m.ID, Time: at})
}

func (s *Server) listMessages(rc *restCtx) (int, any) {
	limit, e := rc.queryInt("limit", 50, 1, 100)
	if e != nil {
		return fail(e)
	}
	var before, after, around Snowflake
	for name, dst := range map[string]*Snowflake{"before": &before, "after": &after, "around": &around} {
		if *dst, e = rc.querySnowflake(name); e != nil {
			return fail(e)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, e := rc.channelLocked()
	if e != nil {
		return fail(e)
	}
	if e := s.botChannelCheckLocked(c, PermReadMessageHistory); e != nil {
		return fail(e)
	}
	msgs := c.msgs // ascending
	var pick []*Message
	switch {
	case around != 0:
		i, _ := slices.BinarySearchFunc(msgs, around, func(m *Message, id Snowflake) int { return compareIDs(m.ID, id) })
		lo := max(0, i-limit/2)
		hi := min(len(msgs), lo+limit)
		pick = msgs[lo:hi]
	case after != 0:
		i, found := slices.BinarySearchFunc(msgs, after, func(m *Message, id Snowflake) int { return compareIDs(m.ID, id) })
		if found {
			i++
		}
		pick = msgs[i:min(len(msgs), i+limit)]
	default:
		end := len(msgs)
		if before != 0 {
			end, _ = slices.BinarySearchFunc(msgs, before, func(m *Message, id Snowflake) int { return compareIDs(m.ID, id) })
		}
		pick = msgs[max(0, end-limit):end]
	}
	out := make([]*wireMessage, 0, len(pick))
	for i := len(pick) - 1; i >= 0; i-- { // newest first, as Discord returns them
		out = append(out, s.messageJSONLocked(pick[i], 0))
	}
	return http.StatusOK, out
}

// messageLocked resolves channel_id and message_id.
func (rc *restCtx) messageLocked() (*channelRec, *Message, *apiError) {
	c, e := rc.channelLocked()
	if e != nil {
		return nil, nil, e
	}
	id, e := rc.id("message_id")
	if e != nil {
		return nil, nil, e
	}
	m, ok := c.byID[id]
	if !ok {
		return nil, nil, errUnknownMessage
	}
	return c, m, nil
}

func (s *Server) getMessage(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, e := rc.messageLocked()
	if e != nil {
		return fail(e)
	}
	if e := s.botChannelCheckLocked(c, PermReadMessageHistory); e != nil {
		return fail(e)
	}
	return http.StatusOK, s.messageJSONLocked(m, 0)
}

func (s *Server) editMessage(rc *restCtx) (int, any) {
	in, e := parseMessageInput(rc.payload, "")
	if e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, e := rc.messageLocked()
	if e != nil {
		return fail(e)
	}
	if m.Author.ID != s.bot.ID {
		return fail(errEditOthers)
	}
	nm, e := s.editedCopy(m, in, rc.files, rc.now)
	if e != nil {
		return fail(e)
	}
	s.replaceMessageLocked(c, nm)
	s.emitMessageLocked("MESSAGE_UPDATE", nm)
	s.linkEditLocked(nm, ReplyEdit)
	return http.StatusOK, s.messageJSONLocked(nm, 0)
}

// editedCopy returns m with the edit applied, leaving m untouched for holders of old copies.
func (s *Server) editedCopy(m *Message, in *messageInput, files []Attachment, now time.Time) (*Message, *apiError) {
	nm := m.clone()
	s.applyEdit(&nm, in, files)
	if messageEmpty(&nm) {
		return nil, errEmptyMessage
	}
	t := now.UTC()
	nm.EditedTimestamp = &t
	return &nm, nil
}

func (s *Server) replaceMessageLocked(c *channelRec, nm *Message) {
	c.byID[nm.ID] = nm
	if i, ok := slices.BinarySearchFunc(c.msgs, nm.ID, func(m *Message, id Snowflake) int { return compareIDs(m.ID, id) }); ok {
		c.msgs[i] = nm
	}
	s.touchLocked()
}

// linkEditLocked reports an edit or deletion of a message that answered an Exchange.
func (s *Server) linkEditLocked(m *Message, kind ReplyKind) {
	if ex, ok := s.w.exchanges[m.ID]; ok {
		r := Reply{Kind: kind, ChannelID: m.ChannelID, MessageID: m.ID, Time: time.Now(), Ephemeral: m.Ephemeral()}
		if kind != ReplyDelete {
			r.Message = m.clone()
		}
		ex.add(r)
	}
}

func (s *Server) deleteMessage(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m, e := rc.messageLocked()
	if e != nil {
		return fail(e)
	}
	// Deleting someone else's message takes MANAGE_MESSAGES; one's own only access.
	need := PermViewChannel
	if m.Author.ID != s.bot.ID {
		need = PermManageMessages
	}
	if e := s.botChannelCheckLocked(c, need); e != nil {
		return fail(e)
	}
	s.deleteMessageLocked(c, m.ID)
	s.reactions.dropLocked(m.ID)
	s.emitMessageDeleteLocked(m)
	s.linkEditLocked(m, ReplyDelete)
	return noContent()
}
