package commands

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
)

// MaxPrefixArgs bounds how much of a prefix message is parsed; Discord caps content at
// 2,000 characters for users, 4,000 with Nitro, and nothing we accept needs more.
const MaxPrefixArgs = 4000

// SplitPrefix recognises "<prefix><word> <args>" case-insensitively. The prefix may be
// followed by spaces ("! headpat" is not a command, as users would not expect it to be).
func SplitPrefix(content, prefix string) (word, args string, ok bool) {
	if prefix == "" || len(content) <= len(prefix) || !strings.EqualFold(content[:len(prefix)], prefix) {
		return "", "", false
	}
	rest := content[len(prefix):]
	end := strings.IndexFunc(rest, unicode.IsSpace)
	if end < 0 {
		end = len(rest)
	}
	word = strings.ToLower(rest[:end])
	// "!!!" or "!?" is excitement, not a command: a command word starts with a letter.
	if word == "" || !unicode.IsLetter([]rune(word)[0]) {
		return "", "", false
	}
	return word, strings.TrimSpace(rest[end:]), true
}

// ArgError is a user's mistake in the arguments, phrased so it can be shown to them.
type ArgError struct{ Msg string }

func (e *ArgError) Error() string { return e.Msg }

func argErr(format string, a ...any) error { return &ArgError{Msg: fmt.Sprintf(format, a...)} }

// ParseArgs turns the text after a prefix command into typed options, positionally, as
// the registry declares them. The last string option takes the rest of the line.
func ParseArgs(c *Command, args string) ([]*busv1.Option, error) {
	if len(args) > MaxPrefixArgs {
		return nil, argErr("that message is too long for me to read: keep it under %d characters", MaxPrefixArgs)
	}
	if len(c.Subcommands) == 0 {
		return parseOptions(c.Options, args)
	}
	verb, rest := nextToken(args)
	for _, sc := range c.Subcommands {
		if strings.EqualFold(sc.Name, verb) {
			opts, err := parseOptions(sc.Options, rest)
			if err != nil {
				return nil, err
			}
			return append([]*busv1.Option{{Name: SubcommandOption, Type: busv1.OptionType_OPTION_TYPE_STRING, Value: sc.Name}}, opts...), nil
		}
	}
	names := make([]string, 0, len(c.Subcommands))
	for _, sc := range c.Subcommands {
		names = append(names, sc.Name)
	}
	if verb == "" {
		return nil, argErr("say what to do: %s", strings.Join(names, " or "))
	}
	return nil, argErr("`%s` isn't one of %s", truncate(verb, 40), strings.Join(names, ", "))
}

func parseOptions(options []Option, args string) ([]*busv1.Option, error) {
	var out []*busv1.Option
	rest := strings.TrimSpace(args)
	for i, o := range options {
		if rest == "" {
			if o.Required {
				return nil, argErr("`%s` is missing", o.Name)
			}
			break
		}
		var tok string
		if o.Type == busv1.OptionType_OPTION_TYPE_STRING && i == len(options)-1 && len(o.Choices) == 0 {
			tok, rest = unquote(rest), ""
		} else {
			tok, rest = nextToken(rest)
		}
		v, err := parseValue(o, tok)
		if err != nil {
			return nil, err
		}
		out = append(out, &busv1.Option{Name: o.Name, Type: o.Type, Value: v})
	}
	if rest != "" {
		return nil, argErr("I didn't expect `%s` there", truncate(rest, 40))
	}
	return out, nil
}

func parseValue(o Option, tok string) (string, error) {
	switch o.Type {
	case busv1.OptionType_OPTION_TYPE_USER:
		if id, ok := snowflakeIn(tok, "<@!", "<@"); ok {
			return id, nil
		}
		return "", argErr("`%s` should be a member, like @someone", truncate(tok, 40))
	case busv1.OptionType_OPTION_TYPE_CHANNEL:
		if id, ok := snowflakeIn(tok, "<#"); ok {
			return id, nil
		}
		return "", argErr("`%s` should be a channel, like #general", truncate(tok, 40))
	case busv1.OptionType_OPTION_TYPE_ROLE:
		if id, ok := snowflakeIn(tok, "<@&"); ok {
			return id, nil
		}
		return "", argErr("`%s` should be a role, like @Moderator", truncate(tok, 40))
	case busv1.OptionType_OPTION_TYPE_INTEGER:
		n, err := strconv.ParseInt(tok, 10, 64)
		if err != nil {
			return "", argErr("`%s` should be a whole number for %s", truncate(tok, 40), o.Name)
		}
		return strconv.FormatInt(n, 10), nil
	case busv1.OptionType_OPTION_TYPE_NUMBER:
		f, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return "", argErr("`%s` should be a number for %s", truncate(tok, 40), o.Name)
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case busv1.OptionType_OPTION_TYPE_BOOLEAN:
		switch strings.ToLower(tok) {
		case "true", "yes", "on", "1":
			return "true", nil
		case "false", "no", "off", "0":
			return "false", nil
		}
		return "", argErr("`%s` should be yes or no for %s", truncate(tok, 40), o.Name)
	default:
		if len(o.Choices) > 0 {
			for _, ch := range o.Choices {
				if strings.EqualFold(ch, tok) {
					return ch, nil
				}
			}
			return "", argErr("`%s` isn't one of %s", truncate(tok, 40), strings.Join(o.Choices, ", "))
		}
		return tok, nil
	}
}

// snowflakeIn accepts a bare id or one wrapped as <PREFIXid>.
func snowflakeIn(tok string, prefixes ...string) (string, bool) {
	if isSnowflake(tok) {
		return tok, true
	}
	if !strings.HasSuffix(tok, ">") {
		return "", false
	}
	for _, p := range prefixes {
		if strings.HasPrefix(tok, p) {
			id := tok[len(p) : len(tok)-1]
			if isSnowflake(id) {
				return id, true
			}
		}
	}
	return "", false
}

func isSnowflake(s string) bool {
	if len(s) < 1 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

func nextToken(s string) (tok, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if strings.HasPrefix(s, `"`) {
		if end := strings.IndexByte(s[1:], '"'); end >= 0 {
			return s[1 : end+1], strings.TrimSpace(s[end+2:])
		}
	}
	end := strings.IndexFunc(s, unicode.IsSpace)
	if end < 0 {
		return s, ""
	}
	return s[:end], strings.TrimSpace(s[end:])
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
