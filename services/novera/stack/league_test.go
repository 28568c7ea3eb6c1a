package stack

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/load"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/natsembed/natstest"
	"github.com/novera-bot/novera/libs/persona"
	"github.com/novera-bot/novera/libs/pglocal/pgtest"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/services/league/ledger"
)

// leagueEnv adds league helpers to the harness's env.
type leagueEnv struct {
	*env
	cfg *guildconfig.Store
}

func newLeagueEnv(t *testing.T) *leagueEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	// Only what the league needs: the other workers are other engineers' to start.
	e := newEnv(t, Gateway, League)
	cfg, err := guildconfig.Open(t.Context(), e.pool)
	if err != nil {
		t.Fatal(err)
	}
	return &leagueEnv{env: e, cfg: cfg}
}

func (e *leagueEnv) at(user string) string { return "<@" + e.member(user).String() + ">" }

// balance reads a member's stored value or gold.
func (e *leagueEnv) balance(user, currency string) int64 {
	e.t.Helper()
	var v int64
	err := e.pool.QueryRow(e.t.Context(), `SELECT coalesce((SELECT amount FROM league.balances
		WHERE guild_id = $1 AND user_id = $2 AND currency = $3), 0)`, e.demo.GuildID.String(), e.member(user).String(), currency).Scan(&v)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *leagueEnv) entries() int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(e.t.Context(), `SELECT count(*) FROM league.ledger`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *leagueEnv) set(key, value string) {
	e.t.Helper()
	if _, err := e.cfg.Set(e.t.Context(), e.demo.GuildID.String(), key, value, "test"); err != nil {
		e.t.Fatal(err)
	}
}

// text flattens a reply's embeds for assertions.
func text(r discordsim.Reply) string {
	var b strings.Builder
	b.WriteString(r.Message.Content)
	for _, em := range r.Message.Embeds {
		b.WriteString("\n" + em.Title + "\n" + em.Description)
		for _, f := range em.Fields {
			b.WriteString("\n" + f.Name + ": " + f.Value)
		}
		if em.Footer != nil {
			b.WriteString("\n" + em.Footer.Text)
		}
	}
	return b.String()
}

func isRefusal(r discordsim.Reply) bool {
	return len(r.Message.Embeds) == 1 && r.Message.Embeds[0].Color == persona.ColorRed
}

// send runs a command by slash ("/...") or prefix ("!...").
func (e *leagueEnv) send(user, line string) discordsim.Reply {
	e.t.Helper()
	if strings.HasPrefix(line, "/") {
		return e.slash(user, line)
	}
	return e.prefix(user, line)
}

// Staff change values by slash and by prefix; everyone reads them with checkvalue and its
// aliases, with rank, percentile and tier; valuehistory shows the ledger; the member is
// DMed and swaps tryout-pending for evaluated.
func TestLeagueValues(t *testing.T) {
	e := newLeagueEnv(t)

	r := e.slash("staff", "/setvalue member:"+e.at("player4")+" value:40")
	if isRefusal(r) || !strings.Contains(text(r), "¥40 million") || !strings.Contains(text(r), "+40") {
		t.Fatalf("setvalue reply: %s", text(r))
	}
	e.waitRole("player4", "Evaluated", true)
	e.waitRole("player4", "Tryout Pending", false)
	r = e.prefix("staff", "!setvalue "+e.at("player1")+" 80")
	if r.Kind != discordsim.ReplyMessage || !strings.Contains(text(r), "¥80 million") {
		t.Fatalf("prefix setvalue: %+v", r)
	}
	r = e.prefix("staff", "!addvalue "+e.at("player4")+" -15")
	if !strings.Contains(text(r), "¥25 million") || !strings.Contains(text(r), "-15") {
		t.Fatalf("addvalue reply: %s", text(r))
	}
	e.slash("staff", "/addvalue member:"+e.at("player2")+" amount:7")
	// Floored at zero: taking 100 from 7 leaves 0, a change of -7.
	r = e.slash("staff", "/addvalue member:"+e.at("player2")+" amount:-100")
	if e.balance("player2", "value") != 0 || !strings.Contains(text(r), "-7") {
		t.Fatalf("floored addvalue: value %d, reply %s", e.balance("player2", "value"), text(r))
	}
	if got := e.balance("player4", "value"); got != 25 {
		t.Fatalf("player4 value %d, want 25", got)
	}

	// player1 80 (#1 of 2), player4 25 (#2 of 2), player2 0 (unrated).
	tests := []struct {
		user, line string
		want       []string
	}{
		{"player1", "/checkvalue", []string{"¥80 million", "🥇 #1 of 2", "top 50%"}},
		{"player2", "!value " + e.at("player4"), []string{"¥25 million", "🥈 #2 of 2", "top 100%"}},
		{"player3", "!CV " + e.at("player2"), []string{"¥0 million", "getevaluated"}},
		{"player3", "/checkvalue member:" + e.at("player1"), []string{"¥80 million"}},
		{"player5", "!valuehistory " + e.at("player4"), []string{"`-15` → **25** · staff", "`+40` → **40** · staff", e.at("staff")}},
		{"player5", "/valuehistory", nil},
	}
	for _, tc := range tests {
		r := e.send(tc.user, tc.line)
		if isRefusal(r) {
			t.Errorf("%s: refused: %s", tc.line, text(r))
		}
		for _, w := range tc.want {
			if !strings.Contains(text(r), w) {
				t.Errorf("%s: %q missing from %s", tc.line, w, text(r))
			}
		}
	}

	// The member hears about it in their DMs.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err := e.sim.WaitFor(ctx, func(st *discordsim.State) bool {
		ch, ok := st.DMChannel(e.member("player4"))
		return ok && len(st.Messages(ch.ID)) == 2
	})
	if err != nil {
		t.Errorf("player4 should have 2 DMs: %v", err)
	}
}

