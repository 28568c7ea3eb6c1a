package main

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
)

// categoryOrder is the order of help's categories; any category added later follows.
var categoryOrder = []commands.Category{commands.General, commands.League, commands.Wagers, commands.Fun, commands.Moderation}

// render writes the reference as Markdown. It depends on the registry alone (no time, no
// environment), so the same registry always gives the same bytes.
func render(reg *commands.Registry) []byte {
	var b bytes.Buffer
	b.WriteString(`# Command reference

<!-- Generated from libs/commands by services/novera/cmd/gendocs (make docs). Do not edit by hand. -->

Every command works both as a slash command (` + "`/checkvalue`" + `) and as a prefix command
(` + "`!checkvalue`" + `; the prefix is the server's ` + "`prefix`" + ` setting, ` + "`!`" + ` by default). Aliases work as
prefix words. A server can switch any command off with ` + "`/config set disabled_commands ...`" + `.
"Who" is the access the bot checks: staff is the management role or Administrator,
moderators the moderator role, Moderate Members or staff, evaluators the evaluator role or staff.
What each command does in detail is in SPEC.md; this page is what the bot accepts.

`)
	byCat := map[commands.Category][]*commands.Command{}
	cats := slices.Clone(categoryOrder)
	for _, c := range reg.All() {
		if !slices.Contains(cats, c.Category) {
			cats = append(cats, c.Category)
		}
		byCat[c.Category] = append(byCat[c.Category], c)
	}
	slices.SortStableFunc(cats[len(categoryOrder):], func(a, b commands.Category) int { return strings.Compare(string(a), string(b)) })

	// The index: every command on one line, by category.
	for _, cat := range cats {
		if len(byCat[cat]) == 0 {
			continue
		}
		fmt.Fprintf(&b, "- **%s**:", cat)
		for i, c := range byCat[cat] {
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Fprintf(&b, "%s [%s](#%s)", sep, c.Name, c.Name)
		}
		b.WriteString("\n")
	}
	for _, cat := range cats {
		if len(byCat[cat]) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n", cat)
		for _, c := range byCat[cat] {
			writeCommand(&b, c)
		}
	}
	return b.Bytes()
}

func writeCommand(b *bytes.Buffer, c *commands.Command) {
	fmt.Fprintf(b, "\n### %s\n\n%s.\n\n", c.Name, strings.TrimSuffix(c.Description, "."))
	fmt.Fprintf(b, "- Usage: `%s`\n", c.Usage("!"))
	if len(c.Aliases) > 0 {
		fmt.Fprintf(b, "- Aliases: %s\n", codeList("!", c.Aliases))
	}
	where := "servers and DMs"
	if c.GuildOnly {
		where = "servers only"
	}
	fmt.Fprintf(b, "- Who: %s, in %s; handled by the %s service\n", c.Access, where, c.Service)
	if len(c.Subcommands) > 0 {
		for _, sc := range c.Subcommands {
			fmt.Fprintf(b, "\n`/%s %s`: %s.\n", c.Name, sc.Name, strings.TrimSuffix(sc.Description, "."))
			writeOptions(b, sc.Options)
		}
		return
	}
	writeOptions(b, c.Options)
}

func writeOptions(b *bytes.Buffer, opts []commands.Option) {
	if len(opts) == 0 {
		return
	}
	b.WriteString("\n| option | type | required | description |\n|---|---|---|---|\n")
	for _, o := range opts {
		req := "no"
		if o.Required {
			req = "yes"
		}
		desc := o.Description
		if len(o.Choices) > 0 {
			desc += "; one of " + codeList("", o.Choices)
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", o.Name, typeName(o.Type), req, strings.ReplaceAll(desc, "|", `\|`))
	}
}

func codeList(prefix string, words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = "`" + prefix + w + "`"
	}
	return strings.Join(out, ", ")
}

// typeName is how a member types an option's value.
func typeName(t busv1.OptionType) string {
	switch t {
	case busv1.OptionType_OPTION_TYPE_STRING:
		return "text"
	case busv1.OptionType_OPTION_TYPE_INTEGER:
		return "whole number"
	case busv1.OptionType_OPTION_TYPE_NUMBER:
		return "number"
	case busv1.OptionType_OPTION_TYPE_BOOLEAN:
		return "true/false"
	case busv1.OptionType_OPTION_TYPE_USER:
		return "member"
	case busv1.OptionType_OPTION_TYPE_CHANNEL:
		return "channel"
	case busv1.OptionType_OPTION_TYPE_ROLE:
		return "role"
	case busv1.OptionType_OPTION_TYPE_MENTIONABLE:
		return "member or role"
	case busv1.OptionType_OPTION_TYPE_ATTACHMENT:
		return "attachment"
	}
	return "value"
}
