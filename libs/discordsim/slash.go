package discordsim

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// wireOption is an option value in INTERACTION_CREATE data.
type wireOption struct {
	Name    string       `json:"name"`
	Type    int          `json:"type"`
	Value   any          `json:"value,omitempty"`
	Options []wireOption `json:"options,omitempty"`
}

// resolvedData is data.resolved: full objects for the ids the options reference.
type resolvedData struct {
	Users    map[Snowflake]*wireUser   `json:"users,omitempty"`
	Members  map[Snowflake]*wireMember `json:"members,omitempty"`
	Roles    map[Snowflake]*wireRole   `json:"roles,omitempty"`
	Channels map[Snowflake]any         `json:"channels,omitempty"`
}

func (r *resolvedData) empty() bool {
	return len(r.Users) == 0 && len(r.Members) == 0 && len(r.Roles) == 0 && len(r.Channels) == 0
}

// slashCall is a parsed slash command line.
type slashCall struct {
	cmd      *Command
	options  []wireOption
	resolved *resolvedData
}

var (
	userMentionExact    = regexp.MustCompile(`^<@!?(\d+)>$`)
	roleMentionExact    = regexp.MustCompile(`^<@&(\d+)>$`)
	channelMentionExact = regexp.MustCompile(`^<#(\d+)>$`)
	bareID              = regexp.MustCompile(`^\d{1,20}$`)
)

// parseSlashLocked reads "/name [sub [sub]] opt:value ..." the way the Discord client fills a
// command: the command must be registered, options are typed by its definition, and mentions
// become resolved objects.
func (s *Server) parseSlashLocked(t target, text string) (*slashCall, error) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return nil, fmt.Errorf("%w: slash command text must start with /", ErrBadInput)
	}
	name, rest := nextWord(text[1:])
	if name == "" {
		return nil, fmt.Errorf("%w: missing command name after /", ErrBadInput)
	}
	var guildID Snowflake
	if t.g != nil {
		guildID = t.g.ID
	}
	cmd, ok := s.findCommandLocked(guildID, strings.ToLower(name))
	if !ok {
		return nil, fmt.Errorf("%w: /%s is not registered (known: %s)", ErrUnknownCommand, name, s.commandNamesLocked(guildID))
	}
	defs := cmd.Options
	var chain []*CommandOption
	for hasSubcommands(defs) {
		var w string
		w, rest = nextWord(rest)
		i := slices.IndexFunc(defs, func(o CommandOption) bool {
			return (o.Type == OptionSubCommand || o.Type == OptionSubCommandGroup) && strings.EqualFold(o.Name, w)
		})
		if i < 0 {
			return nil, fmt.Errorf("%w: /%s needs a subcommand, one of: %s", ErrBadInput, joinCommand(cmd.Name, chain), optionNames(defs))
		}
		chain = append(chain, &defs[i])
		defs = defs[i].Options
	}
	pairs, err := splitOptions(rest, defs)
	if err != nil {
		return nil, err
	}
	call := &slashCall{cmd: cmd, resolved: &resolvedData{}}
	for _, p := range pairs {
		def := &defs[slices.IndexFunc(defs, func(o CommandOption) bool { return o.Name == p.name })]
		v, err := s.convertOptionLocked(t, def, p.value, call.resolved)
		if err != nil {
			return nil, err
		}
		call.options = append(call.options, wireOption{Name: def.Name, Type: def.Type, Value: v})
	}
	for _, d := range defs {
		if d.Required && !slices.ContainsFunc(pairs, func(p rawOption) bool { return p.name == d.Name }) {
			return nil, fmt.Errorf("%w: /%s is missing required option %s", ErrBadInput, joinCommand(cmd.Name, chain), d.Name)
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		opts := call.options
		if opts == nil {
			opts = []wireOption{}
		}
		call.options = []wireOption{{Name: chain[i].Name, Type: chain[i].Type, Options: opts}}
	}
	return call, nil
}

func (s *Server) commandNamesLocked(guildID Snowflake) string {
	var names []string
	for _, set := range [][]Command{s.w.guildCommands[guildID], s.w.globalCommands} {
		for _, c := range set {
			if c.Type == CommandChatInput {
				names = append(names, "/"+c.Name)
			}
		}
	}
	if len(names) == 0 {
		return "none; the bot has not registered commands"
	}
	return strings.Join(names, ", ")
}

func hasSubcommands(defs []CommandOption) bool {
	return slices.ContainsFunc(defs, func(o CommandOption) bool {
		return o.Type == OptionSubCommand || o.Type == OptionSubCommandGroup
	})
}

func joinCommand(name string, chain []*CommandOption) string {
	for _, c := range chain {
		name += " " + c.Name
	}
	return name
}

func optionNames(defs []CommandOption) string {
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.Name
	}
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

func nextWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

type rawOption struct{ name, value string }

