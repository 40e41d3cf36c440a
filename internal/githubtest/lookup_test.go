package githubtest

import (
	"net/http"
	"strings"
	"testing"
)

func TestInstallationLookups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path    string
		want    int     // status
		wantID  float64 // installation id when 200
		account string
	}{
		{"/app/installations/1001", 200, 1001, "octo-org"},
		{"/app/installations/1003", 200, 1003, "frozen-org"},
		{"/app/installations/9999", 404, 0, ""},
		{"/app/installations/abc", 404, 0, ""},
		{"/repos/octo-org/app/installation", 200, 1001, "octo-org"},
		{"/repos/OCTO-Org/APP/installation", 200, 1001, "octo-org"},
		{"/repos/octo-org/website/installation", 404, 0, ""}, // exists, not selected
		{"/repos/octo-org/nope/installation", 404, 0, ""},
		{"/repos/octocat/blog/installation", 200, 1002, "octocat"},
		{"/repos/frozen-org/vault/installation", 200, 1003, "frozen-org"},
		{"/repos/stranger-org/lonely/installation", 404, 0, ""},
		{"/orgs/octo-org/installation", 200, 1001, "octo-org"},
		{"/orgs/Octo-Org/installation", 200, 1001, "octo-org"},
		{"/orgs/octocat/installation", 404, 0, ""}, // a user, not an organisation
		{"/orgs/stranger-org/installation", 404, 0, ""},
		{"/users/octocat/installation", 200, 1002, "octocat"},
		{"/users/OCTOCAT/installation", 200, 1002, "octocat"},
		{"/users/octo-org/installation", 200, 1001, "octo-org"}, // answers for organisations too
		{"/users/nobody/installation", 404, 0, ""},
	}
	_, ts := newTestServer(t, nil)
	for _, tc := range tests {
		for _, prefix := range []string{"", "/api/v3"} {
			t.Run(prefix+tc.path, func(t *testing.T) {
				var hdr []http.Header
				if strings.HasSuffix(tc.path, "/abc") {
					hdr = append(hdr, offContract("an installation id that is not a number"))
				}
				a := call(t, ts, "GET", prefix+tc.path, "Bearer "+appJWT(t), "", hdr...)
				if a.status != tc.want {
					t.Fatalf("status %d, want %d: %s", a.status, tc.want, a.body)
				}
				m := a.json(t)
				if tc.want != 200 {
					if m["message"] != msgNotFound || m["documentation_url"] == nil {
						t.Errorf("error body %s", a.body)
					}
					return
				}
				acct := m["account"].(map[string]any)
				if m["id"] != tc.wantID || acct["login"] != tc.account {
					t.Errorf("got installation %v on %v, want %v on %s", m["id"], acct["login"], tc.wantID, tc.account)
				}
				if m["app_id"] != float64(DefaultAppID) || m["app_slug"] != DefaultAppSlug || m["client_id"] != DefaultClientID {
					t.Errorf("app fields: %v %v %v", m["app_id"], m["app_slug"], m["client_id"])
				}
				wantURL := ts.URL + prefix + "/app/installations/" + itoa(int64(tc.wantID)) + "/access_tokens"
				if m["access_tokens_url"] != wantURL {
					t.Errorf("access_tokens_url %v, want %s", m["access_tokens_url"], wantURL)
				}
				if _, ok := m["permissions"].(map[string]any)["metadata"]; !ok {
					t.Errorf("permissions %v lack metadata", m["permissions"])
				}
				suspended := m["suspended_at"] != nil
				if suspended != (tc.wantID == 1003) {
					t.Errorf("suspended_at %v", m["suspended_at"])
				}
			})
		}
	}
}

func TestInstallationDetails(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, nil)
	m := call(t, ts, "GET", "/app/installations/1001", "Bearer "+appJWT(t), "").json(t)
	if m["repository_selection"] != "selected" || m["target_type"] != "Organization" {
		t.Errorf("selection %v, target_type %v", m["repository_selection"], m["target_type"])
	}
	perms := m["permissions"].(map[string]any)
	if len(perms) != 7 || perms["contents"] != "write" || perms["metadata"] != "read" {
		t.Errorf("permissions %v", perms)
	}
	m = call(t, ts, "GET", "/app/installations/1002", "Bearer "+appJWT(t), "").json(t)
	if m["repository_selection"] != "all" || m["account"].(map[string]any)["type"] != "User" {
		t.Errorf("1002: %v", m)
	}
}

