package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
)

// A server that echoes the Authorization header into its error message
// must not put the App JWT on stderr (checkLeaks fails the test if it
// does): the core hides credential shapes in GitHub's messages, and every
// stderr line passes the action's log scrubber besides.
func TestEchoedCredentialsAreScrubbed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.emu.AddFault(githubtest.Fault{Path: "/users/octo-org/installation", Status: 418,
		Body: `{"message":"you sent ` + githubtest.AuthPlaceholder + `"}`})
	r := w.run("", "token", "--owner", "octo-org")
	r.failed(t, ExitFailed, "418", "you sent Bearer ***")
	if len(w.emu.JWTs()) == 0 {
		t.Fatal("the emulator saw no App JWT: the test proves nothing")
	}
}

// --installation-id skips the lookup, but its account is still checked.
func TestInstallationID(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run("", "token", "--owner", "octocat", "--installation-id", "1002").ok(t)
	for _, c := range w.emu.Requests() {
		if strings.HasSuffix(c.Path, "/installation") {
			t.Errorf("looked up the installation (%s) although --installation-id was given", c.Path)
		}
	}
	w.run("", "token", "--owner", "octocat", "--installation-id", "1001").failed(t, ExitFailed, "--installation-id 1001", "octo-org", "set --owner")
}

// A dispatch whose token cannot be revoked still succeeds, with a warning
// that says when the token expires.
func TestDispatchRevokeFailureWarns(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.emu.AddFault(githubtest.Fault{Method: "DELETE", Path: "/installation/token", Times: -1, Status: 500, Body: `{"message":"boom"}`})
	r := w.run("", "dispatch", "--repository", "octo-org/app", "--event-type", "x").ok(t)
	if len(w.emu.Dispatches()) != 1 {
		t.Fatal("no dispatch recorded")
	}
	if !strings.Contains(r.stderr, "warning: could not revoke the token: revoke the token: GitHub answered 500 Internal Server Error: boom. It stays valid until it expires at "+w.emu.Tokens()[0].ExpiresAt.UTC().Format(time.RFC3339)) || !strings.Contains(r.stderr, "token not revoked") {
		t.Errorf("stderr %q", r.stderr)
	}
}
