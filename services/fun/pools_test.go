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