// Every refusal is an answer, and changes nothing.
func TestLeagueValueErrors(t *testing.T) {
	e := newLeagueEnv(t)
	e.slash("staff", "/setvalue member:"+e.at("player1")+" value:30")
	stranger, err := e.sim.AddUser(discordsim.User{Username: "stranger"})
	if err != nil {
		t.Fatal(err)
	}
	before := e.entries()
	tests := []struct {
		name, user, line string
		want             string // a phrase every line of the expected pool contains
	}{
		{"prefix missing member", "staff", "!setvalue", "!setvalue <@member> <value>"},
		{"prefix missing value", "staff", "!setvalue " + e.at("player1"), "`value` is missing"},
		{"prefix malformed value", "staff", "!setvalue " + e.at("player1") + " lots", "whole number"},
		{"prefix malformed member", "staff", "!addvalue bob 5", "should be a member"},
		{"prefix not a member", "staff", "!setvalue <@" + stranger.ID.String() + "> 5", "this server"},
		{"slash not a member", "staff", "/setvalue member:<@" + stranger.ID.String() + "> value:5", "this server"},
		{"slash negative value", "staff", "/setvalue member:" + e.at("player1") + " value:-5", ""},
		{"prefix negative value", "staff", "!setvalue " + e.at("player1") + " -5", ""},
		{"prefix zero amount", "staff", "!addvalue " + e.at("player1") + " 0", ""},
		{"slash huge amount", "staff", "/addvalue member:" + e.at("player1") + " amount:5000000000", "1000000000"},
		{"slash no permission", "player2", "/setvalue member:" + e.at("player2") + " value:99", "staff"},
		{"prefix no permission", "evaluator", "!addvalue " + e.at("player2") + " 99", "staff"},
		{"slash bot", "staff", "/setvalue member:" + e.at("bot") + " value:5", ""},
		{"prefix bot", "player1", "!checkvalue " + e.at("bot"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.send(tc.user, tc.line)
			if !isRefusal(r) {
				t.Fatalf("not refused: %s", text(r))
			}
			if strings.HasPrefix(tc.line, "/") && !r.Ephemeral {
				t.Errorf("slash refusal should be ephemeral")
			}
			if !strings.Contains(text(r), tc.want) {
				t.Errorf("%q missing from %s", tc.want, text(r))
			}
		})
	}
	if got := e.balance("player1", "value"); got != 30 || e.entries() != before {
		t.Errorf("refusals changed something: value %d, entries %d → %d", got, before, e.entries())
	}

	// A disabled command says so (every line of that pool names it), by both doors, even
	// when called by an alias.
	e.set("disabled_commands", "checkvalue,addgold")
	for _, tc := range []struct{ user, line, name string }{
		{"player1", "/checkvalue", "checkvalue"},
		{"player1", "!cv", "checkvalue"},
		{"staff", "!addgold " + e.at("player1") + " 5", "addgold"},
	} {
		if r := e.send(tc.user, tc.line); !isRefusal(r) || !strings.Contains(text(r), "`"+tc.name+"`") {
			t.Errorf("%s on a server that disabled it: %s", tc.line, text(r))
		}
	}
	if g := e.balance("player1", "gold"); g != 0 {
		t.Errorf("disabled addgold changed gold: %d", g)
	}
}

