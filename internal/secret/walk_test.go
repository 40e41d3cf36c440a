package secret

import (
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
	f.add(strings.Repeat("x", MinFragment-1))
	if !f.empty() {
		t.Fatal("a form shorter than MinFragment was learnt")
	}
	secret := "0123456789abcdefghijKLMNOP"
	f.add(secret)
	if f.empty() || len(f.hashes) != len(secret)-MinFragment+1 {
		t.Fatalf("%d windows learnt, want %d", len(f.hashes), len(secret)-MinFragment+1)
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

// Looks and Quote at their edges: 60 base64 characters with a '+' or '/'
// are a key line, 59 are not; 40 characters are shown, 41 are not.
func TestLooksAndQuoteEdges(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("A", 58) + "+/"
	for s, want := range map[string]bool{
		line:                    true,
		line[1:]:                false,
		"MII" + line[:57]:       true,
		"MII" + line[:56]:       false,
		"x PRIVATE KEY y":       true,
		"a ----- b":             true,
		"---- four":             false,
		"ghs_" + line[:8]:       true,
		"ghs_" + line[:7]:       false,
		"Bearer " + line[:16]:   true,
		"Bearer " + line[:15]:   false,
		"eyJ" + line[:8]:        true,
		"eyJ" + line[:7]:        false,
		"contents: write":       false,
		"octo-org/app, website": false,
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
	if len(r.long) != 1 {
		t.Errorf("%d long secrets, want 1", len(r.long))
	}
	n := len(r.frags.hashes)
	r.Add(keyLin2)
	if len(r.long) != 2 || len(r.frags.hashes) <= n {
		t.Errorf("a new secret was not learnt")
	}
}
