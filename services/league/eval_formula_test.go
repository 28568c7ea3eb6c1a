package league

import "testing"

// The value formula of SPEC.md §2, by hand for each position's weights.
func TestEvalValue(t *testing.T) {
	all := func(r int) map[skill]int {
		return map[skill]int{shooting: r, dribbling: r, passing: r, defending: r, goalkeeping: r}
	}
	tests := []struct {
		name     string
		position string
		ratings  map[skill]int
		want     int64
		wantErr  bool
	}{
		{"all ones is the floor", "CF", all(1), 10, false},
		{"all tens is the ceiling", "GK", all(10), 100, false},
		{"all fives", "CM", all(5), 50, false},
		// 8·.45 + 7·.30 + 6·.15 + 5·.10 = 7.10
		{"CF weights", "CF", map[skill]int{shooting: 8, dribbling: 7, passing: 6, defending: 5}, 71, false},
		// 2·.45 + 1·.30 + 1·.15 + 1·.10 = 1.45 → 14.5 rounds up
		{"CF half rounds up", "CF", map[skill]int{shooting: 2, dribbling: 1, passing: 1, defending: 1}, 15, false},
		// pass 9·.40 + dribble 6·.30 + shoot 3·.20 + defend 2·.10 = 6.20
		{"LW weights", "LW", map[skill]int{shooting: 3, dribbling: 6, passing: 9, defending: 2}, 62, false},
		{"RW same as LW", "RW", map[skill]int{shooting: 3, dribbling: 6, passing: 9, defending: 2}, 62, false},
		// defend 9·.40 + dribble 4·.30 + pass 7·.20 + shoot 1·.10 = 6.30
		{"CM weights", "CM", map[skill]int{shooting: 1, dribbling: 4, passing: 7, defending: 9}, 63, false},
		// keep 7·.60 + defend 3·.25 + pass 8·.15 = 6.15 → 61.5 rounds up
		{"GK weights", "GK", map[skill]int{goalkeeping: 7, defending: 3, passing: 8}, 62, false},
		// keep 1·.60 + defend 2·.25 + pass 1·.15 = 1.25 → 12.5 rounds up
		{"GK low", "GK", map[skill]int{goalkeeping: 1, defending: 2, passing: 1}, 13, false},
		{"GK ignores outfield skills", "GK", map[skill]int{goalkeeping: 10, defending: 10, passing: 10, shooting: 1}, 100, false},
		{"unknown position", "ST", all(5), 0, true},
		{"missing skill", "CF", map[skill]int{shooting: 5, dribbling: 5, passing: 5}, 0, true},
		{"rating above 10", "CF", map[skill]int{shooting: 11, dribbling: 5, passing: 5, defending: 5}, 0, true},
		{"rating below 1", "GK", map[skill]int{goalkeeping: 0, defending: 5, passing: 5}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := evalValue(tc.position, tc.ratings)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("value = %d, want %d", got, tc.want)
			}
		})
	}
}

// Every position's weights sum to 1 and cover exactly the skills it rates.
func TestEvalWeights(t *testing.T) {
	for _, p := range evalPositions() {
		w := weightsOf(p)
		var sum int64
		for _, s := range skillsOf(p) {
			if _, ok := w[s]; !ok {
				t.Errorf("%s: no weight for %s", p, s)
			}
			sum += w[s]
		}
		if sum != 100 || len(w) != len(skillsOf(p)) {
			t.Errorf("%s: weights %v sum to %d/100", p, w, sum)
		}
		if n := len(skillsOf(p)); n > 5 {
			t.Errorf("%s: %d skills do not fit a modal (5 inputs)", p, n)
		}
	}
}

func TestRatingBar(t *testing.T) {
	for _, tc := range []struct {
		r    int
		want string
	}{{1, "`█░░░░░░░░░` 1/10"}, {7, "`███████░░░` 7/10"}, {10, "`██████████` 10/10"}} {
		if got := ratingBar(tc.r); got != tc.want {
			t.Errorf("ratingBar(%d) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