// 50 staff members' addvalue commands at once, by both doors, end at the exact sum, and
// a command delivered again applies nothing twice.
func TestLeagueConcurrentAddvalue(t *testing.T) {
	e := newLeagueEnv(t)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			var x *discordsim.Exchange
			var err error
			if i%2 == 0 {
				x, err = e.sim.Slash(t.Context(), discordsim.SlashRequest{UserID: e.member("staff"), Text: fmt.Sprintf("/addvalue member:%s amount:%d", e.at("player3"), i+1)})
			} else {
				x, err = e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("staff"), Content: fmt.Sprintf("!addvalue %s %d", e.at("player3"), i+1)})
			}
			if err != nil {
				t.Error(err)
				return
			}
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			if _, err := x.WaitAnswer(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, want := e.balance("player3", "value"), int64(50*51/2); got != want {
		t.Fatalf("value after 50 parallel addvalue: %d, want %d", got, want)
	}

	// The bus delivers an already handled addvalue again (a redelivery after a crash
	// looks like this): nothing changes and nobody is answered twice.
	x, err := e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("staff"), Content: "!addvalue " + e.at("player3") + " 1000"})
	e.answer(x, err)
	cmd := &busv1.Command{
		Id: x.Trigger.ID.String(), Name: "addvalue", MessageId: x.Trigger.ID.String(), GuildId: e.demo.GuildID.String(),
		ChannelId: x.ChannelID.String(), Source: busv1.Source_SOURCE_PREFIX, Prefix: "!", ReceivedAt: timestamppb.Now(),
		Invoker: &busv1.Member{UserId: e.member("staff").String(), InGuild: true, RoleIds: []string{e.demo.Roles["Management"].String()}},
		Options: []*busv1.Option{{Name: "member", Type: busv1.OptionType_OPTION_TYPE_USER, Value: e.member("player3").String()},
			{Name: "amount", Type: busv1.OptionType_OPTION_TYPE_INTEGER, Value: "1000"}},
		Users: map[string]*busv1.Member{e.member("player3").String(): {UserId: e.member("player3").String(), InGuild: true}},
	}
	b, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	payload, _ := proto.Marshal(cmd)
	if _, err := b.Publish(t.Context(), "commands.league.addvalue", cmd.Id+"-again", payload); err != nil {
		t.Fatal(err)
	}
	e.waitDrained(b, League)
	if got, want := e.balance("player3", "value"), int64(50*51/2+1000); got != want {
		t.Errorf("redelivered addvalue applied again: %d, want %d", got, want)
	}
	if n := len(x.Replies()); n != 1 {
		t.Errorf("redelivered addvalue answered %d times", n)
	}
}

