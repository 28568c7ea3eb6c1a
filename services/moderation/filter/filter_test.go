package filter

import (
	"slices"
	"strings"
	"testing"
)

func newFilter(t testing.TB) *Filter {
	t.Helper()
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

const (
	N = None
	P = Profanity
	H = SelfHarm
	S = Slur
)

// filterCases are messages with the verdict a moderator would give. hard marks cases the
// filter is known to get wrong (documented limits); they count in precision and recall
// but do not fail the test.
var filterCases = []struct {
	text string
	want Category
	hard bool
}{
	// Plain profanity, whole words, in sentences.
	{"fuck", P, false},
	{"fuck this game", P, false},
	{"what the fuck", P, false},
	{"this is shit", P, false},
	{"you bitch", P, false},
	{"shut up you cunt", P, false},
	{"kiss my ass", P, false},
	{"what an asshole", P, false},
	{"dumb bastard", P, false},
	{"dont be a dick", P, false},
	{"suck my cock", P, false},
	{"whore", P, false},
	{"slut", P, false},
	{"twat", P, false},
	{"wanker", P, false},
	{"such a prick", P, false},
	{"bollocks to that", P, false},
	{"piss off", P, false},
	{"nice tits", P, false},
	{"jackass", P, false},
	{"dumbass move", P, false},
	{"you absolute dickhead", P, false},
	{"arse", P, false},
	// Inflections and compounds of words listed as matching inside words.
	{"fucking hell", P, false},
	{"fucked up", P, false},
	{"motherfucker", P, false},
	{"unfuckingbelievable", P, false},
	{"bullshit", P, false},
	{"shitty pass", P, false},
	{"holy shitballs", P, false},
	{"bitchy", P, false},
	{"bitches be like", P, false},
	{"pissed off", P, false},
	{"wanking", P, false},
	{"sluts", P, false},
	{"whores", P, false},
	// Case and repeated letters.
	{"FUCK", P, false},
	{"FuCk YoU", P, false},
	{"fuuuuuuck", P, false},
	{"fuckkkkk", P, false},
	{"ffffuuuucccckkkk", P, false},
	{"shiiiiit", P, false},
	{"SHIIIT", P, false},
	{"biiiitch", P, false},
	{"assssss", P, false},
	{"cuuuunt", P, false},
	// Spacing and punctuation between letters.
	{"f u c k", P, false},
	{"f  u  c  k you", P, false},
	{"f.u.c.k", P, false},
	{"f-u-c-k", P, false},
	{"f_u_c_k", P, false},
	{"s.h.i.t", P, false},
	{"s h i t", P, false},
	{"b i t c h", P, false},
	{"c-u-n-t", P, false},
	{"a s s", P, false},
	{"you are a f u c k i n g idiot", P, false},
	{"sh.it", P, false},
	{"fu.ck", P, false},
	{"f,u,c,k", P, false},
	{"f/u/c/k", P, false},
	{"what.the.fuck", P, false},
	// Leetspeak.
	{"fuk", P, false},
	{"sh1t", P, false},
	{"sh!t", P, false},
	{"5h1t", P, false},
	{"$hit", P, false},
	{"b1tch", P, false},
	{"b!tch", P, false},
	{"a$$", P, false},
	{"@ss", P, false},
	{"@$$hole", P, false},
	{"a55hole", P, false},
	{"d1ck", P, false},
	{"c0ck", P, false},
	{"pu55y", P, false},
	{"wh0re", P, false},
	{"5lut", P, false},
	{"phuck", P, false},
	{"fvck", P, true}, // v for u is not in the leet table: a known miss
	{"fu(k", P, false},
	{"b|tch", P, false},
	{"sh|t", P, false},
	{"7w47", P, false},
	{"c|_|nt", P, true}, // letters drawn with several symbols: a known miss
	{"fcuk", P, false},
	{"fck off", P, false},
	{"sIut", P, false},
	{"SHlT", P, false},
	// Censor marks.
	{"f*ck", P, false},
	{"f**k", P, false},
	{"sh*t", P, false},
	{"s**t", P, false},
	{"b*tch", P, false},
	{"c*nt", P, false},
	{"f#ck", P, false},
	{"fu*k", P, false},
	{"f*cking", P, false},
	{"bull*hit", P, false},
	{"a**hole", P, false},
	// Unicode confusables and invisible characters.
	{"fսck", P, false},                   // Armenian se
	{"ѕhіt", P, false},                   // Cyrillic dze and i
	{"фuck", P, true},                    // Cyrillic ef does not look like f: a known miss
	{"ｆｕｃｋ", P, false},                   // fullwidth
	{"𝐟𝐮𝐜𝐤", P, false},                   // mathematical bold
	{"𝓯𝓾𝓬𝓴", P, false},                   // mathematical script
	{"fúck", P, false},                   // accent
	{"f̶u̶c̶k̶", P, false},               // combining strike-through
	{"f\u200bu\u200bc\u200bk", P, false}, // zero-width spaces
	{"sh\u00adit", P, false},             // soft hyphen
	{"ЅНІТ", P, false},                   // Cyrillic capitals
	{"bіtch", P, false},                  // Cyrillic i
	{"аss", P, false},                    // Cyrillic a
	{"ⓕⓤⓒⓚ", P, false},                   // circled letters
	{"FÜCK", P, false},
	// Markdown and punctuation around words.
	{"**fuck**", P, false},
	{"*shit*", P, false},
	{"(fuck)", P, false},
	{"fuck!!!", P, false},
	{"shit?", P, false},
	{"`fuck`", P, false},
	{"~~fuck~~", P, false},
	{"||shit||", P, false},
	{"\"bitch\"", P, false},
	{"shit's broken", P, false},
	// Slurs.
	{"nigger", S, false},
	{"n1gger", S, false},
	{"n i g g e r", S, false},
	{"nigga", S, false},
	{"ni99a", S, false},
	{"faggot", S, false},
	{"f@ggot", S, false},
	{"fag", S, false},
	{"you retard", S, false},
	{"r3tard", S, false},
	{"retarded", S, false},
	{"tranny", S, false},
	{"kike", S, false},
	{"spic", S, false},
	{"wetback", S, false},
	{"NIGGER", S, false},
	{"n*gger", S, false},
	{"faggots everywhere", S, false},
	{"shit nigga", S, false}, // the graver category wins
	// Self-harm encouragement.
	{"kys", H, false},
	{"just kys", H, false},
	{"k y s", H, false},
	{"KYS", H, false},
	{"kill yourself", H, false},
	{"go kill yourself", H, false},
	{"kill urself", H, false},
	{"k1ll yourself", H, false},
	{"killyourself", H, false},
	{"neck yourself", H, false},
	{"hang yourself", H, false},
	{"end your life", H, false},
	{"drink bleach", H, false},
	{"go die", H, false},
	{"i hope you die", H, false},
	{"you should kill yourself", H, false},
	{"KILL YOURSELF", H, false},
	{"kill    yourself", H, false},
	{"kill. yourself.", H, false},
	{"fucking kys", H, false},
	{"you should die", H, false},
	{"unalive yourself", H, false},
	{"kill yourself retard", S, false},
	// Innocent messages, including words that contain bad ones.
	{"", N, false},
	{"hello everyone", N, false},
	{"good game, well played", N, false},
	{"gg", N, false},
	{"what a class pass", N, false},
	{"I need to assess the situation", N, false},
	{"Scunthorpe United won", N, false},
	{"the assassin was in the cockpit", N, false},
	{"nice cocktail", N, false},
	{"grab the shiitake mushrooms", N, false},
	{"my cat is a pussycat", N, false},
	{"Charles Dickens wrote books", N, false},
	{"read the document", N, false},
	{"cucumber salad", N, false},
	{"circumstances changed", N, false},
	{"the titanic sank", N, false},
	{"constitution day", N, false},
	{"the therapist said", N, false},
	{"that cactus is prickly", N, false},
	{"spicy food", N, false},
	{"fire retardant gear", N, false},
	{"Niger and Nigeria", N, false},
	{"he was niggardly with praise", N, false},
	{"a snigger from the back", N, false},
	{"the document was classified", N, false},
	{"swanky new car", N, false},
	{"Mississippi river", N, false},
	{"kill the boss", N, false},
	{"I will kill it in the match", N, false},
	{"killer pass", N, false},
	{"die hard fan", N, false},
	{"the dice are loaded", N, false},
	{"skill issue", N, false},
	{"shift key", N, false},
	{"she hit the post", N, false},
	{"he shot wide", N, false},
	{"ship it", N, false},
	{"pass the ball", N, false},
	{"bass guitar", N, false},
	{"lol", N, false},
	{"1000 points", N, false},
	{"$$$", N, false},
	{"see https://example.com/fuck for details", N, false},
	{"<@123456789012345678> hi", N, false},
	{"<:shit:123456789012345678>", N, false},
	{"f***", N, false},
	{"a**", N, false},
	{"***", N, false},
	{"this is f.un", N, false},
	{"u.s.a", N, false},
	{"e.g. this", N, false},
	{"I am a fan", N, false},
	{"a b c d e f", N, false},
	{"hancock", N, false},
	{"peacock feathers", N, false},
	{"cockroach", N, false},
	{"the shuttlecock", N, false},
	{"dickinson", N, false},
	{"title match", N, false},
	{"petition signed", N, false},
	{"hello world!", N, false},
	{"wow!!!", N, false},
	{"nice!", N, false},
	{"she sells sea shells", N, false},
	{"tit for tat", N, false}, // only the plural is listed, for this idiom
	{"assistant coach", N, false},
	{"embassy", N, false},
	{"harassment is bad", N, false},
	{"passport", N, false},
	{"analysis", N, false},
	{"arsenal won", N, false},
	{"butterfly", N, false},
	{"cumulative score", N, false},
	{"succumb", N, false},
	{"scrapbook", N, false},
	{"grape juice", N, false},
	{"hope you win", N, false},
	{"you should try", N, false},
	{"kill yourselfish", N, false},
	{"🙂🙂🙂", N, false},
	{"こんにちは", N, false},
	{"привет", N, false},
	{"I'm dying of laughter", N, false},
	{"the shit", P, false},
	{"Glasses", N, false},
	{"compass", N, false},
}

// TestFilterTable judges every case, prints precision and recall over all of them (hits
// of any category count as positives), and fails on any case not marked hard.
func TestFilterTable(t *testing.T) {
	f := newFilter(t)
	if len(filterCases) < 200 {
		t.Fatalf("only %d cases; the issue asks for at least 200", len(filterCases))
	}
	var tp, fp, fn, tn int
	for _, c := range filterCases {
		got := f.Check(c.text)
		switch {
		case got.Hit() && c.want != None:
			tp++
		case got.Hit():
			fp++
		case c.want != None:
			fn++
		default:
			tn++
		}
		if got.Category != c.want && !c.hard {
			t.Errorf("Check(%q) = %v %v, want %v", c.text, got.Category, got.Matches, c.want)
		}
		if got.Category == c.want && c.hard {
			t.Logf("hard case %q now passes: unmark it", c.text)
		}
	}
	precision := float64(tp) / float64(tp+fp)
	recall := float64(tp) / float64(tp+fn)
	t.Logf("%d cases: tp=%d fp=%d fn=%d tn=%d precision=%.3f recall=%.3f", len(filterCases), tp, fp, fn, tn, precision, recall)
	if precision < 0.98 || recall < 0.97 {
		t.Errorf("precision %.3f, recall %.3f: below 0.98 / 0.97", precision, recall)
	}
}

// innocentWords are common English words (and names) that contain a listed word.
var innocentWords = strings.Fields(`
class classic classroom classes classify glass glasses grass brass bass mass massive pass passage passenger
password compass embassy ambassador assassin assassinate assess assessment asset assign assignment assist
assistant associate assume assumption bassoon basement hassle tassel vassal chassis molasses amass carcass
jurassic potassium picasso cassava sassafras morass crass impasse encompass trespass surpass bypass
overpass lasso harass cassette scunthorpe cocktail cockpit peacock hancock cockroach shuttlecock cockatoo
hitchcock woodcock cocky dickens dickinson dictionary addict verdict predict benedict prickly document
cucumber circumstance accumulate cumulative cumin cumbersome incumbent succumb title titanic titan
constitution competition petition altitude attitude appetite therapist grape skyscraper shiitake
mississippi cushion pussycat pussyfoot swank swanky analysis analyst canal banal arsenal arsenic
butter button butterfly buttress sextant sussex essex spice spicy hospice conspicuous auspicious
specific retardant niger nigeria niggardly snigger niggle shift shirt shilling skill skills kill killer
hello shell shellfish sheet shoot shot shut white whiteboard hitch kitchen pitch stitch ditch
scrap scrape bitcoin cocoon raccoon tycoon dike spick cassock hassock cockerel pistachio pistol piston
tithe titter titular titanium matinee sluice cuckoo fagin
`)

func TestNoFalsePositivesOnCommonWords(t *testing.T) {
	f := newFilter(t)
	if len(innocentWords) < 100 {
		t.Fatalf("only %d words; want at least 100", len(innocentWords))
	}
	for _, w := range innocentWords {
		for _, form := range []string{w, strings.ToUpper(w), strings.ToUpper(w[:1]) + w[1:], "the " + w + " is here"} {
			if r := f.Check(form); r.Hit() {
				t.Errorf("false positive: %q flagged as %v %v", form, r.Category, r.Matches)
			}
		}
	}
	t.Logf("%d innocent words, 4 forms each: no false positive", len(innocentWords))
}

func TestMatchesAndLevels(t *testing.T) {
	f := newFilter(t)
	r := f.Check("fucking shit, f u c k")
	if !slices.Equal(r.Matches, []string{"fuck", "shit"}) {
		t.Errorf("matches = %v, want each word once", r.Matches)
	}
	for _, c := range []struct {
		text string
		min  int
	}{{"hello", 0}, {"shit", 0}, {"kys", 2}, {"retard", 3}, {"kys retard", 3}} {
		if got := f.Check(c.text).MinLevel(); got != c.min {
			t.Errorf("MinLevel(%q) = %d, want %d", c.text, got, c.min)
		}
	}
}

// Every listed word is caught as written, so a typo in a list that makes an entry
// unmatchable shows up here.
func TestEveryListedWordMatches(t *testing.T) {
	f := newFilter(t)
	for _, e := range f.all {
		if r := f.Check(e.word); !r.Hit() {
			t.Errorf("listed word %q is not caught", e.word)
		}
	}
	for _, ps := range f.phrases {
		for _, p := range ps {
			if r := f.Check(p.text); r.Category != p.category {
				t.Errorf("listed phrase %q: got %v", p.text, r.Category)
			}
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"HeLLo", "hello"},
		{"ｆｕｌｌ", "full"},
		{"café", "cafe"},
		{"a\u200bb", "ab"},
		{"Ѕhіt", "shit"},
		{"𝐁𝐨𝐥𝐝", "bold"},
		{"\xff\xfeok", "ok"},
		{"tab\there", "tab\there"},
		{"non\u00a0break", "non break"},
	} {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// benchMessages is a mix of ordinary chat, with a few obfuscated hits and some Unicode.
var benchMessages = []string{
	"gg wp that was a great match, see you tomorrow",
	"anyone up for a 2v2 wager? stake 10m, EU, I play CF",
	"lmao did you see that goal from outside the box",
	"!checkvalue @player1",
	"the assessment of the class was fair, pass the ball more",
	"f u c k this lag honestly",
	"that was such sh1t defending",
	"Scunthorpe is a real town btw",
	"héllo ｗｏｒｌｄ, café time ☕",
	"I think we need better positioning on defense, our CM keeps drifting forward and leaving gaps",
}

// BenchmarkCheck reports messages per second on one core (run with -cpu 1).
func BenchmarkCheck(b *testing.B) {
	f := newFilter(b)
	var bytes int
	for _, m := range benchMessages {
		bytes += len(m)
	}
	b.SetBytes(int64(bytes / len(benchMessages)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		f.Check(benchMessages[i%len(benchMessages)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
