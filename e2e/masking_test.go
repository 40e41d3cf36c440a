package e2e_test

// Secrets are never shown: every App JWT the binary signs is masked, post
// masks the token again before anything else, and key text is refused
// unshown wherever a user may paste it (another input, a flag or its name,
// the API URL, an identifier), at every door. A key line of letters and
// digits has the alphabet of a client ID, an account or a repository name,
// so only the check for a piece of the run's own key catches it there.

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// Through the built binary too, every JWT the emulator received was
// registered with ::add-mask::.
func TestEveryAppJWTIsMaskedByTheBinary(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Emu.SetClockOffset(-3 * time.Minute)
	res := w.Main()
	apptest.Succeeded(t, res)
	jwts := w.Emu.JWTs()
	if len(jwts) < 2 {
		t.Fatalf("%d JWTs, want the refused and the re-signed one", len(jwts))
	}
	for _, jwt := range jwts {
		if !slices.Contains(res.Masks, jwt) {
			t.Errorf("an App JWT the server received was never masked")
		}
	}
}

// A scoped mint signs one App JWT, which every App call of the run carries
// (find the installation, mint) and which is masked once. Through the
// built binary, the first App call's answer is delayed past a second's
// turn, so that JWTs signed for different calls would differ, since
// PKCS#1 v1.5 signatures are deterministic (the KMS tests count signatures
// exactly). (In process: internal/action's test of the same name.)
func TestOneAppJWTPerRun(t *testing.T) {
	t.Parallel()
	t.Run("built binary", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t).With(apptest.Scoped...)
		// The lookup's answer takes past the next second, so a JWT signed
		// for the mint would carry another iat, and differ.
		w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Delay: 1100 * time.Millisecond})
		w.CheckOneAppJWT(t, w.Main())
	})
}

// The runner masks nothing across phases: post masks the saved token again
// before it writes any line, whether it revokes it or finds it expired.
func TestPostMasksTheTokenAgainFirst(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t).With("owner", "octocat")
	res := w.Main()
	apptest.Succeeded(t, res)
	tok := w.OnlyToken().Token
	expired := map[string]string{"token": tok, "expires-at": "2000-01-01T00:00:00Z"}
	for name, state := range map[string]map[string]string{"revoked": res.State, "expired": expired} {
		post := w.Post(state)
		first, _, _ := strings.Cut(post.Stdout, "\n")
		if first != "::add-mask::"+tok || post.ExitCode != 0 {
			t.Errorf("%s: post's first line is %.40q, want the token's mask; exit %d", name, first, post.ExitCode)
		}
	}
	if !w.OnlyToken().Revoked {
		t.Errorf("the token was not revoked")
	}
}

// keyShapes are key text a hurried user may pipe where a token belongs:
// base64 of the PEM (wrapped and not) and each of its body lines.
func keyShapes() []string {
	b64 := base64.StdEncoding.EncodeToString([]byte(apptest.AppPEM))
	wrapped := base64.StdEncoding.EncodeToString([]byte(apptest.AppPEM))
	var lines []string
	for i := 0; i < len(wrapped); i += 76 {
		lines = append(lines, wrapped[i:min(i+76, len(wrapped))])
	}
	shapes := []string{b64, strings.Join(lines, "\n"), lines[0], base64.RawURLEncoding.EncodeToString([]byte(apptest.AppPEM))}
	for _, line := range strings.Split(apptest.AppPEM, "\n") {
		if line != "" && !strings.HasPrefix(line, "-----") {
			shapes = append(shapes, line)
		}
	}
	return shapes
}

// keyFragments are every 20-character piece of the key's text as a user
// may paste it: its body lines and its base64 (without the first and last
// 48 characters, the base64 of the armour every RSA key shares).
func keyFragments() map[string]bool {
	frags := map[string]bool{}
	add := func(s string) {
		for i := 0; i+20 <= len(s); i++ {
			frags[s[i:i+20]] = true
		}
	}
	for _, b64 := range []string{base64.StdEncoding.EncodeToString([]byte(apptest.AppPEM)), base64.RawURLEncoding.EncodeToString([]byte(apptest.AppPEM))} {
		add(b64[48 : len(b64)-48])
	}
	for _, line := range strings.Split(apptest.AppPEM, "\n") {
		if !strings.HasPrefix(line, "-----") {
			add(line)
		}
	}
	return frags
}

// leakedFragment returns a piece of the key found in out, or "".
func leakedFragment(frags map[string]bool, out string) string {
	for i := 0; i+20 <= len(out); i++ {
		if frags[out[i:i+20]] {
			return out[i : i+20]
		}
	}
	return ""
}

