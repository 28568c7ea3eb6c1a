package moderation

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/commands"
	"github.com/novera-bot/novera/libs/discord"
	"github.com/novera-bot/novera/libs/discordsim"
	"github.com/novera-bot/novera/libs/discordsim/simtest"
	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/libs/pglocal/pgtest"
	"github.com/novera-bot/novera/libs/store"
	"github.com/novera-bot/novera/libs/worker"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fixture is the service over a real PostgreSQL and the simulator, driven directly: events
// go to onEvent in a transaction, jobs run when the test says.
type fixture struct {
	t    *testing.T
	s    *service
	sim  *discordsim.Server
	demo *discordsim.Demo
	cfg  *guildconfig.Store
	fast *runner
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	sim, demo := simtest.Start(t, discordsim.Options{})
	pool, err := store.Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	cfg, err := guildconfig.Open(t.Context(), pool)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discord.New(discord.Config{Token: sim.Token(), APIURL: sim.APIURL()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := newService(t.Context(), worker.Deps{Pool: pool, Discord: dc, Config: cfg, Registry: commands.Novera()})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, s: s, sim: sim, demo: demo, cfg: cfg}
	f.fast, _ = s.runners()
	f.set("channel.modlog", demo.Channels["mod-log"].String())
	f.set("role.management", demo.Roles["Management"].String())
	return f
}

func (f *fixture) set(key, value string) {
	f.t.Helper()
	if _, err := f.cfg.Set(f.t.Context(), f.demo.GuildID.String(), key, value, "test"); err != nil {
		f.t.Fatal(err)
	}
}

// post stores a member's message in the simulator (as a user would) and returns the
// MESSAGE_CREATE payload the gateway would publish for it.
func (f *fixture) post(user, text string) (discordsim.Snowflake, []byte) {
	f.t.Helper()
	x, err := f.sim.Prefix(f.t.Context(), discordsim.MessageRequest{UserID: f.demo.Members[user], Content: text})
	if err != nil {
		f.t.Fatal(err)
	}
	m, _ := f.sim.State().Member(f.demo.GuildID, f.demo.Members[user])
	roles := []string{}
	for _, r := range m.Roles {
		roles = append(roles, r.String())
	}
	raw, _ := json.Marshal(map[string]any{"id": x.Trigger.ID.String(), "channel_id": x.ChannelID.String(), "guild_id": f.demo.GuildID.String(),
		"content": text, "author": map[string]any{"id": f.demo.Members[user].String(), "username": user}, "member": map[string]any{"roles": roles}})
	return x.Trigger.ID, raw
}

func (f *fixture) event(typ string, raw []byte) {
	f.t.Helper()
	ev := &busv1.Event{Id: "e" + time.Now().Format("150405.000000000"), Type: typ, Raw: raw, ReceivedAt: timestamppb.Now()}
	if err := store.InTx(f.t.Context(), f.s.pool, func(tx pgx.Tx) error { return f.s.onEvent(f.t.Context(), tx, ev) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.s.pool.QueryRow(f.t.Context(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// runJobs runs every due job, as the runner's loop would.
func (f *fixture) runJobs() {
	f.t.Helper()
	for {
		n, err := f.fast.runDue(f.t.Context())
		if err != nil {
			f.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// Who the filter judges: staff (the management role), Manage Messages (moderator and
// evaluator roles) and the owner are exempt; bots and webhooks are ignored; a server that
// switched the filter off is left alone; everyone else gets a warning and its jobs, once.
func TestJudgeWhoAndOnce(t *testing.T) {
	f := newFixture(t)
	for _, who := range []string{"staff", "moderator", "evaluator", "owner"} {
		_, raw := f.post(who, "oh shit")
		f.event("MESSAGE_CREATE", raw)
	}
	if n := f.count(`SELECT count(*) FROM moderation.warnings`); n != 0 {
		t.Fatalf("exempt members warned: %d", n)
	}
	_, raw := f.post("player1", "oh shit")
	var bot map[string]any
	_ = json.Unmarshal(raw, &bot)
	bot["author"] = map[string]any{"id": f.demo.Members["player2"].String(), "bot": true}
	botRaw, _ := json.Marshal(bot)
	f.event("MESSAGE_CREATE", botRaw)
	if n := f.count(`SELECT count(*) FROM moderation.warnings`); n != 0 {
		t.Fatalf("a bot's message was judged")
	}

	f.set("feature.profanity_filter", "false")
	f.event("MESSAGE_CREATE", raw)
	if n := f.count(`SELECT count(*) FROM moderation.warnings`); n != 0 {
		t.Fatalf("filter ran while switched off")
	}
	f.set("feature.profanity_filter", "true")
	f.event("MESSAGE_CREATE", raw)
	f.event("MESSAGE_UPDATE", raw) // the same message again, as an edit
	if n := f.count(`SELECT count(*) FROM moderation.warnings`); n != 1 {
		t.Fatalf("%d warnings, want 1", n)
	}
	// delete, warning, mod-log; no timeout on a first warning.
	if n := f.count(`SELECT count(*) FROM moderation.jobs`); n != 3 {
		t.Fatalf("%d jobs, want 3", n)
	}
}

// A MESSAGE_UPDATE without member (some edits) is judged with the member's roles from
// Discord, so a moderator's edit stays exempt.
func TestJudgeUpdateWithoutMember(t *testing.T) {
	f := newFixture(t)
	for _, who := range []string{"moderator", "player1"} {
		_, raw := f.post(who, "fine message")
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		delete(m, "member")
		m["content"] = "edited to shit"
		raw, _ = json.Marshal(m)
		f.event("MESSAGE_UPDATE", raw)
	}
	if n := f.count(`SELECT count(*) FROM moderation.warnings WHERE user_id = $1`, f.demo.Members["player1"].String()); n != 1 {
		t.Errorf("player1's edit: %d warnings, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM moderation.warnings`); n != 1 {
		t.Errorf("the moderator's edit was judged")
	}
}

// Role events keep the stored permissions current: a role granted Manage Messages makes
// its holders exempt.
func TestPermissionsFollowRoleEvents(t *testing.T) {
	f := newFixture(t)
	_, raw := f.post("player1", "shit")
	f.event("MESSAGE_CREATE", raw) // fetches and stores the guild
	verified := f.demo.Roles["Verified"].String()
	ev, _ := json.Marshal(map[string]any{"guild_id": f.demo.GuildID.String(), "role": map[string]any{"id": verified, "permissions": "8192"}})
	f.event("GUILD_ROLE_UPDATE", ev)
	_, raw = f.post("player2", "shit") // player2 holds Verified
	f.event("MESSAGE_CREATE", raw)
	if n := f.count(`SELECT count(*) FROM moderation.warnings WHERE user_id = $1`, f.demo.Members["player2"].String()); n != 0 {
		t.Errorf("a member whose role now has Manage Messages was warned")
	}
	del, _ := json.Marshal(map[string]any{"guild_id": f.demo.GuildID.String(), "role_id": verified})
	f.event("GUILD_ROLE_DELETE", del)
	_, raw = f.post("player2", "shit again")
	f.event("MESSAGE_CREATE", raw)
	if n := f.count(`SELECT count(*) FROM moderation.warnings WHERE user_id = $1`, f.demo.Members["player2"].String()); n != 1 {
		t.Errorf("after the role's deletion: %d warnings, want 1", n)
	}
}

// The job runner performs a hit's jobs after commit, retries what Discord refuses for now
// (5xx, 429) with back-off, and drops what it refuses for good; the warning's deletion is
// a stored timer 30 s ahead.
func TestRunnerRetriesAndTimers(t *testing.T) {
	f := newFixture(t)
	general := f.demo.Channels["general"]
	id, raw := f.post("player1", "fuck")
	for _, fault := range []discordsim.RESTFault{
		{Method: "DELETE", Route: "/channels/{channel_id}/messages/{message_id}", Status: 503, Count: 1},
		{Method: "POST", Route: "/channels/{channel_id}/messages", Status: 429, RetryAfter: 10 * time.Second, Count: 1},
	} {
		if _, err := f.sim.AddRESTFault(fault); err != nil {
			t.Fatal(err)
		}
	}
	f.event("MESSAGE_CREATE", raw)
	f.runJobs()
	if n := f.count(`SELECT count(*) FROM moderation.jobs WHERE done_at IS NULL AND last_error IS NOT NULL AND attempts = 1`); n != 2 {
		t.Fatalf("%d jobs waiting to retry, want 2 (the 503 and the 429)", n)
	}
	if _, ok := f.sim.State().Message(general, id); !ok {
		t.Fatal("message deleted despite the 503")
	}
	if _, err := f.s.pool.Exec(t.Context(), `UPDATE moderation.jobs SET due_at = now() WHERE done_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	f.runJobs()
	if _, ok := f.sim.State().Message(general, id); ok {
		t.Fatal("message not deleted on retry")
	}
	warnings := 0
	for _, m := range f.sim.State().Messages(general) {
		if m.Author.ID == f.sim.BotUser().ID && strings.Contains(m.Content, f.demo.Members["player1"].String()) {
			warnings++
		}
	}
	if warnings != 1 {
		t.Fatalf("%d warnings posted, want exactly 1 (the retry must not post twice)", warnings)
	}
	if n := f.count(`SELECT count(*) FROM moderation.jobs WHERE key LIKE 'delete:%' AND done_at IS NULL
		AND due_at BETWEEN now() + interval '25 seconds' AND now() + interval '31 seconds'`); n != 1 {
		t.Fatalf("warning deletion not scheduled 30 s ahead")
	}

	// A job Discord refuses for good (the message is already gone: done; no permission:
	// given up) does not come back.
	if err := store.InTx(t.Context(), f.s.pool, func(tx pgx.Tx) error {
		return schedule(t.Context(), tx, "gone", time.Now(), job{Kind: jobDeleteMessage, ChannelID: general.String(), MessageID: id.String()})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.AddRESTFault(discordsim.RESTFault{Method: "PATCH", Route: "/guilds/{guild_id}/members/{user_id}", Status: 500, Count: 100}); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(time.Hour)
	if err := store.InTx(t.Context(), f.s.pool, func(tx pgx.Tx) error {
		return schedule(t.Context(), tx, "owner-timeout", time.Now(), job{Kind: jobTimeout, GuildID: f.demo.GuildID.String(),
			UserID: f.demo.Members["player3"].String(), Until: &until})
	}); err != nil {
		t.Fatal(err)
	}
	f.fast.maxAttempts = 2
	for range 3 {
		f.runJobs()
		if _, err := f.s.pool.Exec(t.Context(), `UPDATE moderation.jobs SET due_at = now() WHERE done_at IS NULL AND key = 'owner-timeout'`); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count(`SELECT count(*) FROM moderation.jobs WHERE key IN ('gone', 'owner-timeout') AND done_at IS NOT NULL`); n != 2 {
		t.Errorf("refused jobs still pending: %d of 2 done", n)
	}
	if n := f.count(`SELECT count(*) FROM moderation.jobs WHERE key = 'owner-timeout' AND attempts = 2 AND last_error LIKE '%500%'`); n != 1 {
		t.Errorf("the failing timeout should be given up after 2 attempts with its error kept")
	}
}

// cleanserver's deletion splits by age: messages under 14 days go in bulk (2–100 per
// call), older ones (and a lone leftover) one by one; ids already gone are no error.
func TestDeleteMessagesBulkAndSingle(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := range 103 {
		id, _ := f.post("player1", "shit "+strings.Repeat("!", i%3))
		ids = append(ids, id.String())
	}
	old := discordsim.Snowflake((uint64(time.Now().Add(-20*24*time.Hour).UnixMilli()) - 1420070400000) << 22).String()
	t0 := time.Now()
	n, err := deleteMessages(t.Context(), f.s.discord.Session(), f.demo.Channels["general"].String(), append(ids, old))
	if err != nil || n != 104 {
		t.Fatalf("deleteMessages = %d, %v", n, err)
	}
	bulk := f.sim.Requests(discordsim.RequestFilter{Method: "POST", Route: "/channels/{channel_id}/messages/bulk-delete", Since: t0})
	single := f.sim.Requests(discordsim.RequestFilter{Method: "DELETE", Route: "/channels/{channel_id}/messages/{message_id}", Since: t0})
	// 103 recent: one bulk of 100, one bulk of 3; the old one alone.
	if len(bulk) != 2 || len(single) != 1 || !strings.Contains(single[0].Path, old) {
		t.Errorf("%d bulk and %d single deletes, want 2 and 1 (the old one)", len(bulk), len(single))
	}
	for _, id := range ids {
		sf, _ := discordsim.ParseSnowflake(id)
		if _, ok := f.sim.State().Message(f.demo.Channels["general"], sf); ok {
			t.Fatalf("message %s survived", id)
		}
	}
}
