// Package guildconfig is the per-server configuration of SPEC.md §0: every setting, its
// type and default, stored in PostgreSQL (schema "guildconfig") keyed by guild id.
package guildconfig

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Kind is the type of a setting's value.
type Kind int

const (
	KindString Kind = iota
	KindBool
	KindRole
	KindChannel
	KindList
)

// Key describes one setting.
type Key struct {
	Name    string
	Kind    Kind
	Default string
	Help    string
}

func roleKey(name, help string) Key { return Key{Name: "role." + name, Kind: KindRole, Help: help} }
func channelKey(name, help string) Key {
	return Key{Name: "channel." + name, Kind: KindChannel, Help: help}
}
func feature(name string, def bool, help string) Key {
	return Key{Name: "feature." + name, Kind: KindBool, Default: strconv.FormatBool(def), Help: help}
}

// Keys returns every setting, sorted by name.
func Keys() []Key { return slices.Clone(keyTable()) }

// keyTable is the settings, built once; callers must not change it.
var keyTable = sync.OnceValue(func() []Key {
	keys := []Key{
		{Name: "prefix", Kind: KindString, Default: "!", Help: "prefix for text commands"},
		{Name: "sassy", Kind: KindBool, Default: "true", Help: "playful persona wording (false: plain)"},
		{Name: "disabled_commands", Kind: KindList, Help: "commands that answer 'not available on this server'"},
		roleKey("management", "staff role"),
		roleKey("evaluator", "may run tryouts"),
		roleKey("moderator", "may mute and approve wagers"),
		roleKey("headpat", "may use headpat (anyone when unset)"),
		roleKey("spank", "may use spank (anyone when unset)"),
		roleKey("goodboy", "moves to whoever gets three headpats in a day"),
		roleKey("tryout_pending", "waiting for an evaluation"),
		roleKey("evaluated", "has been evaluated"),
		roleKey("verified", "given on join"),
		roleKey("wager_ping", "pinged for new wager boards"),
		channelKey("values", "value announcements"),
		channelKey("tryout_results", "evaluation results"),
		channelKey("evaluation_requests", "evaluation requests"),
		channelKey("wager_review", "wager results awaiting moderators"),
		channelKey("wagers_1v1", "1v1 wager boards"),
		channelKey("wagers_2v2", "2v2 wager boards"),
		channelKey("wagers_3v3", "3v3 wager boards"),
		channelKey("wagers_5v5", "5v5 wager boards"),
		channelKey("welcome", "welcome and farewell messages"),
		channelKey("tickets", "team tickets"),
		channelKey("modlog", "moderation log"),
		channelKey("giveaways", "giveaways"),
		feature("announce_value_checks", false, "mirror checkvalue to the values channel"),
		feature("announce_leaves", true, "farewell line when a member leaves"),
		feature("welcome_messages", true, "welcome embed on join"),
		feature("clanker_roasts", false, "roast messages that say 'clanker'"),
		feature("profanity_filter", true, "delete and warn on profanity"),
		feature("rank_role_sync", true, "rankings keeps Rank 1..10 roles in sync"),
	}
	for i := 1; i <= 10; i++ {
		keys = append(keys, roleKey("rank"+strconv.Itoa(i), "held by rank "+strconv.Itoa(i)))
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
	return keys
})

// Lookup finds a key by name.
func Lookup(name string) (Key, bool) {
	for _, k := range keyTable() {
		if k.Name == strings.ToLower(strings.TrimSpace(name)) {
			return k, true
		}
	}
	return Key{}, false
}

// ValueError says why a value does not fit a setting, in words for the member who typed it.
type ValueError struct{ Msg string }

func (e *ValueError) Error() string { return e.Msg }

func valueErr(format string, a ...any) error { return &ValueError{Msg: fmt.Sprintf(format, a...)} }

// Normalize validates a value for k and returns its stored form: mentions become ids,
// booleans become "true"/"false", lists become comma-separated lower-case names.
func (k Key) Normalize(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch k.Kind {
	case KindBool:
		switch strings.ToLower(v) {
		case "true", "yes", "on", "1":
			return "true", nil
		case "false", "no", "off", "0":
			return "false", nil
		}
		return "", valueErr("%s takes true or false, not %q", k.Name, v)
	case KindRole, KindChannel:
		id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(v, "<@&"), "<#"), "<@"), ">")
		if v == "" || strings.EqualFold(v, "none") {
			return "", nil
		}
		if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			what := "role"
			if k.Kind == KindChannel {
				what = "channel"
			}
			return "", valueErr("%s takes a %s mention or id, not %q", k.Name, what, v)
		}
		return id, nil
	case KindList:
		var out []string
		for _, f := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == ',' || r == ' ' }) {
			out = append(out, f)
		}
		return strings.Join(out, ","), nil
	default:
		if v == "" || len(v) > 10 || strings.ContainsAny(v, " \t\n") {
			return "", valueErr("%s takes 1 to 10 characters without spaces", k.Name)
		}
		return v, nil
	}
}
