package persona

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Over many picks the best-liked tier gets 70 % and the others share the rest, so none is
// starved; with no reactions yet the tiers are equally likely.
func TestPickTierDistribution(t *testing.T) {
	const picks = 60000
	tests := []struct {
		name   string
		scores [Tiers]int64
		want   [Tiers]float64
	}{
		{"no reactions yet", [Tiers]int64{0, 0, 0}, [Tiers]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}},
		{"savage wins", [Tiers]int64{3, 1, 9}, [Tiers]float64{0.15, 0.15, 0.70}},
		{"sweet wins despite negatives elsewhere", [Tiers]int64{5, -2, -7}, [Tiers]float64{0.70, 0.15, 0.15}},
		{"two tied leaders: the first", [Tiers]int64{0, 4, 4}, [Tiers]float64{0.15, 0.70, 0.15}},
	}
	r := rand.New(rand.NewPCG(7, 11))
	for _, tc := range tests {
		var got [Tiers]int
		for range picks {
			got[PickTier(r, tc.scores)]++
		}
		for tier := range Tiers {
			share := float64(got[tier]) / picks
			// 60,000 picks put one standard deviation near 0.2 %; allow five.
			if math.Abs(share-tc.want[tier]) > 0.01 {
				t.Errorf("%s: tier %d picked %.3f, want %.3f", tc.name, tier, share, tc.want[tier])
			}
			if share < 0.10 {
				t.Errorf("%s: tier %d starved (%.3f)", tc.name, tier, share)
			}
		}
	}
}

func TestPickIn(t *testing.T) {
	p := Pool{Name: "p", Sassy: []string{"s0", "s1", "s2", "s3", "s4", "s5"}, Plain: []string{"p0", "p1", "p2"}}
	r := rand.New(rand.NewPCG(1, 1))
	for range 100 {
		if got := p.PickIn(r, true, 1); got != "s1" && got != "s4" {
			t.Fatalf("tier 1 picked %q", got)
		}
		if got := p.PickIn(r, false, 2); got != "p2" {
			t.Fatalf("plain tier 2 picked %q", got)
		}
	}
}
