package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/novera-bot/novera/libs/discordsim"
)

// sent is one driven input and what it should cause.
type sent struct {
	label string // e.g. "slash headpat"
	slash bool
	// chat is a plain message: nothing has to answer it.
	chat bool
	ex   *discordsim.Exchange
	at   time.Time
}

// expected are the database effects of everything sent, each to be applied exactly once.
type expected struct {
	mu sync.Mutex
	// pats received, by guild and member.
	pats map[string]map[string]int64
	// value added with addvalue, by member of the demo guild.
	value map[string]int64
	// addvalues counts the addvalue commands: one ledger row each.
	addvalues int64
	// messages posted (commands and chat), by guild and member: league.activity.
	messages map[string]map[string]int64
}

func newExpected() *expected {
	return &expected{pats: map[string]map[string]int64{}, value: map[string]int64{}, messages: map[string]map[string]int64{}}
}

func bump(m map[string]map[string]int64, guild, user string, n int64) {
	if m[guild] == nil {
		m[guild] = map[string]int64{}
	}
	m[guild][user] += n
}

// driver sends the mixed load.
type driver struct {
	s    *system
	rng  *rand.Rand
	exp  *expected
	mu   sync.Mutex
	sent []*sent
	// errs are inputs the simulator refused (a bug in the driver, not the bot).
	errs []error
}

func newDriver(s *system, seed uint64) *driver {
	return &driver{s: s, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), exp: newExpected()}
}

// op is one kind of input with its weight in the mix.
type op struct {
	weight int
	run    func(ctx context.Context, d *driver) (*sent, error)
}

func (d *driver) member(name string) discordsim.Snowflake { return d.s.demo.Members[name] }

func (d *driver) players() []string {
	return []string{"player1", "player2", "player3", "player4", "player5"}
}

// twoPlayers picks an invoker and a different target.
func (d *driver) twoPlayers() (string, string) {
	ps := d.players()
	i := d.rng.IntN(len(ps))
	j := (i + 1 + d.rng.IntN(len(ps)-1)) % len(ps)
	return ps[i], ps[j]
}

func (d *driver) slash(ctx context.Context, label string, guild, channel, user discordsim.Snowflake, text string) (*sent, error) {
	ex, err := d.s.sim.Slash(ctx, discordsim.SlashRequest{GuildID: guild, ChannelID: channel, UserID: user, Text: text})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", text, err)
	}
	return &sent{label: label, slash: true, ex: ex, at: time.Now()}, nil
}

func (d *driver) prefix(ctx context.Context, label string, guild, channel, user discordsim.Snowflake, text string, chat bool) (*sent, error) {
	ex, err := d.s.sim.Prefix(ctx, discordsim.MessageRequest{GuildID: guild, ChannelID: channel, UserID: user, Content: text})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", text, err)
	}
	d.exp.mu.Lock()
	bump(d.exp.messages, guild.String(), user.String(), 1)
	d.exp.mu.Unlock()
	return &sent{label: label, chat: chat, ex: ex, at: time.Now()}, nil
}

