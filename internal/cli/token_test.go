package cli

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/setting"
)

// The token alone on stdout, scoped as asked, and not revoked: the caller
// uses it.
func TestTokenPrintsTheTokenAlone(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run("", "token", "--owner", "octo-org", "--repositories", "app", "--permissions", "contents: read")
	r.ok(t)
	toks := w.emu.Tokens()
	if len(toks) != 1 {
		t.Fatalf("emulator issued %d tokens, want 1", len(toks))
	}
	tok := toks[0]
	if r.stdout != tok.Token+"\n" {
		t.Errorf("stdout %q, want the token and a newline", r.stdout)
	}
	if !slices.Equal(tok.Repositories, []string{"app"}) || !maps.Equal(tok.Permissions, map[string]string{"contents": "read"}) {
		t.Errorf("token reaches %v with %v, want [app] with contents:read", tok.Repositories, tok.Permissions)
	}
	if tok.Revoked {
		t.Error("the token was revoked; the caller needs it")
	}
	if !strings.Contains(r.stderr, "octo-org/app") || !strings.Contains(r.stderr, "contents:read") {
		t.Errorf("stderr %q does not say what the token reaches", r.stderr)
	}
}

func TestTokenJSON(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run("", "token", "--owner", "octo-org", "--repositories", "app,infra", "--permissions", "issues: write", "--json", "--quiet")
	r.ok(t)
	if strings.Contains(r.stderr, "minted") {
		t.Errorf("--quiet: stderr %q", r.stderr)
	}
	var got struct {
		Token               string            `json:"token"`
		ExpiresAt           string            `json:"expires_at"`
		InstallationID      int64             `json:"installation_id"`
		Permissions         map[string]string `json:"permissions"`
		RepositorySelection string            `json:"repository_selection"`
		Repositories        []string          `json:"repositories"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	tok := w.emu.Tokens()[0]
	if got.Token != tok.Token || got.InstallationID != 1001 || got.ExpiresAt == "" || got.RepositorySelection != "selected" ||
		got.Permissions["issues"] != "write" || !slices.Equal(got.Repositories, []string{"octo-org/app", "octo-org/infra"}) {
		t.Errorf("JSON %+v does not describe the token", got)
	}
}

// The key comes from a file, stdin or a named variable; the App from
// --app-id too. Each is the same App to the emulator.
func TestTokenKeySources(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	delete(w.env, setting.PrivateKey.Spec().Env)
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, []byte(appPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env["MY_KEY"] = appPEM
	for name, tc := range map[string]struct {
		stdin string
		args  []string
	}{
		"file":   {"", []string{"--private-key-file", keyFile}},
		"stdin":  {appPEM, []string{"--private-key-file", "-"}},
		"env":    {"", []string{"--private-key-env", "MY_KEY"}},
		"app-id": {"", []string{"--private-key-env", "MY_KEY", "--app-id", "123456"}},
	} {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"token", "--owner", "octocat"}, tc.args...)
			w.run(tc.stdin, args...).ok(t)
		})
	}
}

// Every mistake is one line naming the flag, exit 2, and nothing sent;
// what GitHub refuses is exit 1 with the action's explanation in flag
// words, and no token.
func TestTokenBadInputAndRefusals(t *testing.T) {
	t.Parallel()
	other, _, err := newKey()
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		code int
		env  map[string]string
		args []string
		want []string
	}{
		"missing key":        {ExitUsage, map[string]string{setting.PrivateKey.Spec().Env: ""}, []string{"--owner", "octo-org"}, []string{"no private key", setting.PrivateKey.Spec().Env, "--private-key-file"}},
		"missing App":        {ExitUsage, map[string]string{setting.ClientID.Spec().Env: ""}, []string{"--owner", "octo-org"}, []string{"--client-id"}},
		"key file missing":   {ExitUsage, nil, []string{"--owner", "octo-org", "--private-key-file", "/nonexistent/app.pem"}, []string{"--private-key-file", "/nonexistent/app.pem"}},
		"not a key":          {ExitUsage, map[string]string{setting.PrivateKey.Spec().Env: "hello"}, []string{"--owner", "octo-org"}, []string{"not a PEM private key"}},
		"unknown permission": {ExitUsage, nil, []string{"--owner", "octo-org", "--permissions", "contens: write"}, []string{"contens", "contents"}},
		"no scope":           {ExitUsage, nil, nil, []string{"--owner and --repositories"}},
		"bad owner":          {ExitUsage, nil, []string{"--owner", "not an owner"}, []string{"--owner"}},
		"http api":           {ExitUsage, nil, []string{"--owner", "octo-org", "--api-url", "http://example.com"}, []string{"--api-url", "https"}},
		"unknown flag":       {ExitUsage, nil, []string{"--onwer", "octo-org"}, []string{"onwer", "app-token token -h"}},
		"argument":           {ExitUsage, nil, []string{"octo-org"}, []string{"unexpected argument", `"octo-org"`}},
		"key in a flag":      {ExitUsage, nil, []string{"--owner", "octo-org", "--repositories", "-----BEGIN RSA PRIVATE KEY-----"}, []string{"--repositories"}},

		"wrong App key":          {ExitFailed, map[string]string{setting.PrivateKey.Spec().Env: other}, []string{"--owner", "octo-org"}, []string{"does the private key belong to App", "--client-id"}},
		"wrong App":              {ExitFailed, map[string]string{setting.ClientID.Spec().Env: "Iv23liSomeOtherApp00"}, []string{"--owner", "octo-org"}, []string{"Iv23liSomeOtherApp00"}},
		"unreachable repository": {ExitFailed, nil, []string{"--owner", "octo-org", "--repositories", "website"}, []string{"cannot reach repository octo-org/website"}},
		"not installed":          {ExitFailed, nil, []string{"--owner", "stranger-org"}, []string{"not installed on stranger-org", "set --owner"}},
		"permission not granted": {ExitFailed, nil, []string{"--owner", "octocat", "--permissions", "contents: write"}, []string{"cannot grant the requested permissions"}},
		"suspended":              {ExitFailed, nil, []string{"--owner", "frozen-org"}, []string{"suspended"}},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			for k, v := range tc.env {
				w.env[k] = v
			}
			w.run("", append([]string{"token"}, tc.args...)...).failed(t, tc.code, tc.want...)
			if n := len(w.emu.Requests()); tc.code == ExitUsage && n != 0 {
				t.Errorf("%d requests reached GitHub; a usage error must send none", n)
			}
			if n := len(w.emu.Tokens()); n != 0 {
				t.Errorf("%d tokens minted", n)
			}
		})
	}
}
