package main

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
)

// The whole life of a token, as a release job sees it: the current
// repository by default, outputs for later steps, masked, revoked by post;
// in each form GitHub issues tokens.
func TestMintDefaultScopeThenRevoke(t *testing.T) {
	t.Parallel()
	for _, form := range tokenForms {
		t.Run(form.name, func(t *testing.T) {
			t.Parallel()
			w := NewWorld(t, withForm(form.long))
			res := w.Main()
			Succeeded(t, res)

			tok := w.OnlyToken()
			if !reflect.DeepEqual(tok.Repositories, []string{"app"}) || tok.InstallationID != 1001 {
				t.Errorf("token scope = %v on %d, want [app] on 1001", tok.Repositories, tok.InstallationID)
			}
			if got, want := w.Calls(), []string{
				"GET /repos/octo-org/app/installation",
				"POST /app/installations/1001/access_tokens",
				CheckCall,
				"GET /users/release-bot[bot]",
			}; !reflect.DeepEqual(got, want) {
				t.Errorf("calls = %q, want %q", got, want)
			}
			if !slices.Contains(res.Masks, tok.Token) {
				t.Errorf("the token is not masked; masks = %d", len(res.Masks))
			}
			for _, m := range res.Masks {
				if m != tok.Token && !IsJWT(m) {
					t.Errorf("masked a value that is neither the token nor an App JWT (%d characters)", len(m))
				}
			}
			if i, j := strings.Index(res.Stdout, "::add-mask::"+tok.Token), strings.Index(res.Stdout, "Minted"); i < 0 || j < i {
				t.Errorf("mask must come before any other line about the token")
			}
			want := map[string]string{
				"token":           tok.Token,
				"installation-id": "1001",
				"app-slug":        "release-bot",
				"expires-at":      tok.ExpiresAt.UTC().Format(time.RFC3339),
				"permissions":     mustJSON(t, tok.Permissions),
				"bot-user-id":     "41898283",
				"git-user-name":   "release-bot[bot]",
				"git-user-email":  "41898283+release-bot[bot]@users.noreply.github.com",
			}
			if !reflect.DeepEqual(res.Outputs, want) {
				t.Errorf("outputs =\n%q\nwant\n%q", res.Outputs, want)
			}
			if res.State["token"] != tok.Token || res.State["expires-at"] != want["expires-at"] {
				t.Errorf("state = %v", res.State)
			}
			if !strings.Contains(res.Log(), "Minted an installation token for octo-org/app") {
				t.Errorf("log lacks the summary line:\n%s", res.Log())
			}
			for _, want := range []string{"| Installation | 1001 on octo-org |", "| Repositories | octo-org/app |", "| App | release-bot |", "| Permissions | " + permissionsText(tok.Permissions)} {
				if !strings.Contains(res.Summary, want) {
					t.Errorf("job summary lacks %q:\n%s", want, res.Summary)
				}
			}

			post := w.Post(res.State)
			Succeeded(t, post)
			if !w.OnlyToken().Revoked {
				t.Error("post did not revoke the token")
			}
			if calls := w.Calls(); calls[len(calls)-1] != "DELETE /installation/token" {
				t.Errorf("last call = %q", calls[len(calls)-1])
			}
			if !strings.Contains(post.Log(), "Token revoked.") {
				t.Errorf("post log:\n%s", post.Log())
			}
		})
	}
}

func permissionsText(p map[string]string) string {
	names := slices.Sorted(maps.Keys(p))
	for i, n := range names {
		names[i] = n + ":" + p[n]
	}
	return strings.Join(names, ", ")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestScopeRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		with      []string
		env       map[string]string
		wantCall  string
		wantInst  int64
		wantRepos []string // nil: every repository of the installation
	}{
		{"owner only reaches all repositories", []string{"owner", "octocat"}, nil,
			"GET /users/octocat/installation", 1002, nil},
		{"repositories only take the current owner", []string{"repositories", "infra,\n docs\n,infra"}, nil,
			"GET /repos/octo-org/infra/installation", 1001, []string{"infra", "docs"}},
		{"owner/name entries name the owner", []string{"repositories", "octocat/blog, octocat/dotfiles"}, nil,
			"GET /repos/octocat/blog/installation", 1002, []string{"blog", "dotfiles"}},
		{"owner and repositories", []string{"owner", "octo-org", "repositories", "docs"}, nil,
			"GET /repos/octo-org/docs/installation", 1001, []string{"docs"}},
		{"the current repository of another account", nil, map[string]string{"GITHUB_REPOSITORY": "octocat/blog", "GITHUB_REPOSITORY_OWNER": "octocat"},
			"GET /repos/octocat/blog/installation", 1002, []string{"blog"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWorld(t).With(tt.with...)
			for k, v := range tt.env {
				w.Step.Env[k] = v
			}
			res := w.Main()
			Succeeded(t, res)
			tok := w.OnlyToken()
			if w.Calls()[0] != tt.wantCall || tok.InstallationID != tt.wantInst || !reflect.DeepEqual(tok.Repositories, tt.wantRepos) {
				t.Errorf("first call %q, token on %d for %q; want %q, %d, %q", w.Calls()[0], tok.InstallationID, tok.Repositories, tt.wantCall, tt.wantInst, tt.wantRepos)
			}
			if res.Outputs["installation-id"] == "" || res.Outputs["token"] != tok.Token {
				t.Errorf("outputs = %v", res.Outputs)
			}
		})
	}
}

