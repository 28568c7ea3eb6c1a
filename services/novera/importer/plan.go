package importer

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/novera-bot/novera/services/league/ledger"
)

// Problem is an entry that was not imported, with where it was found: a file and JSON
// path ("member_data.json $.123.value") or a channel and message id.
type Problem struct {
	Where string
	What  string
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// Change is one thing the import changed (or, in a dry run, would change).
type Change struct {
	GuildID string
	What    string // "value of <@123>", "setting sassy", "headpats of <@123> on 2024-05-01"
	From    string
	To      string
	Source  string
}

func (c Change) String() string {
	return fmt.Sprintf("guild %s: %s: %s -> %s (%s)", c.GuildID, c.What, c.From, c.To, c.Source)
}

// target is a balance the import makes true, once per event id.
type target struct {
	amount int64
	event  string // ledger event id: the same source yields the same id, see balances.go
	source string
}

type counts struct{ messages, reactions int64 }

// guildPlan is everything the sources say about one guild; it is applied in one
// transaction.
type guildPlan struct {
	id       string
	values   map[string]target
	gold     map[string]target
	activity map[string]counts
	headpats map[string]map[string]int64 // user -> day (YYYY-MM-DD) -> count
	spanks   map[string]map[string]int64
	settings []setting
	// counterSource names the file the activity and fun counters came from.
	counterSource string
}

type setting struct {
	key, value, source string
}

func newGuildPlan(id string) *guildPlan {
	return &guildPlan{id: id, values: map[string]target{}, gold: map[string]target{}, activity: map[string]counts{},
		headpats: map[string]map[string]int64{}, spanks: map[string]map[string]int64{}}
}

// UndatedDay is the day counters the earlier bot kept without a date are stored on: they
// add to a member's total, and can never count towards a real day's goodboy race.
const UndatedDay = "1970-01-01"

// Patterns, compiled once and never changed.
var (
	snowflakeRE = regexp.MustCompile(`^[0-9]{15,21}$`)
	plainKeyRE  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

func isSnowflake(s string) bool { return snowflakeRE.MatchString(s) }

// wholeNumber reads a JSON number (or a numeric string, which the earlier bot wrote at
// times) as a whole number from 0 to ledger.MaxBalance.
func wholeNumber(raw json.RawMessage) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if unq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(unq)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%s is not a whole number", truncate(string(raw)))
		}
		if f < 0 || f > ledger.MaxBalance {
			return 0, fmt.Errorf("%s is out of range 0..%d", truncate(string(raw)), ledger.MaxBalance)
		}
		n = int64(f)
	}
	if n < 0 || n > ledger.MaxBalance {
		return 0, fmt.Errorf("%d is out of range 0..%d", n, ledger.MaxBalance)
	}
	return n, nil
}

func validDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// jsonPath renders a location like $.123.headpats["2024-05-01"]; a part that starts
// with "[" is an array index such as "[0]".
func jsonPath(parts ...string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, p := range parts {
		if strings.HasPrefix(p, "[") { // an array index, already rendered
			b.WriteString(p)
		} else if plainKeyRE.MatchString(p) {
			b.WriteString("." + p)
		} else {
			b.WriteString("[" + strconv.Quote(p) + "]")
		}
	}
	return b.String()
}
