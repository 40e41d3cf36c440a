package apptest

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

// The calls of one token's life, as the emulator records their paths.
const (
	LookupPath = "/repos/octo-org/app/installation"
	MintPath   = "/app/installations/1001/access_tokens"
	BotPath    = "/users/release-bot[bot]"
	RevokePath = "/installation/token"
	// CheckPath is the token check, which is the bot lookup.
	CheckPath = BotPath
)

// FaultCall is one of the action's calls to GitHub, and how its failure shows.
type FaultCall struct {
	Name, Method, Path string
	Post               bool   // made by the post phase
	Fatal              bool   // its failure fails the step (otherwise: a warning)
	Failure            string // what the error or warning says when retries run out
}

// FaultCalls are the calls of one token's life in the default world, in
// order: lookup, mint, bot lookup (main), revocation (post).
var FaultCalls = []FaultCall{
	{"installation lookup", "GET", LookupPath, false, true, "find the App's installation on octo-org"},
	{"token mint", "POST", MintPath, false, true, "mint a token for installation 1001"},
	{"bot lookup", "GET", BotPath, false, false, "could not look up the App's bot user release-bot[bot]"},
	{"revocation", "DELETE", RevokePath, true, false, "could not revoke the token"},
}

// RetryLines returns the log lines that announce another try of method path.
func RetryLines(res *runnertest.Result, method, path string) []string {
	var out []string
	for _, line := range strings.Split(res.Log(), "\n") {
		if strings.HasPrefix(line, method+" ") && strings.Contains(line, path+": ") && strings.Contains(line, "(try ") {
			out = append(out, line)
		}
	}
	return out
}

// UnexpectedWarnings are the warnings other than the one every run here
// gets for its plain-http loopback emulator.
func UnexpectedWarnings(res *runnertest.Result) []string {
	var out []string
	for _, w := range res.Warnings {
		if !strings.Contains(w, "plain http to a loopback host") {
			out = append(out, w)
		}
	}
	return out
}

// ContainsAll reports whether s contains every one of subs.
func ContainsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// ClockLine matches AppJWT's log line about a corrected clock.
var ClockLine = regexp.MustCompile(`local clock is (\S+) (behind|ahead of) GitHub's; signed a new App JWT with GitHub's time`)

// CheckNoForgedCommands fails unless every workflow command in stdout is an
// ::add-mask:: of a real secret (the key, a token, an App JWT), an ::error::,
// a ::warning:: or a ::notice::. (The runner
// unescapes %0A only inside a command, so a payload's text elsewhere in a
// line is inert.)
func CheckNoForgedCommands(t *testing.T, res *runnertest.Result, secrets []string, tokens []githubtest.IssuedToken) {
	t.Helper()
	known := map[string]bool{}
	for _, s := range secrets {
		known[s] = true
	}
	for _, tok := range tokens {
		known[tok.Token] = true
	}
	for _, line := range strings.Split(res.Stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "::add-mask::"):
			if v := strings.TrimPrefix(line, "::add-mask::"); !known[v] && !IsJWT(v) {
				t.Errorf("masks a value that is no secret: %q", line)
			}
		case strings.HasPrefix(line, "::error::"), strings.HasPrefix(line, "::warning::"), strings.HasPrefix(line, "::notice::"):
		case strings.HasPrefix(strings.TrimLeft(line, " \t\r"), "::"), strings.HasPrefix(strings.TrimLeft(line, " \t\r"), "##["):
			t.Errorf("forged workflow command: %q", line)
		}
	}
}

// IsJWT reports whether s has the shape of a JWT: three base64url parts, the
// first a JSON object ("eyJ").
func IsJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || !strings.HasPrefix(s, "eyJ") {
		return false
	}
	for _, p := range parts {
		if _, err := base64.RawURLEncoding.DecodeString(p); err != nil {
			return false
		}
	}
	return true
}

// Revoke502 fails every revocation with 502; Revoke401 refuses one as
// GitHub refuses a token it does not know (yet, or any more).
var (
	Revoke502 = githubtest.Fault{Method: "DELETE", Path: RevokePath, Status: 502, Times: -1}
	Revoke401 = githubtest.Fault{Method: "DELETE", Path: RevokePath, Status: 401, Body: `{"message":"Bad credentials"}`}
)
