package filter

import (
	"bufio"
	"embed"
	"fmt"
	"strings"
)

// The word lists are data, not code: moderators can read and change them without
// reading Go, and the tests read the same files the service embeds.
//
//go:embed lists/*.txt
var listFiles embed.FS

// entry is one listed word in its matching form.
type entry struct {
	word     string   // as listed, for the mod-log
	category Category //
	inside   bool     // matches inside longer words ("*word*" in the list)
	skel     skeleton // collapsed skeleton with the minimal run lengths
	raw      []byte   // uncollapsed skeleton, for censored words like "f*ck"
}

// phrase is a listed sequence of words (self-harm encouragement).
type phrase struct {
	text     string
	category Category
	words    []string // collapsed skeletons
}

// readList parses one list file into entries and phrases.
func readList(name string, cat Category) ([]*entry, []*phrase, error) {
	f, err := listFiles.Open("lists/" + name)
	if err != nil {
		return nil, nil, fmt.Errorf("filter: open list %s: %w", name, err)
	}
	defer f.Close()
	var entries []*entry
	var phrases []*phrase
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if text == "" {
			continue
		}
		if strings.Contains(text, " ") {
			p := &phrase{text: text, category: cat}
			for _, w := range strings.Fields(text) {
				sk := skeletonOf(w)
				if sk.empty() {
					return nil, nil, fmt.Errorf("filter: %s:%d: %q has no letters", name, line, w)
				}
				p.words = append(p.words, string(sk.chars))
			}
			phrases = append(phrases, p)
			continue
		}
		e := &entry{word: strings.Trim(text, "*"), category: cat}
		e.inside = strings.HasPrefix(text, "*") && strings.HasSuffix(text, "*")
		e.skel = skeletonOf(e.word)
		e.raw = rawSkeleton(e.word)
		if e.skel.empty() || len(e.skel.chars) < 2 {
			return nil, nil, fmt.Errorf("filter: %s:%d: %q is too short to match safely", name, line, text)
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("filter: read list %s: %w", name, err)
	}
	return entries, phrases, nil
}

// readAllow parses the allow-list into collapsed skeletons.
func readAllow() (map[string]bool, error) {
	entries, _, err := readList("allow.txt", None)
	if err != nil {
		return nil, err
	}
	allow := make(map[string]bool, len(entries))
	for _, e := range entries {
		allow[string(e.skel.chars)] = true
	}
	return allow, nil
}
