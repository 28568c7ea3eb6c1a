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
		// Every line of a pool takes the same verbs, so any pick formats cleanly.
		want := strings.Count(p.Sassy[0], "%s")
		for _, l := range append(append([]string{}, p.Sassy...), p.Plain...) {
			if strings.Count(l, "%s") != want {
				t.Errorf("pool %s: %q has a different number of verbs", p.Name, l)
			}
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
	if err := (Pool{Name: "x", Sassy: []string{"a", "a"}, Plain: []string{"b"}}).Check(1, 10); err == nil {
		t.Error("repeated line not caught")
	}
}
