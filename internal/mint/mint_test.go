package mint_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/githubtest/contract"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/permissions"
)

var (
	appKey *rsa.PrivateKey
	// appPEM is appKey as the private-key setting holds it.
	appPEM string
)

func TestMain(m *testing.M) {
	var err error
	if appKey, appPEM, err = githubtest.NewAppKey(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(contract.Main(m))
}

// core is the minting core on an emulated GitHub, with what it masked.
type core struct {
	t      *testing.T
	emu    *githubtest.Server
	url    *url.URL
	m      *mint.Minter
	mu     sync.Mutex
	masked []string
}

// newCore returns a Minter for cfg (Issuer, APIURL and the private key
// filled in) on the emulator, its answers passed through rewrite when set.
func newCore(t *testing.T, cfg config.Config, world func(*githubtest.Config), rewrite func(path string, answer map[string]any)) *core {
	t.Helper()
	ecfg := githubtest.DefaultConfig(&appKey.PublicKey)
	ecfg.Installations = append(ecfg.Installations, githubtest.Installation{
		ID: 1004, Account: "octo-enterprise", AccountType: githubtest.AccountEnterprise,
		RepositorySelection: "all", Permissions: map[string]string{"enterprise_custom_properties": "read"},
	})
	if world != nil {
		world(&ecfg)
	}
	emu, srv := githubtest.Start(t, ecfg)
	u, _ := url.Parse(srv.URL + "/")
	cfg.Issuer, cfg.APIURL, cfg.PrivateKey = githubtest.DefaultClientID, u, appPEM
	if cfg.Retry.Attempts == 0 {
		cfg.Retry = config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}
	}
	c := &core{t: t, emu: emu, url: u}
	base := http.RoundTripper(http.DefaultTransport)
	if rewrite != nil {
		base = rewriter{base, rewrite}
	}
	m, err := mint.New(context.Background(), &cfg, mint.Options{
		Env:  env.Env{Base: base, Now: time.Now},
		Mask: func(s string) { c.mu.Lock(); c.masked = append(c.masked, s); c.mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	c.m = m
	return c
}

// rewriter changes GitHub's JSON answers on their way back, as a broken or
// hostile front end could.
type rewriter struct {
	base    http.RoundTripper
	rewrite func(path string, answer map[string]any)
}

func (rw rewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := rw.base.RoundTrip(r)
	if err != nil || resp.StatusCode >= 300 {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var answer map[string]any
	if json.Unmarshal(b, &answer) == nil {
		rw.rewrite(r.URL.Path, answer)
		b, _ = json.Marshal(answer)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func (c *core) mint() (*ghclient.Installation, *mint.Token, error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tok, err := c.m.Mint(ctx)
	if err != nil {
		return nil, nil, err
	}
	return tok.Installation, tok, err
}

func (c *core) minted() int { return len(c.emu.Tokens()) }

// The core finds the installation each request names and mints a token
// scoped as asked, whatever door called it.
func TestMintScopes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		cfg       config.Config
		inst      int64
		repos     []string // names GitHub's answer lists, as Scope shows
		scopeRepo string
		perms     string
	}{
		{"owner alone", config.Config{Request: config.Request{Owner: "octocat"}}, 1002, nil, "all repositories of octocat", "contents:read, metadata:read"},
		{"repositories", config.Config{Request: config.Request{Owner: "octo-org", Repositories: []string{"app", "infra"}, Permissions: permissions.Set{"contents": "write"}}},
			1001, []string{"octo-org/app", "octo-org/infra"}, "octo-org/app, octo-org/infra", "contents:write"},
		{"installation id", config.Config{Request: config.Request{Owner: "octocat", InstallationID: 1002, Permissions: permissions.Set{"contents": "read"}}}, 1002, nil, "all repositories of octocat", "contents:read"},
		{"enterprise", config.Config{Request: config.Request{Owner: "octo-enterprise", Enterprise: "octo-enterprise"}}, 1004, nil, "the enterprise octo-enterprise", "enterprise_custom_properties:read"},
		{"no permissions", config.Config{Request: config.Request{Owner: "octo-org", Repositories: []string{"docs"}, Permissions: permissions.Set{"metadata": "read"}}}, 1001, []string{"octo-org/docs"}, "octo-org/docs", "metadata:read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t, tc.cfg, nil, nil)
			inst, tok, err := c.mint()
			if err != nil {
				t.Fatal(err)
			}
			if inst.ID != tc.inst {
				t.Errorf("installation %d, want %d", inst.ID, tc.inst)
			}
			issued := c.emu.Tokens()
			if len(issued) != 1 || issued[0].Token != tok.Token.Token || issued[0].Revoked {
				t.Fatalf("issued %+v", issued)
			}
			if !slices.Equal(tok.Scope.RepositoryNames, tc.repos) || tok.Scope.Repositories != tc.scopeRepo || tok.Scope.Permissions != tc.perms {
				t.Errorf("scope %+v, want %v / %q / %q", tok.Scope, tc.repos, tc.scopeRepo, tc.perms)
			}
			if len(tok.Scope.Warnings) != 0 {
				t.Errorf("warnings %q", tok.Scope.Warnings)
			}
			if !slices.Contains(c.masked, tok.Token.Token) {
				t.Errorf("the token was not masked")
			}
			if tc.cfg.Permissions != nil && !maps.Equal(issued[0].Permissions, map[string]string(tc.cfg.Permissions)) {
				t.Errorf("issued permissions %v, asked %v", issued[0].Permissions, tc.cfg.Permissions)
			}
			var wantPerms map[string]string
			_ = json.Unmarshal([]byte(tok.Scope.PermissionsJSON), &wantPerms)
			if len(wantPerms) == 0 {
				t.Errorf("PermissionsJSON %q", tok.Scope.PermissionsJSON)
			}
			if d := tok.Scope.Describe(); !strings.HasPrefix(d, "permissions ") {
				t.Errorf("Describe() = %q", d)
			}
		})
	}
}

// Before anything is minted, the core refuses an installation that cannot
// serve the request; each refusal names what to do, and nothing is minted.
func TestInstallationRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		cfg     config.Config
		rewrite func(path string, answer map[string]any)
		want    []string
	}{
		{"not installed", config.Config{Request: config.Request{Owner: "stranger-org"}}, nil, []string{"not installed on stranger-org"}},
		{"repository not reached", config.Config{Request: config.Request{Owner: "octo-org", Repositories: []string{"website"}}}, nil, []string{"installation 1001", "cannot reach repository octo-org/website"}},
		{"suspended", config.Config{Request: config.Request{Owner: "frozen-org"}}, nil, []string{"installation 1003", "suspended"}},
		{"permission not granted", config.Config{Request: config.Request{Owner: "octocat", Permissions: permissions.Set{"issues": "write"}}}, nil, []string{"cannot grant", "issues:write is not granted"}},
		{"level beyond the grant", config.Config{Request: config.Request{Owner: "octocat", Permissions: permissions.Set{"contents": "write"}}}, nil, []string{"contents:write exceeds", "(read)"}},
		{"installation id of another account", config.Config{Request: config.Request{Owner: "octocat", InstallationID: 1001}}, nil, []string{"installation-id 1001", "octo-org"}},
		{"installation id not found", config.Config{Request: config.Request{Owner: "octocat", InstallationID: 9999}}, nil, []string{"installation 9999 was not found"}},
		{"lookup answered for another account", config.Config{Request: config.Request{Owner: "octocat"}}, func(path string, a map[string]any) {
			if strings.HasSuffix(path, "/installation") {
				a["account"] = map[string]any{"login": "octo-org", "type": "Organization"}
			}
		}, []string{"octo-org"}},
		{"lookup answered with no account name", config.Config{Request: config.Request{Owner: "octocat"}}, func(path string, a map[string]any) {
			if strings.HasSuffix(path, "/installation") {
				a["account"] = map[string]any{"login": "bad\nname", "type": "User"}
			}
		}, []string{"an account name GitHub does not use"}},
		{"enterprise not installed", config.Config{Request: config.Request{Owner: "other-enterprise", Enterprise: "other-enterprise"}}, nil, []string{"not installed on the enterprise other-enterprise"}},
		{"enterprise answered for another enterprise", config.Config{Request: config.Request{Owner: "octo-enterprise", Enterprise: "octo-enterprise"}}, func(path string, a map[string]any) {
			if strings.HasPrefix(path, "/enterprises/") {
				a["account"] = map[string]any{"slug": "evil-enterprise", "type": "Enterprise"}
			}
		}, []string{"enterprise octo-enterprise", "another account", "refusing to mint"}},
		{"enterprise permission not granted", config.Config{Request: config.Request{Owner: "octo-enterprise", Enterprise: "octo-enterprise", Permissions: permissions.Set{"enterprise_custom_properties": "write"}}}, nil, []string{"enterprise installation cannot grant", "the enterprise octo-enterprise"}},
		{"enterprise suspended", config.Config{Request: config.Request{Owner: "octo-enterprise", Enterprise: "octo-enterprise"}}, func(path string, a map[string]any) {
			if strings.HasPrefix(path, "/enterprises/") {
				a["suspended_at"] = "2026-01-01T00:00:00Z"
			}
		}, []string{"suspended"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t, tc.cfg, nil, tc.rewrite)
			_, _, err := c.mint()
			if err == nil {
				t.Fatal("minted, want a refusal")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if c.minted() != 0 {
				t.Errorf("the emulator minted %d tokens", c.minted())
			}
		})
	}
}

// A token GitHub's answer says reaches more than was asked is revoked at
// once and never handed out.
func TestWiderAnswerIsRevoked(t *testing.T) {
	t.Parallel()
	asked := config.Config{Request: config.Request{Owner: "octo-org", Repositories: []string{"app"}, Permissions: permissions.Set{"contents": "read"}}}
	for _, tc := range []struct {
		name    string
		cfg     config.Config
		rewrite func(answer map[string]any)
		want    string
	}{
		{"more permissions", asked, func(a map[string]any) { a["permissions"].(map[string]any)["issues"] = "write" }, "permissions issues:write"},
		{"higher level", asked, func(a map[string]any) { a["permissions"].(map[string]any)["contents"] = "write" }, "permissions contents:write"},
		{"unknown level", asked, func(a map[string]any) { a["permissions"].(map[string]any)["contents"] = "owner" }, "permissions contents:owner"},
		{"every repository", asked, func(a map[string]any) { a["repository_selection"] = "all" }, "every repository"},
		{"another repository", asked, func(a map[string]any) {
			a["repositories"] = append(a["repositories"].([]any), map[string]any{"full_name": "octo-org/infra"})
		}, "repository octo-org/infra"},
		{"another account's repository", asked, func(a map[string]any) {
			a["repositories"] = []any{map[string]any{"full_name": "octocat/app"}}
		}, "repository octocat/app"},
		{"a repository that is no name", asked, func(a map[string]any) {
			a["repositories"] = append(a["repositories"].([]any), map[string]any{"full_name": "octo-org/a b"})
		}, "not names"},
		{"beyond the installation when asking for all", config.Config{Request: config.Request{Owner: "octocat"}}, func(a map[string]any) {
			a["permissions"].(map[string]any)["administration"] = "write"
		}, "administration:write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t, tc.cfg, nil, func(path string, a map[string]any) {
				if strings.HasSuffix(path, "/access_tokens") {
					tc.rewrite(a)
				}
			})
			_, tok, err := c.mint()
			if err == nil || tok != nil {
				t.Fatalf("token %v, error %v: want a refusal", tok, err)
			}
			issued := c.emu.Tokens()
			if len(issued) != 1 || !issued[0].Revoked {
				t.Fatalf("issued %+v: want one token, revoked", issued)
			}
			for _, w := range []string{tc.want, "beyond what was asked", "revoked at once"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// A token that cannot be revoked says so and when it expires.
func TestRevokeFailureSaysWhenTheTokenExpires(t *testing.T) {
	t.Parallel()
	c := newCore(t, config.Config{Request: config.Request{Owner: "octo-org", Repositories: []string{"app"}}}, func(cfg *githubtest.Config) {}, func(path string, a map[string]any) {
		if strings.HasSuffix(path, "/access_tokens") {
			a["repository_selection"] = "all"
		}
	})
	c.emu.AddFault(githubtest.Fault{Method: "DELETE", Path: "/installation/token", Status: 500, Times: -1})
	_, _, err := c.mint()
	if err == nil || !strings.Contains(err.Error(), "Revoking the token failed too") || !strings.Contains(err.Error(), "it expires at 20") {
		t.Fatalf("error %v", err)
	}
}

// An answer with no usable token is an error, and the answer is not shown.
func TestAnswerWithoutToken(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "ghs_short", "ghs_" + strings.Repeat("a", 36) + "\n::warning::x", "ghp_" + strings.Repeat("a", 36)} {
		c := newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, nil, func(path string, a map[string]any) {
			if strings.HasSuffix(path, "/access_tokens") {
				a["token"] = bad
			}
		})
		_, tok, err := c.mint()
		if err == nil || tok != nil || !strings.Contains(err.Error(), "holds no") || (bad != "" && strings.Contains(err.Error(), bad)) {
			t.Errorf("token %q: %v", bad, err)
		}
		if slices.Contains(c.masked, bad) && bad != "" {
			t.Errorf("token %q was masked before its shape was checked", bad)
		}
	}
}

// Names outside GitHub's alphabets in an answer are not shown, with a
// warning; the token is still handed out when it is no wider than asked.
func TestAnswerNamesOutsideGitHubsAlphabet(t *testing.T) {
	t.Parallel()
	c := newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, nil, func(path string, a map[string]any) {
		if strings.HasSuffix(path, "/access_tokens") {
			a["repositories"] = []any{map[string]any{"full_name": "octocat/blog"}, map[string]any{"full_name": "octocat/::x"}}
			a["permissions"].(map[string]any)["Metadata"] = "read"
		}
	})
	_, tok, err := c.mint()
	if err != nil {
		t.Fatal(err)
	}
	if tok.Scope.Permissions != "(not shown)" || tok.Scope.PermissionsJSON != "" || len(tok.Scope.Warnings) != 2 || !slices.Equal(tok.Scope.RepositoryNames, []string{"octocat/blog"}) {
		t.Errorf("scope %+v", tok.Scope)
	}
}

