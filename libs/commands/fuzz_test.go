package commands

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
)

// The fuzz targets below check the parsers members' text goes through. Each has a seed
// corpus in testdata/fuzz/<Name>, run by every `go test`; `make fuzz` explores further.

// FuzzSplitPrefix: never a panic, and a recognised command is one word starting with a
// letter, lowercased, right after the prefix, with trimmed arguments.
func FuzzSplitPrefix(f *testing.F) {
	for _, s := range [][2]string{{"!headpat <@1>", "!"}, {"nv!help  fun ", "NV!"}, {"!!! wow", "!"}, {"ẞ!X", "ẞ!"}, {"!\xff", "!"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, content, prefix string) {
		word, args, ok := SplitPrefix(content, prefix)
		if !ok {
			if word != "" || args != "" {
				t.Fatalf("not a command but word %q args %q", word, args)
			}
			return
		}
		if prefix == "" || !strings.EqualFold(content[:len(prefix)], prefix) {
			t.Fatalf("%q does not start with prefix %q", content, prefix)
		}
		if r := []rune(word); len(r) == 0 || !unicode.IsLetter(r[0]) || strings.IndexFunc(word, unicode.IsSpace) >= 0 {
			t.Fatalf("word %q", word)
		}
		if word != strings.ToLower(word) {
			t.Fatalf("word %q not lowercase", word)
		}
		if args != strings.TrimSpace(args) || len(args) >= len(content) {
			t.Fatalf("args %q of %q", args, content)
		}
	})
}

// FuzzParseArgs runs every registered command's arguments through ParseArgs: never a
// panic, every failure is an ArgError a member can be shown, and every success is values
// of the declared types.
func FuzzParseArgs(f *testing.F) {
	reg := Novera()
	all := reg.All()
	for i, s := range []string{`<@123> 5 yes "a reason"`, `set prefix ?`, `<#1> 10m`, `"unterminated`, `<@&9> <@!8>`, `1.5e3 -0 NaN`} {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, which uint8, args string) {
		c := all[int(which)%len(all)]
		opts, err := ParseArgs(c, args)
		if err != nil {
			var ae *ArgError
			if !errors.As(err, &ae) || ae.Msg == "" {
				t.Fatalf("%s %q: %v is not an ArgError", c.Name, args, err)
			}
			return
		}
		declared := map[string]Option{}
		for _, o := range c.Options {
			declared[o.Name] = o
		}
		for _, sc := range c.Subcommands {
			for _, o := range sc.Options {
				declared[o.Name] = o
			}
		}
		for _, o := range opts {
			if o.Name == SubcommandOption && len(c.Subcommands) > 0 {
				continue
			}
			d, ok := declared[o.Name]
			if !ok || d.Type != o.Type {
				t.Fatalf("%s %q: undeclared option %+v", c.Name, args, o)
			}
			checkValue(t, d, o.Value)
		}
	})
}

func checkValue(t *testing.T, d Option, v string) {
	t.Helper()
	switch d.Type {
	case busv1.OptionType_OPTION_TYPE_USER, busv1.OptionType_OPTION_TYPE_CHANNEL, busv1.OptionType_OPTION_TYPE_ROLE:
		if !isSnowflake(v) {
			t.Fatalf("%s = %q: not a snowflake", d.Name, v)
		}
	case busv1.OptionType_OPTION_TYPE_INTEGER:
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			t.Fatalf("%s = %q: %v", d.Name, v, err)
		}
	case busv1.OptionType_OPTION_TYPE_NUMBER:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			t.Fatalf("%s = %q: %v", d.Name, v, err)
		}
	case busv1.OptionType_OPTION_TYPE_BOOLEAN:
		if v != "true" && v != "false" {
			t.Fatalf("%s = %q", d.Name, v)
		}
	default:
		if len(d.Choices) > 0 && !containsString(d.Choices, v) {
			t.Fatalf("%s = %q: not one of %v", d.Name, v, d.Choices)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FuzzParseDuration compares ParseDuration with an exact reference (big integers, so no
// overflow): a duration it accepts is the exact positive sum, and anything else is an
// ArgError.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"90s", "1h30m", "2H", "1w", "-3m", "0m", "10", "99999999999999999999d", "1048576w", " 5 m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDuration(s)
		if err != nil {
			var ae *ArgError
			if !errors.As(err, &ae) {
				t.Fatalf("ParseDuration(%q): %v is not an ArgError", s, err)
			}
			return
		}
		want, ok := referenceDuration(s)
		if !ok || !want.IsInt64() || time.Duration(want.Int64()) != got || got <= 0 {
			t.Fatalf("ParseDuration(%q) = %v, reference %v (valid %v)", s, got, want, ok)
		}
	})
}

// referenceDuration is the grammar ParseDuration documents, summed without overflow.
func referenceDuration(s string) (*big.Int, bool) {
	units := map[byte]int64{'s': int64(time.Second), 'm': int64(time.Minute), 'h': int64(time.Hour), 'd': int64(24 * time.Hour), 'w': int64(7 * 24 * time.Hour)}
	in := strings.ToLower(strings.TrimSpace(s))
	total := new(big.Int)
	if in == "" {
		return total, false
	}
	for in != "" {
		i := strings.IndexFunc(in, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 {
			return total, false
		}
		n, ok := new(big.Int).SetString(in[:i], 10)
		unit, known := units[in[i]]
		if !ok || !known {
			return total, false
		}
		total.Add(total, n.Mul(n, big.NewInt(unit)))
		in = in[i+1:]
	}
	return total, total.Sign() > 0
}
