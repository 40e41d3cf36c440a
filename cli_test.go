package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

// CLI runs the built binary as a command line in a shell that holds the
// App's client ID and key, and fails the test if the key, an App JWT or a
// token shows anywhere but the token on stdout. An extraEnv entry without
// "=" unsets that variable.
func (w *World) CLI(stdin string, extraEnv []string, args ...string) (code int, stdout, stderr string) {
	w.T.Helper()
	cmd := exec.CommandContext(w.Ctx(), Binary, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID,
		"APP_TOKEN_PRIVATE_KEY=" + AppPEM,
		"GITHUB_API_URL=" + w.Srv.URL,
	}
	for _, kv := range extraEnv {
		if !strings.Contains(kv, "=") {
			cmd.Env = slices.DeleteFunc(cmd.Env, func(e string) bool { return strings.HasPrefix(e, kv+"=") })
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		w.T.Fatal(err)
	}
	stdout, stderr = out.String(), errb.String()
	w.CheckCLILeaks(args, stdout, stderr)
	return cmd.ProcessState.ExitCode(), stdout, stderr
}

// CheckCLILeaks fails the test if the key, an App JWT or a token shows
// anywhere but the token on stdout.
func (w *World) CheckCLILeaks(args []string, stdout, stderr string) {
	w.T.Helper()
	if p := w.LeakCheck().In(stdout + "\n" + stderr); p != "" {
		w.T.Errorf("app-token %s: a piece of a key line or App JWT leaked (%q)\nstdout %q\nstderr %q", strings.Join(args, " "), p, stdout, stderr)
	}
	tokens := runnertest.NewSecrets()
	for _, tok := range w.Emu.Tokens() {
		tokens.Add(tok.Token)
	}
	if p := tokens.In(stderr); p != "" {
		w.T.Errorf("app-token %s: a piece of a token on stderr (%q): %q", strings.Join(args, " "), p, stderr)
	}
}

// The classic case through the real binary: one command, the emulator
// records the event, the token is scoped to the repository and revoked.
func TestCLIDispatchEndToEnd(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	code, stdout, stderr := w.CLI("", nil, "dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild", "--payload", `{"ref":"main"}`)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	d := w.Emu.Dispatches()
	if len(d) != 1 || d[0].Kind != "repository_dispatch" || d[0].Repo != "docs" || d[0].EventType != "rebuild" || string(d[0].ClientPayload) != `{"ref":"main"}` {
		t.Fatalf("dispatches %+v", d)
	}
	tok := w.OnlyToken()
	if !tok.Revoked || len(tok.Repositories) != 1 || len(tok.Permissions) != 1 || tok.Permissions["contents"] != "write" {
		t.Errorf("token %+v: want one repository, contents:write only, revoked", tok)
	}
}

// A subcommand is the command line even under the runner (a `run:` step);
// token then revoke round-trips through stdin; exit codes are as documented.
func TestCLIExitCodes(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	underRunner := []string{"GITHUB_ACTIONS=true"}
	code, token, stderr := w.CLI("", underRunner, "token", "--owner", "octocat")
	if code != 0 || token != w.OnlyToken().Token+"\n" {
		t.Fatalf("token: exit %d, stdout %q, stderr %q", code, token, stderr)
	}
	if code, _, stderr := w.CLI(token, nil, "revoke"); code != 0 || !w.Emu.Tokens()[0].Revoked {
		t.Fatalf("revoke: exit %d, stderr %q, revoked %t", code, stderr, w.Emu.Tokens()[0].Revoked)
	}
	for _, tc := range []struct {
		env  []string
		args []string
		code int
		want string
	}{
		{nil, nil, 2, "Commands:"},
		{nil, []string{"token", "--owner", "octo-org", "--permissions", "contents: writ"}, 2, `"contents" cannot be "writ"`},
		{[]string{"APP_TOKEN_PRIVATE_KEY="}, []string{"installations"}, 2, "no private key"},
		{nil, []string{"token", "--owner", "stranger-org"}, 1, "not installed on stranger-org"},
		{nil, []string{"dispatch", "--repository", "octo-org/website", "--event-type", "x"}, 1, "cannot reach repository octo-org/website"},
	} {
		code, stdout, stderr := w.CLI("", tc.env, tc.args...)
		if code != tc.code || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("app-token %s: exit %d, stdout %q, stderr %q; want exit %d and %q on stderr", strings.Join(tc.args, " "), code, stdout, stderr, tc.code, tc.want)
		}
	}
}
