package mint_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/mint"
)

// ready mints on an emulator edited by world, with token-ready-seconds
// bound, and checks the token; it returns the core and the check's outcome.
func ready(t *testing.T, bound time.Duration, world func(*githubtest.Config), faults ...githubtest.Fault) (*core, error, error) {
	t.Helper()
	c := newCore(t, config.Config{App: config.App{Retry: config.Retry{Attempts: 2, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second, TokenReady: bound}}, Request: config.Request{Owner: "octocat"}}, world, nil)
	_, tok, err := c.mint()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range faults {
		c.emu.AddFault(f)
	}
	warning, err := c.m.Ready(context.Background(), tok)
	return c, warning, err
}

// checkPath is the check: the App's bot user, asked with the new token.
const checkPath = "/users/release-bot[bot]"

// The check waits out GitHub's replication lag within the bound, with the
// token itself.
func TestReadyWaitsOutTheLag(t *testing.T) {
	t.Parallel()
	c, warning, err := ready(t, 10*time.Second, func(cfg *githubtest.Config) { cfg.TokenLagCalls = 3 })
	if warning != nil || err != nil {
		t.Fatalf("warning %v, error %v", warning, err)
	}
	if got := c.emu.Count("GET", checkPath); got != 4 {
		t.Errorf("%d checks, want 4 (three refused)", got)
	}
	for _, r := range c.emu.Requests() {
		if r.Path == checkPath && r.Auth != "token" {
			t.Errorf("check made with %q auth, query %q", r.Auth, r.Query)
		}
	}
	if c.emu.Tokens()[0].Revoked {
		t.Error("a token that works was revoked")
	}
}

// Refused for the whole bound: an error that says so, and the token revoked.
func TestReadyRefusedRevokes(t *testing.T) {
	t.Parallel()
	start := time.Now()
	c, warning, err := ready(t, 2*time.Second, nil, githubtest.Fault{Method: "GET", Path: checkPath, Times: -1, Status: 401, Body: `{"message":"Bad credentials"}`})
	if warning != nil || err == nil {
		t.Fatalf("warning %v, error %v", warning, err)
	}
	for _, want := range []string{"GitHub minted the token but kept refusing it (401 Bad credentials)", "input token-ready-seconds allows 2s", "The token was revoked at once"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if !c.emu.Tokens()[0].Revoked || c.emu.Count("GET", checkPath) < 3 || time.Since(start) > 5*time.Second {
		t.Errorf("revoked %v after %d checks in %v", c.emu.Tokens()[0].Revoked, c.emu.Count("GET", checkPath), time.Since(start))
	}
}

// A check that cannot finish is a warning; with the bound 0, no check.
func TestReadyOtherOutcomes(t *testing.T) {
	t.Parallel()
	c, warning, err := ready(t, time.Second, nil, githubtest.Fault{Method: "GET", Path: checkPath, Times: -1, Status: 502})
	if err != nil || warning == nil || !strings.Contains(warning.Error(), "could not check that GitHub accepts the new token, so it is handed over unchecked") || c.emu.Tokens()[0].Revoked {
		t.Errorf("502s: warning %v, error %v, revoked %v", warning, err, c.emu.Tokens()[0].Revoked)
	}
	c, warning, err = ready(t, 0, func(cfg *githubtest.Config) { cfg.TokenLagCalls = 100 })
	if warning != nil || err != nil || c.emu.Count("GET", checkPath) != 0 {
		t.Errorf("bound 0: warning %v, error %v, %d checks", warning, err, c.emu.Count("GET", checkPath))
	}
}

// The check is the bot lookup: one call, made with the new token, whose
// 401 is retried within the bound as lag; with the check off nothing says
// a 401 is lag, and the lookup is made once. A 404 for the bot proves the
// token works (GitHub looks only once it knows the credential).
func TestReadyWithIdentity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		fault      githubtest.Fault
		wantLookup int
		wantBot    bool
		checkOff   bool // token-ready-seconds 0: nothing says the 401 was lag
	}{
		{"no lag", githubtest.Fault{}, 1, true, false},
		{"refused once", refused(1), 2, true, false},
		{"refused twice", refused(2), 3, true, false},
		{"bot not found", githubtest.Fault{Method: "GET", Path: checkPath, Times: 1, Status: 404, Body: `{"message":"Not Found"}`}, 1, false, false},
		{"bot answer not JSON", githubtest.Fault{Method: "GET", Path: checkPath, Times: 1, Status: 200, Body: `not json`}, 1, false, false},
		{"bot answer null", githubtest.Fault{Method: "GET", Path: checkPath, Times: 1, Status: 200, Body: `null`}, 1, false, false},
		{"check off, refused once", refused(1), 1, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bound := 5 * time.Second
			if tc.checkOff {
				bound = 0
			}
			c := newCore(t, config.Config{App: config.App{Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second, TokenReady: bound}}, Request: config.Request{Owner: "octocat"}}, nil, nil)
			_, tok, err := c.mint()
			if err != nil {
				t.Fatal(err)
			}
			if tc.fault.Path != "" {
				c.emu.AddFault(tc.fault)
			}
			bot, warnings, err := c.m.ReadyWithIdentity(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.emu.Count("GET", checkPath); got != tc.wantLookup || (bot.ID == "41898283") != tc.wantBot || (len(warnings) == 0) != tc.wantBot {
				t.Errorf("%d lookups, bot %+v, warnings %v", got, bot, warnings)
			}
			if n := len(c.emu.Requests()); n != 2+tc.wantLookup {
				t.Errorf("%d requests, want lookup, mint and %d bot lookups: no other check", n, tc.wantLookup)
			}
			for _, w := range warnings {
				if strings.Contains(w.Error(), "handed over unchecked") {
					t.Errorf("the check failed: %v", w)
				}
			}
		})
	}
}

