package secret

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// decode reads escapes and, when asked, drops whitespace; every byte it
// gives maps back to the stretch of the text it came from.
func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		strip       bool
		text        string
		first, last span // stretches of the first and last bytes
	}{
		{"ab", false, "ab", span{0, 1}, span{1, 2}},
		{"a b\tc\r\nd", true, "abcd", span{0, 1}, span{7, 8}},
		{"a b", false, "a b", span{0, 1}, span{2, 3}},
		{`\u0041\u00e9`, false, "Aé", span{0, 6}, span{6, 12}},
		{`\u0041\u00E9`, true, "Aé", span{0, 6}, span{6, 12}},
		{`\u0020x`, true, "x", span{6, 7}, span{6, 7}},
		{`\u0020x`, false, " x", span{0, 6}, span{6, 7}},
		{`x\\u0041`, false, "xA", span{0, 1}, span{1, 8}},
		{`a\nb\rc\td`, true, "abcd", span{0, 1}, span{9, 10}},
		{`a\nb`, false, "a b", span{0, 1}, span{3, 4}},
		{`a\/b`, true, "a/b", span{0, 1}, span{3, 4}},
		{`a\qb`, true, `a\qb`, span{0, 1}, span{3, 4}},
		{`ab\`, true, `ab\`, span{0, 1}, span{2, 3}},
		{`\u00`, true, `\u00`, span{0, 1}, span{3, 4}},
		{`\u00g1`, true, `\u00g1`, span{0, 1}, span{5, 6}},
		{"%41%2f%2F%7a", true, "A//z", span{0, 3}, span{9, 12}},
		{"%2541x", true, "Ax", span{0, 5}, span{5, 6}},
		{"%252541", true, "A", span{0, 7}, span{0, 7}},
		{"%20x%0A", true, "x", span{3, 4}, span{3, 4}},
		{"%20x", false, " x", span{0, 3}, span{3, 4}},
		{"%4", true, "%4", span{0, 1}, span{1, 2}},
		{"%4g", true, "%4g", span{0, 1}, span{2, 3}},
		{"%%41", true, "%A", span{0, 1}, span{1, 4}},
		{"%25zz", true, "%zz", span{0, 3}, span{4, 5}},
		{"\v\fx", true, "x", span{2, 3}, span{2, 3}},
	}
	for _, tt := range tests {
		d := decode(tt.in, tt.strip)
		if string(d.text) != tt.text {
			t.Errorf("decode(%q, %t) = %q, want %q", tt.in, tt.strip, d.text, tt.text)
			continue
		}
		if first, last := d.stretch(0, 1), d.stretch(len(d.text)-1, len(d.text)); first != tt.first || last != tt.last {
			t.Errorf("decode(%q, %t): first byte from %v, last from %v; want %v, %v", tt.in, tt.strip, first, last, tt.first, tt.last)
		}
	}
}

func TestHexAndSpaceAlphabets(t *testing.T) {
	t.Parallel()
	const digits = "0123456789abcdefABCDEF"
	for i := range 256 {
		b := byte(i)
		at := strings.IndexByte(digits, b)
		if isHex(b) != (at >= 0) {
			t.Errorf("isHex(%q) = %t", b, isHex(b))
		}
		if at >= 16 {
			at -= 6
		}
		if at >= 0 && unhex(b) != byte(at) {
			t.Errorf("unhex(%q) = %d, want %d", b, unhex(b), at)
		}
		if isSpace(b) != strings.ContainsRune(" \t\n\r\v\f", rune(b)) {
			t.Errorf("isSpace(%q) = %t", b, isSpace(b))
		}
		if isSpace(b) != (strings.IndexByte(spaces, b) >= 0) {
			t.Errorf("spaces and isSpace disagree on %q", b)
		}
	}
}

func TestContainsFold(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"Bearer x": true, "BEARER": true, "a bEaReR": true, "bearer": true,
		"beare": false, "bearex bearer": true, "xbeareR": true, "": false, "bear er": false, "Bearee": false,
	} {
		if got := containsFold(s, "bearer"); got != want {
			t.Errorf("containsFold(%q) = %t", s, got)
		}
	}
}

// Spans found by more than one shape are sorted and joined before they
// are replaced.
func TestMergeSpans(t *testing.T) {
	t.Parallel()
	got := mergeSpans([]span{{10, 12}, {0, 3}, {3, 5}, {11, 20}, {30, 31}, {8, 9}})
	want := []span{{0, 5}, {8, 9}, {10, 20}, {30, 31}}
	if len(got) != len(want) {
		t.Fatalf("mergeSpans = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mergeSpans = %v, want %v", got, want)
		}
	}
	if got := replaceSpans("0123456789", []span{{1, 3}, {5, 6}}); got != "0***34***6789" {
		t.Errorf("replaceSpans = %q", got)
	}
	if got := replaceSpans("abc", nil); got != "abc" {
		t.Errorf("replaceSpans without spans = %q", got)
	}
}

// Two shapes behind escapes on one line are both hidden.
func TestScrubDecodedFindsEveryShape(t *testing.T) {
	t.Parallel()
	in := `a \u0067hs_16C7e42F292c6912E7710c838347Ae178B4a b \u0065yJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln c`
	if got := scrubDecoded(in); got != "a *** b *** c" {
		t.Errorf("scrubDecoded = %q", got)
	}
}

// A secret's windows are learnt exactly: one shorter than MinFragment adds
// nothing, and a window is found only where it is.
func TestFragmentSet(t *testing.T) {
	t.Parallel()
	var f fragmentSet
	f.add([]byte(strings.Repeat("x", MinFragment-1)))
	if !f.empty() {
		t.Fatal("a form shorter than MinFragment was learnt")
	}
	secret := "0123456789abcdefghijKLMNOP"
	f.add([]byte(secret))
	if f.empty() || f.n != len(secret)-MinFragment+1 {
		t.Fatalf("%d windows learnt, want %d", f.n, len(secret)-MinFragment+1)
	}
	f.add([]byte(secret[2:]))
	if f.n != len(secret)-MinFragment+1 {
		t.Fatalf("windows learnt twice: %d, want %d", f.n, len(secret)-MinFragment+1)
	}
	for i := 0; i+MinFragment <= len(secret); i++ {
		w := secret[i : i+MinFragment]
		if got := f.hide("<" + w + ">"); got != "<***>" {
			t.Errorf("window %d: hide = %q", i, got)
		}
	}
	for _, s := range []string{secret[1:MinFragment], "123456789abcdefghijk", strings.ToUpper(secret[:MinFragment])} {
		if got := f.hide(s); got != s {
			t.Errorf("hide(%q) = %q", s, got)
		}
	}
	if got := f.hide(secret[:MinFragment] + " mid " + secret[6:]); got != "*** mid ***" {
		t.Errorf("two separate pieces: %q", got)
	}
	if got := f.hide("x" + secret[:10] + "\n" + secret[10:] + "y"); got != "x***y" {
		t.Errorf("a piece across a line break: %q", got)
	}
}

// The table is sized once for what an add learns, at most three quarters
// full, and not made anew while that still holds; every window is found
// again after it grows.
func TestFragmentSetSizing(t *testing.T) {
	t.Parallel()
	var f fragmentSet
	f.reserve(768)
	if len(f.slots) != 1024 || f.shift != 64-10 {
		t.Fatalf("reserve(768): %d slots, shift %d; want 1024, 54", len(f.slots), f.shift)
	}
	before := &f.slots[0]
	if f.reserve(768); &f.slots[0] != before {
		t.Error("reserve within the table made a new one")
	}
	f.reserve(769)
	if len(f.slots) != 2048 {
		t.Errorf("reserve(769): %d slots, want 2048", len(f.slots))
	}
	for windows, slots := range map[int]int{768: 1024, 769: 2048} {
		var g fragmentSet
		g.add([]byte(randomText(windows+MinFragment-1, "0123456789abcdef")), []byte("short"))
		if len(g.slots) != slots {
			t.Errorf("a form of %d windows: %d slots, want %d", windows, len(g.slots), slots)
		}
	}
	secret := randomText(3000, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
	var g fragmentSet
	for i := 0; i+100 <= len(secret); i += 100 {
		g.add([]byte(secret[i : i+100]))
		if 4*g.n > 3*len(g.slots) {
			t.Fatalf("%d keys in %d slots", g.n, len(g.slots))
		}
	}
	if want := 30 * (100 - MinFragment + 1); g.n != want {
		t.Errorf("%d windows learnt, want %d", g.n, want)
	}
	for i := 0; i+100 <= len(secret); i += 100 {
		if got := g.hide(secret[i+40 : i+60]); got != Hidden {
			t.Fatalf("window at %d lost: %q", i+40, got)
		}
	}
}

// A key goes to its home slot, the top bits of its Fibonacci hash, or to a
// later one, wrapping at the table's end; keys meeting on the way stay
// ordered by home slot, those of one home in the order they came, and a
// missing key is given up on at the first key whose home is past its own.
func TestFragmentSetProbing(t *testing.T) {
	t.Parallel()
	var f fragmentSet
	f.reserve(6) // 8 slots
	if len(f.slots) != 8 {
		t.Fatalf("%d slots", len(f.slots))
	}
	byHome := map[int][]uint64{}
	for k := uint64(1); len(byHome[7]) < 3 || len(byHome[3]) < 3 || len(byHome[4]) < 1; k += 2 {
		h := int((k * 0x9E3779B97F4A7C15) >> 61)
		byHome[h] = append(byHome[h], k)
		if f.home(k) != h {
			t.Fatalf("home(%d) = %d, want %d", k, f.home(k), h)
		}
	}
	a, b, c := byHome[3][0], byHome[3][1], byHome[4][0]
	for _, k := range []uint64{a, c, b, a} {
		f.insert(k)
	}
	if f.slots[3] != a || f.slots[4] != b || f.slots[5] != c {
		t.Errorf("homes 3, 4, 3: slots %v", f.slots)
	}
	x, y, z := byHome[7][0], byHome[7][1], byHome[7][2]
	for _, k := range []uint64{x, y, z} {
		f.insert(k)
	}
	if f.slots[7] != x || f.slots[0] != y || f.slots[1] != z {
		t.Errorf("home 7 three times: slots %v", f.slots)
	}
	if f.n != 6 {
		t.Errorf("n = %d, want 6", f.n)
	}
	for _, k := range []uint64{a, b, c, x, y, z} {
		if !f.has(k) {
			t.Errorf("key %d not found", k)
		}
	}
	if f.has(byHome[3][2]) || f.has(byHome[7][2]+2) {
		t.Error("a missing key was found")
	}
	if slotKey(6) != 7 || slotKey(7) != 7 {
		t.Errorf("slotKey(6) = %d", slotKey(6))
	}
}

// Looks and Quote at their edges: 60 base64 characters with a '+' or '/'
// are a key line, 59 are not; 40 characters are shown, 41 are not.
func TestLooksAndQuoteEdges(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("A", 58) + "+/"
	for s, want := range map[string]bool{
		line:                     true,
		line[1:]:                 false,
		"MII" + line[:57]:        true,
		"MII" + line[:56]:        false,
		"AMII" + line[:57]:       true,
		"AMII" + line[:56]:       false,
		"MII" + line[:56] + " x": false,
		"x " + line + " y":       true,
		"x " + line[1:] + " y":   false,
		"x PRIVATE KEY y":        true,
		"a ----- b":              true,
		"---- four":              false,
		"ghs_" + line[:8]:        true,
		"ghs_" + line[:7]:        false,
		"Bearer " + line[:16]:    true,
		"Bearer " + line[:15]:    false,
		"eyJ" + line[:8]:         true,
		"eyJ" + line[:7]:         false,
		"contents: write":        false,
		"octo-org/app, website":  false,
	} {
		if got := Looks(s); got != want {
			t.Errorf("Looks(%q) = %t, want %t", s, got, want)
		}
	}
	if got := Quote(strings.Repeat("x", 40)); got != `"`+strings.Repeat("x", 40)+`"` {
		t.Errorf("Quote of 40 characters = %s", got)
	}
	if got := Quote(strings.Repeat("x", 41)); got != "a value of 41 characters (not shown)" {
		t.Errorf("Quote of 41 characters = %s", got)
	}
}

// Only a one-line ::add-mask:: command passes unscrubbed; one with a
// second line or a carriage return is an ordinary line.
func TestWriterPassesOnlyPlainMaskCommands(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"::add-mask::" + token + "\n":          "::add-mask::" + token + "\n",
		"::add-mask::" + token:                 "::add-mask::" + token,
		"::add-mask::x\n" + token + "\n":       `::add-mask::x\n***` + "\n",
		"::add-mask::" + token + "\r\n":        `::add-mask::***\r` + "\n",
		"say ::add-mask::" + token + "\n":      "say ::add-mask::***\n",
		"a\rb " + token + "\n":                 `a\rb ***` + "\n",
		"line one\nline two " + token + "\n\n": `line one\nline two ***\n` + "\n",
	} {
		var out strings.Builder
		w := &Writer{W: &out, Redactor: knowing(token)}
		_, _ = w.Write([]byte(in))
		_ = w.Close()
		if out.String() != want {
			t.Errorf("Write(%q) wrote %q, want %q", in, out.String(), want)
		}
	}
}

// A secret learnt twice, or in two spellings that read the same, is one
// secret.
func TestRedactorLearnsEachSecretOnce(t *testing.T) {
	t.Parallel()
	r := knowing(keyLine, keyLine, keyLine[:30]+"\n"+keyLine[30:], " "+keyLine)
	if len(r.long) != 1 || len(r.pending) != 1 {
		t.Errorf("%d long secrets, %d pending; want 1", len(r.long), len(r.pending))
	}
	_ = r.Redact("")
	n := r.frags.n
	if r.pending != nil || n == 0 {
		t.Errorf("Redact learnt %d windows, left %d secrets pending", n, len(r.pending))
	}
	r.Add(keyLin2)
	_ = r.Redact("")
	if len(r.long) != 2 || r.frags.n <= n {
		t.Errorf("a new secret was not learnt")
	}
}

// looksLikeKeyBody finds what the expression it stands for finds: a match
// of 60 characters or more, in texts made of runs of base64 characters of
// every length around 60, with and without '+', '/' and "MII" at every
// place, cut by other characters.
func TestLooksLikeKeyBodyMatchesItsPattern(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`(MII[A-Za-z0-9+/]{57,}|[A-Za-z0-9+/]*[+/][A-Za-z0-9+/]*)`)
	want := func(s string) bool {
		for _, m := range re.FindAllString(s, -1) {
			if len(m) >= 60 {
				return true
			}
		}
		return false
	}
	rng := rand.New(rand.NewChaCha8([32]byte{7}))
	pieces := []string{"MII", "+", "/", "A", "z", "9", "M", "MI", " ", "-", "é", "\n", "."}
	for range 3000 {
		var b strings.Builder
		for b.Len() < 40+rng.IntN(100) {
			p := pieces[rng.IntN(len(pieces))]
			if rng.IntN(3) > 0 {
				p = strings.Repeat("a", rng.IntN(70))
			}
			b.WriteString(p)
		}
		s := b.String()
		if got := looksLikeKeyBody(s); got != want(s) {
			t.Fatalf("looksLikeKeyBody(%q) = %t, the pattern says %t", s, got, want(s))
		}
	}
	class := regexp.MustCompile(`^[A-Za-z0-9+/]$`)
	for r := rune(0); r < 0x180; r++ {
		if isBase64Rune(r) != class.MatchString(string(r)) || isNotBase64Rune(r) == isBase64Rune(r) {
			t.Errorf("isBase64Rune(%q) = %t", r, isBase64Rune(r))
		}
	}
}
