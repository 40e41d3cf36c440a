package e2e_test

// GitHub Enterprise: the enterprise input (the App's installation on an
// enterprise account) and GitHub Enterprise Server's API URLs.

import (
	"reflect"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// octoEnterprise is the enterprise account withEnterprise installs the App on.
const octoEnterprise = "octo-enterprise"

// withEnterprise installs the App on the enterprise octoEnterprise as
// installation 1004, granted perms.
func withEnterprise(perms map[string]string) apptest.Option {
	return func(c *githubtest.Config) {
		c.Installations = append(c.Installations, githubtest.Installation{
			ID: 1004, Account: octoEnterprise, AccountType: githubtest.AccountEnterprise,
			RepositorySelection: "all", Permissions: perms,
		})
	}
}

var enterprisePerms = map[string]string{
	"enterprise_organization_installations": "write",
	"enterprise_custom_properties":          "read",
}

// The enterprise input mints for the App's enterprise installation, found
// through GET /enterprises/{enterprise}/installation, with enterprise_*
// permissions; post revokes the token as for any other.
func TestEnterpriseToken(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		with      []string
		wantPerms map[string]string
	}{
		{"enterprise permissions", []string{"permission-enterprise-organization-installations", "read"},
			map[string]string{"enterprise_organization_installations": "read"}},
		{"everything the installation has", nil, enterprisePerms},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := apptest.NewWorld(t, withEnterprise(enterprisePerms)).With("enterprise", octoEnterprise).With(tt.with...)
			res := w.Main()
			apptest.Succeeded(t, res)
			if got, want := w.Calls(), []string{
				"GET /enterprises/" + octoEnterprise + "/installation",
				"POST /app/installations/1004/access_tokens",
				apptest.CheckCall, // the bot lookup, one call
			}; !reflect.DeepEqual(got, want) {
				t.Errorf("calls = %q, want %q", got, want)
			}
			tok := w.OnlyToken()
			if !reflect.DeepEqual(tok.Permissions, tt.wantPerms) || tok.Repositories != nil {
				t.Errorf("token has %v on %v, want %v and no repository list", tok.Permissions, tok.Repositories, tt.wantPerms)
			}
			if res.Outputs["installation-id"] != "1004" || res.Outputs["token"] != tok.Token {
				t.Errorf("outputs = %v", res.Outputs)
			}
			if want := "Minted an installation token for the enterprise " + octoEnterprise; !strings.Contains(res.Log(), want) {
				t.Errorf("log lacks %q:\n%s", want, res.Log())
			}
			if !strings.Contains(res.Summary, "| Installation | 1004 on "+octoEnterprise+" |") {
				t.Errorf("summary:\n%s", res.Summary)
			}
			apptest.Succeeded(t, w.Post(res.State))
			if !w.OnlyToken().Revoked {
				t.Error("post did not revoke the enterprise token")
			}
		})
	}
}

// owner, repositories and installation-id with enterprise are refused
// before any call: which installation should mint would be unclear.
func TestEnterpriseRefusesAccountScope(t *testing.T) {
	t.Parallel()
	for _, with := range [][]string{
		{"owner", "octo-org"},
		{"repositories", "app"},
		{"owner", "octo-org", "repositories", "app"},
		{"installation-id", "1004"},
	} {
		t.Run(strings.Join(with, "="), func(t *testing.T) {
			w := apptest.NewWorld(t, withEnterprise(enterprisePerms)).With("enterprise", octoEnterprise).With(with...)
			res := w.Main()
			apptest.FailedWith(t, res, "input enterprise cannot be combined with "+with[0], "use one step for the enterprise")
			if n := len(w.Emu.Requests()); n != 0 {
				t.Errorf("GitHub saw %d requests", n)
			}
		})
	}
}

