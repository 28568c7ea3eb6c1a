package discordsim

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"time"
)

// Interaction types.
const (
	InteractionPing               = 1
	InteractionApplicationCommand = 2
	InteractionMessageComponent   = 3
	InteractionAutocomplete       = 4
	InteractionModalSubmit        = 5
)

// Interaction callback types.
const (
	CallbackPong                     = 1
	CallbackChannelMessageWithSource = 4
	CallbackDeferredChannelMessage   = 5
	CallbackDeferredUpdateMessage    = 6
	CallbackUpdateMessage            = 7
	CallbackAutocompleteResult       = 8
	CallbackModal                    = 9
)

// interaction is an interaction the simulator dispatched. Guarded by Server.mu.
type interaction struct {
	id          Snowflake
	token       string
	typ         int
	guildID     Snowflake
	channelID   Snowflake
	userID      Snowflake
	commandName string
	createdAt   time.Time

	acked   bool
	ackType int
	// originalID is the @original message: the response message, or for component
	// interactions answered with 6/7 the message carrying the component.
	originalID Snowflake
	// sourceID is the message a component interaction (or a modal opened from one) came from.
	sourceID Snowflake
	modal    *Modal
	messages map[Snowflake]bool // messages this interaction's token may read and edit
	ex       *Exchange
	// payload is the INTERACTION_CREATE data as dispatched, kept for Redispatch.
	payload any
}

func (s *Server) newInteractionLocked(typ int, t target) *interaction {
	it := &interaction{
		id: s.newID(), token: "sim_" + randomHex(40), typ: typ, channelID: t.c.ID, userID: t.u.ID,
		createdAt: time.Now(), messages: map[Snowflake]bool{},
	}
	if t.g != nil {
		it.guildID = t.g.ID
	}
	it.ex = newExchange(it.guildID, it.channelID, it.userID)
	it.ex.InteractionID, it.ex.InteractionToken = it.id, it.token
	s.w.interactions[it.id] = it
	s.w.byToken[it.token] = it
	s.touchLocked()
	return it
}

func (it *interaction) fromComponent() bool { return it.sourceID != 0 }

func (s *Server) interactionCallback(rc *restCtx) (int, any) {
	id, e := rc.id("interaction_id")
	if e != nil {
		return fail(e)
	}
	var body struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if e := rc.decode(&body); e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.w.interactions[id]
	if !ok || subtle.ConstantTimeCompare([]byte(it.token), []byte(rc.params["interaction_token"])) != 1 {
		return fail(errUnknownInteract)
	}
	if it.acked {
		return fail(errAlreadyAcked)
	}
	if rc.now.Sub(it.createdAt) > s.opts.InteractionDeadline {
		return fail(errUnknownInteract)
	}
	var msg *Message
	reply := Reply{Kind: ReplyInteractionResponse, ResponseType: body.Type, ChannelID: it.channelID, Time: rc.now}
	invalidType := invalidForm("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Interaction response type is invalid for this interaction.")
	switch body.Type {
	case CallbackChannelMessageWithSource:
		if it.typ == InteractionPing || it.typ == InteractionAutocomplete {
			return fail(invalidType)
		}
		in, e := parseMessageInput(body.Data, "data")
		if e != nil {
			return fail(e)
		}
		if in.empty(len(rc.files)) {
			return fail(errEmptyMessage)
		}
		msg = s.newInteractionMessageLocked(it, in, rc.files, true)
		s.storeInteractionMessageLocked(msg)
		it.originalID = msg.ID
	case CallbackDeferredChannelMessage:
		if it.typ == InteractionPing || it.typ == InteractionAutocomplete {
			return fail(invalidType)
		}
		var d struct {
			Flags int `json:"flags"`
		}
		if len(body.Data) > 0 {
			if e := decodeJSON(body.Data, &d, "data"); e != nil {
				return fail(e)
			}
		}
		// Discord posts a "thinking…" message (flag LOADING) that the first edit or follow-up
		// fills in.
		msg = s.newInteractionMessageLocked(it, &messageInput{}, nil, true)
		msg.Flags = FlagLoading | d.Flags&FlagEphemeral
		s.storeInteractionMessageLocked(msg)
		it.originalID = msg.ID
		reply.Deferred = true
	case CallbackDeferredUpdateMessage, CallbackUpdateMessage:
		if !it.fromComponent() {
			return fail(invalidType)
		}
		src := s.findMessageLocked(0, it.sourceID)
		if src == nil {
			src = s.findMessageLocked(it.channelID, it.sourceID)
		}
		if src == nil {
			return fail(errUnknownMessage)
		}
		it.originalID = src.ID
		it.messages[src.ID] = true
		reply.MessageID = src.ID
		if body.Type == CallbackDeferredUpdateMessage {
			reply.Deferred = true
			reply.Ephemeral = src.Ephemeral()
			break
		}
		in, e := parseMessageInput(body.Data, "data")
		if e != nil {
			return fail(e)
		}
		nm, e := s.editedCopy(src, in, rc.files, rc.now)
		if e != nil {
			return fail(e)
		}
		nm.EditedTimestamp = nil // an update response is not shown as an edit
		s.replaceInteractionMessageLocked(nm)
		msg = nm
	case CallbackModal:
		if it.typ != InteractionApplicationCommand && it.typ != InteractionMessageComponent {
			return fail(invalidType)
		}
		var m Modal
		if e := decodeJSON(body.Data, &m, "data"); e != nil {
			return fail(e)
		}
		if e := validateModal(&m); e != nil {
			return fail(e)
		}
		it.modal = &m
		reply.Kind = ReplyModal
		mc := m
		reply.Modal = &mc
	case CallbackAutocompleteResult:
		if it.typ != InteractionAutocomplete {
			return fail(invalidType)
		}
	case CallbackPong:
		if it.typ != InteractionPing {
			return fail(invalidType)
		}
	default:
		return fail(invalidForm("type", "BASE_TYPE_CHOICES", "Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}."))
	}
	it.acked, it.ackType = true, body.Type
	if msg != nil {
		it.messages[msg.ID] = true
		reply.Message, reply.MessageID, reply.Ephemeral = msg.clone(), msg.ID, msg.Ephemeral()
	}
	it.ex.add(reply)
	s.touchLocked()
	if rc.r.URL.Query().Get("with_response") != "true" {
		return noContent()
	}
	resp := map[string]any{
		"interaction": map[string]any{"id": it.id, "type": it.typ, "activity_instance_id": nil,
			"response_message_id": nil, "response_message_loading": nil, "response_message_ephemeral": nil},
		"resource": map[string]any{"type": body.Type},
	}
	if msg != nil {
		ix := resp["interaction"].(map[string]any)
		ix["response_message_id"] = msg.ID
		ix["response_message_loading"] = msg.Flags&FlagLoading != 0
		ix["response_message_ephemeral"] = msg.Ephemeral()
		resp["resource"].(map[string]any)["message"] = s.messageJSONLocked(msg, 0)
	}
	return http.StatusOK, resp
}

