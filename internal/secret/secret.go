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
	"strconv"
	"strings"
	"sync"
)

// Hidden replaces a credential in text.
const Hidden = "***"

// shapes match credentials by form: JWTs (a base64url JSON header always
// starts "eyJ"), GitHub's token prefixes, a PEM block or its armour, and a
// Bearer credential. They run on every line the action writes,
// so they are anchored on rare prefixes.
var shapes = []*regexp.Regexp{
	regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}(\.[A-Za-z0-9_-]*){0,2}`),
	regexp.MustCompile(`\b(gh[pousr]_|github_pat_)[A-Za-z0-9_.-]{8,}`),
	regexp.MustCompile(`-----BEGIN[^-]{0,40}-----[A-Za-z0-9+/=\s\\]*(-----END[^-]{0,40}-----)?`),
	regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9_.\-+/=]{16,}`),
}

// keyBody matches a line of a PEM body pasted without its armour: 60 or more
// base64 characters (PEM lines have 64) holding a '+' or '/', or the "MII"
// that starts every RSA key's DER.
var keyBody = regexp.MustCompile(`(MII[A-Za-z0-9+/]{57,}|[A-Za-z0-9+/]*[+/][A-Za-z0-9+/]*)`)

func looksLikeKeyBody(s string) bool {
	for _, m := range keyBody.FindAllString(s, -1) {
		if len(m) >= 60 {
			return true
		}
	}
	return false
}

// Looks reports whether s holds something shaped like a credential: a JWT,
// a GitHub token, a PEM block or armour or a line of its body, or a private
// key's name.
func Looks(s string) bool {
	if strings.Contains(s, "PRIVATE KEY") || strings.Contains(s, "-----") || looksLikeKeyBody(s) {
		return true
	}
	for _, re := range shapes {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// Scrub replaces everything in s shaped like a credential with Hidden.
func Scrub(s string) string {
	for _, re := range shapes {
		s = re.ReplaceAllString(s, Hidden)
	}
	return s
}

// Redactor holds one run's secrets. It is safe for concurrent use; the zero
// value is ready and knows no secrets yet.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// Add registers secrets; empty strings and those already known are ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s != "" && !contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
}

// Redact replaces every known secret in s, then every credential shape.
func (r *Redactor) Redact(s string) string {
	r.mu.RLock()
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, Hidden)
	}
	r.mu.RUnlock()
	return Scrub(s)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Quote shows a user's value in an error: Go-quoted, so a line break or "::"
// in it cannot start a workflow command. A long value, or one shaped like a
// key or token pasted into the wrong input, is not shown at all.
func Quote(v string) string {
	if len(v) > 40 || Looks(v) {
		return fmt.Sprintf("a value of %d characters (not shown)", len(v))
	}
	return strconv.Quote(v)
}