func (d *driver) ops() []op {
	demo := d.s.demo
	g, general := demo.GuildID, demo.Channels["general"]
	g2 := d.s.guild2
	pat := func(guild string, target discordsim.Snowflake) {
		d.exp.mu.Lock()
		bump(d.exp.pats, guild, target.String(), 1)
		d.exp.mu.Unlock()
	}
	addValue := func(target discordsim.Snowflake, amount int64) {
		d.exp.mu.Lock()
		d.exp.value[target.String()] += amount
		d.exp.addvalues++
		d.exp.mu.Unlock()
	}
	return []op{
		{14, func(ctx context.Context, d *driver) (*sent, error) {
			from, to := d.twoPlayers()
			x, err := d.slash(ctx, "slash headpat", g, general, d.member(from), "/headpat member:<@"+d.member(to).String()+">")
			if err == nil {
				pat(g.String(), d.member(to))
			}
			return x, err
		}},
		{14, func(ctx context.Context, d *driver) (*sent, error) {
			from, to := d.twoPlayers()
			x, err := d.prefix(ctx, "prefix headpat", g, general, d.member(from), "!headpat <@"+d.member(to).String()+">", false)
			if err == nil {
				pat(g.String(), d.member(to))
			}
			return x, err
		}},
		{10, func(ctx context.Context, d *driver) (*sent, error) {
			_, to := d.twoPlayers()
			amount := int64(1 + d.rng.IntN(9))
			x, err := d.slash(ctx, "slash addvalue", g, general, d.member("staff"), fmt.Sprintf("/addvalue member:<@%s> amount:%d", d.member(to), amount))
			if err == nil {
				addValue(d.member(to), amount)
			}
			return x, err
		}},
		{10, func(ctx context.Context, d *driver) (*sent, error) {
			_, to := d.twoPlayers()
			amount := int64(1 + d.rng.IntN(9))
			x, err := d.prefix(ctx, "prefix addvalue", g, general, d.member("staff"), fmt.Sprintf("!addvalue <@%s> %d", d.member(to), amount), false)
			if err == nil {
				addValue(d.member(to), amount)
			}
			return x, err
		}},
		{6, func(ctx context.Context, d *driver) (*sent, error) {
			from, to := d.twoPlayers()
			return d.slash(ctx, "slash checkvalue", g, general, d.member(from), "/checkvalue member:<@"+d.member(to).String()+">")
		}},
		{6, func(ctx context.Context, d *driver) (*sent, error) {
			from, _ := d.twoPlayers()
			return d.prefix(ctx, "prefix checkvalue", g, general, d.member(from), "!checkvalue", false)
		}},
		{2, func(ctx context.Context, d *driver) (*sent, error) {
			from, _ := d.twoPlayers()
			return d.slash(ctx, "slash rankings", g, general, d.member(from), "/rankings")
		}},
		{2, func(ctx context.Context, d *driver) (*sent, error) {
			from, _ := d.twoPlayers()
			return d.prefix(ctx, "prefix rankings", g, general, d.member(from), "!rankings", false)
		}},
		{4, func(ctx context.Context, d *driver) (*sent, error) {
			from, _ := d.twoPlayers()
			return d.slash(ctx, "slash help", g, general, d.member(from), "/help")
		}},
		{4, func(ctx context.Context, d *driver) (*sent, error) {
			from, _ := d.twoPlayers()
			return d.prefix(ctx, "prefix help", g, general, d.member(from), "!help", false)
		}},
		{3, func(ctx context.Context, d *driver) (*sent, error) {
			return d.slash(ctx, "slash modhelp", g, general, d.member("moderator"), "/modhelp")
		}},
		{3, func(ctx context.Context, d *driver) (*sent, error) {
			return d.prefix(ctx, "prefix modhelp", g, general, d.member("moderator"), "!modhelp", false)
		}},
		{3, func(ctx context.Context, d *driver) (*sent, error) {
			from, _ := d.twoPlayers()
			return d.slash(ctx, "slash shopping", g, general, d.member(from), "/shopping")
		}},
		{8, func(ctx context.Context, d *driver) (*sent, error) {
			from, _ := d.twoPlayers()
			return d.prefix(ctx, "chat", g, general, d.member(from), fmt.Sprintf("just chatting, message %d", d.rng.IntN(1e6)), true)
		}},
		// The second guild, on the other shard (and so the other gateway).
		{5, func(ctx context.Context, d *driver) (*sent, error) {
			i := d.rng.IntN(len(g2.members))
			to := g2.members[(i+1)%len(g2.members)]
			x, err := d.slash(ctx, "slash headpat (guild 2)", g2.id, g2.channel, g2.members[i], "/headpat member:<@"+to.String()+">")
			if err == nil {
				pat(g2.id.String(), to)
			}
			return x, err
		}},
		{5, func(ctx context.Context, d *driver) (*sent, error) {
			i := d.rng.IntN(len(g2.members))
			to := g2.members[(i+1)%len(g2.members)]
			x, err := d.prefix(ctx, "prefix headpat (guild 2)", g2.id, g2.channel, g2.members[i], "!headpat <@"+to.String()+">", false)
			if err == nil {
				pat(g2.id.String(), to)
			}
			return x, err
		}},
		{4, func(ctx context.Context, d *driver) (*sent, error) {
			i := d.rng.IntN(len(g2.members))
			return d.prefix(ctx, "chat (guild 2)", g2.id, g2.channel, g2.members[i], fmt.Sprintf("hello from guild two, %d", d.rng.IntN(1e6)), true)
		}},
	}
}