// The permission-* inputs and the permissions block reach GitHub as one
// snake_case map, and the token carries exactly those.
func TestPermissionsReachGitHub(t *testing.T) {
	t.Parallel()
	w := NewWorld(t).With(
		"repositories", "app,infra",
		"permission-pull-requests", "write",
		"permissions", "contents: write\nissues: read\n",
	)
	res := w.Main()
	Succeeded(t, res)
	var body struct {
		Repositories []string          `json:"repositories"`
		Permissions  map[string]string `json:"permissions"`
	}
	req := w.Emu.Requests()[1]
	if err := json.Unmarshal(req.Body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"contents": "write", "issues": "read", "pull_requests": "write"}
	if !reflect.DeepEqual(body.Permissions, want) || !reflect.DeepEqual(body.Repositories, []string{"app", "infra"}) {
		t.Errorf("request body = %s", req.Body)
	}
	if got := w.OnlyToken().Permissions; !reflect.DeepEqual(got, want) {
		t.Errorf("token permissions = %v", got)
	}
	var granted map[string]string
	json.Unmarshal([]byte(res.Outputs["permissions"]), &granted)
	if !reflect.DeepEqual(granted, want) {
		t.Errorf("permissions output = %s", res.Outputs["permissions"])
	}
}

// Requests that can only fail are refused before anything leaves for GitHub,
// or at the latest before the token request.
func TestRefusedBeforeMinting(t *testing.T) {
	t.Parallel()
	many := make([]string, 501)
	for i := range many {
		many[i] = "repo" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
	}
	tests := []struct {
		name      string
		with      []string
		wantCalls int
		want      []string
	}{
		{"mixed owners", []string{"repositories", "octo-org/app, octocat/blog"}, 0, []string{`several accounts ("octo-org", "octocat")`}},
		{"too many repositories", []string{"owner", "octo-org", "repositories", strings.Join(many, ",")}, 0, []string{"names 501 repositories; GitHub allows at most 500"}},
		{"unknown permission", []string{"permissions", "contnets: write"}, 0, []string{`unknown permission "contnets" (did you mean "contents"?)`}},
		{"level the permission lacks", []string{"permission-workflows", "read"}, 0, []string{`"workflows" cannot be "read": GitHub accepts write`}},
		{"conflicting inputs", []string{"permission-contents", "read", "permissions", "contents: write"}, 0, []string{"set it in one place"}},
		{"above what was granted", []string{"permissions", "metadata: write\nadministration: read\ncontents: read"}, 1,
			[]string{"metadata:write exceeds what the installation on octo-org granted (read)", "administration:read is not granted to the installation on octo-org at all"}},
		{"no issuer", []string{"client-id", ""}, 0, []string{"neither client-id nor app-id is set"}},
		{"plain http to a remote host", []string{"github-api-url", "http://ghes.example.com/api/v3"}, 0, []string{"plain http", "use https"}},
		{"injection in owner", []string{"owner", "evil\n::add-mask::x"}, 0, []string{"is not a GitHub account name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWorld(t).With(tt.with...)
			res := w.Main()
			FailedWith(t, res, tt.want...)
			if got := len(w.Emu.Requests()); got != tt.wantCalls {
				t.Errorf("GitHub saw %d calls (%q), want %d", got, w.Calls(), tt.wantCalls)
			}
			if len(w.Emu.Tokens()) != 0 || len(res.Outputs) != 0 || len(res.State) != 0 {
				t.Errorf("a refused request must mint nothing and write nothing")
			}
		})
	}
}

