package moderation

import (
	"strings"
	"testing"
)

// Every pool has enough variants in both voices, no repeats, and fits an embed
// description; common replies have at least 8 variants, refusals and rare ones at least 4.
func TestPools(t *testing.T) {
	for _, p := range pools() {
		min := 8
		// Refusals and cleanserver's rare texts need fewer variants than everyday replies.
		if strings.HasPrefix(p.Name, "err_") || strings.HasPrefix(p.Name, "clean_") || strings.HasPrefix(p.Name, "sm_") {
			min = 4
		}
		if err := p.Check(min, 4096-200); err != nil {
			t.Error(err)
		}
		// Each voice must take the same arguments, or one voice prints %!s(MISSING).
		for _, l := range append(p.Sassy[1:], p.Plain...) {
			if verbs(l) != verbs(p.Sassy[0]) {
				t.Errorf("pool %s: %q takes different arguments than %q", p.Name, l, p.Sassy[0])
			}
		}
	}
	seen := map[string]bool{}
	for _, g := range guides() {
		if g.value == "" || g.label == "" || len(g.body) > 4000 || seen[g.value] {
			t.Errorf("guide %+v malformed or repeated", g)
		}
		seen[g.value] = true
	}
	if len(seen) != 8 {
		t.Errorf("%d guides, SPEC.md §6 lists 8", len(seen))
	}
}

func verbs(s string) string {
	var b strings.Builder
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' {
			b.WriteByte(s[i+1])
			i++
		}
	}
	return b.String()
}
