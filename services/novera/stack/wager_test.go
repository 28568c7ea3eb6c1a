package stack

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/novera-bot/novera/libs/bus"
	busv1 "github.com/novera-bot/novera/libs/buspb/novera/bus/v1"
	"github.com/novera-bot/novera/libs/discordsim"
)

// wagerEnv adds wager helpers to the league's test env.
type wagerEnv struct{ *leagueEnv }

func newWagerEnv(t *testing.T, values map[string]int64) *wagerEnv {
	t.Helper()
	e := &wagerEnv{newLeagueEnv(t)}
	for user, v := range values {
		e.slash("staff", fmt.Sprintf("/setvalue member:%s value:%d", e.at(user), v))
	}
	return e
}

// total is the wager invariant: every value of the guild plus every stake still held.
func (e *wagerEnv) total() int64 {
	e.t.Helper()
	var n int64
	err := e.pool.QueryRow(e.t.Context(), `SELECT
		(SELECT coalesce(sum(amount), 0) FROM league.balances WHERE guild_id = $1 AND currency = 'value') +
		(SELECT coalesce(sum(held), 0) FROM league.wager_players WHERE guild_id = $1)`, e.demo.GuildID.String()).Scan(&n)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *wagerEnv) matchState(id int64) string {
	e.t.Helper()
	var s string
	if err := e.pool.QueryRow(e.t.Context(), `SELECT state FROM league.wager_matches WHERE id = $1`, id).Scan(&s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

// create runs the slash command and fills in the set-up modal; it returns the board.
func (e *wagerEnv) create(user, line string, fields map[string]string) (int64, discordsim.Message) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 10*time.Second)
	defer cancel()
	x, err := e.sim.Slash(ctx, discordsim.SlashRequest{UserID: e.member(user), Text: line})
	if r := e.answer(x, err); r.Kind != discordsim.ReplyModal {
		e.t.Fatalf("%s opened no modal: %s", line, text(r))
	}
	before := len(e.botPosts("wagers-" + fields["mode"]))
	if r := e.submit(x, fields); isRefusal(r) {
		e.t.Fatalf("set-up refused: %s", text(r))
	}
	return e.newBoard(fields["mode"], before)
}

func (e *wagerEnv) newBoard(mode string, before int) (int64, discordsim.Message) {
	e.t.Helper()
	e.waitFor("board", func() bool { return len(e.botPosts("wagers-"+mode)) > before })
	b := e.botPosts("wagers-" + mode)[before]
	var id int64
	if _, err := fmt.Sscanf(b.Embeds[0].Footer.Text, "Match #%d", &id); err != nil {
		e.t.Fatalf("board footer %q: %v", b.Embeds[0].Footer.Text, err)
	}
	return id, b
}

func msgText(m discordsim.Message) string {
	var b strings.Builder
	b.WriteString(m.Content)
	for _, em := range m.Embeds {
		b.WriteString("\n" + em.Title + "\n" + em.Description)
		for _, f := range em.Fields {
			b.WriteString("\n" + f.Name + ": " + f.Value)
		}
	}
	return b.String()
}

func hasComponent(m discordsim.Message, prefix string) (found, disabled bool) {
	var walk func([]discordsim.Component)
	walk = func(cs []discordsim.Component) {
		for _, c := range cs {
			if strings.HasPrefix(c.CustomID, prefix) {
				found, disabled = true, c.Disabled
			}
			walk(c.Components)
		}
	}
	walk(m.Components)
	return found, disabled
}

