package e2e_test

// What each path costs on the network, counted rather than timed: the
// requests GitHub answers and the connections opened to it, with the API
// over TLS behind the latency proxy (githubtest.Remote, RTT 0 here: the
// counts do not depend on it). Every phase and command reaches GitHub on
// one connection, its requests one after the other (docs/performance.md).

import (
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

// remoteStep is the action's step against r, trusting r's CA through
// ca-certificates, with the inputs of issue 25's table.
func remoteStep(t testing.TB, r *githubtest.Remote, with map[string]string) *runnertest.Step {
	step := &runnertest.Step{Binary: apptest.Binary, Dir: t.TempDir(), Env: map[string]string{"GITHUB_API_URL": r.URL},
		With: map[string]string{
			"client-id": githubtest.DefaultClientID, "private-key": apptest.AppPEM, "ca-certificates": string(r.CAPEM),
			"owner": "octo-org", "repositories": "app,infra", "permission-contents": "write",
		}}
	maps.Copy(step.With, with)
	return step
}

// remoteCLI runs the built binary as a command line against r, trusting
// r's CA (SSL_CERT_FILE: the command line has no ca-certificates flag),
// and returns its exit code and stdout.
func remoteCLI(t testing.TB, r *githubtest.Remote, stdin string, args ...string) (int, string) {
	t.Helper()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, r.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), apptest.Binary, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "SSL_CERT_FILE=" + ca, "GITHUB_API_URL=" + r.URL,
		"APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID, "APP_TOKEN_PRIVATE_KEY=" + apptest.AppPEM,
	}
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	if err := cmd.Run(); err != nil {
		t.Logf("%v: stderr %q", args, errb.String())
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// costOf checks one path's counts: requests answered, and one connection
// opened that carried them all.
func costOf(t *testing.T, name string, c githubtest.Counters, requests int) {
	t.Helper()
	if c.Requests != requests || c.Conns != 1 || c.Used != 1 {
		t.Errorf("%s: %d requests on %d connections (%d used), want %d on one", name, c.Requests, c.Conns, c.Used, requests)
	}
}

// The action: lookup, mint and the check (which is the bot lookup) on one
// connection, with or without installation-id or the check; post's
// revocation on one.
func TestActionPhasesUseOneConnection(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		with map[string]string
	}{
		{"scoped", nil},
		{"installation-id", map[string]string{"installation-id": "1001"}},
		{"no token check", map[string]string{"token-ready-seconds": "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := githubtest.StartRemote(t, githubtest.DefaultConfig(&apptest.AppKey.PublicKey), 0)
			step := remoteStep(t, r, tc.with)
			before := r.Counters()
			res, err := step.Main(t.Context())
			if err != nil || res.ExitCode != 0 {
				t.Fatalf("main: %v, exit %d, errors %q", err, res.ExitCode, res.Errors)
			}
			costOf(t, "main", r.Counters().Sub(before), 3)
			before = r.Counters()
			if res, err = step.Post(t.Context(), res.State); err != nil || res.ExitCode != 0 {
				t.Fatalf("post: %v, exit %d, errors %q", err, res.ExitCode, res.Errors)
			}
			costOf(t, "post", r.Counters().Sub(before), 1)
			if !r.Emu.Tokens()[0].Revoked {
				t.Error("post did not revoke the token")
			}
		})
	}
}

// The command line: token (lookup, mint, check), dispatch (the same, the
// dispatch and the revocation), revoke, installations (one page), each on
// one connection; jwt on none.
func TestCLICommandsUseOneConnection(t *testing.T) {
	t.Parallel()
	r := githubtest.StartRemote(t, githubtest.DefaultConfig(&apptest.AppKey.PublicKey), 0)
	before := r.Counters()
	code, token := remoteCLI(t, r, "", "token", "--owner", "octo-org", "--repositories", "app,infra", "--permissions", "contents: write")
	if code != 0 {
		t.Fatalf("token: exit %d", code)
	}
	costOf(t, "token", r.Counters().Sub(before), 3)
	for _, tc := range []struct {
		name     string
		stdin    string
		args     []string
		requests int
	}{
		{"revoke", token, []string{"revoke"}, 1},
		{"dispatch", "", []string{"dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild"}, 5},
		{"installations", "", []string{"installations"}, 1},
	} {
		before = r.Counters()
		if code, _ := remoteCLI(t, r, tc.stdin, tc.args...); code != 0 {
			t.Fatalf("%s: exit %d", tc.name, code)
		}
		costOf(t, tc.name, r.Counters().Sub(before), tc.requests)
	}
	before = r.Counters()
	if code, jwt := remoteCLI(t, r, "", "jwt"); code != 0 || !apptest.IsJWT(strings.TrimSpace(jwt)) {
		t.Fatalf("jwt: exit %d", code)
	}
	if c := r.Counters().Sub(before); c.Requests != 0 || c.Conns != 0 {
		t.Errorf("jwt: %d requests on %d connections, want none", c.Requests, c.Conns)
	}
	for _, tok := range r.Emu.Tokens() {
		if !tok.Revoked {
			t.Errorf("token on %v not revoked", tok.Repositories)
		}
	}
}
