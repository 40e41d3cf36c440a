package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
)

// keyShapes are key text a hurried user may pipe where a token belongs:
// base64 of the PEM (wrapped and not) and each of its body lines.
func keyShapes() []string {
	b64 := base64.StdEncoding.EncodeToString([]byte(appPEM))
	wrapped := base64.StdEncoding.EncodeToString([]byte(appPEM))
	var lines []string
	for i := 0; i < len(wrapped); i += 76 {
		lines = append(lines, wrapped[i:min(i+76, len(wrapped))])
	}
	shapes := []string{b64, strings.Join(lines, "\n"), lines[0], base64.RawURLEncoding.EncodeToString([]byte(appPEM))}
	for _, line := range strings.Split(appPEM, "\n") {
		if line != "" && !strings.HasPrefix(line, "-----") {
			shapes = append(shapes, line)
		}
	}
	return shapes
}

// `revoke` sends only what has a token's shape: key text piped into it, or
// named by --token-env, is refused before any request.
func TestCLIRevokeSendsOnlyTokens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	notTokens := append(keyShapes(),
		"ghs_"+strings.Repeat("a", 35),     // one short of the classic form
		"ghs_"+strings.Repeat("a", 35)+"-", // outside GitHub's alphabet
		"ghp_"+strings.Repeat("a", 36),     // a personal token
		strings.Repeat("a", 40),            // no prefix
		"ghs_"+strings.Repeat("a", 5000),   // longer than any token
	)
	for i, s := range notTokens {
		code, stdout, stderr := w.cli(s, nil, "revoke")
		if code != 2 || stdout != "" || !strings.Contains(stderr, "not an installation token") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("shape %d piped: exit %d, stdout %q, stderr %q; want exit 2 and one line", i, code, stdout, stderr)
		}
		code, _, stderr = w.cli("", []string{"PASTED=" + s}, "revoke", "--token-env", "PASTED")
		if code != 2 || !strings.Contains(stderr, "not an installation token") {
			t.Errorf("shape %d by --token-env: exit %d, stderr %q", i, code, stderr)
		}
	}
	if calls := w.calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// Both of GitHub's token forms are revoked whole.
func TestCLIRevokesBothTokenForms(t *testing.T) {
	t.Parallel()
	for _, long := range []bool{false, true} {
		w := newWorld(t, func(c *githubtest.Config) { c.LongTokens = long })
		code, token, stderr := w.cli("", nil, "token", "--owner", "octocat")
		if code != 0 {
			t.Fatalf("token: exit %d, stderr %q", code, stderr)
		}
		if long && len(token) < 400 {
			t.Fatalf("long token is %d characters", len(token))
		}
		if code, _, stderr := w.cli(token, nil, "revoke"); code != 0 || !w.onlyToken().Revoked {
			t.Errorf("long %t: revoke exit %d, stderr %q, revoked %t", long, code, stderr, w.onlyToken().Revoked)
		}
	}
}

