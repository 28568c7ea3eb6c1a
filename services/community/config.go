package community

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/worker"
)

// config: SPEC.md §0, `/config show` and `/config set <key> <value>` (staff; the framework
// checks access). Every service reads the settings from PostgreSQL on each command, so a
// change applies to the next command everywhere.
func config(ctx context.Context, js jetstream.JetStream, r *worker.Request) error {
	verb, _ := r.Option(commands.SubcommandOption)
	if verb == "set" {
		return configSet(ctx, js, r)
	}
	return configShow(r)
}

func configSet(ctx context.Context, js jetstream.JetStream, r *worker.Request) error {
	key, _ := r.Option("key")
	value, _ := r.Option("value")
	stored, err := guildconfig.SetIn(ctx, r.Tx, r.Cmd.GuildId, key, value, r.Cmd.Invoker.GetUserId())
	var bad *guildconfig.ValueError
	switch {
	case errors.Is(err, guildconfig.ErrUnknownKey):
		return worker.Fail(r.Pick(configUnknownKey, truncate(key, 40), suggest(key)))
	case errors.As(err, &bad):
		return worker.Fail(r.Pick(configBadValue, bad.Msg))
	case err != nil:
		return err // a database failure: retried, never shown
	}
	k, _ := guildconfig.Lookup(key)
	if k.Name == "prefix" {
		guild := r.Cmd.GuildId
		r.AfterCommit(func(ctx context.Context) error { return guildconfig.PublishPrefix(ctx, js, guild, stored) })
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{{
		Description: r.Pick(configChanged, k.Name, render(k, stored)), Color: persona.ColorGreen,
	}}})
	return nil
}

func configShow(r *worker.Request) error {
	groups := map[string][]string{}
	for _, k := range guildconfig.Keys() {
		group := "General"
		switch k.Kind {
		case guildconfig.KindRole:
			group = "Roles"
		case guildconfig.KindChannel:
			group = "Channels"
		}
		if strings.HasPrefix(k.Name, "feature.") {
			group = "Features"
		}
		groups[group] = append(groups[group], fmt.Sprintf("`%s` %s", k.Name, render(k, r.Config.Value(k.Name))))
	}
	e := &discordgo.MessageEmbed{Title: r.Pick(configTitle), Color: persona.ColorBlue,
		Footer: &discordgo.MessageEmbedFooter{Text: "/config set <key> <value>"}}
	for _, g := range []string{"General", "Features", "Roles", "Channels"} {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: g, Value: strings.Join(groups[g], "\n")})
	}
	r.Reply(worker.Message{Embeds: []*discordgo.MessageEmbed{e}, Ephemeral: true})
	return nil
}

// render shows a stored value the way a member reads it in Discord.
func render(k guildconfig.Key, v string) string {
	switch {
	case v == "" && (k.Kind == guildconfig.KindRole || k.Kind == guildconfig.KindChannel || k.Kind == guildconfig.KindList):
		return "—"
	case k.Kind == guildconfig.KindRole:
		return "<@&" + v + ">"
	case k.Kind == guildconfig.KindChannel:
		return "<#" + v + ">"
	case k.Kind == guildconfig.KindBool && v == "true":
		return "on"
	case k.Kind == guildconfig.KindBool:
		return "off"
	}
	return "`" + v + "`"
}

// suggest names the settings closest to a mistyped key.
func suggest(key string) string {
	key = strings.ToLower(key)
	type scored struct {
		name  string
		score int
	}
	var all []scored
	for _, k := range guildconfig.Keys() {
		all = append(all, scored{k.Name, distance(key, k.Name)})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score < all[j].score })
	names := make([]string, 0, 3)
	for _, s := range all[:3] {
		names = append(names, "`"+s.name+"`")
	}
	return strings.Join(names, ", ")
}

// distance is the Levenshtein distance, enough to catch typos in a setting's name.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
