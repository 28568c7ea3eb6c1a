package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/guildconfig"
)

// The earlier bot's settings and their nearest Novera settings. The old keys missing here
// have no equivalent (see docs/operators.md): roles.pro and roles.veteran were value-tier
// roles (Novera has Rank 1..10 roles instead), and the three assign/remove switches are
// not settings in Novera but decide whether the role they governed is imported at all.
var (
	roleKeys = map[string]string{
		"management": "role.management",
		"verified":   "role.verified",
		"tryouter":   "role.tryout_pending",
		"noverian":   "role.evaluated",
	}
	// announcements and values both fed the values channel; values wins when both exist.
	channelKeys = map[string]string{
		"announcements":       "channel.values",
		"values":              "channel.values",
		"tryout_results":      "channel.tryout_results",
		"welcome":             "channel.welcome",
		"giveaways":           "channel.giveaways",
		"evaluation_requests": "channel.evaluation_requests",
	}
	boolKeys = map[string]string{
		"use_sassy_language":    "sassy",
		"announce_leaves":       "feature.announce_leaves",
		"announce_value_checks": "feature.announce_value_checks",
	}
	// A switch that was off means the bot never touched that role: Novera has no switch,
	// so the nearest is to leave the role unset (Novera then does nothing with it either).
	roleSwitches = map[string]string{
		"assign_roles_on_join":   "verified",
		"remove_roles_on_tryout": "tryouter",
		"assign_roles_on_tryout": "noverian",
	}
)

// ChannelLister resolves channel names: the guild's text channels by name, lower case.
type ChannelLister func(ctx context.Context, guildID string) (map[string]string, error)

type oldGuild struct {
	Roles    map[string]json.RawMessage `json:"roles"`
	Channels map[string]json.RawMessage `json:"channels"`
	Settings map[string]json.RawMessage `json:"settings"`
}

// readServerConfig adds every guild of the earlier bot's server_config.json to plans.
func readServerConfig(ctx context.Context, name string, data []byte, channels ChannelLister, plans func(string) *guildPlan) ([]Problem, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %w", name, err)
	}
	base := filepath.Base(name)
	source := "import of " + base
	reg := commands.Novera()
	var probs []Problem
	bad := func(what string, path ...string) {
		probs = append(probs, Problem{Where: base + " " + jsonPath(path...), What: what})
	}
	for _, gid := range sortedKeys(top) {
		if !isSnowflake(gid) {
			bad("not a guild id; skipped", gid)
			continue
		}
		var g oldGuild
		if err := json.Unmarshal(top[gid], &g); err != nil {
			bad("not an object with roles, channels and settings; skipped", gid)
			continue
		}
		plan := plans(gid)
		set := func(key, value string, path ...string) {
			k, ok := guildconfig.Lookup(key)
			if !ok {
				bad("no setting "+key+"; skipped", path...)
				return
			}
			v, err := k.Normalize(value)
			if err != nil {
				bad(err.Error()+"; skipped", path...)
				return
			}
			for i := range plan.settings {
				if plan.settings[i].key == key { // later (values over announcements) wins
					plan.settings[i].value = v
					return
				}
			}
			plan.settings = append(plan.settings, setting{key: key, value: v, source: source})
		}

		switchedOff := map[string]bool{}
		for _, old := range sortedKeys(g.Settings) {
			raw := g.Settings[old]
			if role, ok := roleSwitches[old]; ok {
				var on bool
				if err := json.Unmarshal(raw, &on); err != nil {
					bad("not true or false; skipped", gid, "settings", old)
					continue
				}
				switchedOff[role] = !on
				continue
			}
			if key, ok := boolKeys[old]; ok {
				var on bool
				if err := json.Unmarshal(raw, &on); err != nil {
					bad("not true or false; skipped", gid, "settings", old)
					continue
				}
				set(key, fmt.Sprint(on), gid, "settings", old)
				continue
			}
			if old == "disabled_commands" {
				var names []string
				if err := json.Unmarshal(raw, &names); err != nil {
					bad("not a list of command names; skipped", gid, "settings", old)
					continue
				}
				var keep []string
				for i, n := range names {
					c, ok := reg.Lookup(strings.TrimPrefix(strings.TrimSpace(n), "/"))
					if !ok {
						bad(fmt.Sprintf("%q is not a Novera command; skipped", n), gid, "settings", old, fmt.Sprintf("[%d]", i))
						continue
					}
					keep = append(keep, c.Name) // aliases become the command they name
				}
				set("disabled_commands", strings.Join(keep, ","), gid, "settings", old)
				continue
			}
			bad("no Novera equivalent; skipped", gid, "settings", old)
		}

		for _, old := range sortedKeys(g.Roles) {
			key, ok := roleKeys[old]
			if !ok {
				bad("no Novera equivalent (rank roles are Rank 1..10); skipped", gid, "roles", old)
				continue
			}
			if switchedOff[old] {
				bad("the earlier bot's switch for this role was off; left unset", gid, "roles", old)
				continue
			}
			id, ok := idString(g.Roles[old])
			if !ok || !isSnowflake(id) {
				bad("not a role id; skipped", gid, "roles", old)
				continue
			}
			set(key, id, gid, "roles", old)
		}

		var byName map[string]string
		// Sorted, announcements comes before values: values (the same setting) wins.
		for _, old := range sortedKeys(g.Channels) {
			key, ok := channelKeys[old]
			if !ok {
				bad("no Novera equivalent; skipped", gid, "channels", old)
				continue
			}
			ref, ok := idString(g.Channels[old])
			if !ok || ref == "" {
				bad("not a channel id or name; skipped", gid, "channels", old)
				continue
			}
			if !isSnowflake(ref) {
				if byName == nil {
					if channels == nil {
						bad(fmt.Sprintf("channel name %q needs DISCORD_TOKEN to be resolved; skipped", ref), gid, "channels", old)
						continue
					}
					m, err := channels(ctx, gid)
					if err != nil {
						return probs, fmt.Errorf("list the channels of guild %s: %w", gid, err)
					}
					byName = m
				}
				id, found := byName[strings.ToLower(strings.TrimPrefix(ref, "#"))]
				if !found {
					bad(fmt.Sprintf("no channel named %q in the guild; skipped", ref), gid, "channels", old)
					continue
				}
				ref = id
			}
			set(key, ref, gid, "channels", old)
		}
	}
	return probs, nil
}

// idString reads an id written as a JSON string or number, or a name.
func idString(raw json.RawMessage) (string, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return strings.TrimSpace(s), true
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), true
	}
	return "", false
}
