package guildconfig

import (
	"maps"
	"strconv"
	"strings"
	"sync"
)

// Config is one guild's settings with defaults filled in.
type Config struct {
	GuildID string
	// values holds what the guild changed; every other setting has its default. Every
	// command reads its guild's settings, so a fresh table of every default per command
	// would be most of that read's cost.
	values map[string]string
}

// defaults is every setting's default, built once: the settings never change at run time.
var defaults = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, k := range keyTable() {
		m[k.Name] = k.Default
	}
	return m
})

// Defaults returns the configuration of a guild that never changed anything.
func Defaults(guildID string) *Config { return &Config{GuildID: guildID} }

// set records a stored value of a known setting (others, left by an older version, are
// ignored).
func (c *Config) set(key, value string) {
	if _, known := defaults()[key]; !known {
		return
	}
	if c.values == nil {
		c.values = map[string]string{}
	}
	c.values[key] = value
}

// Value returns a setting's stored form ("" for unset roles and channels).
func (c *Config) Value(key string) string {
	if v, ok := c.values[key]; ok {
		return v
	}
	return defaults()[key]
}

// Prefix is the text-command prefix.
func (c *Config) Prefix() string { return c.Value("prefix") }

// Sassy reports whether the persona speaks playfully.
func (c *Config) Sassy() bool { return c.Value("sassy") == "true" }

// Role returns the configured role id for name (e.g. "goodboy"), or "".
func (c *Config) Role(name string) string { return c.Value("role." + name) }

// Channel returns the configured channel id for name (e.g. "modlog"), or "".
func (c *Config) Channel(name string) string { return c.Value("channel." + name) }

// Feature reports a feature switch (e.g. "announce_leaves").
func (c *Config) Feature(name string) bool {
	b, _ := strconv.ParseBool(c.Value("feature." + name))
	return b
}

// Disabled reports whether a command is switched off on this server.
func (c *Config) Disabled(command string) bool {
	for _, d := range strings.Split(c.Value("disabled_commands"), ",") {
		if d == command {
			return true
		}
	}
	return false
}

// With returns a copy of c with one setting replaced by its stored form, or an error for
// an unknown key or a bad value. Handy for tests and previews; Store.Set is what persists.
func (c *Config) With(key, value string) (*Config, error) {
	k, ok := Lookup(key)
	if !ok {
		return nil, ErrUnknownKey
	}
	v, err := k.Normalize(value)
	if err != nil {
		return nil, err
	}
	out := &Config{GuildID: c.GuildID, values: maps.Clone(c.values)}
	out.set(k.Name, v)
	return out, nil
}
