package main

// Issue 23, item 2: a piece of the run's own key given where an identifier
// belongs is refused before any call, at every door, without being shown.
// A key line of letters and digits has the alphabet of a client ID, an
// account or a repository name, so no other check catches it.

import (
	"encoding/base64"
	"strings"
	"testing"
)

// isAlnum reports whether s is only ASCII letters and digits.
func isAlnum(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) < 0
}

// alnumRun returns the first run of n letters and digits in s at or after
// from, or "".
func alnumRun(s string, from, n int) string {
	for i := from; i+n <= len(s); i++ {
		if isAlnum(s[i : i+n]) {
			return s[i : i+n]
		}
	}
	return ""
}

// keyPiece is a piece of the App's key as a user could paste it where an
// identifier belongs.
type keyPiece struct{ name, piece string }

// keyPieces are pieces of the test key with a name's alphabet, so that
// nothing but the check under test refuses them: a whole body line of
// letters and digits (about one line in eight is; else the key's longest
// such run, some 30 to 60 characters), 24 characters from the middle of a line,
// and 24 characters of the key's PEM base64-encoded, as a key is often
// stored.
func keyPieces(t *testing.T) []keyPiece {
	t.Helper()
	var line, longest, mid string
	for _, l := range strings.Split(strings.TrimSpace(AppPEM), "\n") {
		// Not the first body line: its "MII" is a key's start, which
		// secret.Looks refuses anywhere already.
		if strings.HasPrefix(l, "-----") || strings.HasPrefix(l, "MII") {
			continue
		}
		if line == "" && isAlnum(l) {
			line = l
		}
		if run := longestAlnum(l); len(run) > len(longest) {
			longest = run
		}
		if mid == "" {
			mid = alnumRun(l, 20, 24)
		}
	}
	if line == "" {
		line = longest
	}
	b64 := alnumRun(base64.StdEncoding.EncodeToString([]byte(AppPEM)), 100, 24)
	if len(line) < 24 || mid == "" || b64 == "" {
		t.Fatalf("the test key gave no pieces: a run of %d, middle %t, base64 %t", len(line), mid != "", b64 != "")
	}
	return []keyPiece{{"key line", line}, {"piece of a line", mid}, {"piece of its base64", b64}}
}

// longestAlnum is s's longest run of letters and digits.
func longestAlnum(s string) string {
	best := ""
	for _, run := range strings.FieldsFunc(s, func(r rune) bool { return !isAlnum(string(r)) }) {
		if len(run) > len(best) {
			best = run
		}
	}
	return best
}

// refusedUnshown fails unless out names what and the refusal, without the
// piece itself.
func refusedUnshown(t *testing.T, door, out, piece string, want ...string) {
	t.Helper()
	for _, w := range append(want, "holds a piece of", "(not shown)") {
		if !strings.Contains(out, w) {
			t.Errorf("%s: output lacks %q:\n%s", door, w, out)
		}
	}
	if strings.Contains(out, piece) {
		t.Errorf("%s: the piece of the key is shown:\n%s", door, out)
	}
}

// nothingSent fails if the emulator received any request (no App JWT,
// signed with the piece as iss or otherwise, left the process).
func nothingSent(t *testing.T, door string, w *World) {
	t.Helper()
	if n := len(w.Emu.Requests()); n > 0 || len(w.Emu.JWTs()) > 0 {
		t.Errorf("%s: the emulator received %d requests, %d App JWTs", door, n, len(w.Emu.JWTs()))
	}
}

// The action (as a container and as the native entry) refuses a piece of
// its key in any identifier input, naming the input, before any call.
func TestKeyPieceAsIdentifierIsRefusedByTheAction(t *testing.T) {
	t.Parallel()
	for _, kp := range keyPieces(t) {
		t.Run(kp.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				input  string
				with   []string
				native bool
			}{
				{"client-id", []string{"client-id", kp.piece}, false},
				{"app-id", []string{"client-id", "", "app-id", kp.piece}, false},
				{"owner", []string{"owner", kp.piece}, false},
				{"repositories", []string{"repositories", kp.piece}, false},
				{"installation-id", []string{"installation-id", kp.piece}, false},
				{"enterprise", []string{"enterprise", kp.piece}, false},
				{"client-id", []string{"client-id", kp.piece}, true},
				{"owner", []string{"owner", kp.piece}, true},
			} {
				door := "action"
				w := NewWorld(t).With(tc.with...)
				if tc.native {
					door, w = "native entry", w.native()
				}
				res := w.Main()
				FailedWith(t, res, "input "+tc.input+" holds a piece of input private-key (not shown)")
				refusedUnshown(t, door+" "+tc.input, res.Stdout+res.Stderr+res.Summary, kp.piece)
				nothingSent(t, door+" "+tc.input, w)
			}
		})
	}
}

// The command line refuses a piece of its key in any identifier flag, in
// its own words, with exit 2: `token`, `jwt` (which would print it inside
// the JWT's iss) and `dispatch` (its --repository too).
func TestKeyPieceAsIdentifierIsRefusedByTheCommandLine(t *testing.T) {
	t.Parallel()
	for _, kp := range keyPieces(t) {
		t.Run(kp.name, func(t *testing.T) {
			t.Parallel()
			p := kp.piece
			for _, tc := range []struct {
				flag string
				args []string
			}{
				{"--client-id", []string{"token", "--client-id", p, "--owner", "octo-org"}},
				{"--app-id", []string{"token", "--app-id", p, "--owner", "octo-org"}},
				{"--owner", []string{"token", "--owner", p}},
				{"--repositories", []string{"token", "--owner", "octo-org", "--repositories", p}},
				{"--installation-id", []string{"token", "--owner", "octo-org", "--installation-id", p}},
				{"--client-id", []string{"jwt", "--client-id", p}},
				{"--app-id", []string{"jwt", "--app-id", p}},
				{"--client-id", []string{"dispatch", "--client-id", p, "--repository", "octo-org/app", "--event-type", "x"}},
				{"--repository", []string{"dispatch", "--repository", "octo-org/" + p, "--event-type", "x"}},
			} {
				w := NewWorld(t)
				code, stdout, stderr := w.CLI("", nil, tc.args...)
				door := "app-token " + tc.args[0] + " " + tc.flag
				if code != 2 || stdout != "" {
					t.Errorf("%s: exit %d, stdout %q; want exit 2 and nothing on stdout", door, code, stdout)
				}
				refusedUnshown(t, door, stderr, p, tc.flag+" holds a piece of the private key (not shown)")
				nothingSent(t, door, w)
			}
		})
	}
}
