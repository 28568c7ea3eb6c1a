package importer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/novera-bot/novera/libs/config"
	"github.com/novera-bot/novera/libs/pglocal/pgtest"
)

func TestMainParsesFlagsAndPrints(t *testing.T) {
	w := newWorld(t)
	o := w.fullOptions(t)
	env := config.FromMap(map[string]string{
		"DATABASE_URL": pgtest.URL(t), "DISCORD_TOKEN": w.srv.Token(), "DISCORD_API_URL": w.srv.APIURL(),
	})
	args := []string{"--member-data", o.MemberData, "--server-config", o.ServerConfig,
		"--ledger-channel", o.LedgerChannel, "--guild", o.GuildID}
	for _, tc := range []struct {
		name string
		args []string
		want []string // lines of the output, in part
	}{
		{"dry run", append(args, "--dry-run"), []string{"change:  guild " + w.guild + ": value of " + w.member("player1") + ": 0 -> 55",
			"skipped: server_config.json $." + w.guild + ".roles.pro", "would change (dry run: nothing was written)"}},
		{"import", args, []string{"setting sassy: true (default) -> false", " change(s) changed"}},
		{"again", args, []string{"1 guild(s), 0 change(s) changed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := Main(t.Context(), tc.args, env, &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, want := range tc.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestMainRefusesBadUse(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no sources", nil, nil, "nothing to import"},
		{"member data without guild", []string{"--member-data", "m.json"}, nil, "--guild"},
		{"stray argument", []string{"--server-config", "s.json", "extra"}, nil, `unexpected argument "extra"`},
		{"unknown flag", []string{"--members", "m.json"}, nil, "flag provided but not defined"},
		{"no database", []string{"--server-config", "s.json"}, nil, "DATABASE_URL is required"},
		{"bad database url", []string{"--server-config", "s.json"}, map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Main(t.Context(), tc.args, config.FromMap(tc.env), &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one with %q", err, tc.want)
			}
		})
	}
}
