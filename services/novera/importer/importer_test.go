package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/pglocal/pgtest"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/services/league/ledger"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// world is one test's PostgreSQL database, simulator with the demo guild and a
// value-ledger channel, and the earlier bot's files written to a temporary directory.
type world struct {
	pool  *pgxpool.Pool
	dbURL string
	srv   *discordsim.Server
	demo  *discordsim.Demo
	deps  Deps
	guild string
	dir   string
	// ledgerChannel holds the earlier bot's "<user id> <value>" lines.
	ledgerChannel string
	rest          *discord.Client
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := t.Context()
	dbURL := pgtest.URL(t)
	pool, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	srv, demo := simtest.Start(t, discordsim.Options{})
	rest, err := discord.New(discord.Config{Token: srv.Token(), APIURL: srv.APIURL(), Transport: srv.HTTPClient().Transport})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := srv.AddChannel(discordsim.Channel{GuildID: demo.GuildID, Name: "value-ledger", Type: discordsim.ChannelGuildText})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{pool: pool, dbURL: dbURL, srv: srv, demo: demo, guild: demo.GuildID.String(), dir: t.TempDir(),
		ledgerChannel: ch.ID.String(), rest: rest}
	w.deps.Pool = pool
	w.deps.Channels, w.deps.Messages = RESTListers(rest)
	return w
}

func (w *world) member(name string) string { return w.demo.Members[name].String() }

