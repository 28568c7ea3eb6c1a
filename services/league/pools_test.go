package league

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

var verbRE = regexp.MustCompile(`%(\[\d\])?[sd]`)

// Every pool has at least 8 lines in both voices, no repeats, fits Discord's limits (titles
// 256, descriptions 4096), and every line takes the same verbs, so any pick formats cleanly.
func TestPools(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range pools() {
		if seen[p.Name] {
			t.Errorf("pool name %s used twice", p.Name)
		}
		seen[p.Name] = true
		limit := 4096
		if strings.HasSuffix(p.Name, "_title") {
			limit = 256
		}
		if err := p.Check(8, limit-60); err != nil {
			t.Error(err)
		}
		want := verbs(p.Sassy[0])
		for _, l := range append(append([]string{}, p.Sassy...), p.Plain...) {
			if got := verbs(l); got != want {
				t.Errorf("pool %s: %q takes verbs %s, want %s", p.Name, l, got, want)
			}
		}
		// Formatting with the pool's verbs never leaves a %!-error in the text.
		args := argsFor(want)
		r := rand.New(rand.NewPCG(1, 2))
		for range 40 {
			for _, sassy := range []bool{true, false} {
				if s := p.Pick(r, sassy, args...); strings.Contains(s, "%!") {
					t.Errorf("pool %s: bad format %q", p.Name, s)
				}
			}
		}
	}
}

// verbs is a line's verb kinds in argument order ("sd").
func verbs(line string) string {
	var b strings.Builder
	kinds := map[int]byte{}
	next := 1
	for _, m := range verbRE.FindAllStringSubmatch(line, -1) {
		idx := next
		if m[1] != "" {
			fmt.Sscanf(m[1], "[%d]", &idx)
		}
		kinds[idx] = m[0][len(m[0])-1]
		next = idx + 1
	}
	for i := 1; i <= len(kinds); i++ {
		b.WriteByte(kinds[i])
	}
	return b.String()
}

func argsFor(kinds string) []any {
	var out []any
	for _, k := range kinds {
		if k == 's' {
			out = append(out, "x")
		} else {
			out = append(out, 1)
		}
	}
	return out
}