// splitOptions splits "a:1 b:two words c:\"quoted\"" into name/value pairs. An option starts at
// a known option name followed by ':' after whitespace, so an unquoted value runs until the
// next option (the last one may contain spaces); quotes protect values that contain "name:".
func splitOptions(s string, defs []CommandOption) ([]rawOption, error) {
	names := make([]string, 0, len(defs))
	for _, d := range defs {
		names = append(names, d.Name)
	}
	// Longest first, so "member" is not taken for "member_count".
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	optionAt := func(i int) string {
		for _, n := range names {
			if strings.HasPrefix(s[i:], n+":") {
				return n
			}
		}
		return ""
	}
	startsOption := func(i int) bool {
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		return unicode.IsSpace(r) && optionAt(i) != ""
	}
	var out []rawOption
	i := skipSpace(s, 0)
	for i < len(s) {
		name := optionAt(i)
		if name == "" {
			word, _ := nextWord(s[i:])
			if k := strings.IndexByte(word, ':'); k > 0 {
				return nil, fmt.Errorf("%w: unknown option %q (options: %s)", ErrBadInput, word[:k], optionNames(defs))
			}
			return nil, fmt.Errorf("%w: expected name:value at %q (options: %s)", ErrBadInput, word, optionNames(defs))
		}
		i = skipSpace(s, i+len(name)+1)
		var val string
		if i < len(s) && s[i] == '"' {
			v, n, err := readQuoted(s[i:])
			if err != nil {
				return nil, fmt.Errorf("%w: option %s: %w", ErrBadInput, name, err)
			}
			i += n
			if i < len(s) {
				if r, _ := utf8.DecodeRuneInString(s[i:]); !unicode.IsSpace(r) {
					return nil, fmt.Errorf("%w: option %s: text after closing quote", ErrBadInput, name)
				}
			}
			val = v
		} else {
			j := i
			for j < len(s) && !(j > i && startsOption(j)) {
				j++
			}
			val = strings.TrimSpace(s[i:j])
			i = j
			if val == "" {
				return nil, fmt.Errorf("%w: option %s has no value", ErrBadInput, name)
			}
		}
		if slices.ContainsFunc(out, func(o rawOption) bool { return o.name == name }) {
			return nil, fmt.Errorf("%w: option %s given twice", ErrBadInput, name)
		}
		out = append(out, rawOption{name: name, value: val})
		i = skipSpace(s, i)
	}
	return out, nil
}

func skipSpace(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	return i
}

// readQuoted reads a "double-quoted" value with \" and \\ escapes and returns it and the
// number of bytes consumed.
func readQuoted(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("unterminated quote")
}

// convertOptionLocked types one value by its definition and records resolved objects.
func (s *Server) convertOptionLocked(t target, def *CommandOption, raw string, res *resolvedData) (any, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: option %s: %s", ErrBadInput, def.Name, fmt.Sprintf(format, a...))
	}
	if len(def.Choices) > 0 {
		for _, c := range def.Choices {
			if strings.EqualFold(c.Name, raw) || fmt.Sprint(c.Value) == raw {
				return choiceValue(def.Type, c.Value), nil
			}
		}
		names := make([]string, len(def.Choices))
		for i, c := range def.Choices {
			names[i] = c.Name
		}
		return nil, bad("%q is not one of: %s", raw, strings.Join(names, ", "))
	}
	switch def.Type {
	case OptionString:
		n := utf8.RuneCountInString(raw)
		if def.MinLength != nil && n < *def.MinLength || def.MaxLength != nil && n > *def.MaxLength || n > 6000 {
			return nil, bad("length %d is out of range", n)
		}
		return raw, nil
	case OptionInteger:
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || v > 1<<53 || v < -(1<<53) {
			return nil, bad("%q is not an integer", raw)
		}
		if !inRange(float64(v), def) {
			return nil, bad("%d is out of range", v)
		}
		return v, nil
	case OptionNumber:
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, bad("%q is not a number", raw)
		}
		if !inRange(v, def) {
			return nil, bad("%v is out of range", v)
		}
		return v, nil
	case OptionBoolean:
		switch strings.ToLower(raw) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, bad("%q is not true or false", raw)
	case OptionUser:
		id, err := s.resolveUserArgLocked(t, raw)
		if err != nil {
			return nil, bad("%v", err)
		}
		s.resolveUserLocked(t, id, res)
		return id, nil
	case OptionChannel:
		c, err := s.resolveChannelArgLocked(t, raw)
		if err != nil {
			return nil, bad("%v", err)
		}
		if len(def.ChannelTypes) > 0 && !slices.Contains(def.ChannelTypes, c.Type) {
			return nil, bad("channel #%s has the wrong type", c.Name)
		}
		s.resolveChannelLocked(t, c, res)
		return c.ID, nil
	case OptionRole:
		r, err := s.resolveRoleArgLocked(t, raw)
		if err != nil {
			return nil, bad("%v", err)
		}
		s.resolveRoleLocked(r, res)
		return r.ID, nil
	case OptionMentionable:
		// Users win over roles for bare ids and names, as the client's picker lists them first.
		if !roleMentionExact.MatchString(raw) {
			if id, err := s.resolveUserArgLocked(t, raw); err == nil {
				s.resolveUserLocked(t, id, res)
				return id, nil
			}
		}
		r, err := s.resolveRoleArgLocked(t, raw)
		if err != nil {
			return nil, bad("%q is neither a user nor a role", raw)
		}
		s.resolveRoleLocked(r, res)
		return r.ID, nil
	case OptionAttachment:
		return nil, bad("attachment options are not simulated")
	}
	return nil, bad("unsupported option type %d", def.Type)
}

