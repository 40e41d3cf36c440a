package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// fakeReader serves inputs and environment from maps, as the runner would.
type fakeReader struct{ in, env map[string]string }

func (f fakeReader) GetInput(name string) string { return strings.TrimSpace(f.in[name]) }
func (f fakeReader) Getenv(key string) string    { return f.env[key] }

// readAll reads f with every input in f.in passed, as the runner passes
// every declared input and every `with:` entry.
func readAll(f fakeReader) (*Config, error) {
	var passed []string
	for name := range f.in {
		passed = append(passed, name)
	}
	slices.Sort(passed)
	return ReadInputs(f, passed)
}

var runnerEnv = map[string]string{
	"GITHUB_REPOSITORY":       "octo-org/app",
	"GITHUB_REPOSITORY_OWNER": "octo-org",
	"GITHUB_API_URL":          "https://api.github.com",
}

func read(t *testing.T, in map[string]string) (*Config, error) {
	t.Helper()
	base := map[string]string{InClientID: "Iv23liABC", InPrivateKey: "k"}
	for k, v := range in {
		if v == "<unset>" {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	return readAll(fakeReader{base, runnerEnv})
}

func TestScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        map[string]string
		wantOwner string
		wantRepos []string
	}{
		{"neither: current repository", nil, "octo-org", []string{"app"}},
		{"owner only: all repositories", map[string]string{InOwner: "octocat"}, "octocat", nil},
		{"repositories only: current owner", map[string]string{InRepositories: "infra, docs"}, "octo-org", []string{"infra", "docs"}},
		{"newlines, blanks, duplicates", map[string]string{InRepositories: "infra\n\n docs ,infra,\nINFRA\n"}, "octo-org", []string{"infra", "docs"}},
		{"owner/name entries give the owner", map[string]string{InRepositories: "octocat/blog\noctocat/dotfiles"}, "octocat", []string{"blog", "dotfiles"}},
		{"owner/name matching owner", map[string]string{InOwner: "OctoCat", InRepositories: "octocat/blog, dotfiles"}, "OctoCat", []string{"blog", "dotfiles"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := read(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if c.Owner != tt.wantOwner || !reflect.DeepEqual(c.Repositories, tt.wantRepos) {
				t.Errorf("scope = %q %q, want %q %q", c.Owner, c.Repositories, tt.wantOwner, tt.wantRepos)
			}
		})
	}
}

func TestTooManyRepositories(t *testing.T) {
	t.Parallel()
	names := make([]string, 501)
	for i := range names {
		names[i] = "repo-" + strconv.Itoa(i)
	}
	_, err := read(t, map[string]string{InRepositories: strings.Join(names, ",")})
	if err == nil || !strings.Contains(err.Error(), "names 501 repositories; GitHub allows at most 500") {
		t.Fatalf("err = %v", err)
	}
	if _, err := read(t, map[string]string{InRepositories: strings.Join(names[:500], ",")}); err != nil {
		t.Fatalf("500 must pass: %v", err)
	}
}

func TestInputErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   map[string]string
		env  map[string]string
		want []string
	}{
		{"no issuer", map[string]string{InClientID: "<unset>"}, nil, []string{"neither client-id nor app-id is set"}},
		{"app id not numeric", map[string]string{InClientID: "<unset>", InAppID: "Iv23liABC"}, nil, []string{"app-id must be the App's numeric ID", "pass it as client-id"}},
		{"client id of 101", map[string]string{InClientID: strings.Repeat("a", 101)}, nil, []string{"which is not a client ID"}},
		{"empty key", map[string]string{InPrivateKey: ""}, nil, []string{"private-key is empty"}},
		{"mixed owners", map[string]string{InRepositories: "a/x, b/y"}, nil, []string{`several accounts ("a", "b")`}},
		{"owner mismatch", map[string]string{InOwner: "octo-org", InRepositories: "other/x"}, nil, []string{`names repositories of "other" but input owner is "octo-org"`}},
		{"bad owner", map[string]string{InOwner: "evil\n::add-mask::x"}, nil, []string{`input owner is "evil\n::add-mask::x"`}},
		{"bad repository", map[string]string{InRepositories: "ok, bad name<<EOF"}, nil, []string{`"bad name<<EOF" is not a repository name`}},
		{"dot repository", map[string]string{InRepositories: ".."}, nil, []string{"is not a repository name"}},
		{"no current repository", nil, map[string]string{}, []string{"GITHUB_REPOSITORY is not set"}},
		{"hostile current repository", nil, map[string]string{"GITHUB_REPOSITORY": "octo-org/app\n::add-mask::x"}, []string{"GITHUB_REPOSITORY is", "not owner/name"}},
		{"hostile current owner", map[string]string{InRepositories: "app"}, map[string]string{"GITHUB_REPOSITORY_OWNER": "evil\n::x"}, []string{"GITHUB_REPOSITORY_OWNER is", "not a GitHub account name"}},
		{"bad installation id", map[string]string{InInstallationID: "abc"}, nil, []string{"installation-id must be a positive number"}},
		{"bad bool", map[string]string{InSkipRevoke: "yes please"}, nil, []string{"skip-token-revoke must be true or false"}},
		{"bad retry", map[string]string{InRetryAttempts: "0"}, nil, []string{"retry-attempts must be a whole number from 1 to 10"}},
		{"zero budget", map[string]string{InRetrySeconds: "0"}, nil, []string{"retry-max-seconds must be a whole number from 1 to 3600"}},
		{"unknown permission", map[string]string{InPermissions: "contnets: write"}, nil, []string{`did you mean "contents"`}},
		{"misspelt permission input", map[string]string{"permission-contens": "write"}, nil, []string{`input "permission-contens" is not an input of this action (did you mean permission-contents?)`}},
		{"undeclared input", map[string]string{InOwner: "octo-org", "repository": "infra"}, nil, []string{`input "repository" is not an input of this action (did you mean repositories?)`, "wider"}},
		{"undeclared input far from any", map[string]string{"frobnicate": ""}, nil, []string{`input "frobnicate" is not an input of this action: `}},
		{"empty permissions block", map[string]string{InPermissions: "{}"}, nil, []string{"input permissions is set but names no permission", "leave permissions out"}},
		{"comment-only permissions block", map[string]string{InPermissions: "# contents: write\n  # nothing"}, nil, []string{"names no permission"}},
		{"read-all shorthand", map[string]string{InPermissions: "read-all"}, nil, []string{"read-all is a GITHUB_TOKEN shorthand"}},
		{"blank repositories with owner", map[string]string{InOwner: "octo-org", InRepositories: ", ,"}, nil, []string{"input repositories is set but names no repository", "leave repositories out"}},
		{"key in permissions", map[string]string{InPermissions: testPEM}, nil, []string{"input permissions holds what looks like a private key or token (not shown)"}},
		{"token in owner", map[string]string{InOwner: "ghs_16C7e42F292c6912E7710c838347Ae178B4a"}, nil, []string{"input owner holds what looks like a private key or token"}},
		{"permission conflict", map[string]string{"permission-contents": "read", InPermissions: "contents: write"}, nil, []string{"set it in one place"}},
		{"bad level", map[string]string{"permission-workflows": "read"}, nil, []string{`"workflows" cannot be "read"`}},
		{"http to a remote host", map[string]string{InAPIURL: "http://ghes.example.com"}, nil, []string{"plain http"}},
		{"web url", map[string]string{InAPIURL: "https://github.com"}, nil, []string{"the API is https://api.github.com"}},
		{"every problem at once", map[string]string{InClientID: "<unset>", InPrivateKey: "", InSkipRevoke: "maybe"}, nil, []string{"neither", "private-key is empty", "skip-token-revoke"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := map[string]string{InClientID: "Iv23liABC", InPrivateKey: "k"}
			for k, v := range tt.in {
				if v == "<unset>" {
					delete(base, k)
				} else {
					base[k] = v
				}
			}
			env := runnerEnv
			if tt.env != nil {
				env = tt.env
			}
			_, err := readAll(fakeReader{base, env})
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("err = %v, want *Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error spans lines: %q", err)
			}
			if strings.Contains(err.Error(), "MIIB") || strings.Contains(err.Error(), "ghs_") {
				t.Errorf("error echoes a secret: %q", err)
			}
		})
	}
}

