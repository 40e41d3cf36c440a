package e2e_test

// What a token reaches, through the built binary as the runner runs it: the
// current repository by default, owner and repositories, installation-id;
// requests that can only fail are refused before minting, and an answer
// wider than asked is revoked at once.

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
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
			w := apptest.NewWorld(t, withForm(form.long))
			res := w.Main()
			apptest.Succeeded(t, res)

			tok := w.OnlyToken()
			if !reflect.DeepEqual(tok.Repositories, []string{"app"}) || tok.InstallationID != 1001 {
				t.Errorf("token scope = %v on %d, want [app] on 1001", tok.Repositories, tok.InstallationID)
			}
			if got, want := w.Calls(), []string{
				"GET /repos/octo-org/app/installation",
				"POST /app/installations/1001/access_tokens",
				apptest.CheckCall, // the bot lookup, one call
			}; !reflect.DeepEqual(got, want) {
				t.Errorf("calls = %q, want %q", got, want)
			}
			if !slices.Contains(res.Masks, tok.Token) {
				t.Errorf("the token is not masked; masks = %d", len(res.Masks))
			}
			for _, m := range res.Masks {
				if m != tok.Token && !apptest.IsJWT(m) {
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
			apptest.Succeeded(t, post)
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
			w := apptest.NewWorld(t).With(tt.with...)
			for k, v := range tt.env {
				w.Step.Env[k] = v
			}
			res := w.Main()
			apptest.Succeeded(t, res)
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
			w := apptest.NewWorld(t).With(tt.with...)
			res := w.Main()
			apptest.FailedWith(t, res, tt.want...)
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
			w := apptest.NewWorld(t).With(tt.with...)
			res := w.Main()
			apptest.FailedWith(t, res, tt.want...)
			if len(w.Emu.Tokens()) != 0 {
				t.Error("a token was minted")
			}
			// The post phase then finds nothing to revoke and stays green.
			post := w.Post(res.State)
			apptest.Succeeded(t, post)
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

// installation-id reads the installation by ID: its account, permissions
// and the App's slug come from that one answer, so the checks of a lookup
// hold here too.
func TestInstallationIDLooksUpByID(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t).With("installation-id", "1001", "repositories", "app")
	res := w.Main()
	apptest.Succeeded(t, res)
	if want := []string{"GET /app/installations/1001", "POST /app/installations/1001/access_tokens", apptest.CheckCall}; !reflect.DeepEqual(w.Calls(), want) {
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
			w := apptest.NewWorld(t).With(with...)
			res := w.Main()
			apptest.FailedWith(t, res, "installation-id 1002 is the App's installation on octocat", "octo-org")
			if len(w.Emu.Tokens()) != 0 {
				t.Error("a token was minted on the other account")
			}
		})
	}
	// The account given matches: the log and summary name it from GitHub's answer.
	w := apptest.NewWorld(t).With("installation-id", "1002", "owner", "OctoCat")
	res := w.Main()
	apptest.Succeeded(t, res)
	if !strings.Contains(res.Summary, "| Installation | 1002 on octocat |") || !strings.Contains(res.Log(), "all repositories of octocat") {
		t.Errorf("summary:\n%s\nlog:\n%s", res.Summary, res.Log())
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
		w := apptest.NewWorld(t).With(with...)
		apptest.FailedWith(t, w.Main(), "input "+with[len(with)-2], "only whitespace")
		if calls := w.Calls(); len(calls) != 0 {
			t.Errorf("%q: the emulator received %v, want nothing", with, calls)
		}
	}
}

// mintAnswer fakes GitHub's answer to the token request.
func mintAnswer(t *testing.T, answer map[string]any) githubtest.Fault {
	t.Helper()
	answer["token"] = "ghs_" + strings.Repeat("Q", 36)
	answer["expires_at"] = "2099-01-01T00:00:00Z"
	body, err := json.Marshal(answer)
	if err != nil {
		t.Fatal(err)
	}
	return githubtest.Fault{Method: "POST", Path: "/app/installations/1001/access_tokens", Status: 201, Body: string(body)}
}

// A token wider than asked (more repositories, more permissions, another
// account) is revoked at once and the step fails: the log never claims a
// scope the token does not have.
func TestWiderAnswerIsRevoked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer map[string]any
		want   string
	}{
		{"every repository", map[string]any{"repository_selection": "all", "permissions": map[string]string{"contents": "write"}}, "every repository of the installation"},
		{"another repository", map[string]any{"repository_selection": "selected", "permissions": map[string]string{"contents": "write"},
			"repositories": []map[string]string{{"name": "infra", "full_name": "octo-org/infra"}}}, "repository octo-org/infra"},
		{"another account", map[string]any{"repository_selection": "selected", "permissions": map[string]string{"contents": "write"},
			"repositories": []map[string]string{{"name": "app", "full_name": "octocat/app"}}}, "repository octocat/app"},
		{"more permissions", map[string]any{"repository_selection": "selected", "permissions": map[string]string{"contents": "write", "administration": "write"},
			"repositories": []map[string]string{{"name": "app", "full_name": "octo-org/app"}}}, "permissions administration:write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := apptest.NewWorld(t).With("permissions", "contents: write", "token-ready-seconds", "0")
			w.Emu.AddFault(mintAnswer(t, tt.answer))
			res := w.Main()
			apptest.FailedWith(t, res, "GitHub's answer grants the token "+tt.want+", beyond what was asked")
			if !slices.Contains(w.Calls(), "DELETE /installation/token") {
				t.Errorf("the wider token was not revoked; calls %q", w.Calls())
			}
			if res.Outputs["token"] != "" || res.State["token"] != "" {
				t.Error("the wider token was handed out")
			}
		})
	}
}
