package stack

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/novera-bot/novera/libs/bus"
	"github.com/novera-bot/novera/libs/discordsim"
)

// click presses a component of a message as user and waits for the answer.
func (e *leagueEnv) click(user string, m discordsim.Message, customID string, values ...string) (*discordsim.Exchange, discordsim.Reply) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	x, err := e.sim.Click(ctx, discordsim.ClickRequest{ChannelID: m.ChannelID, MessageID: m.ID, CustomID: customID,
		UserID: e.member(user), Values: values})
	return x, e.answer(x, err)
}

// submit fills in the modal that answered x.
func (e *leagueEnv) submit(x *discordsim.Exchange, values map[string]string) discordsim.Reply {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	return e.answer(e.sim.SubmitModal(ctx, discordsim.ModalSubmitRequest{InteractionID: x.InteractionID, Values: values}))
}

// customID finds the id of the component of m whose id starts with prefix.
func customID(t *testing.T, m discordsim.Message, prefix string) string {
	t.Helper()
	var find func([]discordsim.Component) string
	find = func(cs []discordsim.Component) string {
		for _, c := range cs {
			if c.CustomID != "" && strings.HasPrefix(c.CustomID, prefix) {
				return c.CustomID
			}
			if id := find(c.Components); id != "" {
				return id
			}
		}
		return ""
	}
	id := find(m.Components)
	if id == "" {
		t.Fatalf("no component %q… on %s", prefix, m)
	}
	return id
}

// botPosts are the bot's messages in a demo channel.
func (e *leagueEnv) botPosts(channel string) []discordsim.Message {
	var out []discordsim.Message
	for _, m := range e.sim.State().Messages(e.demo.Channels[channel]) {
		if m.Author.ID == e.member("bot") {
			out = append(out, m)
		}
	}
	return out
}

// message reads a message as it stands now.
func (e *leagueEnv) message(channel discordsim.Snowflake, id discordsim.Snowflake) discordsim.Message {
	e.t.Helper()
	for _, m := range e.sim.State().Messages(channel) {
		if m.ID == id {
			return m
		}
	}
	e.t.Fatalf("message %s gone", id)
	return discordsim.Message{}
}

func (e *leagueEnv) dms(user string) int {
	ch, ok := e.sim.State().DMChannel(e.member(user))
	if !ok {
		return 0
	}
	return len(e.sim.State().Messages(ch.ID))
}

