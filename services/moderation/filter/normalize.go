package filter

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize folds text into the form the filter reads: lower case, accents and other
// combining marks dropped, compatibility forms (fullwidth letters, mathematical
// alphanumerics, ligatures) decomposed, common look-alike letters from other scripts
// (Cyrillic "а", Greek "ο"...) mapped to their Latin twins, and invisible characters
// (zero-width spaces and joiners, soft hyphens) removed so they cannot split a word.
// Leetspeak is not undone here: whether "1" is a letter depends on the word around it,
// which the tokenizer decides. Normalize is idempotent.
func Normalize(s string) string {
	return string(appendNormalized(make([]byte, 0, len(s)), s))
}

// appendNormalized is Normalize without the allocation of the result, for the hot path.
// ASCII (nearly all chat) costs one table lookup per byte; only other runes pay for
// decomposition.
func appendNormalized(dst []byte, s string) []byte {
	var one [utf8.UTFMax]byte
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			continue // invalid UTF-8 says nothing; dropping it keeps the output valid
		}
		if folded, ok := foldRune(r); ok {
			if folded != 0 {
				dst = utf8.AppendRune(dst, folded)
			}
			continue
		}
		// The rune's own decomposition from the tables: no allocation, unlike a Form's
		// Append, and enough for single runes (reordering matters only across runes).
		dec := norm.NFKD.PropertiesString(s[i-size:]).Decomposition()
		if dec == nil {
			dec = utf8.AppendRune(one[:0], r)
		}
		for _, d := range string(dec) {
			if f, ok := foldRune(d); ok {
				if f != 0 {
					dst = utf8.AppendRune(dst, f)
				}
				continue
			}
			dst = utf8.AppendRune(dst, unicode.ToLower(d))
		}
	}
	return dst
}

// foldRune handles the runes decomposition leaves alone: it returns the replacement (0 to
// drop the rune) and whether it knew the rune.
func foldRune(r rune) (rune, bool) {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r, true
	}
	if l, ok := confusables[r]; ok {
		return l, true
	}
	switch {
	case r == '\u00AD', r == '\u034F', r == '\u180E', r == '\u2060', r == '\uFEFF',
		'\u200B' <= r && r <= '\u200F', '\u202A' <= r && r <= '\u202E', '\u2061' <= r && r <= '\u2064':
		return 0, true // invisible: soft hyphen, zero-width space/joiners, direction marks
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r):
		return 0, true // combining marks: accents and "zalgo" stacks
	case unicode.IsSpace(r):
		return ' ', true
	}
	if l := unicode.ToLower(r); l != r {
		if f, ok := confusables[l]; ok {
			return f, true
		}
	}
	return 0, false
}

// confusables maps letters of other scripts that look like Latin ones, and a few symbols
// used as letters, to the Latin letter a reader sees. Upper- and lower-case forms are both
// listed because Cyrillic and Greek capitals have no decomposition to fall back on.
var confusables = map[rune]rune{
	// Cyrillic
	'а': 'a', 'А': 'a', 'в': 'b', 'В': 'b', 'с': 'c', 'С': 'c', 'ԁ': 'd', 'е': 'e', 'Е': 'e', 'ё': 'e', 'Ё': 'e',
	'һ': 'h', 'Н': 'h', 'н': 'h', 'і': 'i', 'І': 'i', 'ї': 'i', 'Ї': 'i', 'ј': 'j', 'Ј': 'j', 'к': 'k', 'К': 'k',
	'ӏ': 'l', 'Ӏ': 'l', 'м': 'm', 'М': 'm', 'о': 'o', 'О': 'o', 'р': 'p', 'Р': 'p', 'ԛ': 'q', 'ѕ': 's', 'Ѕ': 's',
	'т': 't', 'Т': 't', 'у': 'y', 'У': 'y', 'х': 'x', 'Х': 'x', 'ԝ': 'w', 'Ԝ': 'w', 'г': 'r', 'п': 'n', 'ц': 'u',
	'и': 'u', 'ч': 'y', 'ь': 'b', 'Ь': 'b', 'я': 'r', 'д': 'a', 'л': 'n', 'ш': 'w', 'щ': 'w', 'ɡ': 'g',
	// Greek
	'α': 'a', 'Α': 'a', 'β': 'b', 'Β': 'b', 'ε': 'e', 'Ε': 'e', 'η': 'n', 'Η': 'h', 'ι': 'i', 'Ι': 'i', 'κ': 'k',
	'Κ': 'k', 'μ': 'u', 'Μ': 'm', 'ν': 'v', 'Ν': 'n', 'ο': 'o', 'Ο': 'o', 'ρ': 'p', 'Ρ': 'p', 'τ': 't', 'Τ': 't',
	'υ': 'u', 'Υ': 'y', 'χ': 'x', 'Χ': 'x', 'Ζ': 'z', 'ω': 'w', 'ς': 's', 'σ': 'o', 'λ': 'a',
	// Armenian and others that pass for Latin letters
	'ս': 'u', 'օ': 'o', 'հ': 'h', 'ց': 'g', 'ք': 'p', 'ɑ': 'a', 'ı': 'i', 'ȷ': 'j', 'ℓ': 'l', 'ß': 's',
	'ø': 'o', 'Ø': 'o', 'đ': 'd', 'Đ': 'd', 'ħ': 'h', 'ł': 'l', 'Ł': 'l', 'æ': 'a', 'Æ': 'a', 'œ': 'o', 'Œ': 'o',
	'ʃ': 's', 'ƒ': 'f', 'ɢ': 'g', 'ʜ': 'h', 'ɪ': 'i', 'ʟ': 'l', 'ɴ': 'n', 'ʀ': 'r', 'ʏ': 'y', 'ᴀ': 'a', 'ʙ': 'b',
	'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ꜰ': 'f', 'ᴊ': 'j', 'ᴋ': 'k', 'ᴍ': 'm', 'ᴏ': 'o', 'ᴘ': 'p', 'ꞯ': 'q', 'ꜱ': 's',
	'ᴛ': 't', 'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ᴢ': 'z',
	// Symbols people use as letters
	'€': 'e', '£': 'l', '¢': 'c', '¥': 'y', '©': 'c', '®': 'r', '∪': 'u', '×': 'x', '†': 't', '♡': 'o', '○': 'o',
}