func TestListInstallationsPages(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, nil)
	a := call(t, ts, "GET", "/api/v3/app/installations?per_page=2", "Bearer "+appJWT(t), "")
	if a.status != 200 {
		t.Fatalf("status %d", a.status)
	}
	link := a.header.Get("Link")
	if !strings.Contains(link, ts.URL+"/api/v3/app/installations?page=2&per_page=2>; rel=\"next\"") {
		t.Errorf("Link %q lacks next page", link)
	}
	ids := func(a answer) (out []float64) {
		var list []map[string]any
		decode(t, a.body, &list)
		for _, in := range list {
			out = append(out, in["id"].(float64))
		}
		return out
	}
	if got := ids(a); len(got) != 2 || got[0] != 1001 || got[1] != 1002 {
		t.Errorf("page 1: %v", got)
	}
	b := call(t, ts, "GET", "/app/installations?per_page=2&page=2", "Bearer "+appJWT(t), "")
	if got := ids(b); len(got) != 1 || got[0] != 1003 || strings.Contains(b.header.Get("Link"), `rel="next"`) {
		t.Errorf("page 2: %v, Link %q", got, b.header.Get("Link"))
	}
	if got := ids(call(t, ts, "GET", "/app/installations", "Bearer "+appJWT(t), "")); len(got) != 3 {
		t.Errorf("default page: %v", got)
	}
}

func TestGetApp(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, nil)
	m := call(t, ts, "GET", "/app", "Bearer "+appJWT(t), "").json(t)
	if m["id"] != float64(DefaultAppID) || m["client_id"] != DefaultClientID || m["name"] != "Release Bot" {
		t.Errorf("app %v", m)
	}
	if m["owner"].(map[string]any)["login"] != "octo-org" {
		t.Errorf("owner %v", m["owner"])
	}
}

func TestGetUser(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, nil)
	tok := mint(t, ts, "1001", "")
	revoked := mint(t, ts, "1002", "")
	if a := call(t, ts, "DELETE", "/installation/token", "token "+revoked, ""); a.status != 204 {
		t.Fatalf("revoke: %d", a.status)
	}
	tests := []struct {
		path, auth string
		want       int
		login      string
		id         float64
		typ        string
	}{
		{"/users/release-bot[bot]", "", 200, "release-bot[bot]", float64(DefaultBotUserID), "Bot"},
		{"/users/release-bot%5Bbot%5D", "", 200, "release-bot[bot]", float64(DefaultBotUserID), "Bot"},
		{"/api/v3/users/Release-Bot[bot]", "Bearer " + tok, 200, "release-bot[bot]", float64(DefaultBotUserID), "Bot"},
		{"/users/octocat", "", 200, "octocat", 0, "User"},
		{"/users/OCTO-ORG", "Bearer " + appJWT(t), 200, "octo-org", 0, "Organization"},
		{"/users/stranger-org", "", 200, "stranger-org", 0, "Organization"},
		{"/users/nobody", "", 404, "", 0, ""},
		{"/users/release-bot", "", 404, "", 0, ""},
		{"/users/octocat", "token " + revoked, 401, "", 0, ""},
		{"/users/octocat", "Bearer ghs_unknown", 401, "", 0, ""},
		{"/users/octocat", "Bearer not.a.jwt", 401, "", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.path+" "+tc.auth[:min(len(tc.auth), 8)], func(t *testing.T) {
			a := call(t, ts, "GET", tc.path, tc.auth, "")
			if a.status != tc.want {
				t.Fatalf("status %d, want %d: %s", a.status, tc.want, a.body)
			}
			m := a.json(t)
			if tc.want == 401 && m["message"] != msgBadCredentials {
				t.Errorf("message %v", m["message"])
			}
			if tc.want != 200 {
				return
			}
			if m["login"] != tc.login || m["type"] != tc.typ || (tc.id != 0 && m["id"] != tc.id) {
				t.Errorf("user %v", m)
			}
		})
	}
}

func TestUnknownRoutesAreNotFound(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, nil)
	for _, p := range []struct{ method, path string }{
		{"GET", "/"}, {"GET", "/api/v3"}, {"GET", "/nothing/here"}, {"PUT", "/app"},
		{"GET", "/app/installations/1001/access_tokens"}, {"POST", "/installation/token"},
		{"GET", "/api/v4/app"},
	} {
		a := call(t, ts, p.method, p.path, "Bearer "+appJWT(t), "", offContract("no endpoint has it"))
		if a.status != http.StatusNotFound || a.message(t) != msgNotFound {
			t.Errorf("%s %s: %d %s", p.method, p.path, a.status, a.body)
		}
	}
}
