package community

import (
	"strings"
	"testing"
)

func TestFieldChunks(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  int
	}{
		{"one short field", []string{"a", "b"}, 1},
		{"split at the limit", []string{strings.Repeat("x", 600), strings.Repeat("y", 600)}, 2},
		{"exactly fits", []string{strings.Repeat("x", 511), strings.Repeat("y", 512)}, 1},
	}
	for _, tc := range tests {
		got := fieldChunks(tc.lines)
		if len(got) != tc.want {
			t.Errorf("%s: %d chunks, want %d", tc.name, len(got), tc.want)
		}
		for _, c := range got {
			if len(c) > 1024 {
				t.Errorf("%s: chunk of %d characters", tc.name, len(c))
			}
		}
		if strings.Join(got, "\n") != strings.Join(tc.lines, "\n") {
			t.Errorf("%s: lines lost or reordered", tc.name)
		}
	}
}

func TestSuggest(t *testing.T) {
	if got := suggest("sasy"); !strings.HasPrefix(got, "`sassy`") {
		t.Errorf("suggest(sasy) = %s", got)
	}
	if got := suggest("role.godboy"); !strings.HasPrefix(got, "`role.goodboy`") {
		t.Errorf("suggest(role.godboy) = %s", got)
	}
}

func TestTeamName(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{{"Night Owls", true}, {"  padded  ", true}, {"", false}, {"   ", false}, {strings.Repeat("é", 50), true}, {strings.Repeat("x", 51), false}} {
		if _, err := teamName(tc.in); (err == nil) != tc.ok {
			t.Errorf("teamName(%q): %v", tc.in, err)
		}
	}
	if got := splitPlayers("a, b\n c;;\n"); len(got) != 3 || got[2] != "c" {
		t.Errorf("splitPlayers: %q", got)
	}
}
