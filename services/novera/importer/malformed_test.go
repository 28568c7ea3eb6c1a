package importer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/services/league/ledger"
)

func discordMessage(content string) discordgo.MessageSend {
	return discordgo.MessageSend{Content: content}
}

// Malformed entries are reported where they are and skipped; the rest of the file is
// imported.
func TestMalformedMemberDataIsReportedAndSkipped(t *testing.T) {
	w := newWorld(t)
	p1, p2 := w.member("player1"), w.member("player2")
	data := fmt.Sprintf(`{
  "not-a-user": {"value": 5},
  %q: {"value": -3, "gold": "lots", "headpats": {"yesterday": 2, "2024-01-01": 1.5}},
  %q: {"value": 8, "headpat_count_999999999999999999": 4},
  "123456789012345678": [1, 2],
  "activity": {%q: {"messages": "many"}}
}`, p1, p2, p1)
	rep, err := Run(t.Context(), w.deps, Options{MemberData: w.file(t, "member_data.json", data), GuildID: w.guild})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`$["not-a-user"]`,
		"$." + p1 + ".value",
		"$." + p1 + ".gold",
		"$." + p1 + `.headpats.yesterday`,
		"$." + p1 + `.headpats["2024-01-01"]`,
		"$." + p2 + ".headpat_count_999999999999999999",
		"$.123456789012345678",
		"$.activity." + p1 + ".messages",
	} {
		if !hasProblem(rep, "member_data.json "+want) {
			t.Errorf("no problem at %s; got:\n%s", want, problems(rep))
		}
	}
	// What was well-formed is imported.
	if got, _ := ledger.Balance(t.Context(), w.pool, w.guild, p2, ledger.Value); got != 8 {
		t.Errorf("value of player2 = %d, want 8", got)
	}
	if got, _ := ledger.Balance(t.Context(), w.pool, w.guild, p1, ledger.Value); got != 0 {
		t.Errorf("value of player1 = %d, want 0 (its entry was malformed)", got)
	}
}

func TestMalformedServerConfigIsReportedAndSkipped(t *testing.T) {
	w := newWorld(t)
	data := fmt.Sprintf(`{
  "guild-name": {},
  %q: {
    "roles": {"management": "Staff", "verified": %q},
    "channels": {"welcome": "no-such-channel", "values": 42.5, "lobby": "general"},
    "settings": {"use_sassy_language": "maybe", "disabled_commands": ["nosuchcommand", "headpat"],
                 "assign_roles_on_join": false, "auto_ban": true}
  }
}`, w.guild, w.demo.Roles["Verified"].String())
	rep, err := Run(t.Context(), w.deps, Options{ServerConfig: w.file(t, "server_config.json", data)})
	if err != nil {
		t.Fatal(err)
	}
	g := "$." + w.guild
	for _, want := range []string{
		`$["guild-name"]`,
		g + ".roles.management",
		g + ".roles.verified", // its switch assign_roles_on_join was off
		g + ".channels.welcome",
		g + ".channels.values",
		g + ".channels.lobby",
		g + ".settings.use_sassy_language",
		g + ".settings.disabled_commands[0]",
		g + ".settings.auto_ban",
	} {
		if !hasProblem(rep, "server_config.json "+want) {
			t.Errorf("no problem at %s; got:\n%s", want, problems(rep))
		}
	}
	var got []string
	for _, c := range rep.Changes {
		got = append(got, c.What+"="+c.To)
	}
	if want := []string{"setting disabled_commands=headpat"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes = %v, want %v", got, want)
	}
}

func TestLedgerChannelSkipsPeopleAndReportsMalformedLines(t *testing.T) {
	w := newWorld(t)
	p1 := w.member("player1")
	bad := w.botLine(t, "Value update: player1 is now worth a lot")
	w.botLine(t, p1+" 30")
	if _, err := w.srv.Prefix(t.Context(), discordsim.MessageRequest{ChannelID: mustSnowflake(t, w.ledgerChannel),
		UserID: w.demo.Members["player2"], Content: p1 + " 9999"}); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(t.Context(), w.deps, Options{LedgerChannel: w.ledgerChannel, GuildID: w.guild})
	if err != nil {
		t.Fatal(err)
	}
	if !hasProblem(rep, "message "+bad) {
		t.Errorf("no problem at message %s; got:\n%s", bad, problems(rep))
	}
	if len(rep.Problems) != 1 {
		t.Errorf("problems = %s, want only the malformed bot line (a member's message is conversation)", problems(rep))
	}
	if got, _ := ledger.Balance(t.Context(), w.pool, w.guild, p1, ledger.Value); got != 30 {
		t.Errorf("value = %d, want 30 from the bot's line, not the member's", got)
	}
}

