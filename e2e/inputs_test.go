package e2e_test

// Inputs as users mistype them: a misspelt or undeclared input fails before
// any call; however much is wrong with an input (or a flag), the error stays
// a few short lines.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
)

// A misspelt or undeclared input reaches the action (the runner only warns)
// and must fail the step before any call, naming it and the nearest input:
// otherwise the token silently comes out wider than the workflow asked.
func TestMisspeltInputsFailBeforeAnyCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		with []string
		want []string
	}{
		{"misspelt permission", []string{"permission-contens", "write"}, []string{`input "permission-contens" is not an input of this action (did you mean permission-contents?)`}},
		{"swapped letters", []string{"permission-isuses", "read"}, []string{"did you mean permission-issues?"}},
		{"repository for repositories", []string{"owner", "octo-org", "repository", "infra"}, []string{`input "repository" is not an input of this action (did you mean repositories?)`}},
		{"underscore for hyphen", []string{"private_key", "x"}, []string{`"private_key"`, "did you mean private-key?"}},
		{"unrelated name", []string{"frobnicate", "yes"}, []string{`input "frobnicate" is not an input of this action`}},
		{"empty permissions block", []string{"permissions", "{}"}, []string{"input permissions is set but names no permission", "leave permissions out"}},
		{"comment-only block", []string{"permissions", "# contents: write\n# issues: read"}, []string{"names no permission"}},
		{"blank repositories", []string{"owner", "octo-org", "repositories", ", ,"}, []string{"input repositories is set but names no repository", "leave repositories out"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := apptest.NewWorld(t).With(tt.with...)
			res := w.Main()
			apptest.FailedWith(t, res, tt.want...)
			if n := len(w.Emu.Requests()); n != 0 {
				t.Errorf("GitHub saw %d requests (%q); a misspelt input must fail first", n, w.Calls())
			}
		})
	}
}

// floodInputs are inputs a hurried user or a broken generator may pass: one
// bad entry 60,000 times, thousands of names GitHub's table lacks, thousands
// that are no names at all. Each is under the 128 KiB a process's single
// environment variable or argument may hold.
var floodInputs = []struct {
	name, input, value, flag string
}{
	{"60,000 bad permission entries", "permissions", strings.Repeat("x,", 60000), "--permissions"},
	{"60,000 bad repository entries", "repositories", strings.Repeat(".,", 60000), "--repositories"},
	{"9,000 unknown permission names", "permissions", numbered("zz%dq: read", 9000), "--permissions"},
	{"9,000 invalid permission names", "permissions", numbered("z%d!: read", 9000), "--permissions"},
}

func numbered(format string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(format, i)
	}
	return strings.Join(parts, ",")
}

// maxLine is the longest line either door may print: a few KiB.
const maxLine = 4 << 10

// longestLine returns the length of the longest line in out.
func longestLine(out string) int {
	n := 0
	for _, line := range strings.Split(out, "\n") {
		n = max(n, len(line))
	}
	return n
}

// However much is wrong with an input, an error names a handful of problems
// and counts the rest, through the action and the command line: every line
// stays a few KiB, and there are a few lines, not thousands.
func TestFloodedInputsGiveShortErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range floodInputs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t).With("owner", "octocat", tc.input, tc.value)
			res := w.Main()
			out := res.Stdout + res.Stderr
			if res.ExitCode != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0], " more") {
				t.Errorf("action: exit %d, errors %.300q; want one error that counts the rest", res.ExitCode, res.Errors)
			}
			if n := longestLine(out); n > maxLine || strings.Count(out, "\n") > 10 {
				t.Errorf("action: longest line %d bytes, %d lines; want at most %d bytes and a few lines", n, strings.Count(out, "\n"), maxLine)
			}

			code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octocat", tc.flag, tc.value)
			if code == 0 || stdout != "" || !strings.Contains(stderr, " more") {
				t.Errorf("cli: exit %d, stderr %.300q; want an error that counts the rest", code, stderr)
			}
			if n := longestLine(stderr); n > maxLine || strings.Count(stderr, "\n") > 10 {
				t.Errorf("cli: longest line %d bytes, %d lines; want at most %d bytes and a few lines", n, strings.Count(stderr, "\n"), maxLine)
			}
			if calls := w.Calls(); strings.Contains(strings.Join(calls, " "), "access_tokens") {
				t.Errorf("a token was minted: %v", calls)
			}
		})
	}
}
