package guildconfig

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct {
		key, in, want string
		ok            bool
	}{
		{"sassy", "Off", "false", true},
		{"sassy", "maybe", "", false},
		{"role.goodboy", "<@&123>", "123", true},
		{"role.goodboy", "none", "", true},
		{"role.goodboy", "Goodboy", "", false},
		{"channel.modlog", "<#456>", "456", true},
		{"channel.modlog", "#mod-log", "", false},
		{"disabled_commands", "Spank, headpat", "spank,headpat", true},
		{"prefix", "nv!", "nv!", true},
		{"prefix", "a b", "", false},
		{"feature.clanker_roasts", "yes", "true", true},
	}
	for _, tc := range tests {
		k, ok := Lookup(tc.key)
		if !ok {
			t.Fatalf("key %s missing", tc.key)
		}
		got, err := k.Normalize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s=%q: got %q, %v; want %q ok=%v", tc.key, tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestDefaults(t *testing.T) {
	c := Defaults("1")
	if c.Prefix() != "!" || !c.Sassy() || c.Disabled("headpat") || c.Role("goodboy") != "" || !c.Feature("profanity_filter") || c.Feature("clanker_roasts") {
		t.Errorf("defaults wrong: %+v", c.values)
	}
	if len(Keys()) < 40 {
		t.Errorf("only %d keys", len(Keys()))
	}
}
