package filter

// A skeleton is how the filter compares words: every character mapped to the letter it
// stands for (leetspeak "sh1t", look-alikes "l"/"I"/"1"), then runs of the same letter
// collapsed into one letter with its run length. Listed words keep their run lengths as
// minimums, so "fuuuuck" matches "fuck" while "as" (one s) does not match "ass" (two).

// wildcard marks a censored letter ("f*ck", "sh#t").
const wildcard = '*'

// classOf maps a normalised byte to its skeleton letter: 0 for a separator, wildcard for a
// censor mark. "l" and "i" share a letter because "I", "l", "1", "|" and "!" all stand in
// for each other in obfuscated text.
var classOf = func() (t [256]byte) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = byte(c)
	}
	t['l'] = 'i'
	for from, to := range map[byte]byte{'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '6': 'g', '7': 't', '8': 'b', '9': 'g',
		'@': 'a', '$': 's', '!': 'i', '|': 'i', '+': 't', '(': 'c', '*': wildcard, '#': wildcard} {
		t[from] = to
	}
	return t
}()

// skeleton is a collapsed word: chars[i] repeated counts[i] times.
type skeleton struct {
	chars  []byte
	counts []uint8
}

func (s skeleton) empty() bool { return len(s.chars) == 0 }

func (s *skeleton) reset() { s.chars, s.counts = s.chars[:0], s.counts[:0] }

// add appends one skeleton letter, extending the current run when it repeats.
func (s *skeleton) add(c byte) {
	if n := len(s.chars); n > 0 && s.chars[n-1] == c && c != wildcard {
		if s.counts[n-1] < 255 {
			s.counts[n-1]++
		}
		return
	}
	s.chars = append(s.chars, c)
	s.counts = append(s.counts, 1)
}

// skeletonOf builds the skeleton of a listed word (normalised first).
func skeletonOf(word string) skeleton {
	var s skeleton
	for _, b := range []byte(Normalize(word)) {
		if c := classOf[b]; c != 0 {
			s.add(c)
		}
	}
	return s
}

// rawSkeleton maps a listed word letter by letter without collapsing runs, for matching
// censored words where each mark stands for exactly one letter.
func rawSkeleton(word string) []byte {
	var out []byte
	for _, b := range []byte(Normalize(word)) {
		if c := classOf[b]; c != 0 {
			out = append(out, c)
		}
	}
	return out
}

// covers reports whether the runs of s starting at off hold at least the runs of e.
func covers(s skeleton, off int, e *entry) bool {
	if off+len(e.skel.chars) > len(s.chars) {
		return false
	}
	for k, c := range e.skel.chars {
		if s.chars[off+k] != c || s.counts[off+k] < e.skel.counts[k] {
			return false
		}
	}
	return true
}
