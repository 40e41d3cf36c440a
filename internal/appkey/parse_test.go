package appkey

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// acceptedForm is one way users paste the shared test key.
type acceptedForm struct {
	name  string
	input string
	clean string // the clean PEM the input was derived from: its body lines are what Mask must cover
	mask  bool   // whether the caller must register masks (false only for an already clean PEM)
}

func acceptedForms(t testing.TB) []acceptedForm {
	k := testKey(t)
	p1 := pemPKCS1(k)
	p8 := pemPKCS8(t, k)
	crlf := strings.ReplaceAll(p1, "\n", "\r\n")
	b64 := base64.StdEncoding.EncodeToString([]byte(p1))
	jsonEscaped, err := json.Marshal(p1)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	var indented strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(p1), "\n") {
		indented.WriteString("  " + l + " \t\n")
	}
	return []acceptedForm{
		{name: "PKCS#1 PEM", input: p1, clean: p1},
		{name: "PKCS#8 PEM", input: p8, clean: p8},
		{name: "PEM without final newline", input: strings.TrimSuffix(p1, "\n"), clean: p1},
		{name: "whitespace around the value", input: " \n\t" + p1 + "\n\n ", clean: p1},
		{name: "CRLF line ends", input: crlf, clean: p1, mask: true},
		{name: "whitespace around each line", input: indented.String(), clean: p1, mask: true},
		{name: "literal \\n escapes", input: strings.ReplaceAll(p1, "\n", `\n`), clean: p1, mask: true},
		{name: "literal \\r\\n escapes", input: strings.ReplaceAll(p1, "\n", `\r\n`), clean: p1, mask: true},
		{name: "escaped twice", input: strings.ReplaceAll(p1, "\n", `\\n`), clean: p1, mask: true},
		{name: "JSON string", input: string(jsonEscaped), clean: p1, mask: true},
		{name: "JSON string with escaped slashes", input: strings.ReplaceAll(string(jsonEscaped), "/", `\/`), clean: p1, mask: true},
		{name: "double quotes", input: `"` + p1 + `"`, clean: p1, mask: true},
		{name: "single quotes", input: "'" + p1 + "'", clean: p1, mask: true},
		{name: "PKCS#8 in quotes with escapes", input: `'` + strings.ReplaceAll(p8, "\n", `\n`) + `'`, clean: p8, mask: true},
		{name: "squashed onto one line with spaces", input: strings.Join(strings.Split(strings.TrimSpace(p1), "\n"), " "), clean: p1, mask: true},
		{name: "squashed onto one line without spaces", input: strings.ReplaceAll(p1, "\n", ""), clean: p1, mask: true},
		{name: "text before BEGIN (openssl pkcs12 bag attributes)", input: "Bag Attributes\n    localKeyID: 01 02\nKey Attributes: <No Attributes>\n" + p8, clean: p8, mask: true},
		{name: "PKCS#1 DER under a PRIVATE KEY label", input: strings.ReplaceAll(p1, labelPKCS1, labelPKCS8), clean: strings.ReplaceAll(p1, labelPKCS1, labelPKCS8), mask: false},
		{name: "PKCS#8 DER under an RSA PRIVATE KEY label", input: strings.ReplaceAll(p8, labelPKCS8, labelPKCS1), clean: strings.ReplaceAll(p8, labelPKCS8, labelPKCS1), mask: false},
		{name: "base64 of PEM", input: b64, clean: p1, mask: true},
		{name: "base64 of PEM wrapped at 76", input: wrapLines(b64, 76) + "\n", clean: p1, mask: true},
		{name: "base64 of PEM without padding", input: base64.RawStdEncoding.EncodeToString([]byte(paddable(p1))), clean: p1, mask: true},
		// Base64 of PEM text alone never uses the characters where the alphabets differ; the "~"
		// after END (ignored by Parse, as a note after the key would be) makes them appear.
		{name: "base64 URL alphabet", input: base64.URLEncoding.EncodeToString([]byte(p1 + "~~~\n")), clean: p1, mask: true},
		{name: "base64 URL alphabet without padding", input: base64.RawURLEncoding.EncodeToString([]byte(paddable(p8 + "~~~"))), clean: p8, mask: true},
		{name: "base64 of PKCS#8 PEM", input: base64.StdEncoding.EncodeToString([]byte(p8)), clean: p8, mask: true},
		{name: "base64 of CRLF PEM", input: base64.StdEncoding.EncodeToString([]byte(crlf)), clean: p1, mask: true},
		{name: "base64 in quotes", input: `"` + b64 + `"`, clean: p1, mask: true},
	}
}

// paddable appends newlines to s until standard base64 would pad it, so that the unpadded cases
// really lack padding.
func paddable(s string) string {
	for len(s)%3 == 0 {
		s += "\n"
	}
	return s
}

func TestParseAcceptsEveryForm(t *testing.T) {
	t.Parallel()
	want := testKey(t)
	for _, tc := range acceptedForms(t) {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.input)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !got.RSA.Equal(want) {
				t.Fatal("parsed key differs from the original")
			}
			body := bodyOf(tc.clean)
			if !tc.mask {
				if len(got.Mask) != 0 {
					t.Fatalf("clean PEM needs no masks, got %d", len(got.Mask))
				}
				return
			}
			for i, l := range body {
				if !slices.Contains(got.Mask, l) {
					t.Errorf("body line %d is not in Mask", i)
				}
			}
			joined := strings.Join(body, "")
			seen := map[string]bool{}
			for i, m := range got.Mask {
				if m == "" || !strings.Contains(joined, m) {
					t.Errorf("Mask[%d] is not a part of the key's body", i)
				}
				if seen[m] {
					t.Errorf("Mask[%d] repeats an earlier entry", i)
				}
				seen[m] = true
			}
		})
	}
}

// The URL-alphabet and unpadded cases only test something if the encoding actually used '-' or
// '_', and if standard encoding would have padded.
func TestBase64URLFormsUseTheURLAlphabet(t *testing.T) {
	t.Parallel()
	for _, tc := range acceptedForms(t) {
		if strings.Contains(tc.name, "URL alphabet") && !strings.ContainsAny(tc.input, "-_") {
			t.Errorf("%s: input has no URL-only characters", tc.name)
		}
		if strings.Contains(tc.name, "without padding") && len(tc.input)%4 == 0 {
			t.Errorf("%s: input length needs no padding", tc.name)
		}
	}
}

func TestParseMaskRepeatsNoLine(t *testing.T) {
	t.Parallel()
	// Two identical body lines (possible in a crafted but valid DER) must be masked once.
	lines := []string{"AAAA", "BBBB", "AAAA", "CCCC", "BBBB"}
	if got, want := uniqueLines(lines), []string{"AAAA", "BBBB", "CCCC"}; !slices.Equal(got, want) {
		t.Fatalf("uniqueLines = %q, want %q", got, want)
	}
}
