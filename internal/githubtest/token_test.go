package githubtest

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTokensReachOnlyTheirScope(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, nil)
	tests := []struct {
		name, inst, body string
		selection        string
		want             []string
	}{
		{"scoped to one", "1001", `{"repositories":["app"]}`, "selected", []string{"app"}},
		{"selected installation", "1001", "", "selected", []string{"app", "infra", "docs"}},
		{"all installation", "1002", "", "all", []string{"dotfiles", "blog"}},
		{"all installation scoped", "1002", `{"repositories":["blog"]}`, "selected", []string{"blog"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := mint(t, ts, tc.inst, tc.body)
			a := call(t, ts, "GET", "/api/v3/installation/repositories", "token "+tok, "")
			if a.status != 200 {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			m := a.json(t)
			if got := names(t, m["repositories"]); !slices.Equal(got, tc.want) ||
				m["total_count"] != float64(len(tc.want)) || m["repository_selection"] != tc.selection {
				t.Errorf("reach %v (total %v, selection %v), want %v %s", got, m["total_count"], m["repository_selection"], tc.want, tc.selection)
			}
		})
	}
}

func TestTokenRepositoriesPage(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, nil)
	tok := mint(t, ts, "1001", "")
	a := call(t, ts, "GET", "/installation/repositories?per_page=2", "Bearer "+tok, "")
	m := a.json(t)
	if got := names(t, m["repositories"]); !slices.Equal(got, []string{"app", "infra"}) || m["total_count"] != float64(3) {
		t.Errorf("page 1 %v total %v", got, m["total_count"])
	}
	if !strings.Contains(a.header.Get("Link"), `page=2&per_page=2>; rel="next"`) {
		t.Errorf("Link %q", a.header.Get("Link"))
	}
	m = call(t, ts, "GET", "/installation/repositories?per_page=2&page=2", "Bearer "+tok, "").json(t)
	if got := names(t, m["repositories"]); !slices.Equal(got, []string{"docs"}) {
		t.Errorf("page 2 %v", got)
	}
}

func TestRevocationMakesTheTokenUnusable(t *testing.T) {
	t.Parallel()
	for _, scheme := range []string{"token ", "Bearer "} {
		t.Run(scheme, func(t *testing.T) {
			s, ts := newTestServer(t, nil)
			tok := mint(t, ts, "1001", "")
			other := mint(t, ts, "1001", "")
			if a := call(t, ts, "GET", "/installation/repositories", scheme+tok, ""); a.status != 200 {
				t.Fatalf("before revoking: %d", a.status)
			}
			if a := call(t, ts, "DELETE", "/api/v3/installation/token", scheme+tok, ""); a.status != 204 || len(a.body) != 0 {
				t.Fatalf("revoke: %d %q", a.status, a.body)
			}
			for _, p := range []struct{ method, path string }{
				{"GET", "/installation/repositories"}, {"DELETE", "/installation/token"},
			} {
				a := call(t, ts, p.method, p.path, scheme+tok, "")
				if a.status != 401 || a.message(t) != msgBadCredentials {
					t.Errorf("%s %s after revoking: %d %s", p.method, p.path, a.status, a.body)
				}
				mustNotContain(t, "answer", a.body, tok)
			}
			toks := s.Tokens()
			if !toks[0].Revoked || toks[1].Revoked {
				t.Errorf("revoked flags %v %v", toks[0].Revoked, toks[1].Revoked)
			}
			if a := call(t, ts, "GET", "/installation/repositories", scheme+other, ""); a.status != 200 {
				t.Errorf("the other token stopped working: %d", a.status)
			}
		})
	}
}

func TestTokenRejections(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	tok := mint(t, ts, "1001", "")
	tests := []struct {
		name   string
		auth   string
		offset time.Duration
	}{
		{"no credential", "", 0},
		{"unknown token", "token ghs_0123456789abcdefghijABCDEFGHIJ012345", 0},
		{"an App JWT", "Bearer " + appJWT(t), 0},
		{"basic scheme", "Basic " + tok, 0},
		{"expired on the server clock", "token " + tok, time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.SetClockOffset(tc.offset)
			defer s.SetClockOffset(0)
			a := call(t, ts, "GET", "/installation/repositories", tc.auth, "")
			if a.status != 401 || a.message(t) != msgBadCredentials {
				t.Errorf("%d %s", a.status, a.body)
			}
		})
	}
	s.SetClockOffset(time.Hour - time.Second)
	if a := call(t, ts, "GET", "/installation/repositories", "token "+tok, ""); a.status != 200 {
		t.Errorf("a second before expiry: %d", a.status)
	}
}
