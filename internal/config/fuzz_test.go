package config

import (
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/loopback"
	"github.com/app-token/app-token/internal/setting"

	"errors"
	"regexp"
	"strings"
	"testing"
)

// secretShape matches what GitHub's tokens start with, and PEM armour: a
// value of that shape pasted into the wrong input must not come back in an
// error, which the job log shows.
var secretShape = regexp.MustCompile(`(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{8}|-----BEGIN`)

// checkError fails unless err is nil or a one-line *Error that repeats no
// secret-shaped part of inputs.
func checkError(t *testing.T, err error, inputs ...string) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error of type %T: %v", err, err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("multi-line error %q", msg)
	}
	for _, in := range inputs {
		for _, s := range secretShape.FindAllString(in, -1) {
			if strings.Contains(msg, s) {
				t.Fatalf("error repeats the secret-shaped %q: %q", s, msg)
			}
		}
	}
}

// unsafeInLog are what could start a workflow command or a file-command
// entry if a checked value were ever written out.
const unsafeInLog = "\r\n:<%"

// FuzzRepositories drives Read with any owner and repositories inputs: it
// never panics, its error is one line without the secrets it was given, and
// an accepted scope is one account and at most 500 distinct, well-formed
// repository names.
func FuzzRepositories(f *testing.F) {
	for _, seed := range [][2]string{
		{"", ""},
		{"octocat", ""},
		{"", "infra,\n docs\n,infra"},
		{"", "octocat/blog, octocat/dotfiles"},
		{"octo-org", "octocat/blog"},
		{"", "a/x, b/y"},
		{"evil\n::add-mask::x", "app"},
		{"", "app\n::set-output name=token::x"},
		{"", "app<<EOF\ntoken=x\nEOF"},
		{"", "../app, ., .."},
		{"", "ghs_16C7e42F292c6912E7710c838347Ae178B4a/app"},
		{"", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, owner, repositories string) {
		in := map[string]string{InClientID: "Iv23liABC", InPrivateKey: "k", InOwner: owner, InRepositories: repositories}
		r := fakeReader{in, runnerEnv}
		c, err := readAll(r)
		checkError(t, err, owner, repositories)
		if err != nil {
			return
		}
		if !ghtext.IsLogin(c.Owner) {
			t.Fatalf("owner %q accepted", c.Owner)
		}
		if o := r.GetInput(InOwner); o != "" && c.Owner != o {
			t.Fatalf("owner %q became %q", o, c.Owner)
		}
		if len(c.Repositories) > MaxRepositories {
			t.Fatalf("%d repositories accepted", len(c.Repositories))
		}
		seen := map[string]bool{}
		for _, name := range c.Repositories {
			key := strings.ToLower(name)
			if !ghtext.IsRepo(name) || seen[key] {
				t.Fatalf("repository %q accepted in %q", name, c.Repositories)
			}
			seen[key] = true
		}
		if strings.ContainsAny(c.RepositoryList(), unsafeInLog) {
			t.Fatalf("scope %q could break a log line", c.RepositoryList())
		}
	})
}

// FuzzAPIBase: any github-api-url gives either a one-line error or an https
// base (plain http only to a loopback host, with a warning) without user
// info, query or fragment, ending in "/".
func FuzzAPIBase(f *testing.F) {
	for _, seed := range []string{
		"https://api.github.com",
		"https://ghes.example.com",
		"https://ghes.example.com:8443/api/v3/",
		"http://127.0.0.1:8080",
		"http://localhost/api/v3",
		"http://127.0.0.1.nip.io",
		"https://user:pass@ghes.example.com",
		"https://github.com",
		"ftp://ghes.example.com",
		"https://ghes.example.com/\n::add-mask::x",
		"https://ghes.example.com/?q=ghs_16C7e42F292c6912E7710c838347Ae178B4a",
		"https://[::1]:8443",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, warning, err := APIBase(raw)
		if err != nil {
			checkError(t, &Error{Problems: setting.List{setting.Errorf("%s", err)}}, raw)
			return
		}
		switch {
		case u.Scheme == "http" && (!loopback.Host(u.Hostname()) || warning == ""):
			t.Fatalf("%q: plain http to %q, warning %q", raw, u.Host, warning)
		case u.Scheme != "http" && u.Scheme != "https":
			t.Fatalf("%q: scheme %q", raw, u.Scheme)
		case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Host == "":
			t.Fatalf("%q: base %q", raw, u)
		case !strings.HasSuffix(u.Path, "/"):
			t.Fatalf("%q: path %q does not end in /", raw, u.Path)
		case strings.EqualFold(u.Hostname(), "github.com"):
			t.Fatalf("%q: GitHub's web host accepted as the API", raw)
		}
	})
}

// FuzzInputs drives Read with any issuer, installation id, retry and
// permission inputs: one-line errors that repeat no secret, and accepted
// values in their documented ranges.
func FuzzInputs(f *testing.F) {
	f.Add("Iv23liABC", "", "", "", "", "contents: write")
	f.Add("", "123456", "1001", "4", "true", "")
	f.Add("Iv23li\n::add-mask::x", "", "1001\n::x", "2%0A", "yes", "contents: write\n::set-output name=a::b")
	f.Add("ghs_16C7e42F292c6912E7710c838347Ae178B4a", "", "", "", "", "")
	f.Add("", "-----BEGIN RSA PRIVATE KEY-----", "", "", "", "")
	f.Add("", "Iv23liABC", "0", "11", "TRUE", "pull-requests: read\nissues: write")
	f.Fuzz(func(t *testing.T, clientID, appID, installationID, attempts, skipRevoke, perms string) {
		in := map[string]string{
			InClientID: clientID, InAppID: appID, InPrivateKey: "k",
			InInstallationID: installationID, InRetryAttempts: attempts,
			InSkipRevoke: skipRevoke, InPermissions: perms,
		}
		c, err := readAll(fakeReader{in, runnerEnv})
		checkError(t, err, clientID, appID, installationID, attempts, skipRevoke, perms)
		if err != nil {
			return
		}
		if c.Issuer == "" || strings.ContainsAny(c.Issuer, unsafeInLog) {
			t.Fatalf("issuer %q accepted", c.Issuer)
		}
		if c.InstallationID < 0 || c.Retry.Attempts < 1 || c.Retry.Attempts > 10 {
			t.Fatalf("installation %d, attempts %d accepted", c.InstallationID, c.Retry.Attempts)
		}
		for name, level := range c.Permissions {
			if strings.ContainsAny(name+level, unsafeInLog) {
				t.Fatalf("permission %q: %q accepted", name, level)
			}
		}
	})
}
