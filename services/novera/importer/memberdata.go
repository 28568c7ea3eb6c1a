package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// readMemberData adds the earlier bot's member_data.json to plan (the file names no
// guild: the operator's --guild is plan). Malformed entries become problems; a file that
// is not a JSON object at all is an error, because nothing of it can be trusted.
//
// Layout: {"<user id>": {"value": n, "gold": n, "spank_count": n, "headpat_count": n,
// "headpat_count_<guild id>": n, "headpats": {"YYYY-MM-DD": n}}, ...,
// "activity": {"<user id>": {"messages": n, "reactions": n}}}. Other fields are ignored.
func readMemberData(name string, data []byte, plan *guildPlan) ([]Problem, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %w", name, err)
	}
	base := filepath.Base(name)
	sum := sha256.Sum256(data)
	// The same file always yields the same ledger event ids; another file (a later
	// export) yields new ones. See balances.go for why that makes re-runs safe.
	digest := hex.EncodeToString(sum[:6])
	var probs []Problem
	bad := func(what string, path ...string) {
		probs = append(probs, Problem{Where: base + " " + jsonPath(path...), What: what})
	}
	plan.counterSource = "import of " + base
	for _, user := range sortedKeys(top) {
		raw := top[user]
		if user == "activity" {
			readActivity(raw, plan, bad)
			continue
		}
		if !isSnowflake(user) {
			bad("not a user id; skipped", user)
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
			bad("not an object; skipped", user)
			continue
		}
		source := "import of " + base
		var dated, total int64
		haveTotal := false
		for _, field := range sortedKeys(fields) {
			v := fields[field]
			switch {
			case field == "value" || field == "gold":
				n, err := wholeNumber(v)
				if err != nil {
					bad(err.Error()+"; skipped", user, field)
					continue
				}
				t := target{amount: n, event: "import:" + digest + ":" + field, source: source}
				if field == "value" {
					plan.values[user] = t
				} else {
					plan.gold[user] = t
				}
			case field == "spank_count":
				n, err := wholeNumber(v)
				if err != nil {
					bad(err.Error()+"; skipped", user, field)
					continue
				}
				addDay(plan.spanks, user, UndatedDay, n)
			case field == "headpat_count":
				n, err := wholeNumber(v)
				if err != nil {
					bad(err.Error()+"; skipped", user, field)
					continue
				}
				if !haveTotal { // a per-guild count for this guild wins over the global one
					total, haveTotal = n, true
				}
			case strings.HasPrefix(field, "headpat_count_"):
				g := strings.TrimPrefix(field, "headpat_count_")
				if g != plan.id {
					bad(fmt.Sprintf("counts for guild %s; import again with --guild %s to bring it", g, g), user, field)
					continue
				}
				n, err := wholeNumber(v)
				if err != nil {
					bad(err.Error()+"; skipped", user, field)
					continue
				}
				total, haveTotal = n, true
			case field == "headpats":
				var days map[string]json.RawMessage
				if err := json.Unmarshal(v, &days); err != nil {
					bad("not an object of dates; skipped", user, field)
					continue
				}
				for _, day := range sortedKeys(days) {
					if !validDay(day) {
						bad("not a date (YYYY-MM-DD); skipped", user, field, day)
						continue
					}
					n, err := wholeNumber(days[day])
					if err != nil {
						bad(err.Error()+"; skipped", user, field, day)
						continue
					}
					dated += n
					addDay(plan.headpats, user, day, n)
				}
			}
		}
		// The dated pats are part of the total: only what the dates do not explain is
		// stored undated.
		if rest := total - dated; haveTotal && rest > 0 {
			addDay(plan.headpats, user, UndatedDay, rest)
		}
	}
	return probs, nil
}

func readActivity(raw json.RawMessage, plan *guildPlan, bad func(string, ...string)) {
	var users map[string]json.RawMessage
	if err := json.Unmarshal(raw, &users); err != nil {
		bad("not an object of members; skipped", "activity")
		return
	}
	for _, user := range sortedKeys(users) {
		if !isSnowflake(user) {
			bad("not a user id; skipped", "activity", user)
			continue
		}
		var c struct{ Messages, Reactions json.RawMessage }
		if err := json.Unmarshal(users[user], &c); err != nil {
			bad("not an object with messages and reactions; skipped", "activity", user)
			continue
		}
		var got counts
		ok := true
		for _, f := range []struct {
			name string
			raw  json.RawMessage
			to   *int64
		}{{"messages", c.Messages, &got.messages}, {"reactions", c.Reactions, &got.reactions}} {
			if f.raw == nil {
				continue // a missing counter is zero
			}
			n, err := wholeNumber(f.raw)
			if err != nil {
				bad(err.Error()+"; member skipped", "activity", user, f.name)
				ok = false
				continue
			}
			*f.to = n
		}
		if ok && (got.messages > 0 || got.reactions > 0) {
			plan.activity[user] = got
		}
	}
}

func addDay(m map[string]map[string]int64, user, day string, n int64) {
	if n <= 0 {
		return // the tables hold positive counts only
	}
	if m[user] == nil {
		m[user] = map[string]int64{}
	}
	m[user][day] += n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