// A value that moved after the import (a wager, a staff change) is not put back by
// importing the same file again.
func TestReimportKeepsLaterChanges(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	p1 := w.member("player1")
	o := Options{MemberData: w.file(t, "member_data.json", fmt.Sprintf(`{%q: {"value": 40}}`, p1)), GuildID: w.guild}
	if _, err := Run(ctx, w.deps, o); err != nil {
		t.Fatal(err)
	}
	tx, err := w.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ledger.Apply(ctx, tx, ledger.Entry{GuildID: w.guild, UserID: p1, Currency: ledger.Value, Delta: 5,
		Reason: ledger.Staff, EventID: "staff-1"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, w.deps, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changes) != 0 || len(rep.Problems) != 1 {
		t.Errorf("changes %v, problems %s; want none and one", rep.Changes, problems(rep))
	}
	if got, _ := ledger.Balance(ctx, w.pool, w.guild, p1, ledger.Value); got != 45 {
		t.Errorf("value = %d, want 45", got)
	}
	// A later export is a new source: its value is set.
	o.MemberData = w.file(t, "member_data_2.json", fmt.Sprintf(`{%q: {"value": 41}}`, p1))
	if _, err := Run(ctx, w.deps, o); err != nil {
		t.Fatal(err)
	}
	if got, _ := ledger.Balance(ctx, w.pool, w.guild, p1, ledger.Value); got != 41 {
		t.Errorf("value = %d, want 41 from the newer file", got)
	}
}

func TestUnreadableFileChangesNothing(t *testing.T) {
	w := newWorld(t)
	before := dump(t, w.pool)
	o := w.fullOptions(t)
	o.ServerConfig = w.file(t, "server_config.json", `{"truncated": `)
	if _, err := Run(t.Context(), w.deps, o); err == nil || !strings.Contains(err.Error(), "server_config.json") {
		t.Errorf("err = %v, want one naming server_config.json", err)
	}
	if after := dump(t, w.pool); after != before {
		t.Error("a failed import changed the database")
	}
}

func TestOptionsValidate(t *testing.T) {
	const id = "123456789012345678"
	for _, tc := range []struct {
		name string
		o    Options
		want string // part of the error; empty: valid
	}{
		{"nothing", Options{}, "nothing to import"},
		{"member data without guild", Options{MemberData: "m.json"}, "--guild"},
		{"ledger without guild", Options{LedgerChannel: id}, "--guild"},
		{"ledger not an id", Options{LedgerChannel: "values", GuildID: id}, "--ledger-channel"},
		{"server config alone", Options{ServerConfig: "s.json"}, ""},
		{"everything", Options{MemberData: "m.json", ServerConfig: "s.json", LedgerChannel: id, GuildID: id, DryRun: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want one with %q", err, tc.want)
			}
		})
	}
}

func TestParseLedgerLine(t *testing.T) {
	for _, tc := range []struct {
		line  string
		user  string
		value int64
		ok    bool
	}{
		{"123456789012345678 42", "123456789012345678", 42, true},
		{"<@!123456789012345678>   7", "123456789012345678", 7, true},
		{"123456789012345678 -1", "", 0, false},
		{"123456789012345678 4.5", "", 0, false},
		{"123456789012345678", "", 0, false},
		{"bob 4", "", 0, false},
		{"123456789012345678 4 extra", "", 0, false},
	} {
		user, value, err := parseLedgerLine(tc.line)
		if (err == nil) != tc.ok || user != tc.user || value != tc.value {
			t.Errorf("parseLedgerLine(%q) = %q, %d, %v; want %q, %d, ok %v", tc.line, user, value, err, tc.user, tc.value, tc.ok)
		}
	}
}

func problems(rep *Report) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}

func mustSnowflake(t *testing.T, s string) discordsim.Snowflake {
	t.Helper()
	var id discordsim.Snowflake
	if _, err := fmt.Sscan(s, (*uint64)(&id)); err != nil {
		t.Fatal(err)
	}
	return id
}
