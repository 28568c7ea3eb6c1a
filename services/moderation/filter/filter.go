// Package filter is Novera's profanity filter (SPEC.md §6): a pure function from a
// message's text to a verdict, with no I/O, so that the message path, cleanserver and the
// tests all judge alike, and fast enough (a table lookup per byte of ordinary chat) never
// to be the bottleneck of the message path.
//
// A message is normalised (case, confusables, invisible characters), split into words,
// and each word is compared by its skeleton (leetspeak undone, repeated letters
// collapsed) with the lists in lists/*.txt. Words are matched whole, so "class" and
// "Scunthorpe" pass, except list entries marked as matching inside words ("bullshit"),
// which the allow-list tempers. Letters spelled out one by one ("f u c k", "f.u.c.k") are
// joined, and censor marks ("f*ck") match the letters they hide.
package filter

import (
	"slices"
	"sync"
)

// Category is what kind of word a message contained, in rising order of gravity.
type Category int

const (
	None Category = iota
	Profanity
	SelfHarm
	Slur
)

func (c Category) String() string {
	switch c {
	case Profanity:
		return "profanity"
	case SelfHarm:
		return "self-harm encouragement"
	case Slur:
		return "slur"
	default:
		return "none"
	}
}

// MinLevel is the lowest rung of the timeout ladder a hit of this category starts from
// (SPEC.md §6: slurs at least level 3, self-harm encouragement at least level 2).
func (c Category) MinLevel() int {
	switch c {
	case Slur:
		return 3
	case SelfHarm:
		return 2
	default:
		return 0
	}
}

// Result is the filter's verdict on one message.
type Result struct {
	// Category is the gravest category found; None when the message is clean.
	Category Category
	// Matches are the listed words or phrases found, each once, for the mod-log.
	Matches []string
}

// Hit reports whether the message must be removed.
func (r Result) Hit() bool { return r.Category != None }

// MinLevel is the ladder's floor for this message.
func (r Result) MinLevel() int { return r.Category.MinLevel() }

// Filter judges messages. It is immutable after New and safe for concurrent use.
type Filter struct {
	exact   map[string][]*entry  // collapsed skeleton → whole-word entries
	inside  [256][]*entry        // first skeleton letter → entries matching inside words
	all     []*entry             // every entry, for censored words
	phrases map[string][]*phrase // first word's skeleton → phrases
	allow   map[string]bool      // collapsed skeletons of innocent words
	scratch sync.Pool
}

// New loads the embedded lists.
func New() (*Filter, error) {
	f := &Filter{exact: map[string][]*entry{}, phrases: map[string][]*phrase{}}
	for _, l := range []struct {
		file string
		cat  Category
	}{{"profanity.txt", Profanity}, {"slurs.txt", Slur}, {"selfharm.txt", SelfHarm}} {
		entries, phrases, err := readList(l.file, l.cat)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			f.all = append(f.all, e)
			key := string(e.skel.chars)
			f.exact[key] = append(f.exact[key], e)
			if e.inside {
				f.inside[e.skel.chars[0]] = append(f.inside[e.skel.chars[0]], e)
			}
		}
		for _, p := range phrases {
			f.phrases[p.words[0]] = append(f.phrases[p.words[0]], p)
		}
	}
	allow, err := readAllow()
	if err != nil {
		return nil, err
	}
	f.allow = allow
	f.scratch.New = func() any { return new(scratch) }
	return f, nil
}

// scratch holds one Check's buffers, reused across calls to keep the hot path free of
// allocations.
type scratch struct {
	norm    []byte
	cand    []byte
	raw     []byte
	sk      skeleton
	singles []byte
	words   []byte // chunk skeletons back to back, for phrases
	ends    []int  // end offset of each chunk skeleton in words
	res     Result
}

// maxSingles bounds a run of letters spelled one by one; longer runs are split.
const maxSingles = 24

