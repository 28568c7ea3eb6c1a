package importer

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/novera-bot/novera/libs/guildconfig"
	"github.com/novera-bot/novera/services/league/ledger"
)

// applier makes one guild's plan true inside one transaction, or, in a dry run, only
// says what it would change.
//
// Why re-running changes nothing:
//   - Balances are set, not added: the importer writes ledger.Set(target), which appends
//     the difference from the current balance and nothing when there is none. Each target
//     carries an event id derived from its source (the file's SHA-256 and the field, or
//     the ledger message id), and the ledger takes one entry per event id and member. So
//     the same file imported again either finds the balance already right, or, when the
//     member's value moved since (a wager, a staff change), finds the event already used
//     and leaves the newer value alone (reported, not overwritten). A different file (a
//     later export) has new event ids and does set the values it holds.
//   - Counters (activity, headpats, spanks) are raised to the imported number, never
//     lowered and never added twice: an import does not know which of Novera's counts the
//     earlier bot also saw. Import before Novera starts counting and nothing is lost.
//   - Settings are written only where the stored value differs.
type applier struct {
	tx     pgx.Tx
	guild  string
	dry    bool
	source string // of the counters
	// Which schemas exist: a dry run against a fresh database reads them as empty.
	league, fun, config bool

	changes  []Change
	problems []Problem
}

func (a *applier) tables(ctx context.Context) error {
	for _, t := range []struct {
		name string
		to   *bool
	}{{"league.balances", &a.league}, {"fun.headpats", &a.fun}, {"guildconfig.guild_settings", &a.config}} {
		if err := a.tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, t.name).Scan(t.to); err != nil {
			return fmt.Errorf("look for %s: %w", t.name, err)
		}
	}
	return nil
}

func (a *applier) change(what, from, to, source string) {
	a.changes = append(a.changes, Change{GuildID: a.guild, What: what, From: from, To: to, Source: source})
}

