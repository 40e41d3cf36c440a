// Package ghtext is the one place where text from GitHub's answers is checked
// before the action shows it. Every string a server sends that reaches the
// log, an output or the job summary passes through here: names against
// GitHub's own alphabets (anything else is refused, never repaired), and free
// text such as an error message made safe to print (secret.Printable's rule,
// the one every message's outside text passes).
//
// The alphabets keep out line breaks, "::" and "<<", shell syntax and
// markdown: a hostile or broken server cannot start a workflow command,
// forge an output, or plant a command in a later step's script.
package ghtext

import (
	"fmt"
	"strings"

	"github.com/app-token/app-token/internal/secret"
)

// MaxMessage bounds a server's message as the action shows it.
const MaxMessage = 1 << 10

// The names are checked byte by byte against GitHub's alphabets (all ASCII,
// so bytes are characters), each beside a length bound. Regular expressions
// for them (^[A-Za-z0-9][A-Za-z0-9_-]*$ and the like, kept in the tests as
// the reference) cost every start of the binary 17 KB in 237 allocations to
// compile.

// spelled reports whether s is not empty, starts with a byte first accepts
// and goes on with bytes rest accepts.
func spelled(s string, first, rest func(c byte) bool) bool {
	if s == "" || !first(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !rest(s[i]) {
			return false
		}
	}
	return true
}

func isLower(c byte) bool      { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isLowerDigit(c byte) bool { return isLower(c) || isDigit(c) }
func isAlnum(c byte) bool      { return isLowerDigit(c) || 'A' <= c && c <= 'Z' }

// inLogin is [A-Za-z0-9_-], a login's alphabet after its first character.
func inLogin(c byte) bool { return isAlnum(c) || c == '_' || c == '-' }

// inRepo is [A-Za-z0-9._-], a repository name's alphabet.
func inRepo(c byte) bool { return inLogin(c) || c == '.' }

// inSlug is [a-z0-9_-], an App slug's alphabet after its first character.
func inSlug(c byte) bool { return isLowerDigit(c) || c == '_' || c == '-' }

// inPermission is [a-z0-9_], a permission name's alphabet after its first
// character.
func inPermission(c byte) bool { return isLowerDigit(c) || c == '_' }

// inToken is [A-Za-z0-9._], an installation token's alphabet after "ghs_".
func inToken(c byte) bool { return isAlnum(c) || c == '.' || c == '_' }

// minToken is the shortest token GitHub's published pattern for
// installation tokens, ghs_[A-Za-z0-9._]{36,}, allows: the 4 of ghs_ and
// the 36. MaxToken bounds it from above.
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
	rest, ok := strings.CutPrefix(s, "ghs_")
	return ok && len(s) >= minToken && len(s) <= MaxToken && spelled(rest, inToken, inToken)
}

// IsLogin reports whether s is a GitHub account name (users, organisations,
// enterprises; Enterprise Managed Users add an underscore).
func IsLogin(s string) bool { return len(s) <= 100 && spelled(s, isAlnum, inLogin) }

// IsRepo reports whether s is a repository name (without its owner).
func IsRepo(s string) bool {
	return len(s) <= 100 && spelled(s, inRepo, inRepo) && s != "." && s != ".."
}

// IsName reports whether s is an output's, a state's or an environment
// file's name as the runner's file commands take it: 1 to 100 of
// [A-Za-z0-9_-].
func IsName(s string) bool { return len(s) <= 100 && spelled(s, inLogin, inLogin) }

// IsClientID reports whether s can be a GitHub App's client ID (Iv1.…,
// Iv23li…): at most 100 of [A-Za-z0-9._-].
func IsClientID(s string) bool { return len(s) <= 100 && spelled(s, inRepo, inRepo) }

// IsFullName reports whether s is owner/name.
func IsFullName(s string) bool {
	owner, name, ok := strings.Cut(s, "/")
	return ok && IsLogin(owner) && IsRepo(name)
}

// IsSlug reports whether s is a GitHub App's slug: what GitHub derives from
// the App's name, lower-case letters, digits and dashes.
func IsSlug(s string) bool { return len(s) <= 100 && spelled(s, isLowerDigit, inSlug) }

// IsPermission reports whether name and level are written in the alphabet
// of GitHub's permission table (snake_case names, one-word levels).
func IsPermission(name, level string) bool {
	return len(name) <= 64 && len(level) <= 16 &&
		spelled(name, isLower, inPermission) && spelled(level, isLower, isLower)
}

// Message makes free text from a server fit to show inside one log line:
// credentials are hidden, and secret.Printable's rule applies (no control,
// bidi or invisible character; line breaks become spaces), cut at
// MaxMessage bytes.
func Message(s string) string {
	if len(s) > 4*MaxMessage {
		s = s[:4*MaxMessage] // scrub what can be shown, not a megabyte
	}
	return secret.Printable(secret.Scrub(strings.TrimSpace(s)), MaxMessage)
}

// maxPanic bounds a panic's value: its message names what failed, and a
// long value is more likely to carry data than explanation.
const maxPanic = 200

// Panic is how both doors show a recovered panic's value: short, and
// (through their scrubbing writers) on one line without secrets. Never its
// stack, which could hold a secret's bytes.
func Panic(r any) string { return secret.Printable(fmt.Sprint(r), maxPanic) }
