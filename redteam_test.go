package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
)

// Breaks a red-team pass found, each through the door where it broke.

// A flag given twice is refused, not "last one wins": `--owner a --owner b`
// minted for b, `--repositories x --repositories y` for y alone.
func TestCLIFlagGivenTwiceIsRefused(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	for _, args := range [][]string{
		{"token", "--owner", "octo-org", "--owner", "octocat"},
		{"token", "--owner", "octo-org", "--repositories", "app", "--repositories", "infra"},
		{"token", "--repositories", "octo-org/app", "--permissions", "contents: read", "--permissions", "issues: write"},
		{"token", "--repositories", "octo-org/app", "--permissions=contents: read", "--permissions=contents: write"},
	} {
		code, stdout, stderr := w.CLI("", nil, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "is given more than once") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and one line", args, code, stdout, stderr)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// A key line pasted into the API URL of a door that reads no key (revoke,
// the post phase) is refused without being printed: the error quoted the
// URL, key text and all.
func TestKeyInAPIURLIsNotEchoedWithoutAKey(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	keyLine := aKeyLine()
	url := "https://ghes.invalid/" + keyLine
	token := "ghs_" + strings.Repeat("a", 36)
	code, _, stderr := w.CLI(token, []string{"APP_TOKEN_PRIVATE_KEY="}, "revoke", "--api-url", url)
	if code != 2 || strings.Contains(stderr, keyLine[:20]) || !strings.Contains(stderr, "--api-url holds what looks like") {
		t.Errorf("revoke: exit %d, stderr %q", code, strings.ReplaceAll(stderr, keyLine, "<KEY LINE>"))
	}
	// The post phase: no key is given to it, so only the shape check can
	// hide the line; w.post's leak check fails on any 20-character piece.
	res := w.With("private-key", "", "github-api-url", url).Post(map[string]string{"token": token, "expires-at": "2030-01-01T00:00:00Z"})
	if !strings.Contains(strings.Join(res.Warnings, " "), "github-api-url holds what looks like") {
		t.Errorf("post: warnings %q", res.Warnings)
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// GetInput trims, so an input of only whitespace read as "not set", which
// for repositories (with owner) and the permissions means everything: a
// `permissions: |` block whose expression came out empty minted every
// permission. The runner passes "" for an input the workflow did not set,
// so whitespace was written by someone and is refused.
func TestWhitespaceScopeInputsAreRefused(t *testing.T) {
	t.Parallel()
	for _, with := range [][]string{
		{"owner", "octo-org", "repositories", " "},
		{"owner", "octo-org", "repositories", "\n"},
		{"permissions", " \n"},
		{"permission-contents", " "},
		{"permission_issues", "\t"},
	} {
		w := NewWorld(t).With(with...)
		FailedWith(t, w.Main(), "input "+with[len(with)-2], "only whitespace")
		if calls := w.Calls(); len(calls) != 0 {
			t.Errorf("%q: the emulator received %v, want nothing", with, calls)
		}
	}
}

// A line break inside the jwt input passed the check (Go's base64 decoder
// skips line breaks) and failed later as "could not reach GitHub".
func TestJWTWithALineBreakIsRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	token := SignedJWT(t, AppKey, githubtest.DefaultClientID, 5*time.Minute)
	for _, at := range []int{10, len(token) / 2, len(token) - 10} {
		for _, brk := range []string{"\n", "\r\n"} {
			w := JWTWorld(t, token[:at]+brk+token[at:])
			FailedWith(t, w.Main(), "input jwt", "base64url")
			if calls := w.Calls(); len(calls) != 0 {
				t.Errorf("break at %d: the emulator received %v, want nothing", at, calls)
			}
		}
	}
}

// Dispatch sent a key line given as --event-type (it said "a value of 64
// characters (not shown)" and sent it): the event shows it to every run it
// starts. Key text or a credential in any part of the event is refused
// before any call.
func TestCLIDispatchSendsNoKeyOrCredential(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	keyLine := aKeyLine()
	token := "ghs_" + strings.Repeat("x1", 18)
	for _, args := range [][]string{
		{"--event-type", keyLine},
		{"--event-type", token},
		{"--event-type", "rebuild", "--payload", `{"k":"` + keyLine + `"}`},
		{"--event-type", "rebuild", "--payload", `{"k":"` + strings.ReplaceAll(keyLine, "/", `\/`) + `"}`},
		{"--workflow", "ci.yml", "--ref", keyLine},
		{"--workflow", "ci.yml", "--ref", "main", "--inputs", `{"t":"` + token + `"}`},
	} {
		code, _, stderr := w.CLI("", nil, append([]string{"dispatch", "--repository", "octo-org/docs"}, args...)...)
		if code != 2 || !strings.Contains(stderr, "looks like the App's key or a credential") || strings.Contains(stderr, keyLine[:20]) {
			t.Errorf("%.40q: exit %d, stderr %q", args, code, stderr)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
	// A digest and a URL are no credential.
	code, _, stderr := w.CLI("", nil, "dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild",
		"--payload", `{"sha":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","url":"https://example.com/a/b"}`)
	if code != 0 {
		t.Errorf("plain payload: exit %d, stderr %q", code, stderr)
	}
}

// With the token check off (token-ready-seconds 0), a short job's post
// phase met GitHub's replication lag: the revocation's 401 read as "already
// revoked", and the token stayed valid for the hour. Within a minute of
// minting, that 401 is retried as lag.
func TestPostRevokesAYoungTokenThroughTheLag(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, lagging).With("token-ready-seconds", "0")
	res := w.Main()
	Succeeded(t, res)
	post := w.Post(res.State)
	if !w.OnlyToken().Revoked || !strings.Contains(post.Log(), "Token revoked.") {
		t.Errorf("revoked %t; post log:\n%s", w.OnlyToken().Revoked, post.Log())
	}
}

// aKeyLine is a body line of the App's key.
func aKeyLine() string {
	for _, l := range strings.Split(AppPEM, "\n") {
		if len(l) > 40 && !strings.HasPrefix(l, "-----") {
			return l
		}
	}
	panic("no key line")
}

// A mistyped command gets the nearest one, and the action's
// permission-<name> spelling gets the --permissions block it means; a key
// typed as either is still not shown.
func TestCLISuggestsCommandsAndThePermissionsBlock(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tokn"}, `unknown command "tokn" (did you mean token?)`},
		{[]string{"revok"}, `(did you mean revoke?)`},
		{[]string{"token", "--permission-contents", "read"}, `(did you mean --permissions 'contents: LEVEL'?)`},
		{[]string{"token", "--permission-pull-requests=write"}, `(did you mean --permissions 'pull_requests: LEVEL'?)`},
		{[]string{aKeyLine()}, "not shown"},
		{[]string{"token", "--permission-" + aKeyLine()}, "not shown"},
	} {
		code, stdout, stderr := w.CLI("", nil, c.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) || strings.Contains(stderr, aKeyLine()[:20]) {
			t.Errorf("%.30q: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// Ctrl-C (or the runner cancelling the job) while the new token is being
// checked handed the token over unchecked, with exit 0: nobody takes it,
// and it stayed valid for the hour. Cancelled, it is revoked and the
// command fails.
func TestCLICancelledDuringTheCheckRevokes(t *testing.T) {
	t.Parallel()
	w := NewWorld(t, lagging)
	cmd := exec.CommandContext(w.Ctx(), Binary, "token", "--owner", "octo-org", "--repositories", "app")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID,
		"APP_TOKEN_PRIVATE_KEY=" + AppPEM, "GITHUB_API_URL=" + w.Srv.URL}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	sent := false
	for sc := bufio.NewScanner(stderr); sc.Scan(); {
		log.WriteString(sc.Text() + "\n")
		if !sent && strings.Contains(sc.Text(), "retrying in") { // the check met the lag
			sent = true
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 1 || stdout.Len() != 0 || !w.OnlyToken().Revoked {
		t.Errorf("exit %d, stdout %d bytes, revoked %t; stderr:\n%s", code, stdout.Len(), w.OnlyToken().Revoked, log.String())
	}
}

// A token check that could not finish warned in the action's words on the
// command line ("Check input github-api-url and the runner's proxy
// settings").
func TestCLICheckWarningSpeaksFlags(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: "/installation/repositories", Drop: true, Times: 100})
	code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octo-org", "--repositories", "app", "--retry-attempts", "1", "--token-ready-seconds", "1")
	if code != 0 || !strings.HasPrefix(stdout, "ghs_") || !strings.Contains(stderr, "could not check") ||
		!strings.Contains(stderr, "--api-url") || strings.Contains(stderr, "input ") || strings.Contains(stderr, "runner") {
		t.Errorf("exit %d; stderr:\n%s", code, stderr)
	}
}

// A permission listed twice was reported with a doubled prefix ("input
// permissions: permissions: …").
func TestPermissionListedTwiceNamesTheLine(t *testing.T) {
	t.Parallel()
	w := NewWorld(t).With("permissions", "pull_requests: write\npull-requests: read")
	res := w.Main()
	FailedWith(t, res, `input permissions: line 2: "pull_requests" is listed twice`)
	code, _, stderr := w.CLI("", nil, "token", "--owner", "octo-org", "--permissions", "contents: read, contents: write")
	if code != 2 || !strings.Contains(stderr, `--permissions: line 1: "contents" is listed twice`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}