func (a *applier) apply(ctx context.Context, p *guildPlan) error {
	for _, c := range []struct {
		currency ledger.Currency
		targets  map[string]target
	}{{ledger.Value, p.values}, {ledger.Gold, p.gold}} {
		for _, user := range sortedKeys(c.targets) {
			if err := a.balance(ctx, user, c.currency, c.targets[user]); err != nil {
				return err
			}
		}
	}
	for _, user := range sortedKeys(p.activity) {
		if err := a.activity(ctx, user, p.activity[user]); err != nil {
			return err
		}
	}
	for _, t := range []struct {
		table  string
		counts map[string]map[string]int64
	}{
		{"headpats", p.headpats}, {"spanks", p.spanks},
	} {
		for _, user := range sortedKeys(t.counts) {
			for _, day := range sortedKeys(t.counts[user]) {
				if err := a.counter(ctx, t.table, user, day, t.counts[user][day]); err != nil {
					return err
				}
			}
		}
	}
	for _, s := range p.settings {
		if err := a.setting(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func (a *applier) balance(ctx context.Context, user string, c ledger.Currency, t target) error {
	var cur int64
	used := false
	if a.league {
		var err error
		if cur, err = ledger.Balance(ctx, a.tx, a.guild, user, c); err != nil {
			return err
		}
		if err := a.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM league.ledger
			WHERE guild_id = $1 AND user_id = $2 AND currency = $3 AND event_id = $4)`,
			a.guild, user, string(c), t.event).Scan(&used); err != nil {
			return fmt.Errorf("read the ledger of %s: %w", user, err)
		}
	}
	if cur == t.amount {
		return nil
	}
	if used {
		a.problems = append(a.problems, Problem{Where: t.source, What: fmt.Sprintf(
			"%s of %s is %d, already imported as %d from this source and changed since; left as is", c, user, cur, t.amount)})
		return nil
	}
	a.change(string(c)+" of "+user, strconv.FormatInt(cur, 10), strconv.FormatInt(t.amount, 10), t.source)
	if a.dry {
		return nil
	}
	_, _, err := ledger.Set(ctx, a.tx, ledger.Entry{GuildID: a.guild, UserID: user, Currency: c,
		Reason: ledger.Import, EventID: t.event, Note: t.source}, t.amount)
	if err != nil {
		return fmt.Errorf("set the %s of %s: %w", c, user, err)
	}
	return nil
}

func (a *applier) activity(ctx context.Context, user string, want counts) error {
	var cur counts
	if a.league {
		err := a.tx.QueryRow(ctx, `SELECT messages, reactions FROM league.activity WHERE guild_id = $1 AND user_id = $2`,
			a.guild, user).Scan(&cur.messages, &cur.reactions)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read the activity of %s: %w", user, err)
		}
	}
	next := counts{max(cur.messages, want.messages), max(cur.reactions, want.reactions)}
	if next == cur {
		return nil
	}
	a.change("activity of "+user, fmt.Sprintf("%d messages, %d reactions", cur.messages, cur.reactions),
		fmt.Sprintf("%d messages, %d reactions", next.messages, next.reactions), a.source)
	if a.dry {
		return nil
	}
	// last_active of a member new to Novera is the import's time: the earlier bot kept none.
	_, err := a.tx.Exec(ctx, `
		INSERT INTO league.activity (guild_id, user_id, messages, reactions, last_active) VALUES ($1, $2, $3, $4, now())
		ON CONFLICT (guild_id, user_id) DO UPDATE SET
			messages = GREATEST(activity.messages, EXCLUDED.messages),
			reactions = GREATEST(activity.reactions, EXCLUDED.reactions)`,
		a.guild, user, next.messages, next.reactions)
	if err != nil {
		return fmt.Errorf("write the activity of %s: %w", user, err)
	}
	return nil
}

// counter raises fun.<table> (headpats or spanks) of a member on a day to n.
func (a *applier) counter(ctx context.Context, table, user, day string, n int64) error {
	var cur int64
	if a.fun {
		// table is one of two constants above, never input.
		err := a.tx.QueryRow(ctx, `SELECT count FROM fun.`+table+` WHERE guild_id = $1 AND user_id = $2 AND day = $3::date`,
			a.guild, user, day).Scan(&cur)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read the %s of %s: %w", table, user, err)
		}
	}
	if n <= cur {
		return nil
	}
	when := "on " + day
	if day == UndatedDay {
		when = "undated"
	}
	a.change(table+" of "+user+" "+when, strconv.FormatInt(cur, 10), strconv.FormatInt(n, 10), a.source)
	if a.dry {
		return nil
	}
	_, err := a.tx.Exec(ctx, `INSERT INTO fun.`+table+` (guild_id, user_id, day, count) VALUES ($1, $2, $3::date, $4)
		ON CONFLICT (guild_id, user_id, day) DO UPDATE SET count = GREATEST(`+table+`.count, EXCLUDED.count)`,
		a.guild, user, day, n)
	if err != nil {
		return fmt.Errorf("write the %s of %s: %w", table, user, err)
	}
	return nil
}

func (a *applier) setting(ctx context.Context, s setting) error {
	cur, stored := "", false
	if a.config {
		err := a.tx.QueryRow(ctx, `SELECT value FROM guildconfig.guild_settings WHERE guild_id = $1 AND key = $2`,
			a.guild, s.key).Scan(&cur)
		switch {
		case err == nil:
			stored = true
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("read setting %s: %w", s.key, err)
		}
	}
	if stored && cur == s.value {
		return nil
	}
	from := cur
	if !stored {
		k, _ := guildconfig.Lookup(s.key)
		from = k.Default + " (default)"
	}
	a.change("setting "+s.key, quoteEmpty(from), quoteEmpty(s.value), s.source)
	if a.dry {
		return nil
	}
	if _, err := guildconfig.SetIn(ctx, a.tx, a.guild, s.key, s.value, "import"); err != nil {
		return fmt.Errorf("write setting %s: %w", s.key, err)
	}
	return nil
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