// Key text given where a flag expects a variable's name, any value, or a
// flag's name is never printed, whichever part of the command line (Go's
// flag package, config, the command) complains about it.
func TestCLINeverEchoesKeyText(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	frags := keyFragments()
	shapes := keyShapes()
	var cases [][]string
	for _, k := range []string{shapes[0], shapes[2], shapes[4], shapes[5], shapes[len(shapes)-1]} {
		// Where a name is expected, and in what Go's flag package quotes.
		cases = append(cases, [][]string{
			{"token", "--owner", "octocat", "--private-key-env", k},
			{"revoke", "--token-env", k},
			{"token", "--owner", "octocat", "--json=" + k},
			{"token", "--" + k},
			{"token", "--" + k + "=x"},
			{"token", "---" + k},
			{"token", k},
			{"installations", "--" + k},
		}...)
	}
	// Every value, as the whole base64 of the key, a line of it, or one of
	// the key's own lines.
	for _, k := range []string{shapes[0], shapes[2], shapes[4], shapes[5], shapes[len(shapes)-1]} {
		for _, args := range [][]string{
			{"token", "--owner", k},
			{"token", "--owner", "octocat", "--repositories", k},
			{"token", "--owner", "octocat", "--permissions", k},
			{"token", "--owner", "octocat", "--installation-id", k},
			{"token", "--owner", "octocat", "--retry-attempts", k},
			{"token", "--owner", "octocat", "--retry-max-seconds", k},
			{"token", "--owner", "octocat", "--request-timeout-seconds", k},
			{"token", "--owner", "octocat", "--api-url", k},
			{"token", "--owner", "octocat", "--client-id", k},
			{"token", "--owner", "octocat", "--app-id", k},
			{"token", "--owner", "octocat", "--private-key-file", k},
			{"dispatch", "--repository", k, "--event-type", "x"},
			{"dispatch", "--repository", "octo-org/docs", "--workflow", k, "--ref", "main"},
			{"dispatch", "--repository", "octo-org/docs", "--event-type", k},
			{"dispatch", "--repository", "octo-org/docs", "--event-type", "x", "--payload", k},
		} {
			cases = append(cases, args)
		}
	}
	for _, args := range cases {
		code, stdout, stderr := w.CLI("", nil, args...)
		// An event type or workflow name may be any text: only there may it work.
		if code == 0 && args[0] != "dispatch" {
			t.Errorf("app-token %.60q: exit 0, want a refusal", args)
		}
		if f := leakedFragment(frags, stdout+stderr); f != "" {
			t.Errorf("app-token %.60q: key fragment %q printed:\nstdout %q\nstderr %q", args, f, stdout, stderr)
		}
		if strings.Count(stderr, "\n") > 2 || strings.Contains(stderr, "goroutine") {
			t.Errorf("app-token %.60q: stderr %q, want one line", args, stderr)
		}
	}
}

// A private key pasted into another input is refused without a line of it
// in the log (the leak check scans for every line of the key).
func TestKeyInTheWrongInputIsNotEchoed(t *testing.T) {
	t.Parallel()
	for _, input := range []string{"permissions", "repositories", "owner", "client-id"} {
		t.Run(input, func(t *testing.T) {
			w := apptest.NewWorld(t).With(input, apptest.AppPEM)
			res := w.Main()
			apptest.FailedWith(t, res, "input "+input+" holds what looks like a private key or token (not shown)")
			if len(w.Emu.Requests()) != 0 {
				t.Error("GitHub was called")
			}
		})
	}
}

// A key line pasted into the API URL of a door that reads no key (revoke,
// the post phase) is refused without being printed: the error quoted the
// URL, key text and all.
func TestKeyInAPIURLIsNotEchoedWithoutAKey(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	keyLine := aKeyLine()
	url := "https://ghes.invalid/" + keyLine
	token := "ghs_" + strings.Repeat("a", 36)
	code, _, stderr := w.CLI(token, []string{"APP_TOKEN_PRIVATE_KEY="}, "revoke", "--api-url", url)
	if code != 2 || strings.Contains(stderr, keyLine[:20]) || !strings.Contains(stderr, "--api-url holds what looks like") {
		t.Errorf("revoke: exit %d, stderr %q", code, strings.ReplaceAll(stderr, keyLine, "<KEY LINE>"))
	}
	// The post phase: no key is given to it, so only the shape check can
	// hide the line; w.Post's leak check fails on any 20-character piece.
	res := w.With("private-key", "", "github-api-url", url).Post(map[string]string{"token": token, "expires-at": "2030-01-01T00:00:00Z"})
	if !strings.Contains(strings.Join(res.Warnings, " "), "github-api-url holds what looks like") {
		t.Errorf("post: warnings %q", res.Warnings)
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// aKeyLine is a body line of the App's key.
func aKeyLine() string {
	for _, l := range strings.Split(apptest.AppPEM, "\n") {
		if len(l) > 40 && !strings.HasPrefix(l, "-----") {
			return l
		}
	}
	panic("no key line")
}

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
	for _, l := range strings.Split(strings.TrimSpace(apptest.AppPEM), "\n") {
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
	b64 := alnumRun(base64.StdEncoding.EncodeToString([]byte(apptest.AppPEM)), 100, 24)
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
func nothingSent(t *testing.T, door string, w *apptest.World) {
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
				w := apptest.NewWorld(t).With(tc.with...)
				if tc.native {
					door, w = "native entry", native(w)
				}
				res := w.Main()
				apptest.FailedWith(t, res, "input "+tc.input+" holds a piece of input private-key (not shown)")
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
				w := apptest.NewWorld(t)
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
