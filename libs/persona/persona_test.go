package persona

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestFrameworkPools(t *testing.T) {
	for _, p := range Framework() {
		if err := p.Check(8, 1000); err != nil {
			t.Error(err)
		}
	}
}

func TestPickVoices(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 50; i++ {
		s := Disabled.Pick(r, false, "spank")
		if !strings.Contains(s, "not available on this server") || !strings.Contains(s, "spank") {
			t.Fatalf("plain disabled line %q", s)
		}
	}
	bad := []Pool{
		{Name: "repeat", Sassy: []string{"a", "a"}, Plain: []string{"b"}},
		{Name: "empty", Plain: []string{"b"}},
		{Name: "verbs", Sassy: []string{"%s won %d"}, Plain: []string{"%d won by %s"}},
		{Name: "missing verb", Sassy: []string{"%s won"}, Plain: []string{"won"}},
		{Name: "too long", Sassy: []string{"abcdefghijk"}, Plain: []string{"b"}},
	}
	for _, p := range bad {
		if err := p.Check(1, 10); err == nil {
			t.Errorf("%s not caught", p.Name)
		}
	}
	if err := (Pool{Name: "ok", Sassy: []string{"100%% %s"}, Plain: []string{"%s"}}).Check(1, 10); err != nil {
		t.Errorf("escaped percent: %v", err)
	}
}
