// Package community is the community service (SPEC.md §5): help, and the answer to
// commands that do not exist.
package community

import (
	"context"
	"embed"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/worker"
)

// Schema is the PostgreSQL schema the community service owns.
const Schema = commands.ServiceCommunity

//go:embed migrations/*.sql
var migrationFiles embed.FS

// New migrates the community schema and returns its worker. It also republishes every
// guild's prefix for the gateways, which repairs a publish lost to a crash.
func New(ctx context.Context, deps worker.Deps) (*worker.Worker, error) {
	reg, js := deps.Registry, deps.Bus.JetStream()
	err := bus.WhenAvailable(ctx, deps.Logger, "prefix sync", func(ctx context.Context) error {
		return deps.Config.SyncPrefixes(ctx, js)
	})
	if err != nil {
		return nil, fmt.Errorf("community: %w", err)
	}
	return deps.Build(ctx, Schema, store.Sub(migrationFiles, "migrations"), map[string]worker.Handler{
		"help":               func(ctx context.Context, r *worker.Request) error { return help(reg, r) },
		"config":             func(ctx context.Context, r *worker.Request) error { return config(ctx, js, r) },
		"giveaway":           giveaway,
		"tickets":            tickets,
		commands.UnknownName: unknown,
	}, worker.AnswerEvents(map[string]worker.Handler{
		"GUILD_MEMBER_ADD":    welcome,
		"GUILD_MEMBER_REMOVE": farewell,
	}))
}

// unknown answers a command nobody owns: a typo after the prefix, or a slash command
// Discord still shows from an older registration.
func unknown(_ context.Context, r *worker.Request) error {
	prefix := r.Cmd.Prefix
	if prefix == "" {
		prefix = "/"
	}
	name := r.Cmd.InvokedAs
	if name == "" {
		name = r.Cmd.Name
	}
	return worker.Fail(r.Pick(persona.UnknownCommand, truncate(name, 32), prefix))
}

// help lists the commands the member may use on this server, one category at a time,
// with a select menu that swaps the embed (SPEC.md §5). Without a category it shows an
// overview of every category the member has commands in.
func help(reg *commands.Registry, r *worker.Request) error {
	want, _ := r.Option("category")
	if r.Cmd.Source == busv1.Source_SOURCE_COMPONENT && len(r.Cmd.Values) > 0 {
		want = r.Cmd.Values[0]
	}
	prefix := r.Config.Prefix()
	byCat := map[commands.Category][]string{}
	for _, c := range reg.All() {
		if r.Cmd.GuildId != "" && r.Config.Disabled(c.Name) || !worker.Allowed(c.Access, r.Cmd.Invoker, r.Config) {
			continue
		}
		byCat[c.Category] = append(byCat[c.Category], fmt.Sprintf("`%s` %s", c.Usage(prefix), c.Description))
	}
	e := &discordgo.MessageEmbed{Title: r.Pick(helpTitle), Color: persona.ColorPink}
	var options []discordgo.SelectMenuOption
	for _, cat := range helpCategories {
		lines := byCat[cat]
		if len(lines) == 0 {
			continue
		}
		options = append(options, discordgo.SelectMenuOption{Label: string(cat), Value: string(cat), Default: string(cat) == want})
		if want == "" || string(cat) == want {
			for i, chunk := range fieldChunks(lines) {
				name := string(cat)
				if i > 0 {
					name += " (more)"
				}
				e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: chunk})
			}
		}
	}
	if len(e.Fields) == 0 {
		e.Description = r.Pick(helpEmpty)
	}
	m := worker.Message{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true}
	if len(options) > 1 {
		m.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.SelectMenu{CustomID: "help:category", Placeholder: "Pick a category", Options: options},
		}}}
	}
	if r.Cmd.Source == busv1.Source_SOURCE_COMPONENT {
		r.Update(m)
	} else {
		r.Reply(m)
	}
	return nil
}

// helpCategories is the order categories appear in.
var helpCategories = []commands.Category{commands.General, commands.League, commands.Wagers, commands.Fun, commands.Moderation}

// fieldChunks joins lines into embed field values within Discord's 1,024 characters.
func fieldChunks(lines []string) []string {
	var out []string
	cur := ""
	for _, l := range lines {
		if cur != "" && len(cur)+len(l)+1 > 1024 {
			out = append(out, cur)
			cur = ""
		}
		if cur != "" {
			cur += "\n"
		}
		cur += l
	}
	return append(out, cur)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
