package league

import (
	"fmt"
	"strings"
)

// skill is one rated ability of a tryout.
type skill string

const (
	shooting    skill = "shooting"
	dribbling   skill = "dribbling"
	passing     skill = "passing"
	defending   skill = "defending"
	goalkeeping skill = "goalkeeping"
)

// evalPositions are the positions an evaluation can pick, in menu order.
func evalPositions() []string { return []string{"CF", "LW", "RW", "CM", "GK"} }

// skillsOf lists the skills rated for a position, in the order SPEC.md §2 names them (the
// modal asks in this order); nil for an unknown position.
func skillsOf(position string) []skill {
	switch position {
	case "CF", "LW", "RW", "CM":
		return []skill{shooting, dribbling, passing, defending}
	case "GK":
		return []skill{goalkeeping, defending, passing}
	}
	return nil
}

// weightsOf are SPEC.md §2's weights in hundredths: integers keep the formula exact, so a
// result that lands on .5 rounds the same way on every machine.
func weightsOf(position string) map[skill]int64 {
	switch position {
	case "CF":
		return map[skill]int64{shooting: 45, dribbling: 30, passing: 15, defending: 10}
	case "LW", "RW":
		return map[skill]int64{passing: 40, dribbling: 30, shooting: 20, defending: 10}
	case "CM":
		return map[skill]int64{defending: 40, dribbling: 30, passing: 20, shooting: 10}
	case "GK":
		return map[skill]int64{goalkeeping: 60, defending: 25, passing: 15}
	}
	return nil
}

const (
	minRating, maxRating = 1, 10
	minEvalValue         = 10
	maxEvalValue         = 100
)

// evalValue is SPEC.md §2's value = round(10 × Σ rating × weight), clamped to 10..100.
// With weights in hundredths, 10 × Σ r·w = Σ r·w100 / 10, rounded half up.
func evalValue(position string, ratings map[skill]int) (int64, error) {
	weights := weightsOf(position)
	if weights == nil {
		return 0, fmt.Errorf("evaluation: unknown position %q", position)
	}
	var sum int64
	for _, s := range skillsOf(position) {
		r, ok := ratings[s]
		if !ok || r < minRating || r > maxRating {
			return 0, fmt.Errorf("evaluation: %s rating %d missing or out of range", s, r)
		}
		sum += int64(r) * weights[s]
	}
	return min(max((sum+5)/10, minEvalValue), maxEvalValue), nil
}

// ratingBar draws a rating as ten blocks: "████████░░ 8/10".
func ratingBar(r int) string {
	r = min(max(r, 0), maxRating)
	return "`" + strings.Repeat("█", r) + strings.Repeat("░", maxRating-r) + "` " + fmt.Sprintf("%d/%d", r, maxRating)
}
