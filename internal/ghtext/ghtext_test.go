package ghtext

import (
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

func TestCutKeepsRunes(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("é", 10) // 20 bytes
	got := Cut(s, 9)
	if len(got) > 9 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "ééé") || strings.Contains(got, "\xc3…") {
		t.Errorf("Cut = %q (%d bytes)", got, len(got))
	}
}
