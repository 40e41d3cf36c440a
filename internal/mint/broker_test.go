package mint_test

// The core asking a broker: the OIDC token from a variable or the runner,
// masked whole before use; the grant held to the request, a wider one
// revoked; an answer that is not a token refused unmasked; octo-sts's
// answer, only a token, taken with a warning.

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/permissions"
)

const ciToken = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2NpLmV4YW1wbGUifQ.c2lnbmF0dXJlLW9mLWEtY2ktam9i"

// brokered is a Minter asking brokerURL for req, on the emulator at api,
// with vars as its environment.
type brokered struct {
	m      *mint.Minter
	mu     sync.Mutex
	masked []string
}

func newBrokered(t *testing.T, api, brokerURL string, req config.Request, tokenEnv string, vars map[string]string) *brokered {
	t.Helper()
	a, _ := url.Parse(api + "/")
	b, _ := url.Parse(brokerURL + "/")
	cfg := &config.Config{
		App:     config.App{APIURL: a, Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}},
		Request: req,
		Broker:  config.Broker{URL: b, Identity: "ci", Audience: "broker.example", TokenEnv: tokenEnv},
	}
	bd := &brokered{}
	m, err := mint.New(context.Background(), cfg, mint.Options{
		Env:  env.Env{Getenv: func(k string) string { return vars[k] }, Now: time.Now},
		Mask: func(s string) { bd.mu.Lock(); bd.masked = append(bd.masked, s); bd.mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	bd.m = m
	return bd
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func emulator(t *testing.T) (*githubtest.Server, string) {
	emu, srv := githubtest.Start(t, githubtest.DefaultConfig(&appKey.PublicKey))
	return emu, srv.URL
}

func TestBrokerMintsFromAVariable(t *testing.T) {
	t.Parallel()
	emu, api := emulator(t)
	b := apptest.StartBroker(t, api, appPEM)
	req := config.Request{Owner: "octo-org", Repositories: []string{"app"}, Permissions: permissions.Set{"contents": "read"}}
	bd := newBrokered(t, api, b.URL, req, "CI_TOKEN", map[string]string{"CI_TOKEN": ciToken})
	tok, err := bd.m.Mint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	issued := emu.Tokens()
	if len(issued) != 1 || tok.Token.Token != issued[0].Token || tok.Installation.ID != 1001 || tok.Installation.AppSlug != githubtest.DefaultAppSlug {
		t.Fatalf("token %+v is not the broker's grant", tok.Installation)
	}
	if tok.Scope.Repositories != "octo-org/app" || tok.Scope.Permissions != "contents:read" || len(tok.Scope.Warnings) != 0 {
		t.Errorf("scope %+v", tok.Scope)
	}
	if !slices.Equal(bd.masked, []string{ciToken, tok.Token.Token}) {
		t.Errorf("masked %d values, want the OIDC token then the token", len(bd.masked))
	}
	reqs := b.Exchanger.Requests()
	if len(reqs) != 1 || reqs[0].Bearer != ciToken || reqs[0].Scope != "octo-org/app" || reqs[0].Identity != "ci" || reqs[0].Permissions["contents"] != "read" {
		t.Errorf("broker saw %v", reqs)
	}
	// The App's own calls are refused: the job holds no key.
	if _, err := bd.m.Client().ListInstallations(ctx(t)); err == nil || !strings.Contains(err.Error(), "holds no App key") {
		t.Errorf("a call as the App: %v", err)
	}
}

func TestBrokerMintsWithTheRunnersToken(t *testing.T) {
	t.Parallel()
	_, api := emulator(t)
	b := apptest.StartBroker(t, api, appPEM)
	bd := newBrokered(t, api, b.URL, config.Request{Owner: "octo-org"}, "", map[string]string{
		"ACTIONS_ID_TOKEN_REQUEST_URL": b.IDTokensURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": b.IDTokens.RequestToken})
	if _, err := bd.m.Mint(ctx(t)); err != nil {
		t.Fatal(err)
	}
	asked, issued := b.IDTokens.Requests(), b.IDTokens.Issued()
	if len(asked) != 1 || asked[0].Audience != "broker.example" || len(issued) != 1 || !slices.Contains(bd.masked, issued[0]) {
		t.Errorf("runner asked %+v; its token masked: %t", asked, len(issued) == 1 && slices.Contains(bd.masked, issued[0]))
	}
}

func TestBrokerWiderGrantIsRevoked(t *testing.T) {
	t.Parallel()
	for name, widen := range map[string]config.Request{
		"a repository": {Owner: "octo-org", Repositories: []string{"app", "infra"}, Permissions: permissions.Set{"contents": "read"}},
		"a permission": {Owner: "octo-org", Repositories: []string{"app"}, Permissions: permissions.Set{"contents": "write"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			emu, api := emulator(t)
			b := apptest.StartBroker(t, api, appPEM)
			b.Exchanger.Widen = &widen
			req := config.Request{Owner: "octo-org", Repositories: []string{"app"}, Permissions: permissions.Set{"contents": "read"}}
			bd := newBrokered(t, api, b.URL, req, "CI_TOKEN", map[string]string{"CI_TOKEN": ciToken})
			_, err := bd.m.Mint(ctx(t))
			if err == nil || !strings.Contains(err.Error(), "beyond what was asked") || !strings.Contains(err.Error(), "revoked at once") {
				t.Fatalf("error %v", err)
			}
			if toks := emu.Tokens(); len(toks) != 1 || !toks[0].Revoked {
				t.Error("the wider token was not revoked")
			}
		})
	}
}

func TestBrokerTokenVariable(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		"":             "the variable CI_TOKEN named by --oidc-token-env is empty",
		"not-a-jwt":    "does not hold an OIDC token",
		ciToken + " x": "does not hold an OIDC token",
	} {
		bd := newBrokered(t, "http://127.0.0.1:9", "http://127.0.0.1:9", config.Request{Owner: "octo-org"}, "CI_TOKEN", map[string]string{"CI_TOKEN": value})
		if _, err := bd.m.Mint(ctx(t)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", value, err, want)
		}
		if len(bd.masked) != 0 {
			t.Errorf("%q: masked %q", value, bd.masked)
		}
	}
}

// answering is a broker that answers body to every exchange.
func answering(t *testing.T, body string) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	t.Cleanup(s.Close)
	return s.URL
}

const aToken = "ghs_0123456789abcdefghijABCDEFGHIJ012345"

// octo-sts answers only the token: taken, with a warning that what it
// reaches could not be checked, expiring within the hour.
func TestBrokerOctoSTSAnswer(t *testing.T) {
	t.Parallel()
	bd := newBrokered(t, "http://127.0.0.1:9", answering(t, `{"token":"`+aToken+`"}`), config.Request{Owner: "octo-org", Repositories: []string{"app"}}, "CI_TOKEN", map[string]string{"CI_TOKEN": ciToken})
	before := time.Now()
	tok, err := bd.m.Mint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token.Token != aToken || len(tok.Scope.Warnings) != 1 || !strings.Contains(tok.Scope.Warnings[0].Error(), "could not be checked") {
		t.Errorf("token %+v", tok.Scope)
	}
	if exp := tok.ExpiresAt; exp.Before(before.Add(mint.TokenLifetime)) || exp.After(time.Now().Add(mint.TokenLifetime)) {
		t.Errorf("expires at %v, want an hour from now", exp)
	}
}

// A broker may name repositories without their owner: they are the
// owner's, and one not asked for is wider.
func TestBrokerBareRepositoryNames(t *testing.T) {
	t.Parallel()
	answer := func(repo string) string {
		return `{"token":"` + aToken + `","expires_at":"2030-01-01T00:00:00Z","installation_id":1001,"app_slug":"bot","permissions":{"contents":"read"},"repositories":["` + repo + `"],"repository_selection":"selected"}`
	}
	req := config.Request{Owner: "octo-org", Repositories: []string{"app"}}
	bd := newBrokered(t, "http://127.0.0.1:9", answering(t, answer("app")), req, "CI_TOKEN", map[string]string{"CI_TOKEN": ciToken})
	tok, err := bd.m.Mint(ctx(t))
	if err != nil || !slices.Equal(tok.Scope.RepositoryNames, []string{"octo-org/app"}) {
		t.Fatalf("token %v, error %v", tok, err)
	}
	bd = newBrokered(t, "http://127.0.0.1:9", answering(t, answer("infra")), req, "CI_TOKEN", map[string]string{"CI_TOKEN": ciToken})
	if _, err := bd.m.Mint(ctx(t)); err == nil || !strings.Contains(err.Error(), "repository octo-org/infra, beyond what was asked") {
		t.Errorf("error %v", err)
	}
}

// An answer whose token is not an installation token is refused before
// anything masks or prints it.
func TestBrokerAnswerWithoutAToken(t *testing.T) {
	t.Parallel()
	bd := newBrokered(t, "http://127.0.0.1:9", answering(t, `{"token":"::set-output name=x::y"}`), config.Request{Owner: "octo-org"}, "CI_TOKEN", map[string]string{"CI_TOKEN": ciToken})
	if _, err := bd.m.Mint(ctx(t)); err == nil || !strings.Contains(err.Error(), "holds no installation token") {
		t.Fatalf("error %v", err)
	}
	if len(bd.masked) != 1 {
		t.Errorf("masked %q, want the OIDC token only", bd.masked)
	}
}

func TestBrokerDispatch(t *testing.T) {
	t.Parallel()
	emu, api := emulator(t)
	b := apptest.StartBroker(t, api, appPEM)
	bd := newBrokered(t, api, b.URL, config.Request{}, "CI_TOKEN", map[string]string{"CI_TOKEN": ciToken})
	sent, err := bd.m.Dispatch(ctx(t), mint.Event{Owner: "octo-org", Repo: "docs", EventType: "rebuild"}, nil)
	if err != nil || sent.Revoke != nil {
		t.Fatalf("dispatch: %v, revoke: %v", err, sent)
	}
	if len(emu.Dispatches()) != 1 || len(emu.Tokens()) != 1 || !emu.Tokens()[0].Revoked {
		t.Error("the event was not sent with the broker's token, revoked after")
	}
	if reqs := b.Exchanger.Requests(); len(reqs) != 1 || reqs[0].Scope != "octo-org/docs" || reqs[0].Permissions["contents"] != "write" {
		t.Errorf("broker saw %v", reqs)
	}
}

// A broker behind a private CA is trusted through ca-certificates, as
// GitHub Enterprise Server is: one transport for both.
func TestBrokerBehindAPrivateCA(t *testing.T) {
	t.Parallel()
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"token":"`+aToken+`"}`)
	}))
	t.Cleanup(s.Close)
	b, _ := url.Parse(s.URL + "/")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	for name, roots := range map[string][]byte{"trusted": ca, "not trusted": nil} {
		cfg := &config.Config{
			App:     config.App{APIURL: b, CACertificates: roots, Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}},
			Request: config.Request{Owner: "octo-org"},
			Broker:  config.Broker{URL: b, Identity: "ci", TokenEnv: "CI_TOKEN"},
		}
		m, err := mint.New(context.Background(), cfg, mint.Options{Env: env.Env{Getenv: func(string) string { return ciToken }}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Mint(ctx(t))
		if (err == nil) != (roots != nil) {
			t.Errorf("%s: error %v", name, err)
		}
	}
}