// An answer that says "selected" but lists no repository is shown as the
// selected repositories of the account, not as all of them.
func TestSelectedWithoutNames(t *testing.T) {
	t.Parallel()
	c := newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, nil, func(path string, a map[string]any) {
		if strings.HasSuffix(path, "/access_tokens") {
			a["repository_selection"] = "selected"
			delete(a, "repositories")
		}
	})
	_, tok, err := c.mint()
	if err != nil {
		t.Fatal(err)
	}
	if tok.Scope.Repositories != "the selected repositories of octocat" {
		t.Errorf("Repositories = %q", tok.Scope.Repositories)
	}
}

// More than a handful of repositories are named with a count of the rest.
func TestScopeShortList(t *testing.T) {
	t.Parallel()
	var names []string
	for i := range 12 {
		names = append(names, fmt.Sprintf("r%d", i))
	}
	c := newCore(t, config.Config{Request: config.Request{Owner: "octo-org", Repositories: names}}, func(cfg *githubtest.Config) {
		cfg.Installations[0].Repositories = names
	}, nil)
	_, tok, err := c.mint()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(tok.Scope.Repositories, "and 2 more") || strings.Count(tok.Scope.Repositories, "octo-org/") != 10 {
		t.Errorf("Repositories = %q", tok.Scope.Repositories)
	}
	if (mint.Scope{}).Describe() != "no permissions" {
		t.Errorf("empty scope describes as %q", (mint.Scope{}).Describe())
	}
}

