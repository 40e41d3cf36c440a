package e2e_test

// Text from outside (a caller's JWT, an input, a server's message) reaches
// the job log, the command line's stderr and the native entry's log only
// through one quoting rule (secret.Printable): no C0 or C1 control, no bidi
// or invisible character, and short lines.

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

// hostileTexts are what a hostile value tries on a terminal or the job log:
// OSC 52 writes the clipboard, CSI clears the screen and colours, the 8-bit
// CSI does the same in one byte, a bidi override shows "exe.png" as
// "gnp.exe", a Hangul filler is a letter that shows nothing, and 10 KB
// make one line of 10 KB.
var hostileTexts = []struct{ name, text string }{
	{"OSC 52", "Iv23li\x1b]52;c;ZWNobyBwd25lZA==\x07"},
	{"CSI", "Iv23li\x1b[2J\x1b[31mred"},
	{"8-bit CSI", "Iv23li\u009b2J\u009b31mred"},
	{"bidi override", "Iv23li\u202eexe.png\u2066x\u2069\u200f"},
	{"invisible filler", "Iv23li\u3164\u3164hidden"},
	{"10 KB", "Iv23li" + strings.Repeat("A", 10<<10)},
}

// hiddenRune reports a character no output may hold, decided apart from
// the rule under test: controls but the line break, the 8-bit controls,
// format characters (the bidi controls among them) and the known
// invisible letters.
func hiddenRune(r rune) bool {
	return r != '\n' && unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		r == '\u2028' || r == '\u2029' || r == '\u115f' || r == '\u3164' || r == '\ufe0f'
}

// outsideTextSafe fails the test if what a door wrote holds a control,
// bidi or invisible character or bytes that are not UTF-8 (the 8-bit CSI
// is one), or a line longer than maxErrorLine; ::add-mask:: lines, which
// the runner consumes unseen (a JWT is masked whole), count only for the
// characters. It returns the longest line's length.
func outsideTextSafe(t *testing.T, door string, outputs ...string) int {
	t.Helper()
	longest := 0
	for _, out := range outputs {
		if !utf8.ValidString(out) {
			t.Errorf("%s: output is not UTF-8 (a raw 8-bit control?): %.200q", door, out)
		}
		if i := strings.IndexFunc(out, hiddenRune); i >= 0 {
			t.Errorf("%s: a control or invisible character at byte %d: %.120q", door, i, out[max(0, i-60):])
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "::add-mask::") {
				continue
			}
			longest = max(longest, len(line))
		}
	}
	if longest > maxErrorLine {
		t.Errorf("%s: a line of %d bytes, want at most %d", door, longest, maxErrorLine)
	}
	t.Logf("%s: longest line %d bytes", door, longest)
	return longest
}

// actionOutputs is everything a phase wrote that a user can read.
func actionOutputs(res *runnertest.Result) []string {
	out := []string{res.Stdout, res.Stderr, res.Log(), res.Summary}
	for _, v := range res.Outputs {
		out = append(out, v)
	}
	return out
}

// A caller's JWT names the App through its iss when no client-id or app-id
// is given. An iss that cannot be a client ID or App ID is refused before
// any call, Go-quoted (or, long, not shown), so no escape sequence, bidi
// override or 10 KB line reaches the log of the container action or the
// native entry, or the command line's stderr.
func TestHostileIssuerIsQuotedAtEveryDoor(t *testing.T) {
	t.Parallel()
	for _, h := range hostileTexts {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			token := apptest.SignedJWT(t, apptest.AppKey, h.text, 5*time.Minute)
			for _, door := range []string{"action", "native"} {
				w := apptest.JWTWorld(t, token).With("client-id", "")
				if door == "native" {
					native(w)
				}
				res := w.Main()
				apptest.FailedWith(t, res, "input jwt", "iss claim")
				outsideTextSafe(t, door, actionOutputs(res)...)
				if calls := w.Calls(); len(calls) > 0 {
					t.Errorf("%s: calls were made with the JWT: %q", door, calls)
				}
			}
			w := apptest.NewWorld(t)
			w.Secrets = append(w.Secrets, token)
			code, stdout, stderr := w.CLI("", []string{"APP_TOKEN_CLIENT_ID=", "APP_TOKEN_PRIVATE_KEY=", "SIGNED_JWT=" + token},
				"token", "--jwt-env", "SIGNED_JWT", "--owner", "octo-org")
			if code != 2 || stdout != "" || !strings.Contains(stderr, "iss claim") {
				t.Errorf("token --jwt-env: exit %d, stdout %q, stderr %.300q", code, stdout, stderr)
			}
			outsideTextSafe(t, "command line", stdout, stderr)
			if calls := w.Calls(); len(calls) > 0 {
				t.Errorf("command line: calls were made with the JWT: %q", calls)
			}
		})
	}
}

