// Package community is the community service (SPEC.md §5): help, and the answer to
// commands that do not exist.
package community

import (
	"context"
	"embed"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/worker"
)

// Schema is the PostgreSQL schema the community service owns.
const Schema = commands.ServiceCommunity

//go:embed migrations/*.sql
var migrationFiles embed.FS

// New migrates the community schema and returns its worker.
func New(ctx context.Context, deps worker.Deps) (*worker.Worker, error) {
	if err := store.Migrate(ctx, deps.Pool, Schema, store.Sub(migrationFiles, "migrations")); err != nil {
		return nil, fmt.Errorf("community: %w", err)
	}
	reg := deps.Registry
	return worker.New(deps.Options(Schema, map[string]worker.Handler{
		"help":               func(ctx context.Context, r *worker.Request) error { return help(reg, r) },
		commands.UnknownName: unknown,
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

// help lists the commands the member may use on this server, by category.
func help(reg *commands.Registry, r *worker.Request) error {
	want, _ := r.Option("category")
	prefix := r.Config.Prefix()
	byCat := map[commands.Category][]string{}
	for _, c := range reg.All() {
		if r.Cmd.GuildId != "" && r.Config.Disabled(c.Name) || !worker.Allowed(c.Access, r.Cmd.Invoker, r.Config) {
			continue
		}
		if want != "" && string(c.Category) != want {
			continue
		}
		byCat[c.Category] = append(byCat[c.Category], fmt.Sprintf("`%s` %s", c.Usage(prefix), c.Description))
	}
	e := &discordgo.MessageEmbed{Title: r.Pick(helpTitle), Color: persona.ColorPink}
	for _, cat := range []commands.Category{commands.General, commands.League, commands.Wagers, commands.Fun, commands.Moderation} {
		if lines := byCat[cat]; len(lines) > 0 {
			e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: string(cat), Value: strings.Join(lines, "\n")})
		}
	}
	if len(e.Fields) == 0 {
		e.Description = r.Pick(helpEmpty)
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true})
	return nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
