package githubtest

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCreateToken(t *testing.T) {
	t.Parallel()
	s0, _ := newTestServer(t, nil)
	infraID, _ := s0.RepositoryID("octo-org", "infra")
	blogID, _ := s0.RepositoryID("octocat", "blog")
	granted1001 := map[string]string{
		"contents": "write", "metadata": "read", "pull_requests": "write",
		"issues": "write", "actions": "write", "workflows": "write", "packages": "write",
	}
	many := `{"repositories":["` + strings.Repeat(`app","`, 500) + `app"]}`

	tests := []struct {
		name      string
		inst      string
		body      string
		want      int
		wantMsg   string
		repos     []string // nil: unscoped
		perms     map[string]string
		selection string
	}{
		{"everything", "1001", "", 201, "", nil, granted1001, "selected"},
		{"empty object", "1001", "{}", 201, "", nil, granted1001, "selected"},
		{"one repo", "1001", `{"repositories":["app"]}`, 201, "", []string{"app"}, granted1001, "selected"},
		{"case and duplicates", "1001", `{"repositories":["APP","app","Docs"]}`, 201, "", []string{"app", "docs"}, granted1001, "selected"},
		{"by id", "1001", fmt.Sprintf(`{"repository_ids":[%d]}`, infraID), 201, "", []string{"infra"}, granted1001, "selected"},
		{"names and ids", "1001", fmt.Sprintf(`{"repositories":["app"],"repository_ids":[%d]}`, infraID), 201, "", []string{"app", "infra"}, granted1001, "selected"},
		{"fewer permissions", "1001", `{"permissions":{"contents":"read","issues":"write"}}`, 201, "", nil, map[string]string{"contents": "read", "issues": "write"}, "selected"},
		{"all-repos installation", "1002", "", 201, "", nil, map[string]string{"contents": "read", "metadata": "read"}, "all"},
		{"all-repos installation scoped", "1002", `{"repositories":["blog"]}`, 201, "", []string{"blog"}, map[string]string{"contents": "read", "metadata": "read"}, "selected"},
		{"repo not selected", "1001", `{"repositories":["website"]}`, 422, msgRepoInaccessible, nil, nil, ""},
		{"repo does not exist", "1001", `{"repositories":["app","nope"]}`, 422, msgRepoInaccessible, nil, nil, ""},
		{"repo with owner", "1001", `{"repositories":["octo-org/app"]}`, 422, msgRepoInaccessible, nil, nil, ""},
		{"id of another account", "1001", fmt.Sprintf(`{"repository_ids":[%d]}`, blogID), 422, msgRepoInaccessible, nil, nil, ""},
		{"unknown id", "1001", `{"repository_ids":[999]}`, 422, msgRepoInaccessible, nil, nil, ""},
		{"too many repos", "1001", many, 422, msgTooManyRepos, nil, nil, ""},
		{"level above grant", "1001", `{"permissions":{"contents":"admin"}}`, 422, msgPermsNotGranted, nil, nil, ""},
		{"read-only grant asked write", "1002", `{"permissions":{"contents":"write"}}`, 422, msgPermsNotGranted, nil, nil, ""},
		{"not granted", "1001", `{"permissions":{"administration":"read"}}`, 422, msgPermsNotGranted, nil, nil, ""},
		{"unknown name", "1001", `{"permissions":{"frobnicate":"read"}}`, 422, msgPermsNotGranted, nil, nil, ""},
		{"bad level", "1001", `{"permissions":{"contents":"execute"}}`, 422, msgPermsNotGranted, nil, nil, ""},
		{"empty level", "1001", `{"permissions":{"contents":""}}`, 422, msgPermsNotGranted, nil, nil, ""},
		{"suspended", "1003", "", 403, msgSuspended, nil, nil, ""},
		{"unknown installation", "9999", "", 404, msgNotFound, nil, nil, ""},
		{"bad JSON", "1001", `{"repositories":`, 400, msgBadJSON, nil, nil, ""},
	}
	// bodies GitHub's description refuses, sent on purpose
	invalid := map[string]bool{"level above grant": true, "bad level": true, "empty level": true, "bad JSON": true}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := newTestServer(t, nil)
			var hdr []http.Header
			if invalid[tc.name] {
				hdr = append(hdr, offContract(tc.name))
			}
			a := call(t, ts, "POST", "/api/v3/app/installations/"+tc.inst+"/access_tokens", "Bearer "+appJWT(t), tc.body, hdr...)
			if a.status != tc.want {
				t.Fatalf("status %d, want %d: %s", a.status, tc.want, a.body)
			}
			if tc.want != 201 {
				if a.message(t) != tc.wantMsg {
					t.Errorf("message %q, want %q", a.message(t), tc.wantMsg)
				}
				if n := len(s.Tokens()); n != 0 {
					t.Errorf("%d tokens issued on a refusal", n)
				}
				return
			}
			var resp struct {
				Token               string
				ExpiresAt           string `json:"expires_at"`
				Permissions         map[string]string
				RepositorySelection string `json:"repository_selection"`
				Repositories        []struct {
					ID       int64
					Name     string
					FullName string `json:"full_name"`
				}
			}
			decode(t, a.body, &resp)
			if !regexp.MustCompile(`^ghs_[0-9A-Za-z]{36}$`).MatchString(resp.Token) {
				t.Errorf("token has the wrong shape (length %d)", len(resp.Token))
			}
			if resp.ExpiresAt != "2026-03-01T13:00:00Z" {
				t.Errorf("expires_at %q", resp.ExpiresAt)
			}
			if !maps.Equal(resp.Permissions, tc.perms) || resp.RepositorySelection != tc.selection {
				t.Errorf("permissions %v selection %q", resp.Permissions, resp.RepositorySelection)
			}
			var got []string
			for _, r := range resp.Repositories {
				got = append(got, r.Name)
				owner, _, _ := strings.Cut(r.FullName, "/")
				if id, ok := s.RepositoryID(owner, r.Name); !ok || r.ID != id || r.FullName != owner+"/"+r.Name {
					t.Errorf("repository %+v", r)
				}
			}
			if !slices.Equal(got, tc.repos) {
				t.Errorf("repositories %v, want %v", got, tc.repos)
			}
			toks := s.Tokens()
			if len(toks) != 1 || toks[0].Token != resp.Token || !slices.Equal(toks[0].Repositories, tc.repos) ||
				(toks[0].Repositories == nil) != (tc.repos == nil) || !maps.Equal(toks[0].Permissions, tc.perms) ||
				!toks[0].ExpiresAt.Equal(t0.Add(time.Hour)) || toks[0].Revoked {
				t.Errorf("recorded %+v", toks)
			}
		})
	}
}

func TestTokenExpiryFollowsServerClockAndTTL(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, func(c *Config) { c.TokenTTL = 10 * time.Minute })
	s.SetClockOffset(90 * time.Second)
	// A JWT made on the local clock is still fine 90s ahead.
	mint(t, ts, "1002", "")
	if got, want := s.Tokens()[0].ExpiresAt, t0.Add(90*time.Second+10*time.Minute); !got.Equal(want) {
		t.Errorf("ExpiresAt %v, want %v", got, want)
	}
}

func TestLongTokens(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, func(c *Config) { c.LongTokens = true })
	tok := mint(t, ts, "1001", "")
	if !stateless.MatchString(tok) || len(tok) != 520 || strings.Count(tok, ".") != 2 {
		t.Fatalf("long token: prefix %q, length %d, dots %d", tok[:4], len(tok), strings.Count(tok, "."))
	}
	// It works like any other token.
	if a := call(t, ts, "GET", "/installation/repositories", "Bearer "+tok, ""); a.status != 200 {
		t.Errorf("using long token: %d", a.status)
	}
	if tok2 := mint(t, ts, "1001", ""); tok2 == tok {
		t.Error("two mints gave the same token")
	}
}