func TestSecretsInWrongInputAreNotEchoed(t *testing.T) {
	t.Parallel()
	secret := "ghs_" + strings.Repeat("A1b2", 9)
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretsecret\n-----END RSA PRIVATE KEY-----"
	_, err := read(t, map[string]string{InClientID: "<unset>", InAppID: pem, InOwner: secret})
	if err == nil {
		t.Fatal("no error")
	}
	for _, leak := range []string{secret, "A1b2A1b2", "MIIEsecret", "BEGIN RSA"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error leaks %q: %q", leak, err)
		}
	}
	if !strings.Contains(err.Error(), "(not shown)") {
		t.Errorf("error should say the value is not shown: %q", err)
	}
}

func TestPermissionsAndDefaults(t *testing.T) {
	t.Parallel()
	c, err := read(t, map[string]string{
		"permission-pull-requests": "write",
		InPermissions:              "contents: write\nissues: read",
		InSkipRevoke:               "TRUE",
		InInstallationID:           "42",
		InRetrySeconds:             "5",
		InTokenReady:               "0",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := permissions.Set{"pull_requests": "write", "contents": "write", "issues": "read"}
	if !reflect.DeepEqual(c.Permissions, want) {
		t.Errorf("permissions = %v, want %v", c.Permissions, want)
	}
	if !c.SkipRevoke || c.InstallationID != 42 || c.Issuer != "Iv23liABC" || c.IssuerSetting.Input() != InClientID {
		t.Errorf("config = %+v", c)
	}
	if c.Retry != (Retry{Attempts: 4, Budget: 5 * time.Second, RequestTimeout: 20 * time.Second, TokenReady: 0}) {
		t.Errorf("retry = %+v", c.Retry)
	}
	if c.APIURL.String() != "https://api.github.com/" {
		t.Errorf("api url from GITHUB_API_URL = %s", c.APIURL)
	}
}

func TestAPIBase(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, warn string }{
		{"https://api.github.com", "https://api.github.com/", ""},
		{"https://api.github.com/", "https://api.github.com/", ""},
		{"https://ghes.example.com", "https://ghes.example.com/api/v3/", ""},
		{"https://ghes.example.com/", "https://ghes.example.com/api/v3/", ""},
		{"https://ghes.example.com/api/v3", "https://ghes.example.com/api/v3/", ""},
		{"https://ghes.example.com/api/v3/", "https://ghes.example.com/api/v3/", ""},
		{"https://ghes.example.com:8443/api/v3", "https://ghes.example.com:8443/api/v3/", ""},
		{"https://ghes.example.com:8443", "https://ghes.example.com:8443/api/v3/", ""},
		{"https://api.acme.ghe.com", "https://api.acme.ghe.com/", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v3/", "plain http"},
		{"http://localhost:8080/api/v3/", "http://localhost:8080/api/v3/", "plain http"},
		{"http://[::1]:9/", "http://[::1]:9/api/v3/", "plain http"},
		{"http://[::ffff:127.0.0.1]:9", "http://[::ffff:127.0.0.1]:9/api/v3/", "plain http"},
		{"http://LOCALHOST:8080", "http://LOCALHOST:8080/api/v3/", "plain http"},
	}
	for _, tt := range tests {
		u, warn, err := APIBase(tt.in)
		if err != nil {
			t.Errorf("APIBase(%q) error %v", tt.in, err)
			continue
		}
		if u.String() != tt.want || !strings.Contains(warn, tt.warn) || (tt.warn == "" && warn != "") {
			t.Errorf("APIBase(%q) = %s, %q; want %s, %q", tt.in, u, warn, tt.want, tt.warn)
		}
	}
	for _, bad := range []string{"", "api.github.com", "ftp://x", "http://10.0.0.1", "https://user:pw@ghes", "https://x/?q=1",
		"http://127.0.0.1.nip.io:8080", "http://localhost.:8080", "http://127.1:8080", "http://[::ffff:10.0.0.1]/"} {
		if _, _, err := APIBase(bad); err == nil {
			t.Errorf("APIBase(%q) accepted", bad)
		}
	}
}

func TestPermissionInputsCoverTheTable(t *testing.T) {
	t.Parallel()
	ins := PermissionInputs()
	if len(ins) != len(permissions.All()) || len(ins) != 60 {
		t.Fatalf("%d permission inputs, want 60 (GitHub's 59 and the official action's team-discussions)", len(ins))
	}
	seen := map[string]bool{}
	for _, in := range AllInputs() {
		if seen[in.Name] {
			t.Errorf("input %s declared twice", in.Name)
		}
		seen[in.Name] = true
		if in.Description == "" {
			t.Errorf("input %s has no description", in.Name)
		}
	}
	if !seen["permission-pull-requests"] || !seen["permission-organization-custom-properties"] {
		t.Error("dashed permission inputs missing")
	}
}

func TestAccountNamesThatLookLikeTokensAreNotEchoed(t *testing.T) {
	t.Parallel()
	tok := "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
	for _, in := range []map[string]string{
		{InOwner: "octo-org", InRepositories: tok + "/app"},
		{InRepositories: tok + "/app, octocat/blog"},
	} {
		_, err := read(t, in)
		if err == nil || strings.Contains(err.Error(), "ghs_") {
			t.Errorf("err = %v, want an error without the token-shaped name", err)
		}
	}
}

func TestReadPostFallsBackToDefaults(t *testing.T) {
	t.Parallel()
	c, err := ReadPost(FromInputs(fakeReader{map[string]string{InRetryAttempts: "2", InRetrySeconds: "nonsense", InSkipRevoke: "maybe"}, runnerEnv}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Retry != (Retry{Attempts: 2, Budget: 60 * time.Second, RequestTimeout: 20 * time.Second, TokenReady: 10 * time.Second}) || c.SkipRevoke {
		t.Errorf("ReadPost = %+v", c)
	}
	if c.APIURL.String() != "https://api.github.com/" {
		t.Errorf("api url = %s, want GITHUB_API_URL's", c.APIURL)
	}
	c, err = ReadPost(FromInputs(fakeReader{map[string]string{InSkipRevoke: "TRUE", InAPIURL: "https://ghes.example.com"}, nil}))
	if err != nil || !c.SkipRevoke || c.APIURL.String() != "https://ghes.example.com/api/v3/" {
		t.Errorf("ReadPost = %+v, %v", c, err)
	}
	if _, err := ReadPost(FromInputs(fakeReader{map[string]string{InAPIURL: "http://ghes.example.com"}, nil})); err == nil || !strings.Contains(err.Error(), "github-api-url") {
		t.Errorf("unusable API URL: err = %v", err)
	}
}

const testPEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\nKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE KEY-----"

// A permission newer than the table is forwarded with a notice, whether it
// comes as permission-<name> or in the block; an underscore spelling of a
// known input is read as that input.
func TestNewPermissionsAreForwarded(t *testing.T) {
	t.Parallel()
	c, err := read(t, map[string]string{"permission-quantum-computers": "write", InPermissions: "hover_boards: read", "permission-pull_requests": "read"})
	if err != nil {
		t.Fatal(err)
	}
	want := permissions.Set{"quantum_computers": "write", "hover_boards": "read", "pull_requests": "read"}
	if !reflect.DeepEqual(c.Permissions, want) {
		t.Errorf("permissions = %v, want %v", c.Permissions, want)
	}
	// One notice names every forwarded name.
	if len(c.Notices) != 2 || !strings.Contains(strings.Join(texts(c.Notices), "|"), "permissions hover_boards, quantum_computers are not in this action's copy of GitHub's permission table; they are sent to GitHub as written") {
		t.Errorf("notices = %q", c.Notices)
	}
}

func TestInputNames(t *testing.T) {
	t.Parallel()
	got := InputNames([]string{"INPUT_PERMISSION-CONTENS=write", "INPUT_OWNER=", "PATH=/bin", "INPUT_=x", "INPUT_PRIVATE-KEY=k=v"})
	if want := []string{"owner", "permission-contens", "private-key"}; !reflect.DeepEqual(got, want) {
		t.Errorf("InputNames = %q, want %q", got, want)
	}
}

// client-id wins over app-id, with a notice, as in the official action.
func TestClientIDWinsOverAppID(t *testing.T) {
	t.Parallel()
	c, err := read(t, map[string]string{InAppID: "not even a number"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "Iv23liABC" || c.IssuerSetting.Input() != InClientID {
		t.Errorf("issuer = %q from %s", c.Issuer, c.IssuerSetting.Input())
	}
	if len(c.Notices) != 1 || !strings.Contains(c.Notices[0].Error(), "using client-id") {
		t.Errorf("notices = %q", c.Notices)
	}
}

// texts renders errors as the action does.
func texts(errs []*setting.Error) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = setting.Render(e, setting.Action)
	}
	return out
}

// 60,000 bad repository entries are named five at a time and counted: the
// error stays one short line, whatever the input holds.
func TestFloodedRepositoriesAreCounted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ value, want string }{
		{strings.Repeat(".,", 60000), `input repositories: ".", ".", ".", ".", ".", and 59995 more are not repository names`},
		{strings.Repeat("-x/y,", 20000), `input repositories: "-x/y", "-x/y", "-x/y", "-x/y", "-x/y", and 19995 more do not start with a GitHub account name`},
	} {
		_, err := read(t, map[string]string{InOwner: "octocat", InRepositories: tc.value})
		var cerr *Error
		if !errors.As(err, &cerr) {
			t.Fatalf("err = %v", err)
		}
		msg := err.Error()
		if len(msg) > 2048 || !strings.Contains(msg, tc.want) {
			t.Errorf("%d bytes: %.300q", len(msg), msg)
		}
	}
}

// Thousands of names GitHub's table lacks give one notice naming a few.
func TestManyForwardedNamesGiveOneNotice(t *testing.T) {
	t.Parallel()
	var parts []string
	for i := range 9000 {
		parts = append(parts, fmt.Sprintf("zz%dq: read", i))
	}
	c, err := read(t, map[string]string{InOwner: "octocat", InPermissions: strings.Join(parts, ",")})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Permissions) != 9000 || len(c.Notices) != 1 {
		t.Fatalf("%d permissions, notices %d", len(c.Permissions), len(c.Notices))
	}
	if n := texts(c.Notices)[0]; len(n) > 1024 || !strings.Contains(n, "and 8995 more are not in") {
		t.Errorf("notice %d bytes: %.300q", len(n), n)
	}
}

func TestClientIDOfHundredIsAccepted(t *testing.T) {
	t.Parallel()
	for _, id := range []string{strings.Repeat("a", 100), "Iv1.0a-B_9"} {
		if c, err := read(t, map[string]string{InClientID: id}); err != nil || c.Issuer != id {
			t.Errorf("client ID %q: %v", id, err)
		}
	}
	for _, id := range []string{"Iv23\n::error::x", "Iv23 li", "Iv23/li"} {
		if _, err := read(t, map[string]string{InClientID: id}); err == nil || !strings.Contains(err.Error(), "which is not a client ID") {
			t.Errorf("client ID %q: %v", id, err)
		}
	}
}