// run sends n inputs at rate per second and returns when all are sent.
func (d *driver) run(ctx context.Context, n int, rate float64) {
	ops := d.ops()
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	every := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		if wait := time.Until(next); wait > 0 {
			time.Sleep(wait)
		}
		next = next.Add(every)
		pick := d.rng.IntN(total)
		var o op
		for _, o = range ops {
			if pick < o.weight {
				break
			}
			pick -= o.weight
		}
		x, err := o.run(ctx, d)
		d.mu.Lock()
		if err != nil {
			d.errs = append(d.errs, err)
		} else {
			d.sent = append(d.sent, x)
		}
		d.mu.Unlock()
	}
}

// outcome classifies what the bot did with one input.
type outcome struct {
	// answered exactly once, the good case.
	ok bool
	// unacked: an interaction never acknowledged (it expired without even a deferral).
	unacked bool
	// unanswered: no answer (a prefix command without a reply, or a deferral never filled).
	unanswered bool
	// duplicate: more than one visible answer.
	duplicate bool
	deferred  bool
	// edits counts repeated edits of the same answer (invisible to members).
	edits int
}

func classify(x *sent) outcome {
	var o outcome
	rs := x.ex.Replies()
	if x.chat {
		o.ok = true
		return o
	}
	if x.slash {
		acks, type4, followups, fills := 0, 0, 0, 0
		for _, r := range rs {
			switch r.Kind {
			case discordsim.ReplyInteractionResponse, discordsim.ReplyModal:
				acks++
				if r.Deferred {
					o.deferred = true
				} else {
					type4++
				}
			case discordsim.ReplyFollowup:
				followups++
			case discordsim.ReplyEdit:
				fills++
			}
		}
		visible := type4 + followups
		if o.deferred && (fills > 0 || followups > 0) && followups == 0 {
			visible++ // the deferral's "thinking…" became the answer
		}
		o.edits = max(fills-1, 0)
		switch {
		case acks == 0:
			o.unacked = true
		case visible == 0:
			o.unanswered = true
		case visible > 1:
			o.duplicate = true
		default:
			o.ok = true
		}
		return o
	}
	msgs := map[discordsim.Snowflake]bool{}
	for _, r := range rs {
		switch r.Kind {
		case discordsim.ReplyMessage:
			msgs[r.MessageID] = true
		case discordsim.ReplyEdit:
			o.edits++
		}
	}
	switch len(msgs) {
	case 0:
		o.unanswered = true
	case 1:
		o.ok = true
	default:
		o.duplicate = true
	}
	return o
}

// tally sums the outcomes.
type tally struct {
	sent, ok, unacked, unanswered, duplicate, deferred, edits, chat, chatReplies int
	byLabel                                                                      map[string][2]int // label → sent, bad
	examples                                                                     []string
}

func (d *driver) tally() tally {
	d.mu.Lock()
	all := append([]*sent(nil), d.sent...)
	d.mu.Unlock()
	t := tally{byLabel: map[string][2]int{}}
	for _, x := range all {
		t.sent++
		o := classify(x)
		c := t.byLabel[x.label]
		c[0]++
		if x.chat {
			t.chat++
			t.chatReplies += len(x.ex.Replies())
		}
		switch {
		case o.ok:
			t.ok++
		case o.unacked:
			t.unacked++
		case o.unanswered:
			t.unanswered++
		case o.duplicate:
			t.duplicate++
		}
		if !o.ok {
			c[1]++
			if len(t.examples) < 10 {
				t.examples = append(t.examples, fmt.Sprintf("%s at %s: %s", x.label, x.at.Format("15:04:05.000"), describe(x.ex.Replies())))
			}
		}
		if o.deferred {
			t.deferred++
		}
		t.edits += o.edits
		t.byLabel[x.label] = c
	}
	return t
}

func (t tally) problems() int { return t.unacked + t.unanswered + t.duplicate }

