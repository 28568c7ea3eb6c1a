package gateway

import (
	"encoding/json"
	"fmt"
	"github.com/tidwall/gjson"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
)

// Interaction types (DISCORD.md).
const (
	interactionPing         = 1
	interactionCommand      = 2
	interactionComponent    = 3
	interactionAutocomplete = 4
	interactionModal        = 5
)

// normalizer turns Discord's two front doors into Commands. It holds no I/O: everything
// it needs is in the event, the registry and the guild cache.
type normalizer struct {
	reg    *commands.Registry
	guilds *guildCache
}

// route returns the subject for a command name. A name nobody owns goes to the
// unknown-command handler as "unknown", with what the user typed kept in InvokedAs.
func (n *normalizer) route(cmd *busv1.Command) string {
	if def, ok := n.reg.Lookup(cmd.Name); ok {
		cmd.Name = def.Name
		return def.Subject()
	}
	if cmd.InvokedAs == "" {
		cmd.InvokedAs = cmd.Name
	}
	cmd.Name = commands.UnknownName
	return commands.UnknownSubject
}

// fromInteraction normalises an application command, component click or modal submit.
// ok is false for interactions that are not commands (pings, autocomplete).
func (n *normalizer) fromInteraction(raw []byte, shard int, received time.Time) (cmd *busv1.Command, subject string, ok bool, err error) {
	var in wireInteraction
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, "", false, fmt.Errorf("decode interaction: %w", err)
	}
	if in.ID == "" || in.Token == "" {
		return nil, "", false, fmt.Errorf("interaction without id or token")
	}
	cmd = &busv1.Command{
		Id: in.ID, InteractionId: in.ID, InteractionToken: in.Token, ApplicationId: in.ApplicationID,
		GuildId: in.GuildID, ChannelId: in.ChannelID, Locale: in.Locale,
		ReceivedAt: timestamppb.New(received), Shard: int32(shard),
		Users: map[string]*busv1.Member{},
	}
	switch {
	case in.Member != nil:
		cmd.Invoker = memberOf(in.Member, nil, true)
	case in.User != nil:
		cmd.Invoker = memberOf(nil, in.User, false)
	default:
		return nil, "", false, fmt.Errorf("interaction %s without member or user", in.ID)
	}
	switch in.Type {
	case interactionCommand:
		cmd.Source = busv1.Source_SOURCE_SLASH
		cmd.Name = strings.ToLower(in.Data.Name)
		cmd.InvokedAs = cmd.Name
		flattenOptions(cmd, in.Data.Options, &in)
		for id, u := range in.Data.Resolved.Users {
			var m *wireMember
			if rm, ok := in.Data.Resolved.Members[id]; ok {
				m = &rm
			}
			u := u
			cmd.Users[id] = memberOf(m, &u, m != nil)
		}
	case interactionComponent, interactionModal:
		cmd.Source = busv1.Source_SOURCE_COMPONENT
		if in.Type == interactionModal {
			cmd.Source = busv1.Source_SOURCE_MODAL
		}
		cmd.CustomId = in.Data.CustomID
		cmd.Values = in.Data.Values
		// Custom ids are "<command>:<state>", so a click reaches the command's owner.
		cmd.Name, _, _ = strings.Cut(in.Data.CustomID, ":")
		cmd.Name = strings.ToLower(cmd.Name)
		if in.Message != nil {
			cmd.ComponentMessageId = in.Message.ID
		}
		cmd.Fields = map[string]string{}
		collectFields(cmd.Fields, in.Data.Components)
	default:
		return nil, "", false, nil
	}
	return cmd, n.route(cmd), true, nil
}

func flattenOptions(cmd *busv1.Command, opts []wireOption, in *wireInteraction) {
	for _, o := range opts {
		if o.Type == 1 || o.Type == 2 {
			// A subcommand travels as the "subcommand" option, its options flat beside it,
			// exactly as a prefix command's verb does (commands.ParseArgs).
			cmd.Options = append(cmd.Options, &busv1.Option{Name: commands.SubcommandOption,
				Type: busv1.OptionType_OPTION_TYPE_STRING, Value: o.Name})
			flattenOptions(cmd, o.Options, in)
			continue
		}
		// A string option is JSON text: unescape it as JSON (strconv.Unquote is Go's
		// syntax and leaves "a\/b" or an escaped emoji quoted). Numbers and booleans
		// travel as their literal.
		v := string(o.Value)
		var s string
		if json.Unmarshal(o.Value, &s) == nil {
			v = s
		}
		if o.Type == int(busv1.OptionType_OPTION_TYPE_ATTACHMENT) {
			if a, ok := in.Data.Resolved.Attachments[v]; ok {
				v = a.URL
			}
		}
		cmd.Options = append(cmd.Options, &busv1.Option{Name: o.Name, Type: busv1.OptionType(o.Type), Value: v})
	}
}