// GitHub's refusals become one line that says what to fix.
func TestGitHubRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		with []string
		want []string
	}{
		{"not installed on the account", []string{"owner", "stranger-org"}, []string{"is not installed on stranger-org"}},
		{"not installed, repository named", []string{"repositories", "stranger-org/lonely"}, []string{"is not installed on stranger-org"}},
		{"installed but not on that repository", []string{"repositories", "website"}, []string{"installation 1001 on octo-org cannot reach repository octo-org/website"}},
		{"suspended installation", []string{"owner", "frozen-org"}, []string{"installation 1003 on frozen-org is suspended"}},
		{"one of several repositories out of reach", []string{"repositories", "app, infra, website"}, []string{"installation 1001 cannot reach octo-org/website:"}},
		{"repositories out of reach with installation-id", []string{"installation-id", "1001", "repositories", "app, website, nonexistent"},
			[]string{"cannot reach octo-org/website and octo-org/nonexistent"}},
		{"permissions refused with installation-id", []string{"installation-id", "1001", "permissions", "administration: write"},
			[]string{"administration:write is not granted to the installation on octo-org"}},
		{"unknown installation-id", []string{"installation-id", "999"}, []string{"installation 999 was not found", "installation-id"}},
		{"key of another App", []string{"private-key", otherPEM(t)}, []string{"could not verify the App JWT", "does the private key belong to App Iv23liEmuLaToR0000?"}},
		{"OpenSSH key", []string{"private-key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----"}, []string{"private-key", "OpenSSH"}},
		{"client secret instead of the key", []string{"private-key", "0123456789abcdef0123456789abcdef01234567"}, []string{"private-key", "client secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWorld(t).With(tt.with...)
			res := w.Main()
			FailedWith(t, res, tt.want...)
			if len(w.Emu.Tokens()) != 0 {
				t.Error("a token was minted")
			}
			// The post phase then finds nothing to revoke and stays green.
			post := w.Post(res.State)
			Succeeded(t, post)
			if !strings.Contains(post.Log(), "No token to revoke") {
				t.Errorf("post log:\n%s", post.Log())
			}
		})
	}
}

// otherPEM is a valid key that does not belong to the App.
func otherPEM(t *testing.T) string {
	t.Helper()
	_, other, err := githubtest.NewAppKey()
	if err != nil {
		t.Fatal(err)
	}
	return other
}

func pkcs8PEM(t *testing.T) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(AppKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// Keys arrive in every shape users paste into secrets; decoded forms get
// their lines masked too.
func TestPrivateKeyForms(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString([]byte(AppPEM))
	escaped := strings.ReplaceAll(strings.TrimSpace(AppPEM), "\n", `\n`)
	tests := []struct {
		name     string
		key      string
		wantMask bool
	}{
		{"pem", AppPEM, false},
		{"crlf and quotes", `"` + strings.ReplaceAll(AppPEM, "\n", "\r\n") + `"`, true},
		{"escaped newlines", escaped, true},
		{"base64 of the pem", b64, true},
		{"pkcs8", pkcs8PEM(t), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWorld(t).With("private-key", tt.key, "app-id", "123456", "client-id", "")
			res := w.Main()
			Succeeded(t, res)
			bodyLines := w.Secrets
			masked := 0
			for _, l := range bodyLines {
				if slices.Contains(res.Masks, l) {
					masked++
				}
			}
			if tt.wantMask && masked == 0 {
				t.Errorf("decoded key lines were not masked (masks: %d)", len(res.Masks))
			}
			if tt.wantMask {
				i := strings.Index(res.Stdout, "::add-mask::"+bodyLines[0])
				j := strings.Index(res.Stdout, "::add-mask::"+w.OnlyToken().Token)
				if i < 0 || j < i {
					t.Error("key lines must be masked before anything else happens")
				}
			}
		})
	}
}

// installation-id reads the installation by ID: its account, permissions
// and the App's slug come from that one answer, so the checks of a lookup
// hold here too.
func TestInstallationIDLooksUpByID(t *testing.T) {
	t.Parallel()
	w := NewWorld(t).With("installation-id", "1001", "repositories", "app")
	res := w.Main()
	Succeeded(t, res)
	if want := []string{"GET /app/installations/1001", "POST /app/installations/1001/access_tokens", CheckCall, "GET /users/release-bot[bot]"}; !reflect.DeepEqual(w.Calls(), want) {
		t.Fatalf("calls = %q, want %q", w.Calls(), want)
	}
	if res.Outputs["app-slug"] != "release-bot" || res.Outputs["git-user-name"] != "release-bot[bot]" || res.Outputs["installation-id"] != "1001" {
		t.Errorf("outputs = %v", res.Outputs)
	}
}