// Check judges one message.
func (f *Filter) Check(text string) Result {
	s := f.scratch.Get().(*scratch)
	defer f.scratch.Put(s)
	s.res = Result{}
	s.words, s.ends, s.singles = s.words[:0], s.ends[:0], s.singles[:0]
	s.norm = appendNormalized(s.norm[:0], text)
	norm := s.norm
	for i := 0; i < len(norm); {
		for i < len(norm) && isSpace(norm[i]) {
			i++
		}
		start := i
		for i < len(norm) && !isSpace(norm[i]) {
			i++
		}
		if start < i {
			f.chunk(s, norm[start:i])
		}
	}
	f.flushSingles(s)
	f.matchPhrases(s)
	res := s.res
	s.res = Result{}
	return res
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

// isWordByte reports whether a byte can be part of a word: a letter, a digit, or a symbol
// that stands for a letter or censors one.
func isWordByte(c byte) bool { return classOf[c] != 0 }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' }

// chunk judges one whitespace-delimited piece of the message.
func (f *Filter) chunk(s *scratch, c []byte) {
	if skipChunk(c) {
		f.flushSingles(s)
		f.endWord(s, nil)
		return
	}
	// Trim punctuation and markdown around the word; "$" and "@" stay, as in "a$$".
	for len(c) > 0 && !keepAtEdge(c[0]) {
		c = c[1:]
	}
	for len(c) > 0 && !keepAtEdge(c[len(c)-1]) {
		c = c[:len(c)-1]
	}
	if len(c) == 0 {
		return // pure punctuation or emoji: it neither breaks nor extends a spelled-out word
	}
	if len(c) == 1 && isWordByte(c[0]) {
		if len(s.singles) == maxSingles {
			f.flushSingles(s)
		}
		s.singles = append(s.singles, c[0])
		return
	}
	f.flushSingles(s)
	// The word with separators removed ("f.u.c.k", "sh-it") ...
	s.cand = s.cand[:0]
	parts := 0
	inPart := false
	for _, b := range c {
		if isWordByte(b) {
			s.cand = append(s.cand, b)
			if !inPart {
				parts++
			}
			inPart = true
		} else {
			inPart = false
		}
	}
	f.candidate(s, s.cand)
	f.endWord(s, s.cand)
	// ... and each part on its own ("class.ass").
	if parts > 1 {
		for i := 0; i < len(c); {
			for i < len(c) && !isWordByte(c[i]) {
				i++
			}
			j := i
			for j < len(c) && isWordByte(c[j]) {
				j++
			}
			if j-i >= 2 {
				f.candidate(s, c[i:j])
			}
			i = j
		}
	}
}

// skipChunk recognises what is not prose: links, and Discord's mention, channel and
// custom emoji markup (<@123>, <#123>, <:name:123>), whose ids and names are not words.
func skipChunk(c []byte) bool {
	if len(c) >= 2 && c[0] == '<' && c[len(c)-1] == '>' {
		return true
	}
	for i := 0; i+3 <= len(c); i++ {
		if c[i] == ':' && c[i+1] == '/' && c[i+2] == '/' {
			return true
		}
	}
	return false
}

func keepAtEdge(c byte) bool {
	return isLetter(c) || ('0' <= c && c <= '9') || c == '$' || c == '@'
}

// flushSingles judges a run of letters spelled one by one: every stretch of two or more,
// so that "a f u c k" is caught as well as "f u c k".
func (f *Filter) flushSingles(s *scratch) {
	run := s.singles
	s.singles = s.singles[:0]
	if len(run) < 2 {
		if len(run) == 1 {
			f.endWord(s, run)
		}
		return
	}
	f.endWord(s, run)
	for i := 0; i < len(run); i++ {
		for j := i + 2; j <= len(run); j++ {
			f.candidate(s, run[i:j])
		}
	}
}

// endWord records a word's skeleton for phrase matching.
func (f *Filter) endWord(s *scratch, w []byte) {
	s.sk.reset()
	for _, b := range w {
		if c := classOf[b]; c != 0 && c != wildcard {
			s.sk.add(c)
		}
	}
	s.words = append(s.words, s.sk.chars...)
	s.ends = append(s.ends, len(s.words))
}

// candidate judges one word (normalised bytes without separators).
func (f *Filter) candidate(s *scratch, w []byte) {
	hasLetter, censored := false, false
	for _, b := range w {
		hasLetter = hasLetter || isLetter(b)
		censored = censored || classOf[b] == wildcard
	}
	if !hasLetter {
		return // "1000", "$$$": numbers and symbols are not words
	}
	if censored {
		f.censored(s, w)
		return
	}
	s.sk.reset()
	for _, b := range w {
		s.sk.add(classOf[b])
	}
	sk := s.sk
	if f.allow[string(sk.chars)] {
		return
	}
	for _, e := range f.exact[string(sk.chars)] {
		if covers(sk, 0, e) {
			s.hit(e.category, e.word)
		}
	}
	for off, c := range sk.chars {
		for _, e := range f.inside[c] {
			if covers(sk, off, e) {
				s.hit(e.category, e.word)
			}
		}
	}
}

// censored matches a word with censor marks letter by letter: each mark hides exactly one
// letter. To stay clear of "a**" and "*uck" (anything), a match shows at least two real
// letters, no fewer than it hides, and starts with a real letter unless real letters
// precede it in the word ("bull*hit").
func (f *Filter) censored(s *scratch, w []byte) {
	s.raw = s.raw[:0]
	for _, b := range w {
		s.raw = append(s.raw, classOf[b])
	}
	for _, e := range f.all {
		last := 0
		if e.inside {
			last = len(s.raw) - len(e.raw)
		} else if len(e.raw) != len(s.raw) {
			continue
		}
		for off := 0; off <= last; off++ {
			if censoredMatch(s.raw[off:off+len(e.raw)], e.raw, off > 0) {
				s.hit(e.category, e.word)
				break
			}
		}
	}
}

func censoredMatch(w, word []byte, inner bool) bool {
	if len(w) != len(word) || (w[0] == wildcard && !inner) {
		return false
	}
	letters, marks := 0, 0
	for i, c := range w {
		switch {
		case c == wildcard:
			marks++
		case c == word[i]:
			letters++
		default:
			return false
		}
	}
	return marks > 0 && letters >= 2 && letters >= marks
}

// matchPhrases looks for listed phrases among the message's words in order.
func (f *Filter) matchPhrases(s *scratch) {
	if len(f.phrases) == 0 {
		return
	}
	word := func(i int) []byte {
		start := 0
		if i > 0 {
			start = s.ends[i-1]
		}
		return s.words[start:s.ends[i]]
	}
	for i := range s.ends {
		for _, p := range f.phrases[string(word(i))] {
			if i+len(p.words) > len(s.ends) {
				continue
			}
			ok := true
			for k := 1; k < len(p.words) && ok; k++ {
				ok = string(word(i+k)) == p.words[k]
			}
			if ok {
				s.hit(p.category, p.text)
			}
		}
	}
}

func (s *scratch) hit(c Category, what string) {
	if c > s.res.Category {
		s.res.Category = c
	}
	if !slices.Contains(s.res.Matches, what) {
		s.res.Matches = append(s.res.Matches, what)
	}
}
