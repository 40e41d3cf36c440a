package secret

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

// refused lists what the rule must never let through: every C0 control,
// DEL, every C1 control (the 8-bit CSI U+009B among them), the bidi
// overrides, isolates and marks, and the invisible characters that can
// hide text.
func refused() []rune {
	var rs []rune
	for r := rune(0); r < 0x20; r++ {
		rs = append(rs, r)
	}
	for r := rune(0x7f); r <= 0x9f; r++ {
		rs = append(rs, r)
	}
	return append(rs,
		0x202a, 0x202b, 0x202c, 0x202d, 0x202e, // embeddings and overrides
		0x2066, 0x2067, 0x2068, 0x2069, // isolates
		0x200e, 0x200f, 0x061c, // marks
		0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad, 0x180e, // zero-width and soft hyphen
		0x2028, 0x2029, // line and paragraph separators
		0x115f, 0x3164, 0xffa0, 0x034f, // fillers, combining grapheme joiner
		0xfe0f, 0xe0100, // variation selectors
		0xe0041, 0xe007f, // tags
		0xe000, 0x10ffff, // private use, unassigned
	)
}

func TestPrintableRefusesControlsBidiAndInvisibles(t *testing.T) {
	t.Parallel()
	for _, r := range refused() {
		in := "a" + string(r) + "b"
		got := Printable(in, 100)
		if strings.ContainsRune(got, r) || IsPrintable(in) {
			t.Errorf("U+%04X: Printable = %q, IsPrintable = %t", r, got, IsPrintable(in))
		}
		if !strings.HasPrefix(got, "a") || !strings.HasSuffix(got, "b") || utf8.RuneCountInString(got) != 3 {
			t.Errorf("U+%04X: Printable = %q, want one character in its place", r, got)
		}
	}
	// As bytes: the 8-bit CSI and other bytes that are no UTF-8.
	for _, in := range []string{"a\x9b31mb", "a\xffb", "a\xe2\x80b"} {
		got := Printable(in, 100)
		if !utf8.ValidString(got) || IsPrintable(in) || strings.ContainsRune(got, 0x9b) {
			t.Errorf("Printable(%q) = %q", in, got)
		}
	}
	// Line breaks and tabs become spaces: the words stay apart.
	if got := Printable("one\r\ntwo\tthree\u2028four", 100); got != "one  two three four" {
		t.Errorf("Printable = %q", got)
	}
}

// What people write is left as it is: letters of every script, accents,
// punctuation, symbols, emoji, spaces of other widths.
func TestPrintableKeepsText(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"Not Found", "Bad credentials: the JWT's iss is wrong.", "café crème, Ελληνικά, 日本語, עברית, العربية", "✓ 🚀 – … «»", "a\u00a0b\u3000c", ""} {
		if got := Printable(s, 1<<10); got != s || !IsPrintable(s) {
			t.Errorf("Printable(%q) = %q, IsPrintable = %t", s, got, IsPrintable(s))
		}
	}
}

// A value of any length comes out at most n bytes, cut on a rune boundary
// and marked; only the first 4n bytes are read.
func TestPrintableIsBounded(t *testing.T) {
	t.Parallel()
	for _, in := range []string{strings.Repeat("x", 10<<10), strings.Repeat("é", 10<<10), strings.Repeat("\x1b", 10<<10), strings.Repeat("\xff", 10<<10)} {
		got := Printable(in, 200)
		if len(got) > 200 || !utf8.ValidString(got) || !strings.HasSuffix(got, cutMark) {
			t.Errorf("Printable(%.8q… of %d bytes) = %d bytes, %.20q…", in, len(in), len(got), got)
		}
	}
	if got := Printable("short", 200); got != "short" {
		t.Errorf("Printable = %q", got)
	}
	if got := Printable(strings.Repeat("é", 10), 9); got != "ééé"+cutMark {
		t.Errorf("cut inside a rune: %q", got)
	}
	if got := Printable("abcdef", 2); got != "ab" {
		t.Errorf("Printable with a bound under the mark's length = %q", got)
	}
}

// A user's value is Go-quoted and held to the rule: the invisible letters
// strconv.Quote keeps are replaced too.
func TestQuoteIsPrintable(t *testing.T) {
	t.Parallel()
	for _, r := range refused() {
		got := Quote("a" + string(r) + "b")
		if strings.ContainsRune(got, r) || !IsPrintable(got) {
			t.Errorf("U+%04X: Quote = %q", r, got)
		}
	}
	if got := Quote("a\u202eb"); got != `"a\u202eb"` {
		t.Errorf("Quote = %s: Go's escape shows what was there", got)
	}
}

// QuoteCut shows long text cut at its bound, still quoted whole (the
// closing quote kept) and held to the rule.
func TestQuoteCut(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"main", `"main"`},
		{"12345", `"12345"`},
		{"123456", `"12…"`},
		{"a\nb", `"a\nb"`},
		{"a\u3164b", "\"a\uFFFDb\""},
		{"ééé", `"é…"`},
	} {
		if got := QuoteCut(tc.in, 5); got != tc.want {
			t.Errorf("QuoteCut(%q, 5) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// Every line a Writer writes holds to the rule, whichever code wrote it:
// the last line of defence for text nobody routed through Printable.
func TestWriterWritesOnlyPrintableText(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	w := &Writer{W: &out}
	var line strings.Builder
	for _, r := range refused() {
		line.WriteString("x" + string(r))
	}
	line.WriteString("\x9b\xff ok\n")
	if _, err := w.Write([]byte(line.String())); err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSuffix(out.String(), "\n")
	if strings.Contains(got, "\n") || !IsPrintable(got) || !strings.HasSuffix(got, " ok") {
		t.Errorf("the Writer wrote %q", got)
	}
	if _, err := w.Write([]byte("::add-mask::x\n")); err != nil || !strings.HasSuffix(out.String(), "\n::add-mask::x\n") {
		t.Errorf("a mask command must pass as it is: %q, %v", out.String(), err)
	}
}

// Pieces finds MinFragment characters or more of a secret in a value, as
// written, mangled or base64-encoded; never in a shorter value, never of a
// shorter secret.
func TestPiecesFindsPiecesOfLongSecrets(t *testing.T) {
	t.Parallel()
	const line = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
	p := NewPieces(line, "short")
	for _, v := range []string{line, line[10:30], "owner-" + line[20:45], line[5:20] + "\\n" + line[20:30], base64.StdEncoding.EncodeToString([]byte(line))[8:40]} {
		if !p.In(v) {
			t.Errorf("In(%q) = false", v)
		}
	}
	for _, v := range []string{line[10:29], "short", "a", "123", "Iv23liABCDEFGHIJKLMN", "octo-org/app,octo-org/infra"} {
		if p.In(v) {
			t.Errorf("In(%q) = true", v)
		}
	}
	if NewPieces("short", "").In(strings.Repeat("short", 10)) || (&Pieces{}).In(line) {
		t.Error("a short secret, or none, must find nothing")
	}
}