// A 2v2 match played end to end through buttons and modals, with the board checked after
// each step, the invariant after each operation, and the bad inputs refused on the way.
func TestWager2v2(t *testing.T) {
	e := newWagerEnv(t, map[string]int64{"player1": 100, "player2": 100, "player3": 100, "player4": 100})
	const sum = 400
	check := func(step string) {
		t.Helper()
		if got := e.total(); got != sum {
			t.Fatalf("%s: values + held = %d, want %d", step, got, sum)
		}
	}
	// A stake above the creator's value, or below the minimum: refused, nothing held.
	for _, line := range []string{"/anteup stake:500", "!anteup 3", "!match 101"} {
		if r := e.send("player1", line); !isRefusal(r) || !strings.Contains(text(r), "million") {
			t.Errorf("%s: %s", line, text(r))
		}
	}
	if r := e.send("player5", "/anteup"); !isRefusal(r) {
		t.Errorf("a player without value set up a match: %s", text(r))
	}
	check("refused set-ups")

	id, b := e.create("player1", "/anteup stake:20", map[string]string{"mode": "2v2", "region": "eu", "position": "cf", "username": "OneTrick"})
	if !strings.Contains(b.Content, "<@&"+e.demo.Roles["Wager Ping"].String()+">") {
		t.Errorf("board does not ping the wager role: %q", b.Content)
	}
	if got := msgText(b); !strings.Contains(got, "CF · "+e.at("player1")) || !strings.Contains(got, "OneTrick") || !strings.Contains(got, "(1/2)") {
		t.Errorf("new board: %s", got)
	}
	if _, dis := hasComponent(b, fmt.Sprintf("anteup:join:%d:A:CF", id)); !dis {
		t.Errorf("the host's position is not shown taken")
	}
	if e.balance("player1", "value") != 80 {
		t.Fatalf("host's stake not held: %d", e.balance("player1", "value"))
	}
	check("created")

	join := func(user, team, pos string) discordsim.Reply {
		t.Helper()
		_, r := e.click(user, e.message(b.ChannelID, b.ID), fmt.Sprintf("anteup:join:%d:%s:%s", id, team, pos))
		return r
	}
	if r := join("player2", "A", "LW"); isRefusal(r) || !strings.Contains(msgText(r.Message), "LW · "+e.at("player2")) {
		t.Fatalf("join: %s", text(r))
	}
	// A double click on Join: the second is refused and holds nothing more.
	if r := join("player2", "B", "CF"); !isRefusal(r) {
		t.Errorf("double join: %s", text(r))
	}
	if e.balance("player2", "value") != 80 {
		t.Errorf("double join held twice: %d", e.balance("player2", "value"))
	}
	if r := join("player5", "B", "CF"); !isRefusal(r) || !strings.Contains(text(r), "¥0 million") {
		t.Errorf("a player without value joined: %s", text(r))
	}
	// Team A is complete: its free positions are shown disabled (Discord refuses the click).
	if _, dis := hasComponent(e.message(b.ChannelID, b.ID), fmt.Sprintf("anteup:join:%d:A:RW", id)); !dis {
		t.Errorf("a complete team's positions are still enabled")
	}
	check("team A")

	join("player3", "B", "CF")
	_, r := e.click("player3", e.message(b.ChannelID, b.ID), fmt.Sprintf("anteup:leave:%d", id))
	if isRefusal(r) || strings.Contains(msgText(r.Message), e.at("player3")) || e.balance("player3", "value") != 100 {
		t.Fatalf("leave: %s, value %d", text(r), e.balance("player3", "value"))
	}
	check("leave")
	join("player3", "B", "CF")
	dms := e.dms("player1")
	r = join("player4", "B", "LW")
	board := msgText(r.Message)
	if !strings.Contains(board, "(2/2)") || strings.Contains(board, "(1/2)") {
		t.Errorf("full board: %s", board)
	}
	if found, _ := hasComponent(r.Message, "matchresult:submit:"); !found {
		t.Fatalf("no Submit button on the full board")
	}
	if found, _ := hasComponent(r.Message, "anteup:join:"); found {
		t.Errorf("Join buttons left on a full board")
	}
	e.waitFor("players told", func() bool { return e.dms("player1") > dms })
	check("full")

	// A full match cannot be left: its board no longer offers Leave.
	if found, _ := hasComponent(e.message(b.ChannelID, b.ID), "anteup:leave:"); found {
		t.Errorf("Leave offered on a full board")
	}
	// Submit from a non-player: refused, by button and by command.
	submit := fmt.Sprintf("matchresult:submit:%d", id)
	if _, r := e.click("player5", e.message(b.ChannelID, b.ID), submit); !isRefusal(r) {
		t.Errorf("a non-player opened the result form: %s", text(r))
	}
	if r := e.send("player5", "!mr A https://img.example/x.png"); !isRefusal(r) {
		t.Errorf("a non-player submitted: %s", text(r))
	}
	x, r := e.click("player3", e.message(b.ChannelID, b.ID), submit)
	if r.Kind != discordsim.ReplyModal {
		t.Fatalf("Submit opened no modal: %s", text(r))
	}
	reviews := len(e.botPosts("wager-review"))
	if r := e.submit(x, map[string]string{"winner": "b", "screenshot": "https://img.example/final.png"}); isRefusal(r) {
		t.Fatalf("result refused: %s", text(r))
	}
	if e.matchState(id) != "submitted" {
		t.Fatalf("state %s after submit", e.matchState(id))
	}
	if r := e.send("player1", "/matchresult winner:A screenshot:https://img.example/other.png"); !isRefusal(r) {
		t.Errorf("a second result was taken: %s", text(r))
	}
	e.waitFor("review", func() bool { return len(e.botPosts("wager-review")) > reviews })
	review := e.botPosts("wager-review")[reviews]
	approve, decline := fmt.Sprintf("matchresult:approve:%d", id), fmt.Sprintf("matchresult:decline:%d", id)
	// A non-moderator pressing Approve: refused, nothing paid.
	if _, r := e.click("player3", review, approve); !isRefusal(r) || !strings.Contains(strings.ToLower(text(r)), "mod") {
		t.Errorf("a player approved: %s", text(r))
	}
	if e.balance("player3", "value") != 80 || e.matchState(id) != "submitted" {
		t.Fatalf("a refused approval changed something")
	}
	// Two moderators press at the same moment (Approve and Decline): exactly one decides.
	presses := []struct{ user, button string }{{"moderator", approve}, {"staff", decline}, {"moderator", approve}}
	replies := make(chan discordsim.Reply, len(presses))
	for _, p := range presses {
		go func() {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			x, err := e.sim.Click(ctx, discordsim.ClickRequest{ChannelID: review.ChannelID, MessageID: review.ID, CustomID: p.button,
				UserID: e.member(p.user)})
			if err != nil {
				replies <- discordsim.Reply{}
				return
			}
			r, _ := x.WaitAnswer(ctx)
			replies <- r
		}()
	}
	decided := 0
	for range presses {
		if r := <-replies; len(r.Message.Embeds) > 0 && !isRefusal(r) {
			decided++
		}
	}
	if decided != 1 {
		t.Fatalf("%d presses decided the match, want 1", decided)
	}
	state := e.matchState(id)
	want := map[string]int64{"player1": 80, "player2": 80, "player3": 120, "player4": 120}
	if state == "cancelled" {
		want = map[string]int64{"player1": 100, "player2": 100, "player3": 100, "player4": 100}
	}
	for u, v := range want {
		if got := e.balance(u, "value"); got != v {
			t.Errorf("%s: value %d, want %d (match %s)", u, got, v, state)
		}
	}
	if decided := e.botPosts("wager-review")[reviews]; len(decided.Components) != 0 {
		t.Errorf("the decided review still has buttons")
	}
	if state != "settled" && state != "cancelled" {
		t.Errorf("state %s", state)
	}
	check("settled")
}

