package guildconfig

import (
	"strconv"
	"strings"
)

// Config is one guild's settings with defaults filled in.
type Config struct {
	GuildID string
	values  map[string]string
}

// Defaults returns the configuration of a guild that never changed anything.
func Defaults(guildID string) *Config {
	c := &Config{GuildID: guildID, values: map[string]string{}}
	for _, k := range Keys() {
		c.values[k.Name] = k.Default
	}
	return c
}

// Value returns a setting's stored form ("" for unset roles and channels).
func (c *Config) Value(key string) string { return c.values[key] }

// Prefix is the text-command prefix.
func (c *Config) Prefix() string { return c.values["prefix"] }

// Sassy reports whether the persona speaks playfully.
func (c *Config) Sassy() bool { return c.values["sassy"] == "true" }

// Role returns the configured role id for name (e.g. "goodboy"), or "".
func (c *Config) Role(name string) string { return c.values["role."+name] }

// Channel returns the configured channel id for name (e.g. "modlog"), or "".
func (c *Config) Channel(name string) string { return c.values["channel."+name] }

// Feature reports a feature switch (e.g. "announce_leaves").
func (c *Config) Feature(name string) bool {
	b, _ := strconv.ParseBool(c.values["feature."+name])
	return b
}

// Disabled reports whether a command is switched off on this server.
func (c *Config) Disabled(command string) bool {
	for _, d := range strings.Split(c.values["disabled_commands"], ",") {
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
	out := &Config{GuildID: c.GuildID, values: make(map[string]string, len(c.values))}
	for kk, vv := range c.values {
		out.values[kk] = vv
	}
	out.values[k.Name] = v
	return out, nil
}