// The bot identity comes back whole, or empty with a warning when GitHub's
// answer is not the App's bot.
func TestIdentity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		rewrite func(path string, a map[string]any)
		wantID  string
		wantErr string
	}{
		{"bot", nil, "41898283", ""},
		{"slug that is none", func(path string, a map[string]any) {
			if strings.HasSuffix(path, "/installation") {
				a["app_slug"] = "Bad Slug"
			}
		}, "", "slug that is not one"},
		{"another user", func(path string, a map[string]any) {
			if strings.HasPrefix(path, "/users/release-bot") {
				a["login"] = "octocat"
			}
		}, "", "is not that user"},
		{"no id", func(path string, a map[string]any) {
			if strings.HasPrefix(path, "/users/release-bot") {
				a["id"] = 0
			}
		}, "", "is not that user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, nil, tc.rewrite)
			inst, tok, err := c.mint()
			if err != nil {
				t.Fatal(err)
			}
			bot, err := c.m.Identity(context.Background(), inst, tok.Token.Token)
			if bot.ID != tc.wantID || (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("bot %+v, error %v; want id %q, error %q", bot, err, tc.wantID, tc.wantErr)
			}
			if tc.wantID != "" && (bot.Name != "release-bot[bot]" || bot.Email != "41898283+release-bot[bot]@users.noreply.github.com" || bot.Slug != "release-bot") {
				t.Errorf("bot %+v", bot)
			}
		})
	}
	c := newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, nil, nil)
	inst, _, err := c.mint()
	if err != nil {
		t.Fatal(err)
	}
	c.emu.AddFault(githubtest.Fault{Path: "/users/*", Status: 404, Body: `{"message":"Not Found"}`})
	if bot, err := c.m.Identity(context.Background(), inst, c.emu.Tokens()[0].Token); err == nil || bot.Slug != "release-bot" || bot.ID != "" || !strings.Contains(err.Error(), "could not look up") {
		t.Errorf("lookup failing: bot %+v, error %v", bot, err)
	}
}