// The post phase sends only a token's shape too, whatever the saved state holds.
func TestPostSendsOnlyTokens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, s := range keyShapes()[2:4] {
		res := w.post(map[string]string{"token": s})
		if res.ExitCode != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "nothing was sent") {
			t.Errorf("post with %.10q…: exit %d, warnings %q", s, res.ExitCode, res.Warnings)
		}
	}
	if calls := w.calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
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
	for _, b64 := range []string{base64.StdEncoding.EncodeToString([]byte(appPEM)), base64.RawURLEncoding.EncodeToString([]byte(appPEM))} {
		add(b64[48 : len(b64)-48])
	}
	for _, line := range strings.Split(appPEM, "\n") {
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
	w := newWorld(t)
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
		code, stdout, stderr := w.cli("", nil, args...)
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

// dispatch's --repository stands in for --repositories: a key line or a
// token in it is refused in its own name, unshown, before any call.
func TestCLIDispatchRepositoryHoldingASecret(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	shapes := keyShapes()
	// A token as owner/name passes the name check and reaches config.
	for _, k := range []string{shapes[0], shapes[4], "ghp_" + strings.Repeat("x1", 18), "octo-org/ghp_" + strings.Repeat("x1", 18)} {
		code, stdout, stderr := w.cli("", nil, "dispatch", "--repository", k, "--event-type", "rebuild")
		if code != 2 || stdout != "" || !strings.Contains(stderr, "--repository holds ") || !strings.Contains(stderr, "(not shown)") || strings.Contains(stderr, "--repositories") || strings.Contains(stderr, k[len(k)-20:]) {
			t.Errorf("dispatch --repository %.20q...: exit %d, stderr %q; want it refused naming --repository", k, code, stderr)
		}
	}
	if calls := w.calls(); len(calls) != 0 {
		t.Errorf("GitHub was called: %v", calls)
	}
}

// An empty flag never means "everything": the command line refuses it, as
// the action refuses empty inputs, and sends nothing.
func TestCLIRefusesEmptyFlags(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "--owner", "octocat", "--permissions", ""}, "--permissions is empty"},
		{[]string{"token", "--owner", "octocat", "--permissions="}, "--permissions is empty"},
		{[]string{"token", "--owner", "octo-org", "--repositories", ""}, "--repositories is empty"},
		{[]string{"token", "--owner", "octo-org", "--repositories", " "}, "--repositories is empty"},
		{[]string{"token", "--owner", ""}, "--owner is empty"},
		{[]string{"token", "--owner", "octocat", "--installation-id", ""}, "--installation-id is empty"},
		{[]string{"token", "--owner", "octocat", "--api-url", ""}, "--api-url is empty"},
		{[]string{"token", "--owner", "octocat", "--client-id", ""}, "--client-id is empty"},
		{[]string{"token", "--owner", "octocat", "--app-id", ""}, "--app-id is empty"},
		{[]string{"token", "--owner", "octocat", "--private-key-env", ""}, "--private-key-env is empty"},
		{[]string{"token", "--owner", "octocat", "--private-key-file", ""}, "--private-key-file is empty"},
		{[]string{"token", "--owner", "octocat", "--retry-attempts", ""}, "--retry-attempts is empty"},
		{[]string{"installations", "--api-url", ""}, "--api-url is empty"},
		{[]string{"revoke", "--token-env", ""}, "--token-env is empty"},
		{[]string{"dispatch", "--repository", "octo-org/docs", "--event-type", "x", "--payload", ""}, "--payload is empty"},
		{[]string{"dispatch", "--repository", "octo-org/docs", "--workflow", "ci.yml", "--ref", ""}, "--ref is empty"},
	} {
		code, stdout, stderr := w.cli("", nil, tc.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("app-token %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, stdout, stderr, tc.want)
		}
	}
	if calls := w.calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}

// A token stdout does not take is revoked at once: a full disk, or a pipe
// whose reader is gone (SIGPIPE would otherwise kill the process first).
func TestCLIRevokesUndeliveredToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		stdout func(t *testing.T) *os.File
	}{
		{"full disk", func(t *testing.T) *os.File {
			f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Skip("no /dev/full:", err)
			}
			return f
		}},
		{"closed pipe", func(t *testing.T) *os.File {
			r, wr, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			return wr
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			for _, args := range [][]string{{"token", "--owner", "octocat"}, {"token", "--owner", "octocat", "--json"}} {
				out := tc.stdout(t)
				cmd := exec.CommandContext(w.ctx(), binary, args...)
				cmd.Env = []string{"APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID, "APP_TOKEN_PRIVATE_KEY=" + appPEM, "GITHUB_API_URL=" + w.srv.URL}
				var stderr strings.Builder
				cmd.Stdout, cmd.Stderr = out, &stderr
				err := cmd.Run()
				out.Close()
				toks := w.emu.Tokens()
				tok := toks[len(toks)-1]
				lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
				last := lines[len(lines)-1]
				if cmd.ProcessState.ExitCode() != 1 || !tok.Revoked || !strings.Contains(last, "could not be written to stdout") || !strings.Contains(last, "revoked at once") {
					t.Errorf("%q: %v, exit %d, revoked %t, stderr %q", args, err, cmd.ProcessState.ExitCode(), tok.Revoked, stderr.String())
				}
				if strings.Contains(stderr.String(), tok.Token) {
					t.Errorf("token on stderr %q", stderr.String())
				}
			}
		})
	}
}

// withModels grants octocat's installation models:read, as GitHub Apps can
// be granted since May 2025 though GitHub's table does not list it yet.
func withModels(c *githubtest.Config) {
	for i := range c.Installations {
		if c.Installations[i].Account == "octocat" {
			c.Installations[i].Permissions["models"] = "read"
		}
	}
}

