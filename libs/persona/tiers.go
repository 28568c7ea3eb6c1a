package persona

import "math/rand/v2"

// Reaction-learned tiers (SPEC.md §4). A pool's lines fall into Tiers tiers by position
// (line i is in tier i % Tiers), so authors order each pool sweet, sassy, savage, sweet,
// ... A server's reactions to replies score the tiers; the best-liked tier is picked
// BestShare of the time and the others share the rest equally, so no tier is starved and
// a server's taste can still change.
const (
	Tiers     = 3
	BestShare = 0.70
)

// PickTier chooses a tier from a server's scores. With no clear favourite (all equal) every
// tier is equally likely.
func PickTier(r *rand.Rand, scores [Tiers]int64) int {
	best, tie := 0, false
	for t := 1; t < Tiers; t++ {
		switch {
		case scores[t] > scores[best]:
			best, tie = t, false
		case scores[t] == scores[best]:
			tie = true
		}
	}
	if tie && allEqual(scores) {
		return r.IntN(Tiers)
	}
	if r.Float64() < BestShare {
		return best
	}
	other := r.IntN(Tiers - 1)
	if other >= best {
		other++
	}
	return other
}

func allEqual(s [Tiers]int64) bool {
	for _, v := range s[1:] {
		if v != s[0] {
			return false
		}
	}
	return true
}

// PickIn picks a line of the given tier in the server's voice.
func (p Pool) PickIn(r *rand.Rand, sassy bool, tier int, args ...any) string {
	lines := p.Plain
	if sassy || len(lines) == 0 {
		lines = p.Sassy
	}
	var in []int
	for i := range lines {
		if i%Tiers == tier {
			in = append(in, i)
		}
	}
	if len(in) == 0 {
		return p.Pick(r, sassy, args...)
	}
	return sprintf(lines[in[r.IntN(len(in))]], args...)
}