func collectFields(dst map[string]string, cs []wireComponent) {
	for _, c := range cs {
		if c.CustomID != "" && c.Type == 4 {
			dst[c.CustomID] = c.Value
		}
		collectFields(dst, c.Components)
	}
}

// messageHead is what the gateway needs of every chat message: its id, where it was
// written, by whom, and whether it can be a command.
type messageHead struct {
	ID, GuildID, AuthorID, Content string
	AuthorBot, Webhook             bool
}

// peekMessage reads a MESSAGE_CREATE's head without decoding the rest: most messages are
// chat that is only forwarded, and a full decode (mentions, member, embeds) would be
// most of the gateway's work for each. It does not validate; a message without an id is
// reported as !ok, and whatever becomes a command is decoded in full (and so validated).
func peekMessage(raw []byte) (h messageHead, ok bool) {
	// One pass over the top level: nested values (embeds, a referenced message with its
	// own author and content) are skipped whole, never mistaken for the message's own.
	gjson.ParseBytes(raw).ForEach(func(key, v gjson.Result) bool {
		switch key.Str {
		case "id":
			h.ID = v.String()
		case "guild_id":
			h.GuildID = v.String()
		case "content":
			h.Content = v.String()
		case "webhook_id":
			h.Webhook = v.Type != gjson.Null
		case "author":
			v.ForEach(func(k, f gjson.Result) bool {
				switch k.Str {
				case "id":
					h.AuthorID = f.String()
				case "bot":
					h.AuthorBot = f.Bool()
				}
				return true
			})
		}
		return true
	})
	return h, h.ID != ""
}

// mayBeCommand reports whether a message could be a prefix command, and so is worth a
// full decode.
func (h *messageHead) mayBeCommand(prefix string) bool {
	if h.AuthorBot || h.Webhook {
		return false
	}
	_, _, ok := commands.SplitPrefix(h.Content, prefix)
	return ok
}

// fromMessage normalises a prefix command. ok is false for anything that is not one.
func (n *normalizer) fromMessage(m *wireMessage, prefix string, shard int, received time.Time) (cmd *busv1.Command, subject string, ok bool) {
	if m.Author.Bot || m.WebhookID != "" {
		return nil, "", false
	}
	word, args, ok := commands.SplitPrefix(m.Content, prefix)
	if !ok {
		return nil, "", false
	}
	inGuild := m.GuildID != "" && m.Member != nil
	cmd = &busv1.Command{
		Id: m.ID, MessageId: m.ID, GuildId: m.GuildID, ChannelId: m.ChannelID,
		Source: busv1.Source_SOURCE_PREFIX, Name: word, InvokedAs: word, Args: args, Prefix: prefix,
		ReceivedAt: timestamppb.New(received), Shard: int32(shard),
		Invoker: memberOf(m.Member, &m.Author, inGuild),
		Users:   make(map[string]*busv1.Member, len(m.Mentions)),
	}
	if inGuild {
		cmd.Invoker.Permissions = n.guilds.permissions(m.GuildID, m.Author.ID, m.Member.Roles)
	}
	for _, u := range m.Mentions {
		u := u
		cmd.Users[u.ID] = memberOf(u.Member, &u.wireUser, u.Member != nil)
	}
	subject = n.route(cmd)
	if def, ok := n.reg.Lookup(cmd.Name); ok {
		opts, err := commands.ParseArgs(def, args)
		if err != nil {
			cmd.ParseError = err.Error()
		}
		cmd.Options = opts
	}
	if len(cmd.Args) > commands.MaxPrefixArgs {
		// Keep bus messages small; the parse error already tells the user.
		cmd.Args = cmd.Args[:commands.MaxPrefixArgs]
	}
	return cmd, subject, true
}

func memberOf(m *wireMember, u *wireUser, inGuild bool) *busv1.Member {
	out := &busv1.Member{InGuild: inGuild}
	if m != nil {
		if m.User != nil && u == nil {
			u = m.User
		}
		out.Nick = m.Nick
		out.RoleIds = m.Roles
		out.Permissions, _ = strconv.ParseUint(m.Permissions, 10, 64)
	}
	if u != nil {
		out.UserId, out.Username, out.GlobalName, out.Avatar, out.Bot = u.ID, u.Username, u.GlobalName, u.Avatar, u.Bot
	}
	return out
}