// The rule holds beyond the iss: GitHub's (or a proxy's) message with
// escape sequences and bidi controls, through ghclient's errors; an owner
// input with them; a `with:` key with a bidi override beside a key. Each
// reaches every door's output only through the rule.
func TestOutsideTextIsQuotedEverywhere(t *testing.T) {
	t.Parallel()
	hostile := `Bad credentials \u001b]52;c;ZWNobyBwd25lZA==\u0007 \u001b[2J \u009b31m \u202egnp.exe\u2066 \u3164`
	serverMessage := func(w *apptest.World) {
		w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Times: -1, Status: 401,
			Body: `{"message":"` + hostile + `","documentation_url":"https://docs.github.com/rest"}`})
	}
	t.Run("server message", func(t *testing.T) {
		t.Parallel()
		for _, door := range []string{"action", "native"} {
			w := apptest.NewWorld(t)
			serverMessage(w)
			if door == "native" {
				native(w)
			}
			res := w.Main()
			apptest.FailedWith(t, res, "find the App's installation on octo-org", "401", "Bad credentials")
			outsideTextSafe(t, door, actionOutputs(res)...)
		}
		w := apptest.NewWorld(t)
		serverMessage(w)
		code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octo-org", "--repositories", "app")
		if code != 1 || !strings.Contains(stderr, "Bad credentials") {
			t.Errorf("token: exit %d, stderr %q", code, stderr)
		}
		outsideTextSafe(t, "command line", stdout, stderr)
	})
	owner := "octo\u3164\u202eorg\x1b]52;c;eA==\x07"
	t.Run("owner input", func(t *testing.T) {
		t.Parallel()
		for _, door := range []string{"action", "native"} {
			w := apptest.NewWorld(t).With("owner", owner)
			if door == "native" {
				native(w)
			}
			res := w.Main()
			apptest.FailedWith(t, res, "input owner is \"octo", "which is not a GitHub account name")
			outsideTextSafe(t, door, actionOutputs(res)...)
		}
		w := apptest.NewWorld(t)
		code, stdout, stderr := w.CLI("", nil, "token", "--owner", owner)
		if code != 2 || !strings.Contains(stderr, "--owner is \"octo") {
			t.Errorf("token: exit %d, stderr %q", code, stderr)
		}
		outsideTextSafe(t, "command line", stdout, stderr)
	})
	t.Run("input name beside a key", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t).With("\u202ekey-\u3164", apptest.AppPEM)
		res := w.Main()
		apptest.FailedWith(t, res, "holds what looks like a private key or token (not shown)")
		outsideTextSafe(t, "action", actionOutputs(res)...)
	})
}

// A bidi override in the API URL (the host or the path, both shown in
// messages as they are) is refused, quoted by the rule, before any call.
func TestAPIURLWithInvisibleCharactersIsRefused(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	for _, url := range []string{w.Srv.URL + "/\u202eapi", strings.Replace(w.Srv.URL, "127.0.0.1", "127.0.0.1\u2066", 1)} {
		res := w.With("github-api-url", url).Main()
		apptest.FailedWith(t, res, "input github-api-url", "is not an API URL")
		outsideTextSafe(t, "action", actionOutputs(res)...)
	}
	if calls := w.Calls(); len(calls) > 0 {
		t.Errorf("calls were made: %q", calls)
	}
}
