// Package ghtext is the one place where text from GitHub's answers is checked
// before the action shows it. Every string a server sends that reaches the
// log, an output or the job summary passes through here: names against
// GitHub's own alphabets (anything else is refused, never repaired), and free
// text such as an error message made safe to print.
//
// The alphabets keep out line breaks, "::" and "<<", shell syntax and
// markdown: a hostile or broken server cannot start a workflow command,
// forge an output, or plant a command in a later step's script.
package ghtext

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/app-token/app-token/internal/secret"
)

// MaxMessage bounds a server's message as the action shows it.
const MaxMessage = 1 << 10

// The patterns carry no counted repetitions: Go's regexp compiles {0,99}
// into 99 copies, which cost every start of the binary 360 KB in 4,800
// allocations. The lengths are checked beside them instead (every pattern
// matches ASCII only, so bytes are characters).
var (
	loginPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`) // at most 100
	repoPattern  = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)           // at most 100
	slugPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)       // at most 100
	permPattern  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)           // at most 64
	levelPattern = regexp.MustCompile(`^[a-z]+$`)                    // at most 16
	// tokenPattern is GitHub's published pattern for installation tokens,
	// ghs_[A-Za-z0-9._]{36,}, anchored; MaxToken bounds it, minToken is
	// the 4 of ghs_ and the 36.
	tokenPattern = regexp.MustCompile(`^ghs_[A-Za-z0-9._]+$`)
)

const minToken = 4 + 36

// MaxToken bounds an installation token's length (GitHub's newer stateless
// tokens are about 520 characters; this leaves room for them to grow).
const MaxToken = 4096

// IsInstallationToken reports whether s has the shape of a GitHub App
// installation token, whole: the classic "ghs_" and 36 letters and digits,
// or the newer stateless form, "ghs_" and about 520 of [A-Za-z0-9._]. It is
// the one token-shape check of every door: what it accepts is masked,
// saved, printed, sent and revoked as it is; nothing else is ever sent to
// GitHub as a token.
func IsInstallationToken(s string) bool {
	return len(s) >= minToken && len(s) <= MaxToken && tokenPattern.MatchString(s)
}

// IsLogin reports whether s is a GitHub account name (users, organisations,
// enterprises; Enterprise Managed Users add an underscore).
func IsLogin(s string) bool { return len(s) <= 100 && loginPattern.MatchString(s) }

// IsRepo reports whether s is a repository name (without its owner).
func IsRepo(s string) bool {
	return len(s) <= 100 && repoPattern.MatchString(s) && s != "." && s != ".."
}

// IsFullName reports whether s is owner/name.
func IsFullName(s string) bool {
	owner, name, ok := strings.Cut(s, "/")
	return ok && IsLogin(owner) && IsRepo(name)
}

// IsSlug reports whether s is a GitHub App's slug: what GitHub derives from
// the App's name, lower-case letters, digits and dashes.
func IsSlug(s string) bool { return len(s) <= 100 && slugPattern.MatchString(s) }

// IsPermission reports whether name and level are written in the alphabet
// of GitHub's permission table (snake_case names, one-word levels).
func IsPermission(name, level string) bool {
	return len(name) <= 64 && len(level) <= 16 &&
		permPattern.MatchString(name) && levelPattern.MatchString(level)
}

// Message makes free text from a server fit to show inside one log line:
// credentials are hidden, control characters (line breaks among them)
// become spaces, and the text is cut at MaxMessage bytes.
func Message(s string) string {
	if len(s) > 4*MaxMessage {
		s = s[:4*MaxMessage] // scrub what can be shown, not a megabyte
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = secret.Scrub(strings.TrimSpace(s))
	return Cut(s, MaxMessage)
}

// maxPanic bounds a panic's value: its message names what failed, and a
// long value is more likely to carry data than explanation.
const maxPanic = 200

// Panic is how both doors show a recovered panic's value: short, and
// (through their scrubbing writers) on one line without secrets. Never its
// stack, which could hold a secret's bytes.
func Panic(r any) string { return Cut(fmt.Sprint(r), maxPanic) }

// Cut shortens s to at most n bytes, on a rune boundary, marking the cut.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	i := n - len(mark)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + mark
}