// evalState reads the state of a player's latest evaluation.
func (e *leagueEnv) evalState(user string) string {
	e.t.Helper()
	var s string
	err := e.pool.QueryRow(e.t.Context(), `SELECT coalesce((SELECT state FROM league.evaluations WHERE guild_id = $1 AND player_id = $2
		ORDER BY id DESC LIMIT 1), '')`, e.demo.GuildID.String(), e.member(user).String()).Scan(&s)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *leagueEnv) pendingEvalTimers() int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(e.t.Context(), `SELECT count(*) FROM league.timers WHERE key LIKE 'eval:%' AND fired_at IS NULL`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// waitFor polls: its conditions read the database as well as the simulator, and the
// simulator's WaitFor looks again only when its own state changes.
func (e *leagueEnv) waitFor(what string, ok func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: not within 15 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A member asks for an evaluation; an evaluator accepts it; the league service restarts
// after the Accept and again while the ratings modal is open; a bad rating is refused
// without storing anything; the evaluation then finishes with the right value and roles,
// and nothing is posted twice.
func TestEvalRequestAcceptRestart(t *testing.T) {
	e := newLeagueEnv(t)
	reqChannel := e.demo.Channels["evaluation-requests"]

	// Not configured: a clear answer, nothing stored.
	e.set("channel.evaluation_requests", "none")
	if r := e.slash("player4", "/getevaluated"); !isRefusal(r) || !strings.Contains(text(r), "channel.evaluation_requests") {
		t.Fatalf("unconfigured getevaluated: %s", text(r))
	}
	e.set("channel.evaluation_requests", reqChannel.String())

	r := e.slash("player4", "/getevaluated")
	if isRefusal(r) || !strings.Contains(text(r), "<#"+reqChannel.String()+">") {
		t.Fatalf("getevaluated: %s", text(r))
	}
	if r := e.prefix("player4", "!getevaluated"); !isRefusal(r) {
		t.Errorf("a second open request was accepted: %s", text(r))
	}
	e.slash("staff", "/setvalue member:"+e.at("player1")+" value:30")
	if r := e.prefix("player1", "!getevaluated"); !isRefusal(r) || !strings.Contains(text(r), "¥30 million") {
		t.Errorf("a valued member asked for a tryout: %s", text(r))
	}
	e.waitFor("one request posted", func() bool { return len(e.botPosts("evaluation-requests")) == 1 })
	request := e.botPosts("evaluation-requests")[0]
	if !strings.Contains(request.Embeds[0].Description, e.at("player4")) {
		t.Errorf("request does not name the member: %q", request.Embeds[0].Description)
	}
	accept := customID(t, request, "getevaluated:accept:")

	// Only evaluators, never the requester.
	if _, r := e.click("player1", request, accept); !isRefusal(r) {
		t.Errorf("a player accepted: %s", text(r))
	}
	e.slash("staff", "/getevaluated")
	e.waitFor("staff's request posted", func() bool { return len(e.botPosts("evaluation-requests")) == 2 })
	own := e.botPosts("evaluation-requests")[1]
	if _, r := e.click("staff", own, customID(t, own, "getevaluated:accept:")); !isRefusal(r) {
		t.Errorf("staff accepted their own request: %s", text(r))
	}

	_, r = e.click("evaluator", request, accept)
	if isRefusal(r) || r.MessageID != request.ID || !strings.Contains(text(r), e.at("evaluator")) {
		t.Fatalf("accept did not turn the request into the panel: %+v", r)
	}
	e.waitFor("the requester is told", func() bool { return e.dms("player4") == 1 })

	// Restart between the Accept and the position.
	e.stop()
	e.start(Gateway, League)
	panel := e.message(reqChannel, request.ID)
	position := customID(t, panel, "tryoutsresults:position:")
	if _, r := e.click("player1", panel, position, "CF"); !isRefusal(r) {
		t.Errorf("a bystander picked the position: %s", text(r))
	}
	x, r := e.click("evaluator", panel, position, "CF")
	if r.Kind != discordsim.ReplyModal || len(r.Modal.Components) != 4 {
		t.Fatalf("position should open a 4-input modal: %+v", r)
	}

	// Restart while the modal is open.
	e.stop()
	e.start(Gateway, League)
	bad := e.submit(x, map[string]string{"shooting": "11", "dribbling": "7", "passing": "6", "defending": "5"})
	if !isRefusal(bad) || !strings.Contains(text(bad), "11") {
		t.Fatalf("rating 11 accepted: %s", text(bad))
	}
	if e.balance("player4", "value") != 0 || e.entries() != 1 || e.evalState("player4") != "open" {
		t.Fatalf("a bad rating stored something: value %d, entries %d, state %s", e.balance("player4", "value"), e.entries(), e.evalState("player4"))
	}
	x, _ = e.click("evaluator", panel, position, "CF")
	if r := e.submit(x, map[string]string{"shooting": "8", "dribbling": "x", "passing": "6", "defending": "5"}); !isRefusal(r) {
		t.Fatalf("rating x accepted: %s", text(r))
	}
	x, _ = e.click("evaluator", panel, position, "CF")
	// CF: 8·.45 + 7·.30 + 6·.15 + 5·.10 = 7.10 → 71.
	done := e.submit(x, map[string]string{"shooting": "8", "dribbling": " 7", "passing": "6", "defending": "5"})
	if isRefusal(done) || !strings.Contains(text(done), "¥71 million") || !strings.Contains(text(done), "`████████░░` 8/10") {
		t.Fatalf("result: %s", text(done))
	}
	if got := e.balance("player4", "value"); got != 71 {
		t.Fatalf("value %d, want 71", got)
	}
	var reason string
	if err := e.pool.QueryRow(t.Context(), `SELECT reason FROM league.ledger WHERE user_id = $1`, e.member("player4").String()).Scan(&reason); err != nil || reason != "evaluation" {
		t.Errorf("ledger reason %q (%v), want evaluation", reason, err)
	}
	e.waitRole("player4", "Evaluated", true)
	e.waitRole("player4", "Tryout Pending", false)
	posted := func() (results, values, dms int) {
		return len(e.botPosts("tryout-results")), len(e.botPosts("values")), e.dms("player4")
	}
	e.waitFor("results, announcement and DM", func() bool { r, v, d := posted(); return r == 1 && v == 1 && d == 2 })
	if res := e.botPosts("tryout-results")[0]; !strings.Contains(res.Embeds[0].Description, "¥71 million") {
		t.Errorf("results embed: %+v", res.Embeds[0])
	}
	if e.evalState("player4") != "done" || e.pendingEvalTimers() != 0 {
		t.Errorf("state %s, %d expiry timers left", e.evalState("player4"), e.pendingEvalTimers())
	}

	// Once more around the block: nothing is posted or applied twice.
	e.stop()
	e.start(Gateway, League)
	b, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	e.waitDrained(b, League)
	if r, v, d := posted(); r != 1 || v != 1 || d != 2 {
		t.Errorf("after a restart: %d results, %d announcements, %d DMs; want 1, 1, 2", r, v, d)
	}
	if e.balance("player4", "value") != 71 || e.entries() != 2 {
		t.Errorf("value %d, %d ledger entries; want 71 and 2", e.balance("player4", "value"), e.entries())
	}
	if r := e.slash("player4", "/getevaluated"); !isRefusal(r) {
		t.Errorf("an evaluated member asked again: %s", text(r))
	}
}

// tryoutsresults by slash and prefix aliases, its refusals, tryoutcancel, and the expiry
// of an evaluation left alone for 24 hours.
func TestEvalCommandCancelExpire(t *testing.T) {
	e := newLeagueEnv(t)
	e.set("sassy", "false") // the plain voice and labels, end to end
	refusals := []struct{ name, user, line, want string }{
		{"no permission", "player1", "/tryoutsresults member:" + e.at("player5"), "valuator"},
		{"self", "evaluator", "!eval " + e.at("evaluator"), ""},
		{"missing member", "evaluator", "!tryout", "member"},
		{"bot", "evaluator", "/tryoutsresults member:" + e.at("bot"), ""},
		{"cancel without permission", "player2", "!tryoutcancel", "valuator"},
		{"nothing to cancel", "evaluator", "/tryoutcancel", ""},
	}
	for _, tc := range refusals {
		if r := e.send(tc.user, tc.line); !isRefusal(r) || !strings.Contains(text(r), tc.want) {
			t.Errorf("%s: %s", tc.name, text(r))
		}
	}

	// Start by an alias; a second evaluator cannot take the same player; cancel it.
	start := e.prefix("evaluator", "!tryoutresults "+e.at("player5"))
	if isRefusal(start) || len(start.Message.Components) == 0 {
		t.Fatalf("tryoutresults: %s", text(start))
	}
	if r := e.slash("staff", "/tryoutsresults member:"+e.at("player5")); !isRefusal(r) || !strings.Contains(text(r), e.at("evaluator")) {
		t.Errorf("two evaluations of one player: %s", text(r))
	}
	if r := e.slash("evaluator", "/tryoutcancel"); isRefusal(r) || !strings.Contains(text(r), e.at("player5")) {
		t.Fatalf("tryoutcancel: %s", text(r))
	}
	if e.evalState("player5") != "cancelled" || e.entries() != 0 || e.pendingEvalTimers() != 0 {
		t.Fatalf("cancel: state %s, %d entries, %d timers", e.evalState("player5"), e.entries(), e.pendingEvalTimers())
	}
	panel := e.message(start.ChannelID, start.MessageID)
	if _, r := e.click("evaluator", panel, customID(t, panel, "tryoutsresults:position:"), "CF"); r.Kind == discordsim.ReplyModal || len(r.Message.Components) != 0 {
		t.Errorf("a cancelled evaluation's panel still works: %+v", r)
	}

	// Staff cancel someone else's evaluation by naming the player.
	e.prefix("evaluator", "!eval "+e.at("player2"))
	if r := e.slash("evaluator", "/tryoutsresults member:"+e.at("player2")); isRefusal(r) {
		t.Errorf("its evaluator could not re-show the panel: %s", text(r))
	}
	if r := e.prefix("staff", "!tryoutcancel "+e.at("player2")); isRefusal(r) {
		t.Errorf("staff could not cancel: %s", text(r))
	}

	// Evaluating a member with an open request answers the request.
	e.slash("player1", "/getevaluated")
	if r := e.prefix("evaluator", "!eval "+e.at("player1")); isRefusal(r) {
		t.Fatalf("eval of a requester: %s", text(r))
	}
	var reqState string
	var linked bool
	if err := e.pool.QueryRow(t.Context(), `SELECT q.state, v.request_id = q.id FROM league.evaluation_requests q
		JOIN league.evaluations v ON v.player_id = q.user_id AND v.state = 'open' WHERE q.user_id = $1`,
		e.member("player1").String()).Scan(&reqState, &linked); err != nil || reqState != "accepted" || !linked {
		t.Errorf("request %q, linked %v, %v", reqState, linked, err)
	}
	e.prefix("evaluator", "!tryoutcancel "+e.at("player1"))

	// A goalkeeper's evaluation left alone: the modal has 3 inputs; 24 h later it expires.
	start = e.slash("evaluator", "/tryoutsresults member:"+e.at("player5"))
	panel = e.message(start.ChannelID, start.MessageID)
	x, r := e.click("evaluator", panel, customID(t, panel, "tryoutsresults:position:"), "GK")
	if r.Kind != discordsim.ReplyModal || len(r.Modal.Components) != 3 {
		t.Fatalf("GK modal: %+v", r)
	}
	// A timer of an older step (as if it fired just as the position was picked) is stale:
	// the evaluation stays open.
	var id, version int64
	if err := e.pool.QueryRow(t.Context(), `SELECT id, version FROM league.evaluations WHERE player_id = $1 AND state = 'open'`,
		e.member("player5").String()).Scan(&id, &version); err != nil || version < 2 {
		t.Fatalf("open evaluation: version %d, %v", version, err)
	}
	if _, err := e.pool.Exec(t.Context(), `INSERT INTO league.timers (key, command, guild_id, channel_id, due_at)
		VALUES ($1, 'tryoutsresults', $2, $3, now() - interval '1 minute')`, fmt.Sprintf("eval:%d:%d", id, version-1),
		e.demo.GuildID.String(), start.ChannelID.String()); err != nil {
		t.Fatal(err)
	}
	e.waitFor("stale timer fired", func() bool {
		var fired bool
		err := e.pool.QueryRow(t.Context(), `SELECT fired_at IS NOT NULL FROM league.timers WHERE key = $1`,
			fmt.Sprintf("eval:%d:%d", id, version-1)).Scan(&fired)
		return err == nil && fired
	})
	b, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	e.waitDrained(b, League)
	if got := e.evalState("player5"); got != "open" {
		t.Fatalf("a stale timer closed the evaluation: %s", got)
	}
	if _, err := e.pool.Exec(t.Context(), `UPDATE league.timers SET due_at = now() - interval '1 minute'
		WHERE key LIKE 'eval:%' AND fired_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	e.waitFor("expiry", func() bool { return e.evalState("player5") == "expired" })
	e.waitFor("expiry notice", func() bool {
		for _, m := range e.sim.State().Messages(start.ChannelID) {
			if m.Author.ID == e.member("bot") && m.ID != start.MessageID && len(m.Embeds) == 1 &&
				strings.Contains(m.Embeds[0].Description, e.at("player5")) && strings.Contains(m.Embeds[0].Description, e.at("evaluator")) {
				return true
			}
		}
		return false
	})
	if r := e.submit(x, map[string]string{"goalkeeping": "9", "defending": "9", "passing": "9"}); !isRefusal(r) {
		t.Errorf("an expired evaluation took ratings: %s", text(r))
	}
	if e.balance("player5", "value") != 0 || e.entries() != 0 {
		t.Errorf("expiry changed values: %d, %d entries", e.balance("player5", "value"), e.entries())
	}
	if r := e.slash("staff", "/tryoutcancel member:"+e.at("player5")); !isRefusal(r) {
		t.Errorf("cancelled an expired evaluation: %s", text(r))
	}

	// A whole evaluation from a prefix command: the panel is an ordinary channel message,
	// and the result replaces it. LW: pass 9·.40 + dribble 6·.30 + shoot 3·.20 + defend 2·.10 = 6.2.
	start = e.prefix("evaluator", "!eval "+e.at("player3"))
	panel = e.message(start.ChannelID, start.MessageID)
	x, _ = e.click("evaluator", panel, customID(t, panel, "tryoutsresults:position:"), "LW")
	if r := e.submit(x, map[string]string{"shooting": "3", "dribbling": "6", "passing": "9", "defending": "2"}); isRefusal(r) ||
		r.MessageID != start.MessageID || !strings.Contains(text(r), "¥62 million") || len(r.Message.Components) != 0 {
		t.Fatalf("LW result: %+v", r)
	}
	if got := e.balance("player3", "value"); got != 62 {
		t.Errorf("player3 value %d, want 62", got)
	}
	if r := e.prefix("player3", "!valuehistory"); !strings.Contains(text(r), "evaluation") || !strings.Contains(text(r), e.at("evaluator")) {
		t.Errorf("valuehistory: %s", text(r))
	}
}