// file writes a sample file and returns its path.
func (w *world) file(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(w.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// botLine posts a message to the ledger channel as a bot, like the earlier bot did.
func (w *world) botLine(t *testing.T, content string) string {
	t.Helper()
	m, err := w.rest.SendMessage(t.Context(), w.ledgerChannel, &discord.MessageCreate{MessageSend: discordMessage(content)})
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// sampleMemberData is a member_data.json of the earlier bot for the demo guild.
func (w *world) sampleMemberData() string {
	p1, p2, p3 := w.member("player1"), w.member("player2"), w.member("player3")
	return fmt.Sprintf(`{
  %q: {"value": 40, "gold": 7, "spank_count": 2, "headpat_count": 9,
       "headpats": {"2024-05-01": 3, "2024-05-02": 1}, "nickname": "ignored"},
  %q: {"value": 12, "headpat_count_%s": 5, "headpat_count": 99},
  %q: {"value": 3},
  "activity": {%q: {"messages": 120, "reactions": 30}, %q: {"messages": 4}}
}`, p1, p2, w.guild, p3, p1, p2)
}

// sampleServerConfig names channels by name and by id, like the earlier bot's file did.
func (w *world) sampleServerConfig() string {
	return fmt.Sprintf(`{
  %q: {
    "roles": {"management": %q, "verified": "%s", "tryouter": %q, "noverian": %q, "pro": "1", "veteran": "2"},
    "channels": {"announcements": "general", "values": "#values", "tryout_results": %q,
                 "welcome": "welcome", "giveaways": "giveaways", "evaluation_requests": "evaluation-requests"},
    "settings": {"assign_roles_on_join": true, "remove_roles_on_tryout": true, "assign_roles_on_tryout": true,
                 "use_sassy_language": false, "disabled_commands": ["spank", "commands"],
                 "announce_leaves": false, "announce_value_checks": true}
  }
}`, w.guild, w.demo.Roles["Management"].String(), w.demo.Roles["Verified"].String(), w.demo.Roles["Tryout Pending"].String(),
		w.demo.Roles["Evaluated"].String(), w.demo.Channels["tryout-results"].String())
}

func (w *world) fullOptions(t *testing.T) Options {
	w.botLine(t, w.member("player1")+" 10") // older line, loses to the newer one below
	w.botLine(t, "<@"+w.member("player3")+"> 25")
	w.botLine(t, w.member("player1")+" 55")
	return Options{
		MemberData:    w.file(t, "member_data.json", w.sampleMemberData()),
		ServerConfig:  w.file(t, "server_config.json", w.sampleServerConfig()),
		LedgerChannel: w.ledgerChannel,
		GuildID:       w.guild,
	}
}

// dump renders every row of every table of the database, so that "changed nothing" can
// be checked without knowing which tables an import might touch.
func dump(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	ctx := t.Context()
	rows, err := pool.Query(ctx, `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name)
		FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, tbl := range tables {
		var s string
		if err := pool.QueryRow(ctx, `SELECT coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '') FROM `+tbl+` t`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "== %s\n%s\n", tbl, s)
	}
	var seqs string
	if err := pool.QueryRow(ctx, `SELECT coalesce(string_agg(schemaname || '.' || sequencename || '=' || coalesce(last_value, 0), ',' ORDER BY 1), '')
		FROM pg_sequences`).Scan(&seqs); err != nil {
		t.Fatal(err)
	}
	return b.String() + "sequences " + seqs
}

func TestImportTwiceChangesNothingTheSecondTime(t *testing.T) {
	w := newWorld(t)
	o := w.fullOptions(t)
	first, err := Run(t.Context(), w.deps, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Changes) == 0 {
		t.Fatal("the first import changed nothing")
	}
	before := dump(t, w.pool)
	second, err := Run(t.Context(), w.deps, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Changes) != 0 {
		t.Errorf("the second import changed %v", second.Changes)
	}
	if after := dump(t, w.pool); after != before {
		t.Errorf("the second import changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, w *world, o Options)
	}{
		{"fresh database, no schemas yet", func(*testing.T, *world, Options) {}},
		{"after an import of other values", func(t *testing.T, w *world, o Options) {
			o.MemberData = w.file(t, "older.json", fmt.Sprintf(`{%q: {"value": 1}}`, w.member("player1")))
			if _, err := Run(t.Context(), w.deps, o); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			o := w.fullOptions(t)
			tc.prepare(t, w, o)
			before := dump(t, w.pool)
			o.DryRun = true
			rep, err := Run(t.Context(), w.deps, o)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Changes) == 0 {
				t.Error("the dry run reports no changes")
			}
			if after := dump(t, w.pool); after != before {
				t.Errorf("the dry run changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			// What the dry run promised is what the import then does.
			o.DryRun = false
			real, err := Run(t.Context(), w.deps, o)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(real.Changes) != fmt.Sprint(rep.Changes) {
				t.Errorf("dry run said\n%v\nthe import did\n%v", rep.Changes, real.Changes)
			}
		})
	}
}

func TestImportedDataIsStored(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	rep, err := Run(ctx, w.deps, w.fullOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	p1, p2, p3 := w.member("player1"), w.member("player2"), w.member("player3")
	balances := []struct {
		user     string
		currency ledger.Currency
		want     int64
	}{
		{p1, ledger.Value, 55}, // the newest ledger line wins over the file and the older line
		{p2, ledger.Value, 12},
		{p3, ledger.Value, 25}, // a mention in the ledger line reads as the id
		{p1, ledger.Gold, 7},
	}
	for _, b := range balances {
		got, err := ledger.Balance(ctx, w.pool, w.guild, b.user, b.currency)
		if err != nil {
			t.Fatal(err)
		}
		if got != b.want {
			t.Errorf("%s of %s = %d, want %d", b.currency, b.user, got, b.want)
		}
	}
	var reason string
	if err := w.pool.QueryRow(ctx, `SELECT string_agg(DISTINCT reason, ',') FROM league.ledger`).Scan(&reason); err != nil || reason != "import" {
		t.Errorf("ledger reasons = %q (%v), want import", reason, err)
	}

	counters := []struct {
		query string
		want  string
	}{
		{`SELECT messages || '/' || reactions FROM league.activity WHERE user_id = '` + p1 + `'`, "120/30"},
		{`SELECT messages || '/' || reactions FROM league.activity WHERE user_id = '` + p2 + `'`, "4/0"},
		// 9 in all, 4 of them dated: 5 undated.
		{`SELECT string_agg(day || '=' || count, ',' ORDER BY day) FROM fun.headpats WHERE user_id = '` + p1 + `'`,
			"1970-01-01=5,2024-05-01=3,2024-05-02=1"},
		// The count for this guild wins over the global one.
		{`SELECT string_agg(day || '=' || count, ',' ORDER BY day) FROM fun.headpats WHERE user_id = '` + p2 + `'`, "1970-01-01=5"},
		{`SELECT string_agg(day || '=' || count, ',' ORDER BY day) FROM fun.spanks WHERE user_id = '` + p1 + `'`, "1970-01-01=2"},
	}
	for _, c := range counters {
		var got string
		if err := w.pool.QueryRow(ctx, c.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if got != c.want {
			t.Errorf("%s = %q, want %q", c.query, got, c.want)
		}
	}

	store, err := guildconfig.Open(ctx, w.pool)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := store.Get(ctx, w.guild)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{
		"role.management":               w.demo.Roles["Management"].String(),
		"role.verified":                 w.demo.Roles["Verified"].String(),
		"role.tryout_pending":           w.demo.Roles["Tryout Pending"].String(),
		"role.evaluated":                w.demo.Roles["Evaluated"].String(),
		"channel.values":                w.demo.Channels["values"].String(), // values wins over announcements
		"channel.tryout_results":        w.demo.Channels["tryout-results"].String(),
		"channel.welcome":               w.demo.Channels["welcome"].String(),
		"channel.giveaways":             w.demo.Channels["giveaways"].String(),
		"channel.evaluation_requests":   w.demo.Channels["evaluation-requests"].String(),
		"sassy":                         "false",
		"disabled_commands":             "spank,help", // the alias commands is help
		"feature.announce_leaves":       "false",
		"feature.announce_value_checks": "true",
	}
	for key, want := range settings {
		if got := cfg.Value(key); got != want {
			t.Errorf("setting %s = %q, want %q", key, got, want)
		}
	}
	for _, want := range []string{".roles.pro", ".roles.veteran"} {
		if !hasProblem(rep, want) {
			t.Errorf("no problem reported for %s: %v", want, rep.Problems)
		}
	}
}

func hasProblem(rep *Report, where string) bool {
	for _, p := range rep.Problems {
		if strings.HasSuffix(p.Where, where) || strings.Contains(p.Where, where) {
			return true
		}
	}
	return false
}
