package apptest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"

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
