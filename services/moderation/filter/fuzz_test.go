package filter

import (
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzNormalize checks the normaliser on arbitrary input: it never panics, its output is
// valid UTF-8 and never longer than a bounded expansion of the input, normalising twice
// changes nothing, and the filter's verdict on normalised text is its verdict on the
// original (the filter normalises first, so anything else means state leaks between
// calls). The seed corpus is in testdata/fuzz/FuzzNormalize.
func FuzzNormalize(f *testing.F) {
	for _, c := range filterCases {
		f.Add(c.text)
	}
	flt, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: invalid UTF-8", s, n)
		}
		if len(n) > 18*len(s)+4 {
			t.Fatalf("Normalize(%q) grew from %d to %d bytes", s, len(s), len(n))
		}
		if nn := Normalize(n); nn != n {
			t.Fatalf("not idempotent: Normalize(%q) = %q, again = %q", s, n, nn)
		}
		a, b := flt.Check(s), flt.Check(n)
		if a.Category != b.Category || !slices.Equal(a.Matches, b.Matches) {
			t.Fatalf("Check(%q) = %+v but Check(Normalize) = %+v", s, a, b)
		}
	})
}