func refused(times int) githubtest.Fault {
	return githubtest.Fault{Method: "GET", Path: checkPath, Times: times, Status: 401, Body: `{"message":"Bad credentials"}`}
}

// A 401 to revoking is the one sign the token is already gone.
func TestAlreadyRevoked(t *testing.T) {
	t.Parallel()
	c := newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, nil, nil)
	_, tok, err := c.mint()
	if err != nil {
		t.Fatal(err)
	}
	client := c.m.Client()
	if err := client.RevokeToken(context.Background(), tok.Token.Token); err != nil || mint.AlreadyRevoked(err) {
		t.Fatalf("first revoke: %v", err)
	}
	err = client.RevokeToken(context.Background(), tok.Token.Token)
	if !mint.AlreadyRevoked(err) {
		t.Errorf("second revoke: %v, want already revoked", err)
	}
	if mint.AlreadyRevoked(errors.New("401")) || mint.AlreadyRevoked(nil) {
		t.Error("only GitHub's 401 answer means already revoked")
	}
}

// BenchmarkReady is what the token check costs on its own against the
// emulator on loopback: one GET made with the token, per handed-over token.
//
//	go test -run '^$' -bench Ready ./internal/mint
func BenchmarkReady(b *testing.B) {
	cfg := githubtest.DefaultConfig(&appKey.PublicKey)
	_, srv := githubtest.Start(b, cfg)
	c := &config.Config{App: config.App{Issuer: githubtest.DefaultClientID, PrivateKey: appPEM, Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second, TokenReady: 10 * time.Second}}, Request: config.Request{Owner: "octocat"}}
	c.APIURL, _ = url.Parse(srv.URL + "/")
	ctx := context.Background()
	m, err := mint.New(ctx, c, mint.Options{})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := m.Mint(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if warning, err := m.Ready(ctx, tok); warning != nil || err != nil {
			b.Fatal(warning, err)
		}
	}
}

// An installation whose slug is none has no bot to look up: the check is
// then GET /installation/repositories, and its 401s are retried as lag.
func TestReadyWithoutASlugChecksTheRepositories(t *testing.T) {
	t.Parallel()
	badSlug := func(path string, a map[string]any) {
		if strings.HasSuffix(path, "/installation") {
			a["app_slug"] = "Bad Slug"
		}
	}
	c := newCore(t, config.Config{App: config.App{Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second, TokenReady: 5 * time.Second}}, Request: config.Request{Owner: "octocat"}}, nil, badSlug)
	_, tok, err := c.mint()
	if err != nil {
		t.Fatal(err)
	}
	c.emu.AddFault(githubtest.Fault{Method: "GET", Path: "/installation/repositories", Times: 1, Status: 401, Body: `{"message":"Bad credentials"}`})
	bot, warnings, err := c.m.ReadyWithIdentity(context.Background(), tok)
	if err != nil || bot != (mint.Bot{}) || len(warnings) != 1 || !strings.Contains(warnings[0].Error(), "slug that is not one") {
		t.Fatalf("bot %+v, warnings %v, error %v", bot, warnings, err)
	}
	if n := c.emu.Count("GET", "/installation/repositories"); n != 2 || c.emu.Count("GET", checkPath) != 0 {
		t.Errorf("%d checks of the repositories (want 2: one refused), %d bot lookups (want none)", n, c.emu.Count("GET", checkPath))
	}
}
