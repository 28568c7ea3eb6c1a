// Package persona holds the voice every Novera service shares: how replies look (embeds
// in the house colours) and the replies that the worker framework gives on its own
// (no permission, disabled command, bad arguments, unknown member, internal error).
// Each service keeps its own command texts in its own pools file.
package persona

import (
	"fmt"
	"math/rand/v2"
	"unicode/utf8"
)

// House colours.
const (
	ColorPink  = 0xFF6FB5
	ColorGold  = 0xF5C542
	ColorRed   = 0xE5484D
	ColorGreen = 0x3FB950
	ColorBlue  = 0x5B8DEF
)

// Pool is one reply kind in both voices. Lines may hold fmt verbs, filled by Pick.
type Pool struct {
	Name  string
	Sassy []string
	Plain []string
}

// Pick returns a random line in the server's voice, formatted with args.
func (p Pool) Pick(r *rand.Rand, sassy bool, args ...any) string {
	lines := p.Plain
	if sassy || len(lines) == 0 {
		lines = p.Sassy
	}
	return sprintf(lines[r.IntN(len(lines))], args...)
}

func sprintf(line string, args ...any) string { return fmt.Sprintf(line, args...) }

// Check reports what is wrong with a pool: empty voices, repeated lines, lines over max
// characters, lines whose format verbs differ from the first line's (every line is
// filled with the same arguments, so they must take them in the same order). Every
// service's pool test calls it.
func (p Pool) Check(minVariants, max int) error {
	if len(p.Sassy) == 0 {
		return fmt.Errorf("pool %s: no sassy lines", p.Name)
	}
	want := verbs(p.Sassy[0])
	for voice, lines := range map[string][]string{"sassy": p.Sassy, "plain": p.Plain} {
		if len(lines) < minVariants {
			return fmt.Errorf("pool %s: %s voice has %d lines, want at least %d", p.Name, voice, len(lines), minVariants)
		}
		seen := map[string]bool{}
		for _, l := range lines {
			if l == "" || seen[l] {
				return fmt.Errorf("pool %s: %s voice has an empty or repeated line %q", p.Name, voice, l)
			}
			seen[l] = true
			if n := utf8.RuneCountInString(l); n > max {
				return fmt.Errorf("pool %s: line of %d characters exceeds %d: %q", p.Name, n, max, l)
			}
			if got := verbs(l); got != want {
				return fmt.Errorf("pool %s: %q takes %q, the pool takes %q", p.Name, l, got, want)
			}
		}
	}
	return nil
}

// verbs lists a line's format verbs in order ("%s%d"), ignoring "%%".
func verbs(line string) string {
	out := ""
	for i := 0; i+1 < len(line); i++ {
		if line[i] != '%' {
			continue
		}
		if line[i+1] == '%' {
			i++
			continue
		}
		out += line[i : i+2]
		i++
	}
	return out
}