// rankings lists the top 10 with medals and a "top n of m" footer, and moves the rank
// roles: ranks hold their role, nobody else holds any; a second run changes nothing.
func TestLeagueRankings(t *testing.T) {
	e := newLeagueEnv(t)
	r := e.prefix("player1", "!leaderboard")
	if isRefusal(r) || len(r.Message.Embeds) != 2 {
		t.Fatalf("empty rankings: %s", text(r))
	}
	// Nobody has a value, so player1 (Rank 3), player2 (Rank 5) and player3 (Rank 1) lose theirs.
	e.waitRole("player1", "Rank 3", false)
	e.waitRole("player2", "Rank 5", false)
	e.waitRole("player3", "Rank 1", false)

	for user, v := range map[string]int{"player5": 90, "player2": 60, "player4": 12} {
		e.prefix("staff", fmt.Sprintf("!setvalue %s %d", e.at(user), v))
	}
	r = e.slash("player3", "/rankings")
	if len(r.Message.Embeds) != 2 {
		t.Fatalf("rankings should have a role-change embed: %s", text(r))
	}
	board := r.Message.Embeds[0]
	lines := strings.Split(board.Description, "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "🥇 "+e.at("player5")) || !strings.Contains(lines[0], "value: 90 million") ||
		!strings.HasPrefix(lines[1], "🥈 "+e.at("player2")) || !strings.HasPrefix(lines[2], "🥉 "+e.at("player4")) {
		t.Errorf("board: %q", board.Description)
	}
	if board.Footer == nil || !strings.Contains(board.Footer.Text, "top 3 of 3") {
		t.Errorf("footer: %+v", board.Footer)
	}
	e.waitRole("player5", "Rank 1", true)
	e.waitRole("player2", "Rank 2", true)
	e.waitRole("player4", "Rank 3", true)

	// Nothing left to change: the second run sends no role request at all.
	e.sim.ClearRequests()
	r = e.prefix("player1", "!rankings")
	if len(r.Message.Embeds) != 2 || strings.Contains(r.Message.Embeds[1].Description, "➕") || strings.Contains(r.Message.Embeds[1].Description, "➖") {
		t.Errorf("second rankings changed roles: %s", text(r))
	}
	roleCalls := e.sim.Requests(discordsim.RequestFilter{Match: func(rr discordsim.RecordedRequest) bool {
		return strings.Contains(rr.Path, "/roles/")
	}})
	if len(roleCalls) != 0 {
		t.Errorf("%d role requests when nothing changed", len(roleCalls))
	}

	// With sync switched off, rankings only lists.
	e.set("feature.rank_role_sync", "false")
	if r := e.slash("player1", "/rankings"); len(r.Message.Embeds) != 1 {
		t.Errorf("rankings without sync: %d embeds", len(r.Message.Embeds))
	}
}

// Activity counts every non-bot message and reaction once, even when the bus delivers an
// event twice; members who left drop out of the ranks.
func TestLeagueActivityAndMembership(t *testing.T) {
	e := newLeagueEnv(t)
	for i := range 3 {
		if _, err := e.sim.Prefix(t.Context(), discordsim.MessageRequest{UserID: e.member("player2"), Content: fmt.Sprintf("hello %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	general := e.demo.Channels["general"]
	react := func(user string, bot bool) {
		payload := map[string]any{"user_id": e.member(user).String(), "guild_id": e.demo.GuildID.String(), "channel_id": general.String(),
			"message_id": "1", "emoji": map[string]any{"name": "😂"},
			"member": map[string]any{"user": map[string]any{"id": e.member(user).String(), "bot": bot}}}
		if _, err := e.sim.Dispatch(e.demo.GuildID, "MESSAGE_REACTION_ADD", payload); err != nil {
			t.Fatal(err)
		}
	}
	react("player2", false)
	react("player2", false)
	react("player2", false)
	react("bot", true)

	// The same MESSAGE_CREATE event published again under another message id, as a
	// redelivery would bring it, counts nothing more.
	b, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	raw := fmt.Sprintf(`{"id":"777","guild_id":"%s","channel_id":"%s","author":{"id":"%s"},"content":"again"}`,
		e.demo.GuildID, general, e.member("player2"))
	ev := &busv1.Event{Id: "777", Type: "MESSAGE_CREATE", Raw: []byte(raw), GuildId: e.demo.GuildID.String(), ReceivedAt: timestamppb.Now()}
	payload, _ := proto.Marshal(ev)
	for _, id := range []string{"777", "777-again"} {
		if _, err := b.Publish(t.Context(), "events.MESSAGE_CREATE", id, payload); err != nil {
			t.Fatal(err)
		}
	}

	// The bot's own answer below is a message too, but a bot's: it never counts.
	want := "💬 Messages: 4"
	deadline := time.Now().Add(10 * time.Second)
	var r discordsim.Reply
	for {
		r = e.slash("player2", "/activity")
		if strings.Contains(text(r), want) && strings.Contains(text(r), "Reactions: 3") || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, w := range []string{want, "Reactions: 3", "Activity score: 5.5", "<t:"} {
		if !strings.Contains(text(r), w) {
			t.Errorf("%q missing from %s", w, text(r))
		}
	}
	if r := e.prefix("player1", "!activity "+e.at("player5")); !strings.Contains(text(r), "never") {
		t.Errorf("silent member: %s", text(r))
	}

	// Ranks count current members: player1 leaves, and player2 becomes #1 of 1.
	e.prefix("staff", "!setvalue "+e.at("player1")+" 70")
	e.prefix("staff", "!setvalue "+e.at("player2")+" 20")
	if _, err := e.sim.Dispatch(e.demo.GuildID, "GUILD_MEMBER_REMOVE", map[string]any{"guild_id": e.demo.GuildID.String(),
		"user": map[string]any{"id": e.member("player1").String(), "username": "player1"}}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		r = e.prefix("player2", "!cv")
		if strings.Contains(text(r), "#1 of 1") || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(text(r), "🥇 #1 of 1 · top 100%") {
		t.Errorf("departed member still ranked: %s", text(r))
	}
}

// Gold: add, check, the top 10, reset one, and reset all behind Confirm/Cancel buttons that
// only their author may press, within 60 seconds.
func TestLeagueGold(t *testing.T) {
	e := newLeagueEnv(t)
	steps := []struct {
		user, line string
		want       []string
	}{
		{"staff", "/addgold member:" + e.at("player1") + " amount:150", []string{"+150"}},
		{"staff", "!addgold " + e.at("player2") + " 40", []string{"+40"}},
		{"staff", "!addgold " + e.at("player2") + " -100", []string{"-40"}},
		{"staff", "!addgold " + e.at("player3") + " 700", []string{"+700"}},
		{"player1", "/checkgold", []string{"150", "🥈 #2 of 2"}},
		{"player4", "!checkgold " + e.at("player3"), []string{"700", "🥇 #1 of 2"}},
		{"player4", "!goldrush", []string{"🥇 " + e.at("player3") + " · 700 gold", "🥈 " + e.at("player1") + " · 150 gold", "top 2 of 2"}},
		{"staff", "/resetgold member:" + e.at("player1"), []string{"-150"}},
	}
	for _, s := range steps {
		r := e.send(s.user, s.line)
		for _, w := range s.want {
			if isRefusal(r) || !strings.Contains(text(r), w) {
				t.Errorf("%s: %q missing from %s", s.line, w, text(r))
			}
		}
	}
	for _, line := range []string{"/addgold member:" + e.at("player1") + " amount:5", "!resetgold " + e.at("player3"), "!resetallgold"} {
		if r := e.send("player1", line); !isRefusal(r) {
			t.Errorf("%s by a player: %s", line, text(r))
		}
	}

	prompt := func(line string) (discordsim.Reply, string) {
		r := e.send("staff", line)
		if len(r.Message.Components) == 0 {
			t.Fatalf("no buttons on the prompt: %s", text(r))
		}
		return r, r.Message.Components[0].Components[0].CustomID
	}
	click := func(user string, r discordsim.Reply, customID string) discordsim.Reply {
		t.Helper()
		return e.answer(e.sim.Click(t.Context(), discordsim.ClickRequest{MessageID: r.MessageID, CustomID: customID, UserID: e.member(user)}))
	}

	// Someone else's click is refused (a player lacks the access; the owner, though staff,
	// is not the author); Cancel closes the prompt and changes nothing.
	r, confirm := prompt("/resetallgold")
	if c := click("player2", r, confirm); !isRefusal(c) || !c.Ephemeral {
		t.Errorf("player's click: %s", text(c))
	}
	if c := click("owner", r, confirm); !isRefusal(c) {
		t.Errorf("another staff member's click: %s", text(c))
	}
	cancel := strings.Replace(confirm, ":confirm:", ":cancel:", 1)
	if c := click("staff", r, cancel); c.ResponseType != 7 || len(c.Message.Components) != 0 {
		t.Errorf("cancel should update the prompt and remove its buttons: %+v", c)
	}
	if e.balance("player3", "gold") != 700 {
		t.Fatal("cancel reset gold")
	}

	// A prompt older than 60 seconds expires on click.
	r, confirm = prompt("!resetallgold")
	if _, err := e.pool.Exec(t.Context(), `UPDATE league.gold_resets SET expires_at = now() - interval '1 second' WHERE state = 'pending'`); err != nil {
		t.Fatal(err)
	}
	if c := click("staff", r, confirm); c.ResponseType != 7 || e.balance("player3", "gold") != 700 {
		t.Errorf("expired prompt: %s, gold %d", text(c), e.balance("player3", "gold"))
	}

	// Confirm resets everyone, through the ledger.
	r, confirm = prompt("/resetallgold")
	c := click("staff", r, confirm)
	if c.ResponseType != 7 || len(c.Message.Components) != 0 || !strings.Contains(text(c), "700") {
		t.Errorf("confirm: %s", text(c))
	}
	for _, u := range []string{"player1", "player2", "player3"} {
		if g := e.balance(u, "gold"); g != 0 {
			t.Errorf("%s has %d gold after the reset", u, g)
		}
	}
	if r := e.slash("player1", "/goldrush"); strings.Contains(text(r), "gold ·") || strings.Contains(text(r), "top ") {
		t.Errorf("goldrush after reset: %s", text(r))
	}
}

// newLeagueEnvWith is newEnv with simulator options of the test's choosing (rate limits
// enforced, say), running the gateway and the league.
func newLeagueEnvWith(t *testing.T, simOpts discordsim.Options) *leagueEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	sim, demo := simtest.Start(t, simOpts)
	e := &env{t: t, sim: sim, demo: demo, spans: tracetest.NewInMemoryExporter()}
	e.opts = Options{Token: sim.Token(), APIURL: sim.APIURL(), NATSURL: natstest.Start(t), DatabaseURL: pgtest.URL(t), SpanExporter: e.spans}
	pool, err := store.Open(t.Context(), e.opts.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e.pool = pool
	cfg, err := guildconfig.Open(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	if err := ConfigureDemo(t.Context(), cfg, demo); err != nil {
		t.Fatal(err)
	}
	e.start(Gateway, League)
	return &leagueEnv{env: e, cfg: cfg}
}

// rankings in a guild of 200 members with values, where rank roles are held by the wrong
// people, with Discord's rate limits enforced (5 requests a second per route bucket):
// exactly the needed role changes are sent, every one of them lands despite 429s caused
// by another client spending the same bucket, and
// the answer is not held up by them.
func TestLeagueRankingsAt200MembersUnderRateLimits(t *testing.T) {
	// The competitor below floods the request log; keep all of it, or the oldest of our
	// role changes could be dropped from the record before we count them.
	e := newLeagueEnvWith(t, discordsim.Options{HeartbeatInterval: time.Second, MaxRecordedRequests: 1 << 20,
		RateLimit: discordsim.RateLimitOptions{Limit: 5, Window: time.Second, Enforce: true}})
	guild := e.demo.GuildID
	rank := func(n int) discordsim.Snowflake { return e.demo.Roles[fmt.Sprintf("Rank %d", n)] }
	var ids []discordsim.Snowflake
	for i := range 200 {
		var roles []discordsim.Snowflake
		if i >= 100 && i < 120 {
			roles = []discordsim.Snowflake{rank(i%10 + 1)} // stale holders
		}
		m, err := e.sim.AddMember(discordsim.Member{GuildID: guild, User: discordsim.User{Username: fmt.Sprintf("m%03d", i)}, Roles: roles})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.User.ID)
	}
	// Values 200, 199, … 1: member i has rank i+1. Member 0 already holds Rank 1.
	if _, err := e.sim.AddMemberRole(guild, ids[0], rank(1)); err != nil {
		t.Fatal(err)
	}
	err := store.InTx(t.Context(), e.pool, func(tx pgx.Tx) error {
		for i, id := range ids {
			_, err := ledger.Apply(t.Context(), tx, ledger.Entry{GuildID: guild.String(), UserID: id.String(), Currency: ledger.Value,
				Delta: int64(200 - i), Reason: ledger.Import, EventID: "import"})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Another client of the same bot (a second replica, say) spends the same route bucket,
	// so our client's view of it is stale and Discord answers 429.
	owner := e.member("owner").String()
	noise, stopNoise := context.WithCancel(t.Context())
	defer stopNoise()
	url := fmt.Sprintf("%s/guilds/%s/members/%s/roles/%s", e.sim.APIURL(), guild, owner, e.demo.Roles["Verified"])
	spend := func(method string) time.Duration {
		req, _ := http.NewRequestWithContext(noise, method, url, nil)
		req.Header.Set("Authorization", "Bot "+e.sim.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 10 * time.Millisecond
		}
		resp.Body.Close()
		after, _ := strconv.ParseFloat(resp.Header.Get("X-RateLimit-Reset-After"), 64)
		return time.Duration(after * float64(time.Second))
	}
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		// A competitor that takes 3 of the 5 requests of every window, racing ours at each
		// reset (a greedier one would starve us: fairness is Discord's business, not ours).
		go func() {
			for noise.Err() == nil {
				time.Sleep(spend(method))
				var burst sync.WaitGroup
				for range 2 {
					burst.Go(func() { spend(method) })
				}
				burst.Wait()
			}
		}()
	}
	e.sim.ClearRequests()
	r := e.slash("player1", "/rankings")
	if r.Kind != discordsim.ReplyInteractionResponse || len(r.Message.Embeds) != 2 || !strings.Contains(text(r), "top 10 of 200") {
		t.Fatalf("rankings: %s", text(r))
	}

	// Wanted: member i holds Rank i+1 for i < 10, nobody else holds a rank role. Needed:
	// 9 additions (member 0 has his), 20 stale holders and the demo's 3 to lose theirs.
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	err = e.sim.WaitFor(ctx, func(st *discordsim.State) bool {
		for _, m := range st.Members(guild) {
			for n := 1; n <= 10; n++ {
				want := slices.Index(ids, m.User.ID) == n-1
				if m.HasRole(rank(n)) != want {
					return false
				}
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("rank roles never settled: %v", err)
	}
	stopNoise()
	ours := func(rr discordsim.RecordedRequest) bool {
		return strings.Contains(rr.Path, "/roles/") && !strings.Contains(rr.Path, "/members/"+owner+"/")
	}
	ok := func(rr discordsim.RecordedRequest) bool { return ours(rr) && rr.Status < 300 }
	puts := e.sim.Requests(discordsim.RequestFilter{Method: "PUT", Match: ok})
	deletes := e.sim.Requests(discordsim.RequestFilter{Method: "DELETE", Match: ok})
	limited := e.sim.Requests(discordsim.RequestFilter{Match: func(rr discordsim.RecordedRequest) bool { return ours(rr) && rr.Status == 429 }})
	if len(puts) != 9 || len(deletes) != 23 {
		t.Errorf("role changes sent: %d additions, %d removals; want 9 and 23", len(puts), len(deletes))
	}
	if len(limited) == 0 {
		// The competitor usually makes us meet some; on a loaded machine the timing may
		// not, and the run still proves that the changes are exact.
		t.Logf("no 429 met in this run")
	}
	t.Logf("%d additions, %d removals, %d answered 429", len(puts), len(deletes), len(limited))
}

// Many servers' first rankings at once: each remembers the rank roles it found or made
// inside its own transaction. (Remembering them on another pool connection while the
// transaction held one deadlocked the pool as soon as as many first rankings ran as it
// had connections: the benchmark's mixed load found it.)
func TestLeagueConcurrentFirstRankings(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: starts the whole stack")
	}
	e := newEnv(t)
	targets, err := load.Setup(e.sim, 2*store.DefaultMaxConns, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	xs := make([]*discordsim.Exchange, len(targets))
	for i, tg := range targets {
		if xs[i], err = e.sim.Slash(ctx, discordsim.SlashRequest{GuildID: tg.Guild, ChannelID: tg.Channel, UserID: tg.Users[0], Text: "/rankings"}); err != nil {
			t.Fatal(err)
		}
	}
	for i, x := range xs {
		r, err := x.WaitAnswer(ctx)
		if err != nil {
			t.Fatalf("rankings in guild %d: %v", i, err)
		}
		if isRefusal(r) || len(r.Message.Embeds) == 0 {
			t.Errorf("rankings in guild %d: %s", i, text(r))
		}
	}
	var remembered int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM guildconfig.guild_settings WHERE key LIKE 'role.rank%' AND guild_id <> $1`,
		e.demo.GuildID.String()).Scan(&remembered); err != nil {
		t.Fatal(err)
	}
	if want := 10 * len(targets); remembered != want {
		t.Errorf("%d rank roles remembered, want %d", remembered, want)
	}
}
