// Package secret keeps credentials out of everything the action writes. A
// Redactor knows the exact secrets of one run (the key's lines, every App JWT,
// the token) and also recognises the shapes of credentials it was never told
// about, such as a JWT a proxy echoed back cut in half. Its Writer sits
// between the action and the runner's log, so no line reaches the log
// unscrubbed, whichever code wrote it.
package secret

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Hidden replaces a credential in text.
const Hidden = "***"

// shapes match credentials by form: JWTs (a base64url JSON header always
// starts "eyJ"), GitHub's token prefixes (the classic 40-character form and
// the longer ones), a PEM block or its armour, and a Bearer credential.
// They run on every line the action writes, so they are anchored on rare
// prefixes, and each is tried only on text holding its hint. Each is
// compiled the first time text holds its hint: most runs never compile one
// (the counted repetitions of the PEM's armour alone compile into 80 copies
// of a character class).
var shapes = []shape{
	{func(s string) bool { return strings.Contains(s, "eyJ") },
		lazyRegexp(`eyJ[A-Za-z0-9_-]{8,}(\.[A-Za-z0-9_-]*){0,2}`)},
	{holdsTokenPrefix,
		lazyRegexp(`\b(gh[pousr]_|github_pat_)[A-Za-z0-9_.-]{8,}`)},
	{func(s string) bool { return strings.Contains(s, "-----BEGIN") },
		lazyRegexp(`-----BEGIN[^-]{0,40}-----[A-Za-z0-9+/=\s\\]*(-----END[^-]{0,40}-----)?`)},
	{func(s string) bool { return containsFold(s, "bearer") },
		lazyRegexp(`(?i)\bbearer\s+[A-Za-z0-9_.\-+/=]{16,}`)},
}

// shape is a credential's form and a test every match passes, to skip the
// expression on text that cannot match.
type shape struct {
	mayMatch func(s string) bool
	re       func() *regexp.Regexp
}

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// tokenPrefixes start every GitHub token the token shape matches.
var tokenPrefixes = [...]string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}

func holdsTokenPrefix(s string) bool {
	for _, p := range tokenPrefixes {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// containsFold reports whether s holds lower, an ASCII lower-case word, in
// any case, without copying s.
func containsFold(s, lower string) bool {
	for i := 0; i+len(lower) <= len(s); i++ {
		if s[i]|0x20 != lower[0] {
			continue
		}
		j := 1
		for j < len(lower) && s[i+j]|0x20 == lower[j] {
			j++
		}
		if j == len(lower) {
			return true
		}
	}
	return false
}

// looksLikeKeyBody reports whether s holds a line of a PEM body pasted
// without its armour: a run of 60 or more base64 characters (PEM lines have
// 64) holding a '+' or '/', or from the "MII" that starts every RSA key's
// DER. Config checks every setting with it on every run, so it scans s
// rather than compile the expression it stands for (kept in the tests as
// the reference): (MII[A-Za-z0-9+/]{57,}|[A-Za-z0-9+/]*[+/][A-Za-z0-9+/]*),
// a match of 60 or more.
func looksLikeKeyBody(s string) bool {
	for len(s) > 0 {
		i := strings.IndexFunc(s, isBase64Rune)
		if i < 0 {
			return false
		}
		s = s[i:]
		j := strings.IndexFunc(s, isNotBase64Rune)
		if j < 0 {
			j = len(s)
		}
		if run := s[:j]; len(run) >= 60 && (strings.ContainsAny(run, "+/") || fromMII(run) >= 60) {
			return true
		}
		s = s[j:]
	}
	return false
}

// fromMII is how long run is from its first "MII" on, or 0.
func fromMII(run string) int {
	if i := strings.Index(run, "MII"); i >= 0 {
		return len(run) - i
	}
	return 0
}

func isBase64Rune(r rune) bool {
	return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '+' || r == '/'
}

func isNotBase64Rune(r rune) bool { return !isBase64Rune(r) }

// Looks reports whether s holds something shaped like a credential: a JWT,
// a GitHub token, a PEM block or armour or a line of its body, or a private
// key's name.
func Looks(s string) bool {
	if strings.Contains(s, "PRIVATE KEY") || strings.Contains(s, "-----") || looksLikeKeyBody(s) {
		return true
	}
	for _, sh := range shapes {
		if sh.mayMatch(s) && sh.re().MatchString(s) {
			return true
		}
	}
	return false
}

// Scrub replaces everything in s shaped like a credential with Hidden.
func Scrub(s string) string {
	for _, sh := range shapes {
		if sh.mayMatch(s) {
			s = sh.re().ReplaceAllString(s, Hidden)
		}
	}
	return s
}

// scrubDecoded scrubs s, then looks for credential shapes once more in s
// decoded as walk reads it (JSON and percent escapes undone, whitespace
// kept), so that a JWT written as \u0065yJ… or a token as ghs%5F… is hidden
// too: the stretch of s it was read from is replaced.
func scrubDecoded(s string) string {
	s = Scrub(s)
	if !strings.ContainsAny(s, `\%`) {
		return s
	}
	d := decode(s, false)
	text := string(d.text)
	var spans []span
	for _, sh := range shapes {
		if !sh.mayMatch(text) {
			continue
		}
		for _, m := range sh.re().FindAllStringIndex(text, -1) {
			spans = append(spans, d.stretch(m[0], m[1]))
		}
	}
	return replaceSpans(s, mergeSpans(spans))
}

// Redactor holds one run's secrets and hides them in text, whole or in
// part, as written or as a server or proxy may have mangled them (see
// Redact). It is safe for concurrent use; the zero value is ready and knows
// no secrets yet.
type Redactor struct {
	mu sync.RWMutex
	// short are secrets under MinFragment characters, hidden only whole.
	short []string
	// long holds every longer secret as Redact reads it, for Add's dedup.
	long map[string]bool
	// pending are the long secrets added since the last Redact: their
	// windows are learnt all together, into a table sized once for them.
	pending []string
	// frags are the rolling hashes of every MinFragment-long piece of
	// every form of every long secret (see fragments.go).
	frags fragmentSet
}

// Add registers secrets; empty strings and those already known are ignored.
// A secret of MinFragment characters or more is also learnt in its base64
// forms (standard and URL alphabets, at each of the three alignments it
// can have inside a longer encoded text), so that a key or token sent back
// base64-encoded is recognised too. The learning itself waits for the next
// Redact, which learns every secret added before it at once.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		norm := normal(s)
		if len(norm) < MinFragment {
			if !slices.Contains(r.short, s) {
				r.short = append(r.short, s)
			}
			continue
		}
		if r.long[norm] {
			continue
		}
		if r.long == nil {
			r.long = map[string]bool{}
		}
		r.long[norm] = true
		r.pending = append(r.pending, norm)
	}
}

