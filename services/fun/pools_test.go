package fun

import (
	"strings"
	"testing"
)

// Every pool is non-empty in both voices, has no repeats, and fits Discord's limits (an
// embed description holds 4096 characters; titles and footers are shorter, 256 and 2048).
func TestPools(t *testing.T) {
	for _, p := range pools() {
		limit := 4096
		if strings.HasSuffix(p.Name, "_title") {
			limit = 256
		}
		if err := p.Check(8, limit-40); err != nil {
			t.Error(err)
		}
	}
	for name, gifs := range map[string][]string{"headpat": headpatGIFs, "spank": spankGIFs} {
		if len(gifs) < 8 {
			t.Errorf("only %d %s GIFs", len(gifs), name)
		}
	}
}

func TestClankerRoasts(t *testing.T) {
	if len(clankerRoasts) < 8 {
		t.Errorf("%d roasts, want at least 8", len(clankerRoasts))
	}
	for _, roast := range clankerRoasts {
		if len(roast) < 2 {
			t.Errorf("a roast is multi-line: %q", roast)
		}
		for _, line := range roast {
			if line == "" || len(line) > 2000 || strings.Contains(line, "<@") || strings.Contains(line, "@everyone") {
				t.Errorf("bad roast line %q", line)
			}
		}
	}
}
