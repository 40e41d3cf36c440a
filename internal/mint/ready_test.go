package mint_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/appkey"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/mint"
)

// withReady turns the check that a new token works on, within bound.
func withReady(bound time.Duration) config.Config {
	return config.Config{Owner: "octocat", Retry: config.Retry{Attempts: 2, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second, TokenReady: bound}}
}

// A new token is handed over only once GitHub accepts it: 401s of
// replication lag are waited out, while the bot identity is looked up.
func TestReadyWithIdentity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		cfg       config.Config
		lagCalls  int
		fault     *githubtest.Fault
		wantErr   []string
		wantWarn  string
		checks    int // token checks made; -1: not counted
		wantBotID string
	}{
		{"accepted at once", withReady(5 * time.Second), 0, nil, nil, "", 1, "41898283"},
		{"accepted after the lag", withReady(5 * time.Second), 2, nil, nil, "", -1, "41898283"},
		{"check off", withReady(0), 0, nil, nil, "", 0, "41898283"},
		{"never accepted", withReady(time.Second), 1000, nil,
			[]string{"kept refusing it (401 Bad credentials)", "GitHub refused to revoke the token too", "it expires at 20"}, "", -1, ""},
		{"check fails otherwise", withReady(2 * time.Second), 0, &githubtest.Fault{Path: "/installation/repositories", Status: 500, Times: -1, Body: `{"message":"boom"}`},
			nil, "could not check that GitHub accepts the new token, so it is handed over unchecked", -1, "41898283"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t, tc.cfg, func(cfg *githubtest.Config) { cfg.TokenLagCalls = tc.lagCalls }, nil)
			if tc.fault != nil {
				c.emu.AddFault(*tc.fault)
			}
			inst, tok, err := c.mint()
			if err != nil {
				t.Fatal(err)
			}
			bot, warnings, err := c.m.ReadyWithIdentity(context.Background(), inst, tok)
			for _, w := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v lacks %q", err, w)
				}
			}
			if len(tc.wantErr) == 0 && err != nil {
				t.Fatalf("error %v", err)
			}
			if tc.wantWarn != "" && (len(warnings) != 1 || !strings.Contains(warnings[0].Error(), tc.wantWarn)) {
				t.Errorf("warnings %v, want %q", warnings, tc.wantWarn)
			}
			if tc.wantWarn == "" && len(warnings) != 0 && err == nil {
				t.Errorf("warnings %v", warnings)
			}
			if err == nil && bot.ID != tc.wantBotID {
				t.Errorf("bot %+v", bot)
			}
			checks := 0
			for _, r := range c.emu.Requests() {
				if r.Path == "/installation/repositories" {
					checks++
				}
			}
			if tc.checks >= 0 && checks != tc.checks {
				t.Errorf("%d token checks, want %d", checks, tc.checks)
			}
		})
	}
}

// A token GitHub refuses and that revoking then works on is said revoked.
func TestReadyRevokesARefusedToken(t *testing.T) {
	t.Parallel()
	c := newCore(t, withReady(time.Second), nil, nil)
	_, tok, err := c.mint()
	if err != nil {
		t.Fatal(err)
	}
	c.emu.AddFault(githubtest.Fault{Path: "/installation/repositories", Status: 401, Times: -1, Body: `{"message":"Bad credentials"}`})
	_, err = c.m.Ready(context.Background(), tok.Token)
	if err == nil || !strings.Contains(err.Error(), "revoked at once") || !c.emu.Tokens()[0].Revoked {
		t.Fatalf("error %v, revoked %t", err, c.emu.Tokens()[0].Revoked)
	}
	if mint.AlreadyRevoked(nil) {
		t.Error("no error read as already revoked")
	}
}

// An App JWT signed elsewhere mints like a key, and is masked before use;
// one that is no JWT of this App fails before any call.
func TestKeylessSigner(t *testing.T) {
	t.Parallel()
	jwt, err := appkey.NewSigner(githubtest.DefaultClientID, appKey, time.Now).Sign()
	if err != nil {
		t.Fatal(err)
	}
	for _, issuer := range []string{githubtest.DefaultClientID, ""} {
		c := newCore(t, config.Config{Owner: "octocat"}, nil, nil)
		cfg := config.Config{Owner: "octocat", JWT: jwt, Issuer: issuer, APIURL: c.url, Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}}
		var masked []string
		opts := mint.Options{Mask: func(s string) { masked = append(masked, s) }}
		signer, err := mint.KeylessSigner(context.Background(), &cfg, opts)
		if err != nil || signer == nil {
			t.Fatalf("issuer %q: %v", issuer, err)
		}
		if len(masked) == 0 || masked[0] != jwt {
			t.Errorf("the JWT was not masked first")
		}
		if cfg.Issuer != githubtest.DefaultClientID {
			t.Errorf("issuer %q, want the JWT's", cfg.Issuer)
		}
		m := mint.NewSigned(&cfg, signer, opts)
		inst, err := m.Installation(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Mint(context.Background(), inst); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Config{JWT: "not.a.jwt", Issuer: "1"}
	if s, err := mint.KeylessSigner(context.Background(), &cfg, mint.Options{}); err == nil || s != nil {
		t.Errorf("a bad JWT: signer %v, error %v", s, err)
	}
	cfg = config.Config{Issuer: "1"}
	if s, err := mint.KeylessSigner(context.Background(), &cfg, mint.Options{}); err != nil || s != nil {
		t.Errorf("a key's config: signer %v, error %v; want neither", s, err)
	}
}
