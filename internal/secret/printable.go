package secret

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable is the one rule for text from outside (an input, a file, the
// environment, a server) in anything the program prints: valid UTF-8, no C0
// or C1 control character (ESC, the 8-bit CSI 0x9b, DEL, line breaks), no
// bidi override, isolate or mark, no other invisible character that could
// hide or reorder text (Unicode's format characters, default-ignorable
// fillers, variation selectors), and at most n bytes, cut on a rune
// boundary and marked with "…". A terminal or the job log then shows
// exactly what is written: no escape sequence reaches it (OSC 52 writes the
// clipboard, CSI moves the cursor), no text is hidden or reversed, and one
// hostile value cannot make a line of kilobytes.
//
// Spaces, tabs and line breaks become one space each; every other character
// refused becomes U+FFFD, so that the reader sees something was there.
// Only the first 4n bytes of s are read.
//
// Every message that shows outside text passes through it: Quote (a
// user's value), ghtext.Message (a server's text), and, as the last line of
// defence, every line a Writer writes (printableText, unbounded there: a
// line's length is its writer's to bound).
func Printable(s string, n int) string {
	long := len(s) > 4*n
	if long {
		s = s[:4*n] // read what can be shown, not a megabyte
	}
	s = printableText(s)
	if !long && len(s) <= n {
		return s
	}
	return cut(s, n)
}

// IsPrintable reports whether s passes Printable's character rule as it
// is: a value that must be used exactly as given (a URL) is refused when
// it does not, rather than shown changed.
func IsPrintable(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, isNotPrintable) < 0
}

// printableText applies Printable's character rule to all of s.
func printableText(s string) string {
	if !strings.ContainsFunc(s, isNotPrintable) && utf8.ValidString(s) {
		return s // the common case: no copy
	}
	return strings.Map(func(r rune) rune {
		switch {
		case !isNotPrintable(r):
			return r
		case unicode.IsSpace(r):
			return ' '
		}
		return utf8.RuneError
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

// isNotPrintable is the rule for one character. unicode.IsGraphic leaves
// out every control (Cc), format character (Cf: the bidi controls U+200E,
// U+200F, U+202A–U+202E, U+2066–U+2069 and U+061C among them, zero-width
// spaces and joiners, the soft hyphen), line and paragraph separator,
// private-use and unassigned code point; the two tables add what Unicode
// renders as nothing although it is a letter or a mark (the Hangul fillers
// U+115F and U+3164, the combining grapheme joiner, variation selectors).
func isNotPrintable(r rune) bool {
	return !unicode.IsGraphic(r) ||
		unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// cutMark ends a text cut short.
const cutMark = "…"

// cut shortens s to at most n bytes, on a rune boundary, and marks the cut.
func cut(s string, n int) string {
	mark := cutMark
	if n < len(mark) {
		mark = "" // no room for it
	}
	i := min(len(s), n-len(mark))
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + mark
}