// The whole-phase deadline is three calls' budget, and the policy carries
// the retry settings.
func TestDeadlineAndPolicy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    config.Retry
		want time.Duration
	}{
		{config.Retry{Budget: 60 * time.Second, RequestTimeout: 20 * time.Second}, 180 * time.Second},
		{config.Retry{Budget: 5 * time.Second, RequestTimeout: 20 * time.Second}, 60 * time.Second},
		// The wait for a new token to work comes on top, once.
		{config.Retry{Budget: 60 * time.Second, RequestTimeout: 20 * time.Second, TokenReady: 10 * time.Second}, 190 * time.Second},
	} {
		if got := mint.Deadline(tc.r); got != tc.want {
			t.Errorf("Deadline(%+v) = %s, want %s", tc.r, got, tc.want)
		}
	}
	p := mint.Policy(config.Retry{Attempts: 3, Budget: time.Minute, RequestTimeout: time.Second})
	if p.MaxTries != 3 || p.MaxElapsed != time.Minute || p.TryTimeout != time.Second {
		t.Errorf("Policy = %+v", p)
	}
}

// TokenClient revokes with the token alone, no key.
func TestTokenClientRevokes(t *testing.T) {
	t.Parallel()
	c := newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, nil, nil)
	_, tok, err := c.mint()
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{App: config.App{APIURL: c.url, Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}}}
	if err := mint.TokenClient(cfg.App, mint.Options{}).RevokeToken(context.Background(), tok.Token.Token); err != nil || !c.emu.Tokens()[0].Revoked {
		t.Fatalf("revoke: %v, revoked %t", err, c.emu.Tokens()[0].Revoked)
	}
	if r := c.emu.Requests(); r[len(r)-1].Auth != "token" {
		t.Errorf("revoked with %q auth, want the token", r[len(r)-1].Auth)
	}
}