// The service is stopped with a match half full and started again after its 10-minute
// timer should have fired: the match is cancelled and every stake refunded exactly once.
// The match is set up from the prefix command's button, the way a prefix user does it.
func TestWagerTimeoutAfterRestart(t *testing.T) {
	e := newWagerEnv(t, map[string]int64{"player1": 50, "player2": 50})
	prompt := e.prefix("player1", "!match 10")
	open := customID(t, prompt.Message, "anteup:open:")
	if _, r := e.click("player2", prompt.Message, open); !isRefusal(r) {
		t.Errorf("another member used the set-up button: %s", text(r))
	}
	x, r := e.click("player1", prompt.Message, open)
	if r.Kind != discordsim.ReplyModal {
		t.Fatalf("set-up button opened no modal: %s", text(r))
	}
	before := len(e.botPosts("wagers-2v2"))
	e.submit(x, map[string]string{"mode": "2v2", "region": "NA", "position": "GK", "username": "Keeper"})
	if len(e.botPosts("wagers-2v2")) != before {
		t.Fatalf("a GK was accepted in 2v2")
	}
	x, _ = e.click("player1", prompt.Message, open)
	if r := e.submit(x, map[string]string{"mode": "2v2", "region": "NA", "position": "CM", "username": "Mid", "link": "https://roblox.example/s/1"}); isRefusal(r) {
		t.Fatalf("set-up: %s", text(r))
	}
	id, b := e.newBoard("2v2", before)
	e.click("player2", b, fmt.Sprintf("anteup:join:%d:B:CF", id))
	if e.total() != 100 || e.balance("player2", "value") != 40 {
		t.Fatalf("half-full match: total %d, player2 %d", e.total(), e.balance("player2", "value"))
	}

	e.stop()
	if _, err := e.pool.Exec(t.Context(), `UPDATE league.timers SET due_at = now() - interval '1 minute' WHERE key = $1`,
		fmt.Sprintf("wager:%d:fill", id)); err != nil {
		t.Fatal(err)
	}
	e.start(Gateway, League)
	e.waitFor("timeout", func() bool { return e.matchState(id) == "cancelled" })
	b2, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	e.waitDrained(b2, League)
	refunds := func() int {
		var n int
		if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM league.ledger WHERE reason = 'wager' AND delta > 0 AND note LIKE $1`,
			fmt.Sprintf("wager #%d %%", id)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := refunds(); n != 2 {
		t.Errorf("%d refunds, want 2", n)
	}
	for _, u := range []string{"player1", "player2"} {
		if got := e.balance(u, "value"); got != 50 {
			t.Errorf("%s: value %d after the timeout, want 50", u, got)
		}
	}
	if e.total() != 100 {
		t.Errorf("total %d", e.total())
	}
	// A click on the stale board is told the match is over, and changes nothing.
	if _, r := e.click("player2", e.message(b.ChannelID, b.ID), fmt.Sprintf("anteup:leave:%d", id)); !isRefusal(r) {
		t.Errorf("leave after the timeout: %s", text(r))
	}
	if n := refunds(); n != 2 || e.balance("player2", "value") != 50 {
		t.Errorf("refunded again: %d refunds, value %d", n, e.balance("player2", "value"))
	}
}

// Cancelling: the host before the match is full, moderators at any time, nobody else; the
// host leaving cancels too. The invariant holds after every step.
func TestWagerCancel(t *testing.T) {
	e := newWagerEnv(t, map[string]int64{"player1": 60, "player2": 60, "player3": 60})
	const sum = 180
	check := func(step string) {
		t.Helper()
		if got := e.total(); got != sum {
			t.Fatalf("%s: values + held = %d, want %d", step, got, sum)
		}
	}
	id, b := e.create("player1", "/anteup stake:5", map[string]string{"mode": "1v1", "region": "EU", "position": "CF", "username": "Solo"})
	if r := e.send("player2", fmt.Sprintf("!matchcancel %d", id)); !isRefusal(r) {
		t.Errorf("a stranger cancelled: %s", text(r))
	}
	check("stranger")
	if r := e.send("player1", "/matchcancel"); isRefusal(r) || e.matchState(id) != "cancelled" || e.balance("player1", "value") != 60 {
		t.Fatalf("host cancel: %s (%s)", text(r), e.matchState(id))
	}
	check("host cancel")
	if r := e.send("moderator", fmt.Sprintf("/matchcancel match:%d", id)); !isRefusal(r) {
		t.Errorf("cancelled twice: %s", text(r))
	}

	// A full 1v1: the host can no longer cancel, a moderator can.
	id, b = e.create("player1", "/anteup stake:7", map[string]string{"mode": "1v1", "region": "EU", "position": "CF", "username": "Solo"})
	e.click("player2", b, fmt.Sprintf("anteup:join:%d:B:CF", id))
	if e.matchState(id) != "full" {
		t.Fatalf("1v1 with two players: %s", e.matchState(id))
	}
	if r := e.send("player1", "!matchcancel"); !isRefusal(r) {
		t.Errorf("host cancelled a full match: %s", text(r))
	}
	check("full")
	if r := e.send("moderator", fmt.Sprintf("!matchcancel %d", id)); isRefusal(r) || e.matchState(id) != "cancelled" {
		t.Fatalf("moderator cancel: %s", text(r))
	}
	check("moderator cancel")

	// The host leaving an open 2v2 cancels it and refunds everyone.
	id, b = e.create("player1", "/anteup", map[string]string{"mode": "2v2", "region": "NA", "position": "CF", "username": "Host"})
	e.click("player3", b, fmt.Sprintf("anteup:join:%d:B:RW", id))
	check("joined")
	_, r := e.click("player1", e.message(b.ChannelID, b.ID), fmt.Sprintf("anteup:leave:%d", id))
	if isRefusal(r) || e.matchState(id) != "cancelled" {
		t.Fatalf("host leave: %s", text(r))
	}
	if found, _ := hasComponent(r.Message, "anteup:"); found {
		t.Errorf("buttons left on a cancelled board")
	}
	for _, u := range []string{"player1", "player3"} {
		if got := e.balance(u, "value"); got != 60 {
			t.Errorf("%s: value %d, want 60", u, got)
		}
	}
	check("host left")
}

// A random sequence of creates, joins (some clicked twice at once), leaves, cancels,
// timeouts, results, approvals and declines (some pressed twice at once): after every
// step the guild's values plus held stakes are what they were, nothing is held by a
// closed match, and no match is paid out twice. The seed is logged so a failure replays.
func TestWagerInvariantRandom(t *testing.T) {
	users := []string{"player1", "player2", "player3", "player4", "player5"}
	e := newWagerEnv(t, map[string]int64{"player1": 80, "player2": 70, "player3": 50, "player4": 40, "player5": 8})
	sum := e.total()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	boards := map[int64]discordsim.Message{}
	live := func(state string) []int64 {
		rows, err := e.pool.Query(t.Context(), `SELECT id FROM league.wager_matches WHERE state = $1 ORDER BY id`, state)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	playersOf := func(id int64) []string {
		rows, err := e.pool.Query(t.Context(), `SELECT user_id FROM league.wager_players WHERE match_id = $1`, id)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range users {
			if slices.Contains(ids, e.member(u).String()) {
				names = append(names, u)
			}
		}
		return names
	}
	// clickAll presses the same button as several users at once and returns how many of
	// the presses were not refused.
	clickAll := func(m discordsim.Message, customID string, who ...string) int {
		out := make(chan bool, len(who))
		for _, u := range who {
			go func() {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				x, err := e.sim.Click(ctx, discordsim.ClickRequest{ChannelID: m.ChannelID, MessageID: m.ID, CustomID: customID, UserID: e.member(u)})
				if err != nil {
					out <- false // a disabled or vanished button: Discord refused the click
					return
				}
				r, err := x.WaitAnswer(ctx)
				// Discord delivers the same click again (a resume replay, say): it must
				// change nothing, which the invariant checks after every step.
				_, _ = e.sim.Redispatch(x)
				out <- err == nil && !isRefusal(r) && len(r.Message.Embeds) > 0
			}()
		}
		n := 0
		for range who {
			if <-out {
				n++
			}
		}
		return n
	}
	pick := func(ids []int64) int64 { return ids[rng.IntN(len(ids))] }
	for step := range 120 {
		action := rng.IntN(10)
		switch {
		case action == 0 || len(boards) == 0: // create
			u, mode := users[rng.IntN(len(users))], []string{"1v1", "2v2"}[rng.IntN(2)]
			stake := int64(4 + rng.IntN(12))
			r := e.send(u, fmt.Sprintf("/anteup stake:%d", stake))
			if r.Kind != discordsim.ReplyModal {
				if !isRefusal(r) || (stake >= 5 && e.balance(u, "value") >= stake) {
					t.Fatalf("step %d: create refused wrongly: %s", step, text(r))
				}
				break
			}
			// The slash command's modal: submit it through a fresh exchange.
			before := len(e.botPosts("wagers-" + mode))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			x, err := e.sim.Slash(ctx, discordsim.SlashRequest{UserID: e.member(u), Text: fmt.Sprintf("/anteup stake:%d", stake)})
			e.answer(x, err)
			cancel()
			e.submit(x, map[string]string{"mode": mode, "region": "EU", "position": "CF", "username": "u" + u})
			id, b := e.newBoard(mode, before)
			boards[id] = b
		case action <= 4 && len(live("open")) > 0: // join, sometimes the same spot twice at once
			id := pick(live("open"))
			u := users[rng.IntN(len(users))]
			spots := []string{"B:CF"}
			if strings.Contains(boards[id].Embeds[0].Title, "2v2") {
				spots = append(spots, "A:LW", "B:LW")
			}
			spot := fmt.Sprintf("anteup:join:%d:%s", id, spots[rng.IntN(len(spots))])
			who := []string{u}
			if rng.IntN(3) == 0 {
				who = append(who, u, users[rng.IntN(len(users))])
			}
			if n := clickAll(e.message(boards[id].ChannelID, boards[id].ID), spot, who...); n > 1 {
				t.Fatalf("step %d: %d players took one spot", step, n)
			}
		case action == 5 && len(live("open")) > 0: // leave
			id := pick(live("open"))
			if ps := playersOf(id); len(ps) > 0 {
				clickAll(e.message(boards[id].ChannelID, boards[id].ID), fmt.Sprintf("anteup:leave:%d", id), ps[rng.IntN(len(ps))])
			}
		case action == 6 && len(live("open"))+len(live("full")) > 0: // cancel, or the fill timer fires
			ids := append(live("open"), live("full")...)
			id := pick(ids)
			if e.matchState(id) == "open" && rng.IntN(2) == 0 {
				if _, err := e.pool.Exec(t.Context(), `UPDATE league.timers SET due_at = now() - interval '1 minute' WHERE key = $1`,
					fmt.Sprintf("wager:%d:fill", id)); err != nil {
					t.Fatal(err)
				}
				e.waitFor("timeout", func() bool { return e.matchState(id) == "cancelled" })
			} else {
				e.send("moderator", fmt.Sprintf("/matchcancel match:%d", id))
			}
		case action >= 7 && len(live("full")) > 0: // result, then one or two decisions at once
			id := pick(live("full"))
			ps := playersOf(id)
			x, r := e.click(ps[rng.IntN(len(ps))], e.message(boards[id].ChannelID, boards[id].ID), fmt.Sprintf("matchresult:submit:%d", id))
			if r.Kind != discordsim.ReplyModal {
				t.Fatalf("step %d: submit: %s", step, text(r))
			}
			before := len(e.botPosts("wager-review"))
			e.submit(x, map[string]string{"winner": []string{"A", "B"}[rng.IntN(2)], "screenshot": "https://img.example/s.png"})
			e.waitFor("review", func() bool { return len(e.botPosts("wager-review")) > before })
			review := e.botPosts("wager-review")[before]
			button := fmt.Sprintf("matchresult:%s:%d", []string{"approve", "decline"}[rng.IntN(2)], id)
			if n := clickAll(review, button, "moderator", "staff"); n != 1 {
				t.Fatalf("step %d: match %d decided %d times", step, id, n)
			}
		}
		if got := e.total(); got != sum {
			t.Fatalf("step %d (action %d): values + held = %d, want %d", step, action, got, sum)
		}
		var stuck, negative int
		if err := e.pool.QueryRow(t.Context(), `SELECT
			(SELECT count(*) FROM league.wager_players p JOIN league.wager_matches m ON m.id = p.match_id
				WHERE p.held > 0 AND m.state IN ('settled', 'cancelled')),
			(SELECT count(*) FROM league.balances WHERE amount < 0)`).Scan(&stuck, &negative); err != nil {
			t.Fatal(err)
		}
		if stuck != 0 || negative != 0 {
			t.Fatalf("step %d: %d stakes held by closed matches, %d negative balances", step, stuck, negative)
		}
	}
	// Every closed match was paid out once: at most one payout or refund per player.
	var twice int
	if err := e.pool.QueryRow(t.Context(), `SELECT count(*) FROM (SELECT user_id, note FROM league.ledger
		WHERE reason = 'wager' AND (note LIKE '%settled' OR note LIKE '%cancelled') GROUP BY user_id, note HAVING count(*) > 1) d`).Scan(&twice); err != nil {
		t.Fatal(err)
	}
	if twice != 0 {
		t.Errorf("%d players paid twice for one match", twice)
	}
	t.Logf("matches: open %d, full %d, settled %d, cancelled %d", len(live("open")), len(live("full")), len(live("settled")), len(live("cancelled")))
}

// A full match with no result after 4 hours is brought to the moderators once, in the
// review channel; the match itself stays as it was.
func TestWagerUnresolvedReminder(t *testing.T) {
	e := newWagerEnv(t, map[string]int64{"player1": 50, "player2": 50})
	id, b := e.create("player1", "/anteup stake:10", map[string]string{"mode": "1v1", "region": "NA", "position": "CF", "username": "Solo"})
	e.click("player2", b, fmt.Sprintf("anteup:join:%d:B:CF", id))
	e.waitFor("full", func() bool { return e.matchState(id) == "full" })
	reviews := len(e.botPosts("wager-review"))
	move := func() {
		t.Helper()
		if _, err := e.pool.Exec(t.Context(), `UPDATE league.timers SET due_at = now() - interval '1 minute' WHERE key = $1`,
			fmt.Sprintf("wager:%d:review", id)); err != nil {
			t.Fatal(err)
		}
	}
	move()
	e.waitFor("reminder", func() bool { return len(e.botPosts("wager-review")) == reviews+1 })
	reminder := e.botPosts("wager-review")[reviews]
	if !strings.Contains(msgText(reminder), fmt.Sprint(id)) || !strings.Contains(reminder.Content, "<@&"+e.demo.Roles["Moderator"].String()+">") {
		t.Errorf("reminder does not name the match or ping the moderators: %q / %s", reminder.Content, msgText(reminder))
	}
	move() // a fired timer stays fired
	b2, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	e.waitDrained(b2, League)
	if got := len(e.botPosts("wager-review")); got != reviews+1 {
		t.Errorf("%d reminders, want 1", got-reviews)
	}
	if e.matchState(id) != "full" || e.total() != 100 {
		t.Errorf("the reminder changed the match: state %s, total %d", e.matchState(id), e.total())
	}
}

// A click that reaches the service after its interaction expired (the service was down
// for longer than Discord's 15 minutes) cannot be answered, so it changes nothing.
func TestWagerExpiredClickChangesNothing(t *testing.T) {
	e := newWagerEnv(t, map[string]int64{"player1": 50, "player2": 50})
	id, _ := e.create("player1", "/anteup stake:10", map[string]string{"mode": "1v1", "region": "EU", "position": "CF", "username": "Solo"})
	click := &busv1.Command{
		Id: "900000000000000001", InteractionId: "900000000000000001", InteractionToken: "expired-token",
		Name: "anteup", Source: busv1.Source_SOURCE_COMPONENT, CustomId: fmt.Sprintf("anteup:join:%d:B:CF", id),
		GuildId: e.demo.GuildID.String(), ChannelId: e.demo.Channels["wagers-1v1"].String(),
		Invoker:    &busv1.Member{UserId: e.member("player2").String(), InGuild: true},
		ReceivedAt: timestamppb.New(time.Now().Add(-20 * time.Minute)),
	}
	payload, err := proto.Marshal(click)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bus.Connect(t.Context(), e.opts.NATSURL)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Publish(t.Context(), "commands.league.anteup", click.Id, payload); err != nil {
		t.Fatal(err)
	}
	e.waitDrained(b, League)
	if got := e.balance("player2", "value"); got != 50 || e.matchState(id) != "open" || e.total() != 100 {
		t.Errorf("the expired click changed things: player2 %d, state %s, total %d", got, e.matchState(id), e.total())
	}
}
