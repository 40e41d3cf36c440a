package secret

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// keyLine and token stand for a key's body line and an installation token
// the redactor was told about.
const (
	keyLine = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
	keyLin2 = "Q7mXZ1o0iRk8+/2vbqFj3cLp9TnH4sWdG6eUa5rYxKzAfPJ0lMhNtBgCiDoEyVwS"
	token   = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
	longTok = "ghs_V1.dGhpcyBpcyBhIGxvbmcgc3RhdGVsZXNzIHRva2Vu_QmFzZTY0.c2lnbmF0dXJl"
)

func knowing(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// jsonEscapeAll writes every character of s as a \u escape, as a JSON
// encoder that escapes everything does.
func jsonEscapeAll(s string) string {
	var b strings.Builder
	for _, c := range s {
		fmt.Fprintf(&b, `\u%04x`, c)
	}
	return b.String()
}

func percentAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// Every way a server, proxy or encoder realistically hands a known secret
// back is hidden; each case names the secret's parts that must be gone.
func TestRedactHidesMangledSecrets(t *testing.T) {
	t.Parallel()
	r := knowing(keyLine, keyLin2, token, longTok, jwt)
	pem := "-----BEGIN RSA PRIVATE KEY-----\n" + keyLine + "\n" + keyLin2 + "\n-----END RSA PRIVATE KEY-----\n"
	sig := jwt[strings.LastIndex(jwt, ".")+1:]
	tests := []struct {
		name, in string
		gone     []string
	}{
		{"whole", "echo " + token + " done", []string{token[4:24]}},
		{"long token form", "token=" + longTok, []string{longTok[5:25], longTok[30:50]}},
		{"line break inside", "Bearer " + jwt[:70] + "\n" + jwt[70:], []string{jwt[50:70], jwt[70:90], sig[:20]}},
		{"escaped line break inside", `"auth":"` + jwt[:70] + `\n` + jwt[70:] + `"`, []string{jwt[50:70], jwt[70:90], sig[:20]}},
		{"CRLF inside", keyLine[:30] + "\r\n" + keyLine[30:], []string{keyLine[:20], keyLine[40:]}},
		{"space inside", "key " + keyLine[:33] + " " + keyLine[33:], []string{keyLine[:20], keyLine[40:]}},
		{"spaces every 8", spaced(keyLine, 8), []string{keyLine[:8] + " " + keyLine[8:16]}},
		{"JSON \\u escapes, every character", `{"echo":"` + jsonEscapeAll(jwt) + `"}`, []string{jsonEscapeAll(sig[:20])}},
		{"JSON \\u escape at the start", `{"echo":"\u0065` + jwt[1:] + `"}`, []string{jwt[1:21], sig[:20]}},
		{"JSON escaped twice", `{"echo":"` + strings.ReplaceAll(jsonEscapeAll(token), `\`, `\\`) + `"}`, []string{jsonEscapeAll(token[20:])[10:40]}},
		{"JSON \\/ escape", `"` + strings.ReplaceAll(keyLin2, "/", `\/`) + `"`, []string{keyLin2[20:40]}},
		{"percent-encoded, every byte", "GET /?t=" + percentAll(token), []string{percentAll(token[10:30])}},
		{"percent-encoded, as a query", "GET /?k=" + url.QueryEscape(keyLin2), []string{keyLin2[30:50], url.QueryEscape(keyLin2)[:20]}},
		{"percent-encoded twice", "GET /?k=" + url.QueryEscape(url.QueryEscape(keyLin2)), []string{keyLin2[30:50]}},
		{"base64 of the PEM", "got " + base64.StdEncoding.EncodeToString([]byte(pem)), []string{b64At(pem, keyLine)[4:24], b64At(pem, keyLin2)[4:24]}},
		{"base64url of the token", "x=" + base64.RawURLEncoding.EncodeToString([]byte("Bearer "+token)), []string{base64.RawURLEncoding.EncodeToString([]byte("Bearer " + token))[12:32]}},
		{"base64 of the JWT, wrapped at 76", wrap(base64.StdEncoding.EncodeToString([]byte(jwt)), 76), []string{base64.StdEncoding.EncodeToString([]byte(jwt))[80:100]}},
		{"a 20-character piece", "cut: " + keyLine[17:37] + "…", []string{keyLine[17:37]}},
		{"a 20-character piece of a signature", "sig " + sig[3:23] + ")", []string{sig[3:23]}},
		{"two halves on two lines", "first " + token[:20] + "\nthen " + token[20:], []string{token[:20], token[20:]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := r.Redact(tt.in)
			if !strings.Contains(out, Hidden) {
				t.Fatalf("Redact(%q) = %q hides nothing", tt.in, out)
			}
			for _, g := range tt.gone {
				if strings.Contains(out, g) {
					t.Errorf("Redact(%q)\n= %q\nstill holds %q", tt.in, out, g)
				}
			}
		})
	}
}

// spaced puts a space after every n characters.
func spaced(s string, n int) string {
	var parts []string
	for len(s) > n {
		parts, s = append(parts, s[:n]), s[n:]
	}
	return strings.Join(append(parts, s), " ")
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	return b.String() + s
}

// b64At is the part of text's base64 encoding that encodes part alone.
func b64At(text, part string) string {
	i := strings.Index(text, part)
	enc := base64.StdEncoding.EncodeToString([]byte(text))
	return enc[(i+2)/3*4 : (i+len(part))/3*4]
}

// A piece shorter than MinFragment is not a secret's: text with a
// 19-character piece of a key line stays as it is, and so does ordinary
// text full of escapes and spaces.
func TestRedactKeepsShortPiecesAndOrdinaryText(t *testing.T) {
	t.Parallel()
	r := knowing(keyLine, token, jwt)
	for _, s := range []string{
		"a piece " + keyLine[10:29] + " is too short to be one",
		`{"message":"Bad credentials","documentation_url":"https:\/\/docs.github.com\/rest"}`,
		"GET /app/installations?per_page=100&page=2: 502 Bad Gateway; retrying in 1.2s (try 2 of 4)",
		"path%2Fwith%20escapes and \\n escaped breaks \\u00e9t\\u00e9",
		"",
	} {
		if got := r.Redact(s); got != s {
			t.Errorf("Redact changed\n%q\ninto\n%q", s, got)
		}
	}
}

// What is hidden is exactly the stretch the secret was read from: the text
// around it stays readable.
func TestRedactHidesOnlyTheSecretsStretch(t *testing.T) {
	t.Parallel()
	r := knowing(token, keyLine)
	for in, want := range map[string]string{
		"before " + token + " after":                     "before *** after",
		"q=" + percentAll(token) + "&page=2":             "q=***&page=2",
		"a " + keyLine[:30] + "\n" + keyLine[30:] + " z": "a *** z",
		`x "` + jsonEscapeAll(token) + `" y`:             `x "***" y`,
		"tail " + keyLine[40:] + ".":                     "tail ***.",
	} {
		if got := r.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// Credential shapes the redactor was never told about are found behind
// escapes too.
func TestRedactFindsShapesBehindEscapes(t *testing.T) {
	t.Parallel()
	var r Redactor
	for _, in := range []string{
		`{"echo":"\u0065yJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ4In0.c2ln"}`,
		"token ghs%5F16C7e42F292c6912E7710c838347Ae178B4a",
		`auth: Bearer\u0020abcdefghijklmnopqrstuvwxyz012345`,
	} {
		out := r.Redact(in)
		for _, part := range []string{"hbGciOiJSUz", "16C7e42F292c", "abcdefghijklmnop"} {
			if strings.Contains(out, part) {
				t.Errorf("Redact(%q) = %q still holds %q", in, out, part)
			}
		}
	}
}

// A short secret is hidden whole; Add ignores empty and repeated secrets.
func TestRedactorShortSecretsAndRepeats(t *testing.T) {
	t.Parallel()
	r := knowing("hunter2", "", "hunter2", token, token)
	if got := r.Redact("pw hunter2, tok " + token); got != "pw ***, tok ***" {
		t.Errorf("Redact = %q", got)
	}
	if len(r.short) != 1 || len(r.long) != 1 {
		t.Errorf("short %d, long %d: repeats kept", len(r.short), len(r.long))
	}
	if got := (&Redactor{}).Redact("nothing known " + keyLine[:30]); got != "nothing known "+keyLine[:30] {
		t.Errorf("an empty redactor changed text: %q", got)
	}
}

// forms holds the secret and its three base64 readings, each of which is
// found, the URL alphabet read as the standard one, inside an encoding of
// a longer text at its own alignment.
func TestFormsFindTheSecretInsideAnyEncoding(t *testing.T) {
	t.Parallel()
	f := forms(keyLin2)
	if len(f) != 4 || string(f[0]) != keyLin2 {
		t.Fatalf("forms = %q", f)
	}
	for pad := range 3 {
		text := strings.Repeat("x", pad) + keyLin2 + "yz"
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			e := enc.EncodeToString([]byte(text))
			folded := string(mapBytes(fold, []byte(e)))
			found := 0
			for _, form := range f[1:] {
				if len(form) < len(keyLin2) {
					t.Errorf("form %q is too short", form)
				}
				if strings.Contains(folded, string(form)) {
					found++
				}
			}
			if found != 1 {
				t.Errorf("%d forms of the secret in %q (pad %d), want 1", found, e, pad)
			}
		}
	}
}

func mapBytes(f func(byte) byte, b []byte) []byte {
	for i := range b {
		b[i] = f(b[i])
	}
	return b
}

// A secret holding '-' or '_' is found as written and in the other
// alphabet, and a secret whose base64 holds '+' and '/' is found
// base64-encoded in either alphabet: the two alphabets are read as one.
func TestRedactReadsBothBase64Alphabets(t *testing.T) {
	t.Parallel()
	const urlish = "abc-def_ghi-jkl_mno-pqr_stu" // a JWT's alphabet
	const odd = "s3cret~value?with>odd}bytes~~~"
	r := knowing(urlish, odd)
	std := strings.NewReplacer("-", "+", "_", "/").Replace(urlish)
	inputs := []string{urlish, std}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		e := enc.EncodeToString([]byte("a " + odd + " z"))
		if !strings.ContainsAny(e, "+/-_") {
			t.Fatalf("the test needs an encoding with 62s and 63s: %q", e)
		}
		inputs = append(inputs, e)
	}
	for _, in := range inputs {
		if got := r.Redact("<" + in + ">"); !strings.Contains(got, Hidden) || strings.Contains(got, in[6:26]) {
			t.Errorf("Redact(<%s>) = %q", in, got)
		}
	}
	if got := fold('a'); got != 'a' {
		t.Errorf("fold('a') = %q", got)
	}
}

// The writer holds a line until its end: a secret cut across two writes,
// or with a line break inside one write, is hidden whole, and Close writes
// what is left.
func TestWriterScrubsAcrossWrites(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	w := &Writer{W: &out, Redactor: knowing(token, jwt)}
	for _, s := range []string{"echo " + token[:12], token[12:] + " end\n", "two lines " + jwt[:50] + "\n" + jwt[50:] + "\n", "::add-mask::" + token + "\n", "no end " + token[:30]} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if strings.Contains(out.String(), "no end") {
		t.Errorf("a line without its end was written before Close: %q", out.String())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := "echo *** end\ntwo lines ***\n::add-mask::" + token + "\nno end ***"
	if out.String() != want {
		t.Errorf("wrote\n%q\nwant\n%q", out.String(), want)
	}
	if err := w.Flush(); err != nil || out.String() != want {
		t.Errorf("a second flush wrote more: %q, %v", out.String(), err)
	}
}

// A caller that never ends its line gets it written in MaxPending pieces,
// so the writer's memory stays bounded.
func TestWriterBoundsWhatItHolds(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	w := &Writer{W: &out}
	chunk := strings.Repeat("a", 1<<10)
	for range MaxPending / len(chunk) {
		_, _ = w.Write([]byte(chunk))
	}
	if out.Len() != MaxPending || len(w.pending) != 0 {
		t.Errorf("after %d bytes: written %d, held %d", MaxPending, out.Len(), len(w.pending))
	}
	_, _ = w.Write([]byte("b"))
	if out.Len() != MaxPending || len(w.pending) != 1 {
		t.Errorf("written %d, held %d; want the next byte held", out.Len(), len(w.pending))
	}
}