// mintedPermissions is the permissions object of the emulator's one mint request.
func (w *world) mintedPermissions() map[string]string {
	w.t.Helper()
	for _, r := range w.emu.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/access_tokens") {
			var body struct{ Permissions map[string]string }
			if err := json.Unmarshal(r.Body, &body); err != nil {
				w.t.Fatal(err)
			}
			return body.Permissions
		}
	}
	w.t.Fatalf("no mint request in %v", w.calls())
	return nil
}

// A permission GitHub's table lacks (models) is forwarded with a notice,
// never refused, through the action and the command line.
func TestModelsPermissionReachesGitHub(t *testing.T) {
	t.Parallel()
	t.Run("action", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, withModels).with("owner", "octocat", "permission-models", "read")
		res := w.main()
		succeeded(t, res)
		if p := w.mintedPermissions(); p["models"] != "read" || len(p) != 1 {
			t.Errorf("mint request permissions %v, want models:read", p)
		}
		if !strings.Contains(strings.Join(res.Notices, "\n"), "models") {
			t.Errorf("notices %q, want one about models", res.Notices)
		}
	})
	t.Run("cli", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, withModels)
		code, _, stderr := w.cli("", nil, "token", "--owner", "octocat", "--permissions", "models:read")
		if code != 0 || !strings.Contains(stderr, "permission models is not in") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if p := w.mintedPermissions(); p["models"] != "read" || len(p) != 1 {
			t.Errorf("mint request permissions %v, want models:read", p)
		}
	})
}

// The runner masks nothing across phases: post masks the saved token again
// before it writes any line, whether it revokes it or finds it expired.
func TestPostMasksTheTokenAgainFirst(t *testing.T) {
	t.Parallel()
	w := newWorld(t).with("owner", "octocat")
	res := w.main()
	succeeded(t, res)
	tok := w.onlyToken().Token
	expired := map[string]string{"token": tok, "expires-at": "2000-01-01T00:00:00Z"}
	for name, state := range map[string]map[string]string{"revoked": res.State, "expired": expired} {
		post := w.post(state)
		first, _, _ := strings.Cut(post.Stdout, "\n")
		if first != "::add-mask::"+tok || post.ExitCode != 0 {
			t.Errorf("%s: post's first line is %.40q, want the token's mask; exit %d", name, first, post.ExitCode)
		}
	}
	if !w.onlyToken().Revoked {
		t.Errorf("the token was not revoked")
	}
}

// valueFlags lists every flag of a command that takes a value, as its -h
// shows them: a flag added later is covered without touching the tests.
func valueFlags(t *testing.T, w *world, command string) (flags, nameFlags []string) {
	t.Helper()
	_, help, _ := w.cli("", nil, command, "-h")
	for _, line := range strings.Split(help, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && strings.HasPrefix(f[0], "--") {
			flags = append(flags, f[0])
			if f[1] == "NAME" {
				nameFlags = append(nameFlags, f[0])
			}
		}
	}
	if len(flags) < 4 {
		t.Fatalf("%s -h lists %q", command, flags)
	}
	return flags, nameFlags
}

// Every flag of every command, given empty, is refused before any call;
// every flag that takes a variable's NAME refuses the key in its place
// without printing a piece of it.
func TestCLIEveryFlag(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	frags := keyFragments()
	b64 := keyShapes()[0]
	for _, command := range []string{"token", "revoke", "installations", "dispatch"} {
		flags, nameFlags := valueFlags(t, w, command)
		for _, f := range flags {
			code, _, stderr := w.cli("", nil, command, f, "")
			if code != 2 || !strings.Contains(stderr, f+" is empty") {
				t.Errorf("%s %s '': exit %d, stderr %q", command, f, code, stderr)
			}
		}
		for _, f := range nameFlags {
			args := []string{command, f, b64}
			if command == "dispatch" {
				args = append(args, "--repository", "octo-org/docs", "--event-type", "x")
			}
			code, stdout, stderr := w.cli("", nil, args...)
			if code != 2 || !strings.Contains(stderr, "takes the NAME of an environment variable") {
				t.Errorf("%s %s <key>: exit %d, stderr %q", command, f, code, stderr)
			}
			if frag := leakedFragment(frags, stdout+stderr); frag != "" {
				t.Errorf("%s %s <key>: printed %q", command, f, frag)
			}
		}
	}
	if calls := w.calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
}