func validateModal(m *Modal) *apiError {
	errs := formErrors{}
	if m.CustomID == "" {
		errs.add("data.custom_id", "BASE_TYPE_REQUIRED", "This field is required")
	}
	limitLen(errs, "data.custom_id", m.CustomID, 100)
	if m.Title == "" {
		errs.add("data.title", "BASE_TYPE_REQUIRED", "This field is required")
	}
	limitLen(errs, "data.title", m.Title, 45)
	if n := len(m.Components); n < 1 || n > 5 {
		errs.add("data.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
	}
	return errs.err()
}

// newInteractionMessageLocked builds a message posted with an interaction token: authored by
// the bot through the application's webhook.
func (s *Server) newInteractionMessageLocked(it *interaction, in *messageInput, files []Attachment, original bool) *Message {
	c := &channelRec{Channel: Channel{ID: it.channelID, GuildID: it.guildID}}
	m := s.newMessageFromInput(in, c, files)
	m.Flags = in.Flags & (FlagEphemeral | FlagSuppressEmbeds | FlagSuppressNotifications | FlagIsComponentsV2)
	m.Nonce = ""
	m.WebhookID, m.ApplicationID, m.InteractionID = s.app.ID, s.app.ID, it.id
	if original && it.typ == InteractionApplicationCommand {
		m.Type = MessageTypeChatInput
	}
	return m
}

// storeInteractionMessageLocked keeps an interaction message: ephemeral ones only for the
// token holder, others in the channel (and dispatched, as Discord does).
func (s *Server) storeInteractionMessageLocked(m *Message) {
	if m.Ephemeral() {
		s.w.ephemeral[m.ID] = m
		s.touchLocked()
		return
	}
	if c, ok := s.w.channels[m.ChannelID]; ok {
		s.appendMessageLocked(c, m)
		s.emitMessageLocked("MESSAGE_CREATE", m)
	}
}

func (s *Server) replaceInteractionMessageLocked(m *Message) {
	if _, ok := s.w.ephemeral[m.ID]; ok {
		s.w.ephemeral[m.ID] = m
		s.touchLocked()
		return
	}
	if c, ok := s.w.channels[m.ChannelID]; ok {
		s.replaceMessageLocked(c, m)
		s.emitMessageLocked("MESSAGE_UPDATE", m)
	}
}

// webhookInteractionLocked resolves /webhooks/{application_id}/{interaction_token}.
func (rc *restCtx) webhookInteractionLocked() (*interaction, *apiError) {
	app, e := rc.id("webhook_id")
	if e != nil {
		return nil, e
	}
	it, ok := rc.s.w.byToken[rc.params["webhook_token"]]
	if app != rc.s.app.ID || !ok {
		return nil, errUnknownWebhook
	}
	if rc.now.Sub(it.createdAt) > rc.s.opts.InteractionTokenTTL {
		return nil, errInvalidToken
	}
	return it, nil
}

// webhookMessageLocked resolves {message_id}, which may be @original.
func (rc *restCtx) webhookMessageLocked(it *interaction) (*Message, *apiError) {
	var id Snowflake
	if rc.params["message_id"] == "@original" {
		id = it.originalID
	} else {
		var e *apiError
		if id, e = rc.id("message_id"); e != nil {
			return nil, e
		}
	}
	if id == 0 || !it.messages[id] {
		return nil, errUnknownMessage
	}
	m := rc.s.findMessageLocked(it.channelID, id)
	if m == nil {
		return nil, errUnknownMessage
	}
	return m, nil
}

func (s *Server) createFollowup(rc *restCtx) (int, any) {
	in, e := parseMessageInput(rc.payload, "")
	if e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, e := rc.webhookInteractionLocked()
	if e != nil {
		return fail(e)
	}
	if !it.acked {
		return fail(errUnknownWebhook)
	}
	if in.empty(len(rc.files)) {
		return fail(errEmptyMessage)
	}
	// The first follow-up after a deferred message response replaces the "thinking…" message,
	// keeping the ephemerality chosen when deferring.
	if orig := s.findMessageLocked(it.channelID, it.originalID); orig != nil && orig.Flags&FlagLoading != 0 {
		nm := orig.clone()
		in.present = map[string]bool{"content": true, "embeds": true, "components": true, "attachments": true}
		s.applyEdit(&nm, in, rc.files)
		nm.Flags = orig.Flags &^ FlagLoading
		s.replaceInteractionMessageLocked(&nm)
		it.ex.add(Reply{Kind: ReplyFollowup, Message: nm.clone(), Ephemeral: nm.Ephemeral(),
			ChannelID: nm.ChannelID, MessageID: nm.ID, Time: rc.now})
		return http.StatusOK, s.messageJSONLocked(&nm, 0)
	}
	m := s.newInteractionMessageLocked(it, in, rc.files, false)
	s.storeInteractionMessageLocked(m)
	it.messages[m.ID] = true
	it.ex.add(Reply{Kind: ReplyFollowup, Message: m.clone(), Ephemeral: m.Ephemeral(),
		ChannelID: m.ChannelID, MessageID: m.ID, Time: rc.now})
	s.touchLocked()
	return http.StatusOK, s.messageJSONLocked(m, 0)
}

func (s *Server) getWebhookMessage(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, e := rc.webhookInteractionLocked()
	if e != nil {
		return fail(e)
	}
	m, e := rc.webhookMessageLocked(it)
	if e != nil {
		return fail(e)
	}
	return http.StatusOK, s.messageJSONLocked(m, 0)
}

func (s *Server) editWebhookMessage(rc *restCtx) (int, any) {
	in, e := parseMessageInput(rc.payload, "")
	if e != nil {
		return fail(e)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, e := rc.webhookInteractionLocked()
	if e != nil {
		return fail(e)
	}
	m, e := rc.webhookMessageLocked(it)
	if e != nil {
		return fail(e)
	}
	nm, e := s.editedCopy(m, in, rc.files, rc.now)
	if e != nil {
		return fail(e)
	}
	if m.Flags&FlagLoading != 0 {
		// Filling in a deferred response is not an edit from the user's point of view.
		nm.Flags &^= FlagLoading
		nm.EditedTimestamp = nil
	}
	s.replaceInteractionMessageLocked(nm)
	it.ex.add(Reply{Kind: ReplyEdit, Message: nm.clone(), Ephemeral: nm.Ephemeral(),
		ChannelID: nm.ChannelID, MessageID: nm.ID, Time: rc.now})
	s.touchLocked()
	return http.StatusOK, s.messageJSONLocked(nm, 0)
}

func (s *Server) deleteWebhookMessage(rc *restCtx) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, e := rc.webhookInteractionLocked()
	if e != nil {
		return fail(e)
	}
	m, e := rc.webhookMessageLocked(it)
	if e != nil {
		return fail(e)
	}
	if _, ok := s.w.ephemeral[m.ID]; ok {
		delete(s.w.ephemeral, m.ID)
	} else if c, ok := s.w.channels[m.ChannelID]; ok {
		s.deleteMessageLocked(c, m.ID)
		s.emitMessageDeleteLocked(m)
	}
	delete(it.messages, m.ID)
	it.ex.add(Reply{Kind: ReplyDelete, Ephemeral: m.Ephemeral(), ChannelID: m.ChannelID, MessageID: m.ID, Time: rc.now})
	s.touchLocked()
	return noContent()
}
