package githubtest

import (
	"testing"
)

// An enterprise installation is found only under /enterprises/ (on GHEC:
// GitHub Enterprise Server has no such endpoint), shows its account by slug
// without a login, and mints tokens that name no repository.
func TestEnterpriseInstallation(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, func(c *Config) {
		c.Installations = append(c.Installations, Installation{
			ID: 1004, Account: "octo-enterprise", AccountType: AccountEnterprise, RepositorySelection: "all",
			Permissions: map[string]string{"enterprise_custom_properties": "write"},
		})
	})
	jwt := "Bearer " + appJWT(t)
	for path, want := range map[string]int{
		"/enterprises/octo-enterprise/installation":        200,
		"/api/v3/enterprises/Octo-Enterprise/installation": 200,
		"/enterprises/octo-org/installation":               404,
		"/users/octo-enterprise/installation":              404,
		"/orgs/octo-enterprise/installation":               404,
	} {
		a := call(t, ts, "GET", path, jwt, "")
		if a.status != want {
			t.Errorf("GET %s: %d, want %d", path, a.status, want)
			continue
		}
		if want != 200 {
			continue
		}
		m := a.json(t)
		acct := m["account"].(map[string]any)
		if m["id"] != float64(1004) || acct["slug"] != "octo-enterprise" || acct["login"] != nil {
			t.Errorf("GET %s: installation %v, account %v", path, m["id"], acct)
		}
	}
	if a := call(t, ts, "POST", "/app/installations/1004/access_tokens", jwt, `{"permissions":{"enterprise_custom_properties":"read"}}`); a.status != 201 {
		t.Errorf("mint: %d %s", a.status, a.body)
	}
	if a := call(t, ts, "POST", "/app/installations/1004/access_tokens", jwt, `{"repositories":["app"]}`); a.status != 422 {
		t.Errorf("mint naming a repository: %d, want 422", a.status)
	}
	if a := call(t, ts, "GET", "/enterprises/octo-enterprise/installation", "", ""); a.status != 401 {
		t.Errorf("without a JWT: %d, want 401", a.status)
	}
}

// GitHub Enterprise Server has no enterprise installations: the endpoint
// is not in its description, and it answers 404 as for any unknown path.
func TestEnterpriseInstallationOnGHES(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, func(c *Config) {
		c.Platform = PlatformGHES
		c.Installations = append(c.Installations, Installation{
			ID: 1004, Account: "octo-enterprise", AccountType: AccountEnterprise, RepositorySelection: "all",
			Permissions: map[string]string{"enterprise_custom_properties": "write"},
		})
	})
	a := call(t, ts, "GET", "/api/v3/enterprises/octo-enterprise/installation", "Bearer "+appJWT(t), "")
	if a.status != 404 || a.message(t) != msgNotFound {
		t.Errorf("GHES: %d %s, want 404 Not Found", a.status, a.body)
	}
}