// learn hashes the windows of the secrets added since it last ran.
func (r *Redactor) learn() {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all [][]byte
	for _, s := range r.pending {
		all = append(all, forms(s)...)
	}
	r.frags.add(all...)
	r.pending = nil
}

// Redact hides in s every known secret and every credential shape. A long
// secret (MinFragment characters or more) is found whole or as any piece of
// at least MinFragment characters, also when the text around it was mangled
// the way servers, proxies and encoders do: spaces or line breaks inserted
// (real ones or escaped as \n), JSON \u escapes, percent-encoding, or the
// secret base64-encoded. What is hidden is the stretch of s the piece was
// read from, escapes included.
func (r *Redactor) Redact(s string) string {
	r.mu.RLock()
	if r.pending != nil {
		r.mu.RUnlock()
		r.learn()
		r.mu.RLock()
	}
	for _, sec := range r.short {
		s = strings.ReplaceAll(s, sec, Hidden)
	}
	if !r.frags.empty() {
		s = r.frags.hide(s)
	}
	r.mu.RUnlock()
	return scrubDecoded(s)
}

// Pieces knows secrets to tell whether other text holds a piece of one
// (see In), each learnt once for any number of texts.
type Pieces struct{ f fragmentSet }

// NewPieces learns secrets in every form Redact finds them in. Secrets
// shorter than MinFragment are left out: only pieces are looked for.
func NewPieces(secrets ...string) *Pieces {
	var all [][]byte
	for _, sec := range secrets {
		if norm := normal(sec); len(norm) >= MinFragment {
			all = append(all, forms(norm)...)
		}
	}
	p := &Pieces{}
	p.f.add(all...)
	return p
}

// In reports whether s holds a piece of one of p's secrets as Redact finds
// one: MinFragment characters or more of it, as written or mangled
// (whitespace or escapes put inside, base64-encoded). A shorter s never
// does: at MinFragment characters a piece of a key or token carries about
// 120 random bits, so no honest value (an owner "a", an App ID "123", a
// client ID) holds one by chance.
func (p *Pieces) In(s string) bool {
	return len(s) >= MinFragment && !p.f.empty() && p.f.hide(s) != s
}

// maxQuoted is the longest value Quote shows.
const maxQuoted = 40

// Quote shows a user's value in an error: Go-quoted, so a line break or "::"
// in it cannot start a workflow command, and held to Printable's rule. A
// long value, or one shaped like a key or token pasted into the wrong
// input, is not shown at all.
func Quote(v string) string {
	if len(v) > maxQuoted || Looks(v) {
		return fmt.Sprintf("a value of %d characters (not shown)", len(v))
	}
	return QuoteCut(v, maxQuoted)
}

// QuoteCut is Quote's rule for text that may be shown long, such as a
// policy's own pattern: Go-quoted, held to Printable, the value cut at n
// bytes (on a rune boundary, marked) before it is quoted. It hides nothing:
// callers refuse credential shapes first.
func QuoteCut(v string, n int) string {
	if len(v) > n {
		v = cut(v, n)
	}
	// Go's quoting escapes controls and format characters; the rule then
	// takes the invisible letters it keeps (U+3164). 4 bytes a byte at
	// most (\xff), so nothing is cut.
	return Printable(strconv.Quote(v), 4*n+2)
}