// An App not installed on the enterprise says so, and what to do.
func TestEnterpriseNotInstalled(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t, withEnterprise(enterprisePerms)).With("enterprise", "other-enterprise")
	apptest.FailedWith(t, w.Main(), "is not installed on the enterprise other-enterprise", "install it on the enterprise account")
	if len(w.Emu.Tokens()) != 0 {
		t.Error("a token was minted")
	}
	// An account installation is not an enterprise one, and the other way round.
	w = apptest.NewWorld(t, withEnterprise(enterprisePerms)).With("enterprise", "octo-org")
	apptest.FailedWith(t, w.Main(), "is not installed on the enterprise octo-org")
	w = apptest.NewWorld(t, withEnterprise(enterprisePerms)).With("owner", octoEnterprise)
	apptest.FailedWith(t, w.Main(), "is not installed on "+octoEnterprise)
}

// Permissions the enterprise did not grant are refused before minting.
func TestEnterprisePermissionsNotGranted(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t, withEnterprise(enterprisePerms)).With("enterprise", octoEnterprise, "permission-enterprise-administration", "write")
	apptest.FailedWith(t, w.Main(), "enterprise installation cannot grant", "enterprise_administration")
	if len(w.Emu.Tokens()) != 0 {
		t.Error("a token was minted")
	}
}

// GitHub Enterprise Server has no enterprise installations: the lookup is
// not in its description, and it answers 404. The action fails as for an
// App not installed there and mints nothing; the contract check holds the
// exchange to the GHES description (a 200 there would fail this test).
func TestEnterpriseOnGHES(t *testing.T) {
	t.Parallel()
	onGHES := func(c *githubtest.Config) { c.Platform = githubtest.PlatformGHES }
	w := apptest.NewWorld(t, withEnterprise(enterprisePerms), onGHES).With("enterprise", octoEnterprise)
	apptest.FailedWith(t, w.Main(), "is not installed on the enterprise "+octoEnterprise)
	if got, want := w.Calls(), []string{"GET /enterprises/" + octoEnterprise + "/installation"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
	if reqs := w.Emu.Requests(); len(reqs) != 1 || !strings.HasPrefix(reqs[0].FullPath, "/api/v3/") {
		t.Errorf("requests %+v, want one under /api/v3", reqs)
	}
	if len(w.Emu.Tokens()) != 0 {
		t.Error("a token was minted")
	}
}

// GitHub Enterprise Server: the API path is kept, with or without /api/v3.
func TestEnterpriseServerURLs(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"", "/", "/api/v3", "/api/v3/"} {
		t.Run("url"+suffix, func(t *testing.T) {
			w := apptest.NewWorld(t).With("github-api-url", "")
			w.Step.Env["GITHUB_API_URL"] = w.Srv.URL + suffix
			res := w.Main()
			apptest.Succeeded(t, res)
			for _, r := range w.Emu.Requests() {
				if !strings.HasPrefix(r.FullPath, "/api/v3/") {
					t.Errorf("request went to %s, want under /api/v3/", r.FullPath)
				}
			}
		})
	}
}

// GitHub Enterprise Server over TLS: the API URL with or without /api/v3,
// with or without a trailing slash, by address (the built binary, trusting
// the server through SSL_CERT_FILE), always reaches the same endpoints; by
// name on a custom port, in process, in internal/action's test of the same
// name.
func TestEnterpriseServerOverTLS(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"", "/", "/api/v3", "/api/v3/"} {
		t.Run("binary"+suffix, func(t *testing.T) {
			w := apptest.NewWorld(t)
			gh := apptest.ServeTLS(t, w)
			w.With("github-api-url", gh.Srv.URL+suffix)
			w.Step.Env["SSL_CERT_FILE"] = gh.CertFile
			res := w.Main()
			apptest.Succeeded(t, res)
			if len(res.Warnings) != 0 {
				t.Errorf("warnings over https: %q", res.Warnings)
			}
			apptest.Succeeded(t, w.Post(res.State))
			apptest.AssertEnterprisePaths(t, w)
		})
	}
}
