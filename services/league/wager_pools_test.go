package league

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The wager pools follow TestPools's rules: 8 lines per voice, no repeats, within Discord's
// limits, and the same verbs in every line.
func TestWagerPools(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range append(pools(), wagerPools()...) {
		if seen[p.Name] {
			t.Errorf("pool name %s used twice", p.Name)
		}
		seen[p.Name] = true
	}
	for _, p := range wagerPools() {
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
		r := rand.New(rand.NewPCG(1, 2))
		for range 40 {
			for _, sassy := range []bool{true, false} {
				if s := p.Pick(r, sassy, argsFor(want)...); strings.Contains(s, "%!") {
					t.Errorf("pool %s: bad format %q", p.Name, s)
				}
			}
		}
	}
}

// Team sizes and positions by mode (SPEC.md §3): a team never has more players than
// positions, and only 5v5 has a goalkeeper.
func TestWagerModes(t *testing.T) {
	for _, c := range []struct {
		mode string
		size int
		gk   bool
	}{{"1v1", 1, false}, {"2v2", 2, false}, {"3v3", 3, false}, {"5v5", 5, true}, {"4v4", 0, false}} {
		if got := teamSize(c.mode); got != c.size {
			t.Errorf("%s: team size %d, want %d", c.mode, got, c.size)
		}
		if len(positionsOf(c.mode)) < c.size {
			t.Errorf("%s: %d positions for %d players", c.mode, len(positionsOf(c.mode)), c.size)
		}
		if got := validPosition(c.mode, "GK"); got != c.gk {
			t.Errorf("%s: GK allowed %v, want %v", c.mode, got, c.gk)
		}
	}
}