// An installation-id of another account than the request names is refused
// before anything is minted: it would mint on that account, and the log
// would name the other one.
func TestInstallationIDOfAnotherAccount(t *testing.T) {
	t.Parallel()
	for _, with := range [][]string{
		{"installation-id", "1002", "owner", "octo-org"},
		{"installation-id", "1002", "repositories", "app"},
		{"installation-id", "1002"}, // the current repository, octo-org/app
	} {
		t.Run(strings.Join(with, " "), func(t *testing.T) {
			w := NewWorld(t).With(with...)
			res := w.Main()
			FailedWith(t, res, "installation-id 1002 is the App's installation on octocat", "octo-org")
			if len(w.Emu.Tokens()) != 0 {
				t.Error("a token was minted on the other account")
			}
		})
	}
	// The account given matches: the log and summary name it from GitHub's answer.
	w := NewWorld(t).With("installation-id", "1002", "owner", "OctoCat")
	res := w.Main()
	Succeeded(t, res)
	if !strings.Contains(res.Summary, "| Installation | 1002 on octocat |") || !strings.Contains(res.Log(), "all repositories of octocat") {
		t.Errorf("summary:\n%s\nlog:\n%s", res.Summary, res.Log())
	}
}

// The bot lookup never fails the step.
func TestBotLookupFailureIsAWarning(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: "/users/*", Times: -1, Status: 404, Body: `{"message":"Not Found"}`})
	res := w.Main()
	Succeeded(t, res)
	if res.Outputs["token"] == "" || res.Outputs["bot-user-id"] != "" || res.Outputs["git-user-email"] != "" {
		t.Errorf("outputs = %v", res.Outputs)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool {
		return strings.Contains(w, "could not look up the App's bot user release-bot[bot]")
	}) {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

func TestPostPhase(t *testing.T) {
	t.Parallel()
	t.Run("skip-token-revoke keeps the token", func(t *testing.T) {
		w := NewWorld(t).With("skip-token-revoke", "true")
		res := w.Main()
		Succeeded(t, res)
		post := w.Post(res.State)
		Succeeded(t, post)
		if w.OnlyToken().Revoked || slices.Contains(w.Calls(), "DELETE /installation/token") {
			t.Error("token revoked despite skip-token-revoke")
		}
	})
	t.Run("expired token is not sent", func(t *testing.T) {
		w := NewWorld(t)
		res := w.Main()
		Succeeded(t, res)
		res.State["expires-at"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
		post := w.Post(res.State)
		Succeeded(t, post)
		if slices.Contains(w.Calls(), "DELETE /installation/token") || !strings.Contains(post.Log(), "expired") {
			t.Errorf("calls %q, log:\n%s", w.Calls(), post.Log())
		}
	})
	t.Run("failed revocation is a warning", func(t *testing.T) {
		w := NewWorld(t).With("retry-attempts", "1")
		res := w.Main()
		Succeeded(t, res)
		w.Emu.AddFault(githubtest.Fault{Method: "DELETE", Path: "/installation/token", Times: -1, Status: 500})
		post := w.Post(res.State)
		Succeeded(t, post)
		if len(post.Warnings) != 1 || !strings.Contains(post.Warnings[0], "could not revoke the token") {
			t.Errorf("warnings = %q", post.Warnings)
		}
	})
	t.Run("already revoked", func(t *testing.T) {
		w := NewWorld(t)
		res := w.Main()
		Succeeded(t, res)
		Succeeded(t, w.Post(res.State))
		again := w.Post(res.State)
		Succeeded(t, again)
		if len(again.Warnings) != 0 || !strings.Contains(again.Log(), "no longer accepts the token") {
			t.Errorf("second post: warnings %q, log:\n%s", again.Warnings, again.Log())
		}
	})
}

// GitHub Enterprise Server: the API path is kept, with or without /api/v3.
func TestEnterpriseServerURLs(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"", "/", "/api/v3", "/api/v3/"} {
		t.Run("url"+suffix, func(t *testing.T) {
			w := NewWorld(t).With("github-api-url", "")
			w.Step.Env["GITHUB_API_URL"] = w.Srv.URL + suffix
			res := w.Main()
			Succeeded(t, res)
			for _, r := range w.Emu.Requests() {
				if !strings.HasPrefix(r.FullPath, "/api/v3/") {
					t.Errorf("request went to %s, want under /api/v3/", r.FullPath)
				}
			}
		})
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
