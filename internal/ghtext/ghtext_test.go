package ghtext

import (
	"regexp"
	"strings"
	"testing"
)

func TestNamesFollowGitHubsAlphabets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
		got  bool
	}{
		{"login", true, IsLogin("octo-org")},
		{"EMU login", true, IsLogin("jdoe_acme")},
		{"login with newline", false, IsLogin("octo\n::error::x")},
		{"repo", true, IsRepo("my.repo_1-x")},
		{"repo dotdot", false, IsRepo("..")},
		{"full name", true, IsFullName("octo-org/app")},
		{"full name, no owner", false, IsFullName("app")},
		{"full name, shell", false, IsFullName("octo-org/$(id)")},
		{"slug", true, IsSlug("release-bot")},
		{"slug with shell", false, IsSlug("bot'; rm -rf ~; '")},
		{"slug with newline", false, IsSlug("bot\n::stop-commands::x")},
		{"slug upper case", false, IsSlug("Release-Bot")},
		{"permission", true, IsPermission("pull_requests", "write")},
		{"permission newline", false, IsPermission("contents\n::error::x", "write")},
		{"level newline", false, IsPermission("contents", "write\n")},
		{"level markdown", false, IsPermission("contents", "| x |")},
		// The length bounds, at and one past each.
		{"login of 100", true, IsLogin(strings.Repeat("a", 100))},
		{"login of 101", false, IsLogin(strings.Repeat("a", 101))},
		{"repo of 100", true, IsRepo(strings.Repeat("a", 100))},
		{"repo of 101", false, IsRepo(strings.Repeat("a", 101))},
		{"client ID of 100", true, IsClientID(strings.Repeat("a", 100))},
		{"client ID of 101", false, IsClientID(strings.Repeat("a", 101))},
		{"name of 100", true, IsName(strings.Repeat("a", 100))},
		{"name of 101", false, IsName(strings.Repeat("a", 101))},
		{"slug of 100", true, IsSlug(strings.Repeat("a", 100))},
		{"slug of 101", false, IsSlug(strings.Repeat("a", 101))},
		{"permission of 64", true, IsPermission(strings.Repeat("a", 64), "write")},
		{"permission of 65", false, IsPermission(strings.Repeat("a", 65), "write")},
		{"level of 16", true, IsPermission("contents", strings.Repeat("a", 16))},
		{"level of 17", false, IsPermission("contents", strings.Repeat("a", 17))},
	}
	for _, tt := range tests {
		if tt.got != tt.ok {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.ok)
		}
	}
}

func TestMessageIsOneShortSafeLine(t *testing.T) {
	t.Parallel()
	in := "Bad credentials\r\n::error::forged\u2028" + strings.Repeat("x", 8<<20) + "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2ln"
	out := Message(in)
	if len(out) > MaxMessage {
		t.Errorf("len = %d, want at most %d", len(out), MaxMessage)
	}
	if strings.ContainsAny(out, "\r\n\u2028") {
		t.Errorf("line break left in %q", out[:60])
	}
	if !strings.HasPrefix(out, "Bad credentials  ::error::forged") {
		t.Errorf("message start = %q", out[:40])
	}
	if got := Message("token eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2ln echoed"); strings.Contains(got, "eyJ") {
		t.Errorf("JWT left in %q", got)
	}
}

// A server's message passes secret.Printable's rule: an escape sequence
// or a bidi override in it reaches no terminal.
func TestMessageHoldsNoControlOrBidi(t *testing.T) {
	t.Parallel()
	got := Message("Bad credentials\x1b]52;c;ZWNobyBoaQ==\x07 \u009b31m \u202egnp.exe\u2066x\u2069")
	if strings.ContainsAny(got, "\x1b\x07\u009b\u202e\u2066\u2069") {
		t.Errorf("Message = %q", got)
	}
	if !strings.HasPrefix(got, "Bad credentials\ufffd]52;c;") {
		t.Errorf("Message = %q: the text around them must stay", got)
	}
}

// Both forms GitHub issues are tokens, whole; nothing else is, however close.
func TestInstallationTokenShapes(t *testing.T) {
	t.Parallel()
	classic := "ghs_" + strings.Repeat("aB3", 12)
	long := "ghs_" + strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 24) + "x_Y"
	tests := []struct {
		name string
		s    string
		ok   bool
	}{
		{"classic", classic, true},
		{"long stateless", long, true},
		{"longest", "ghs_" + strings.Repeat("a", MaxToken-4), true},
		{"one past the longest", "ghs_" + strings.Repeat("a", MaxToken-3), false},
		{"35 after the prefix", classic[:39], false},
		{"a dash", classic[:20] + "-" + classic[21:], false},
		{"a personal token", "ghp_" + classic[4:], false},
		{"no prefix", strings.Repeat("a", 40), false},
		{"newline after", classic + "\n", false},
		{"workflow command", classic + "\n::warning::x", false},
		{"base64 of a key", "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==", false},
		{"key body line", "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		if got := IsInstallationToken(tt.s); got != tt.ok {
			t.Errorf("%s (%d characters): got %v, want %v", tt.name, len(tt.s), got, tt.ok)
		}
	}
	if len(long) < 500 {
		t.Fatalf("the long example has %d characters", len(long))
	}
}

// The byte-by-byte checks accept exactly what GitHub's alphabets, written
// as regular expressions, accept: every byte alone, first, second and
// last, within the length bounds.
func TestAlphabetsMatchTheirPatterns(t *testing.T) {
	t.Parallel()
	patterns := []struct {
		name  string
		re    *regexp.Regexp
		check func(string) bool
		body  string // a name the pattern accepts, one short of the bound
	}{
		{"login", regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`), IsLogin, strings.Repeat("a", 99)},
		{"repo", regexp.MustCompile(`^[A-Za-z0-9._-]+$`), func(s string) bool { return IsRepo(s) || s == "." || s == ".." }, strings.Repeat("a", 99)},
		{"name", regexp.MustCompile(`^[A-Za-z0-9_-]+$`), IsName, strings.Repeat("a", 99)},
		{"slug", regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`), IsSlug, strings.Repeat("a", 99)},
		{"client ID", regexp.MustCompile(`^[A-Za-z0-9._-]+$`), IsClientID, strings.Repeat("a", 99)},
		{"permission", regexp.MustCompile(`^[a-z][a-z0-9_]*$`), func(s string) bool { return IsPermission(s, "write") }, strings.Repeat("a", 63)},
		{"level", regexp.MustCompile(`^[a-z]+$`), func(s string) bool { return IsPermission("contents", s) }, strings.Repeat("a", 15)},
		{"token", regexp.MustCompile(`^ghs_[A-Za-z0-9._]{36,}$`), IsInstallationToken, "ghs_" + strings.Repeat("b", 36)},
	}
	for _, p := range patterns {
		for i := range 256 {
			c := string(rune(i))
			if i >= 0x80 {
				c = string([]byte{byte(i)})
			}
			body := p.body
			for _, s := range []string{c, c + "a", "a" + c, "a" + c + "a", body + c, body[:len(body)-1] + c + "a", body[:len(body)-1] + c, ""} {
				if got, want := p.check(s), p.re.MatchString(s); got != want {
					t.Errorf("%s(%q) = %t, the pattern says %t", p.name, s, got, want)
				}
			}
		}
	}
}