func choiceValue(typ int, v any) any {
	f, isNum := v.(float64)
	switch {
	case typ == OptionInteger && isNum:
		return int64(f)
	case isNum:
		return f
	}
	return v
}

func inRange(v float64, def *CommandOption) bool {
	return (def.MinValue == nil || v >= *def.MinValue) && (def.MaxValue == nil || v <= *def.MaxValue)
}

func mentionID(re *regexp.Regexp, raw string) (Snowflake, bool) {
	if m := re.FindStringSubmatch(raw); m != nil {
		raw = m[1]
	} else if !bareID.MatchString(raw) {
		return 0, false
	}
	id, err := strconv.ParseUint(raw, 10, 64)
	return Snowflake(id), err == nil
}

// resolveUserArgLocked accepts <@id>, <@!id>, a bare id, or a (nick)name of a guild member.
func (s *Server) resolveUserArgLocked(t target, raw string) (Snowflake, error) {
	if id, ok := mentionID(userMentionExact, raw); ok {
		if _, known := s.w.users[id]; !known {
			return 0, fmt.Errorf("unknown user %s", id)
		}
		return id, nil
	}
	name := strings.TrimPrefix(raw, "@")
	if t.g != nil {
		for _, id := range t.g.memberOrder {
			m, u := t.g.members[id], s.w.users[id]
			if strings.EqualFold(u.Username, name) || strings.EqualFold(u.GlobalName, name) || (m.Nick != "" && strings.EqualFold(m.Nick, name)) {
				return id, nil
			}
		}
	}
	return 0, fmt.Errorf("unknown user %q", raw)
}

func (s *Server) resolveChannelArgLocked(t target, raw string) (*channelRec, error) {
	if id, ok := mentionID(channelMentionExact, raw); ok {
		c, known := s.w.channels[id]
		if !known || t.g == nil || c.GuildID != t.g.ID {
			return nil, fmt.Errorf("unknown channel %s", id)
		}
		return c, nil
	}
	if t.g != nil {
		name := strings.TrimPrefix(raw, "#")
		for _, id := range t.g.channelOrder {
			if c := s.w.channels[id]; strings.EqualFold(c.Name, name) {
				return c, nil
			}
		}
	}
	return nil, fmt.Errorf("unknown channel %q", raw)
}

func (s *Server) resolveRoleArgLocked(t target, raw string) (*Role, error) {
	if t.g == nil {
		return nil, fmt.Errorf("roles need a guild")
	}
	if id, ok := mentionID(roleMentionExact, raw); ok {
		r, known := t.g.roles[id]
		if !known {
			return nil, fmt.Errorf("unknown role %s", id)
		}
		return r, nil
	}
	name := raw
	if name != "@everyone" {
		name = strings.TrimPrefix(name, "@")
	}
	for _, r := range t.g.roles {
		if strings.EqualFold(r.Name, name) {
			return r, nil
		}
	}
	return nil, fmt.Errorf("unknown role %q", raw)
}

// resolveUserLocked adds the user and, when they are in the guild, their member (without the
// user field and with permissions, as Discord sends resolved members).
func (s *Server) resolveUserLocked(t target, id Snowflake, res *resolvedData) {
	if res.Users == nil {
		res.Users = map[Snowflake]*wireUser{}
	}
	res.Users[id] = s.userJSONLocked(id)
	if t.g == nil {
		return
	}
	if m, ok := t.g.members[id]; ok {
		if res.Members == nil {
			res.Members = map[Snowflake]*wireMember{}
		}
		res.Members[id] = s.memberJSONLocked(t.g, m, memberWithPermissions)
	}
}

func (s *Server) resolveChannelLocked(t target, c *channelRec, res *resolvedData) {
	if res.Channels == nil {
		res.Channels = map[Snowflake]any{}
	}
	d := map[string]any{"id": c.ID, "name": c.Name, "type": c.Type, "guild_id": c.GuildID,
		"parent_id": nil, "flags": 0}
	if c.ParentID != 0 {
		d["parent_id"] = c.ParentID
	}
	if t.m != nil {
		d["permissions"] = s.permissionsLocked(t.g, t.m)
	}
	res.Channels[c.ID] = d
}

func (s *Server) resolveRoleLocked(r *Role, res *resolvedData) {
	if res.Roles == nil {
		res.Roles = map[Snowflake]*wireRole{}
	}
	res.Roles[r.ID] = roleJSON(r)
}