func (t tally) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "inputs sent %d (chat %d): answered exactly once %d, never acknowledged %d, unanswered %d, answered twice %d; deferred %d; repeated edits %d; replies to chat %d",
		t.sent, t.chat, t.ok, t.unacked, t.unanswered, t.duplicate, t.deferred, t.edits, t.chatReplies)
	labels := make([]string, 0, len(t.byLabel))
	for l := range t.byLabel {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		c := t.byLabel[l]
		fmt.Fprintf(&b, "\n  %-26s sent %5d  bad %d", l, c[0], c[1])
	}
	for _, e := range t.examples {
		fmt.Fprintf(&b, "\n  bad: %s", e)
	}
	return b.String()
}

func describe(rs []discordsim.Reply) string {
	if len(rs) == 0 {
		return "no reply"
	}
	var parts []string
	for _, r := range rs {
		s := string(r.Kind)
		if r.Deferred {
			s += "(deferred)"
		}
		parts = append(parts, fmt.Sprintf("%s@%s", s, r.Time.Format("15:04:05.000")))
	}
	return strings.Join(parts, ", ")
}

// dbCheck compares the database with the expected effects and returns the differences.
func (d *driver) dbCheck(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	d.exp.mu.Lock()
	defer d.exp.mu.Unlock()
	var diffs []string
	// Headpats: fun.headpats rows per day; sum them.
	got := map[string]map[string]int64{}
	rows, err := pool.Query(ctx, `SELECT guild_id, user_id, SUM(count)::bigint FROM fun.headpats GROUP BY guild_id, user_id`)
	if err != nil {
		return nil, fmt.Errorf("read headpats: %w", err)
	}
	for rows.Next() {
		var g, u string
		var n int64
		if err := rows.Scan(&g, &u, &n); err != nil {
			return nil, err
		}
		bump(got, g, u, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	diffs = append(diffs, compare("headpats", d.exp.pats, got)...)

	// The ledger: value per member, summed from the rows and read from balances, and one
	// row per addvalue.
	ledger, balances := map[string]int64{}, map[string]int64{}
	var entries int64
	g := d.s.demo.GuildID.String()
	rows, err = pool.Query(ctx, `SELECT user_id, SUM(delta)::bigint, COUNT(*) FROM league.ledger WHERE guild_id = $1 AND currency = 'value' GROUP BY user_id`, g)
	if err != nil {
		return nil, fmt.Errorf("read ledger: %w", err)
	}
	for rows.Next() {
		var u string
		var sum, n int64
		if err := rows.Scan(&u, &sum, &n); err != nil {
			return nil, err
		}
		ledger[u], entries = sum, entries+n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = pool.Query(ctx, `SELECT user_id, amount FROM league.balances WHERE guild_id = $1 AND currency = 'value'`, g)
	if err != nil {
		return nil, fmt.Errorf("read balances: %w", err)
	}
	for rows.Next() {
		var u string
		var n int64
		if err := rows.Scan(&u, &n); err != nil {
			return nil, err
		}
		balances[u] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	diffs = append(diffs, compare("ledger sum", map[string]map[string]int64{g: d.exp.value}, map[string]map[string]int64{g: ledger})...)
	diffs = append(diffs, compare("balance", map[string]map[string]int64{g: d.exp.value}, map[string]map[string]int64{g: balances})...)
	if entries != d.exp.addvalues {
		diffs = append(diffs, fmt.Sprintf("ledger rows: %d, want %d (one per addvalue)", entries, d.exp.addvalues))
	}

	// Activity: one message counted per message posted.
	act := map[string]map[string]int64{}
	rows, err = pool.Query(ctx, `SELECT guild_id, user_id, messages FROM league.activity`)
	if err != nil {
		return nil, fmt.Errorf("read activity: %w", err)
	}
	for rows.Next() {
		var g, u string
		var n int64
		if err := rows.Scan(&g, &u, &n); err != nil {
			return nil, err
		}
		bump(act, g, u, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	diffs = append(diffs, compare("activity messages", d.exp.messages, act)...)
	return diffs, nil
}

// compare lists the members whose count differs (zero and missing are equal).
func compare(what string, want, got map[string]map[string]int64) []string {
	var out []string
	seen := map[[2]string]bool{}
	for _, m := range []map[string]map[string]int64{want, got} {
		for g, us := range m {
			for u := range us {
				k := [2]string{g, u}
				if seen[k] {
					continue
				}
				seen[k] = true
				if w, h := want[g][u], got[g][u]; w != h {
					out = append(out, fmt.Sprintf("%s of %s in %s: %d, want %d", what, u, g, h, w))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
