package discordsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// messageInput is the message body shared by channel messages, interaction responses and
// webhook follow-ups and edits.
type messageInput struct {
	Content          *string           `json:"content"`
	Nonce            json.RawMessage   `json:"nonce"`
	EnforceNonce     bool              `json:"enforce_nonce"`
	TTS              bool              `json:"tts"`
	Embeds           []Embed           `json:"embeds"`
	AllowedMentions  *allowedMentions  `json:"allowed_mentions"`
	MessageReference *MessageReference `json:"message_reference"`
	Components       []Component       `json:"components"`
	StickerIDs       []Snowflake       `json:"sticker_ids"`
	Attachments      []Attachment      `json:"attachments"`
	Flags            int               `json:"flags"`
	Poll             json.RawMessage   `json:"poll"`

	present map[string]bool // keys present in the object, for PATCH semantics
	nonce   string
}

type allowedMentions struct {
	Parse       *[]string   `json:"parse"`
	Users       []Snowflake `json:"users"`
	Roles       []Snowflake `json:"roles"`
	RepliedUser *bool       `json:"replied_user"`
}

// parseMessageInput decodes and validates a message body; prefix places errors ("data" for an
// interaction callback).
func parseMessageInput(raw []byte, prefix string) (*messageInput, *apiError) {
	in := &messageInput{}
	if e := decodeJSON(raw, in, prefix); e != nil {
		return nil, e
	}
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(raw, &keys) // cannot fail: raw decoded into a struct just above
	in.present = map[string]bool{}
	for k, v := range keys {
		in.present[k] = true
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			in.present[k+"=null"] = true
		}
	}
	errs := formErrors{}
	if len(in.Nonce) > 0 && string(in.Nonce) != "null" {
		var str string
		var num json.Number
		switch {
		case json.Unmarshal(in.Nonce, &str) == nil:
			in.nonce = str
		case json.Unmarshal(in.Nonce, &num) == nil:
			in.nonce = num.String()
		default:
			errs.add(joinPath(prefix, "nonce"), "BASE_TYPE_STRING", "Nonce must be a string or an integer.")
		}
		if utf8.RuneCountInString(in.nonce) > 25 {
			errs.add(joinPath(prefix, "nonce"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		}
	}
	in.validate(errs, prefix)
	if e := errs.err(); e != nil {
		return nil, e
	}
	return in, nil
}

func (in *messageInput) content() string {
	if in.Content == nil {
		return ""
	}
	return *in.Content
}

// empty reports a message Discord refuses with 50006.
func (in *messageInput) empty(files int) bool {
	return strings.TrimSpace(in.content()) == "" && len(in.Embeds) == 0 && len(in.Components) == 0 &&
		len(in.StickerIDs) == 0 && files == 0 && (len(in.Poll) == 0 || string(in.Poll) == "null")
}

// validate applies Discord's message limits.
func (in *messageInput) validate(errs formErrors, prefix string) {
	p := func(s string) string { return joinPath(prefix, s) }
	if n := utf8.RuneCountInString(in.content()); n > 2000 {
		errs.add(p("content"), "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
	}
	if len(in.Embeds) > 10 {
		errs.add(p("embeds"), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
	}
	total := 0
	for i, e := range in.Embeds {
		ep := func(s string) string { return p(fmt.Sprintf("embeds.%d.%s", i, s)) }
		total += limitLen(errs, ep("title"), e.Title, 256)
		total += limitLen(errs, ep("description"), e.Description, 4096)
		if e.Footer != nil {
			total += limitLen(errs, ep("footer.text"), e.Footer.Text, 2048)
		}
		if e.Author != nil {
			total += limitLen(errs, ep("author.name"), e.Author.Name, 256)
		}
		if len(e.Fields) > 25 {
			errs.add(ep("fields"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		}
		for j, f := range e.Fields {
			fp := func(s string) string { return ep(fmt.Sprintf("fields.%d.%s", j, s)) }
			if f.Name == "" {
				errs.add(fp("name"), "BASE_TYPE_REQUIRED", "This field is required")
			}
			if f.Value == "" {
				errs.add(fp("value"), "BASE_TYPE_REQUIRED", "This field is required")
			}
			total += limitLen(errs, fp("name"), f.Name, 256)
			total += limitLen(errs, fp("value"), f.Value, 1024)
		}
	}
	if total > 6000 {
		errs.add(p("embeds"), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
	}
	if in.Flags&FlagIsComponentsV2 == 0 {
		validateActionRows(errs, p("components"), in.Components)
	}
}

func limitLen(errs formErrors, path, s string, max int) int {
	n := utf8.RuneCountInString(s)
	if n > max {
		errs.add(path, "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", max))
	}
	return n
}

// validateActionRows checks classic (non-v2) message components: up to five action rows, each
// with up to five buttons or a single select menu.
func validateActionRows(errs formErrors, path string, rows []Component) {
	if len(rows) > 5 {
		errs.add(path, "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
	}
	for i, row := range rows {
		rp := fmt.Sprintf("%s.%d", path, i)
		if row.Type != ComponentActionRow {
			errs.add(rp+".type", "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
			continue
		}
		if len(row.Components) == 0 || len(row.Components) > 5 {
			errs.add(rp+".components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
		}
		selects := 0
		for j, c := range row.Components {
			cp := fmt.Sprintf("%s.components.%d", rp, j)
			switch c.Type {
			case ComponentButton:
				if c.Style == ButtonStyleLink {
					if c.URL == "" {
						errs.add(cp+".url", "BASE_TYPE_REQUIRED", "This field is required")
					}
				} else if c.CustomID == "" && c.Style != 6 {
					errs.add(cp+".custom_id", "BASE_TYPE_REQUIRED", "This field is required")
				}
				limitLen(errs, cp+".label", c.Label, 80)
			case ComponentStringSelect, ComponentUserSelect, ComponentRoleSelect,
				ComponentMentionableSelect, ComponentChannelSelect:
				selects++
				if c.CustomID == "" {
					errs.add(cp+".custom_id", "BASE_TYPE_REQUIRED", "This field is required")
				}
				if c.Type == ComponentStringSelect && (len(c.Options) == 0 || len(c.Options) > 25) {
					errs.add(cp+".options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length.")
				}
			default:
				errs.add(cp+".type", "COMPONENT_TYPE_INVALID", "Component type is not valid in an action row.")
			}
			limitLen(errs, cp+".custom_id", c.CustomID, 100)
		}
		if selects > 0 && len(row.Components) > 1 {
			errs.add(rp+".components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
		}
	}
}

var (
	userMentionRE = regexp.MustCompile(`<@!?(\d+)>`)
	roleMentionRE = regexp.MustCompile(`<@&(\d+)>`)
)

// mentionsLocked finds the users and roles a content pings, filtered by allowed_mentions as
// Discord does (nil means everything is allowed).
func (s *Server) mentionsLocked(content string, guildID Snowflake, am *allowedMentions) (users, roles []Snowflake, everyone bool) {
	parse := func(kind string) bool {
		if am == nil {
			return true
		}
		return am.Parse != nil && slices.Contains(*am.Parse, kind)
	}
	for _, m := range userMentionRE.FindAllStringSubmatch(content, -1) {
		id, err := strconv.ParseUint(m[1], 10, 64)
		if err != nil {
			continue
		}
		u := Snowflake(id)
		if _, ok := s.w.users[u]; !ok || slices.Contains(users, u) {
			continue
		}
		if parse("users") || (am != nil && slices.Contains(am.Users, u)) {
			users = append(users, u)
		}
	}
	if g, ok := s.w.guilds[guildID]; ok {
		for _, m := range roleMentionRE.FindAllStringSubmatch(content, -1) {
			id, err := strconv.ParseUint(m[1], 10, 64)
			if err != nil {
				continue
			}
			r := Snowflake(id)
			if _, ok := g.roles[r]; !ok || slices.Contains(roles, r) {
				continue
			}
			if parse("roles") || (am != nil && slices.Contains(am.Roles, r)) {
				roles = append(roles, r)
			}
		}
	}
	everyone = (strings.Contains(content, "@everyone") || strings.Contains(content, "@here")) && parse("everyone")
	return users, roles, everyone
}

// newMessageFromInput builds a bot-authored message from a validated body.
func (s *Server) newMessageFromInput(in *messageInput, c *channelRec, files []Attachment) *Message {
	m := &Message{
		ID:         s.newID(),
		ChannelID:  c.ID,
		GuildID:    c.GuildID,
		Type:       MessageTypeDefault,
		Author:     s.bot,
		Content:    in.content(),
		Embeds:     slices.Clone(in.Embeds),
		Components: slices.Clone(in.Components),
		Nonce:      in.nonce,
		TTS:        in.TTS,
		Flags:      in.Flags & (FlagSuppressEmbeds | FlagSuppressNotifications | FlagIsVoiceMessage | FlagIsComponentsV2),
	}
	m.Attachments = attachFiles(in.Attachments, files)
	m.Timestamp = m.ID.Time()
	m.Mentions, m.MentionRoles, m.MentionEveryone = s.mentionsLocked(m.Content, c.GuildID, in.AllowedMentions)
	return m
}

// attachFiles pairs uploaded files with the attachment metadata (descriptions) of the body.
func attachFiles(meta []Attachment, files []Attachment) []Attachment {
	out := slices.Clone(files)
	for i := range out {
		if i < len(meta) && meta[i].Description != "" {
			out[i].Description = meta[i].Description
		}
	}
	return out
}

// applyEdit applies a PATCH body to a copy of m: absent fields stay, null clears.
func (s *Server) applyEdit(m *Message, in *messageInput, files []Attachment) {
	if in.present["content"] {
		m.Content = in.content()
		m.Mentions, m.MentionRoles, m.MentionEveryone = s.mentionsLocked(m.Content, m.GuildID, in.AllowedMentions)
	}
	if in.present["embeds"] {
		m.Embeds = slices.Clone(in.Embeds)
	}
	if in.present["components"] {
		m.Components = slices.Clone(in.Components)
	}
	if in.present["flags"] {
		// Only embed suppression can be toggled on an existing message.
		m.Flags = m.Flags&^FlagSuppressEmbeds | in.Flags&FlagSuppressEmbeds
	}
	if in.present["attachments"] {
		kept := []Attachment{}
		for _, a := range m.Attachments {
			if slices.ContainsFunc(in.Attachments, func(x Attachment) bool { return x.ID == a.ID }) {
				kept = append(kept, a)
			}
		}
		m.Attachments = append(kept, files...)
	} else if len(files) > 0 {
		m.Attachments = append(slices.Clone(m.Attachments), files...)
	}
}

// messageEmpty is the 50006 rule for a stored message.
func messageEmpty(m *Message) bool {
	return strings.TrimSpace(m.Content) == "" && len(m.Embeds) == 0 && len(m.Components) == 0 && len(m.Attachments) == 0
}
