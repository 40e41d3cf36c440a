package mint_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/appkey"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/golang-jwt/jwt/v5"
)

// recorder collects what the core masks and scrubs.
type recorder struct {
	mu              sync.Mutex
	masked, scrubed []string
}

func (r *recorder) options(scrub bool) mint.Options {
	o := mint.Options{Mask: func(s string) { r.mu.Lock(); r.masked = append(r.masked, s); r.mu.Unlock() }}
	if scrub {
		o.Scrub = func(s string) { r.mu.Lock(); r.scrubed = append(r.scrubed, s); r.mu.Unlock() }
	}
	return o
}

var quickRetry = config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}

// An App JWT signed elsewhere mints like a key, and is masked before use;
// without a client ID or App ID, its iss names the App. One that is no JWT
// of this App fails before any call, as the setting's mistake.
func TestNewAppWithJWT(t *testing.T) {
	t.Parallel()
	given, err := appkey.NewJWTSigner(githubtest.DefaultClientID, &appkey.PrivateKey{RSA: appKey}, time.Now).Sign(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, issuer := range []string{githubtest.DefaultClientID, ""} {
		c := newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, nil, nil)
		cfg := config.Config{App: config.App{JWT: " " + given + "\n", Issuer: issuer, APIURL: c.url, Retry: quickRetry}, Request: config.Request{Owner: "octocat"}}
		var r recorder
		m, err := mint.New(context.Background(), &cfg, r.options(true))
		if err != nil {
			t.Fatalf("issuer %q: %v", issuer, err)
		}
		if len(r.masked) == 0 || r.masked[0] != given {
			t.Errorf("the JWT was not masked first: %d masks", len(r.masked))
		}
		if cfg.Issuer != githubtest.DefaultClientID || (issuer == "" && cfg.IssuerSetting.Input() != "jwt") {
			t.Errorf("issuer %q from %q, want the JWT's", cfg.Issuer, cfg.IssuerSetting)
		}
		if _, err := m.Mint(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := c.emu.JWTs(); len(got) == 0 || got[0] != given {
			t.Errorf("GitHub got JWTs %d, want the one given", len(got))
		}
		if jwt, err := m.SignJWT(context.Background()); jwt != given || err != nil {
			t.Errorf("SignJWT = %.20q, %v; want the JWT given", jwt, err)
		}
	}
	c := newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, nil, nil)
	cfg := config.Config{App: config.App{JWT: "not.a.jwt", Issuer: "1", APIURL: c.url, Retry: quickRetry}}
	var r recorder
	m, err := mint.New(context.Background(), &cfg, r.options(false))
	var keyErr *mint.KeyError
	if m != nil || !errors.As(err, &keyErr) || !strings.Contains(err.Error(), "jwt") || len(c.emu.Requests()) != 0 {
		t.Errorf("a bad JWT: minter %v, error %v, %d calls; want a *KeyError and none", m, err, len(c.emu.Requests()))
	}
	if !slices.Equal(r.masked, []string{"not.a.jwt"}) {
		t.Errorf("masked %q, want the bad JWT before it was checked", r.masked)
	}
}

// HideJWT masks the jwt setting as it will be read, before any setting
// is; a value too long to be a JWT is refused unread and not masked.
func TestHideJWT(t *testing.T) {
	t.Parallel()
	var r recorder
	o := r.options(false)
	o.HideJWT(" a.b.c\n")
	o.HideJWT(strings.Repeat("a", appkey.MaxJWTInput+1))
	o.HideJWT("")
	if !slices.Equal(r.masked, []string{"a.b.c"}) {
		t.Errorf("masked %q, want only the JWT, trimmed", r.masked)
	}
}

// A private key is parsed by the core: the lines it had to be decoded to
// read are masked, every form of its body scrubbed (masked when the door
// has no scrubber), and the raw text dropped; a value that is no key is
// the setting's mistake, and nothing is sent.
func TestNewAppWithPrivateKey(t *testing.T) {
	t.Parallel()
	c := newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, nil, nil)
	encoded := base64.StdEncoding.EncodeToString([]byte(appPEM)) // decoded to be read: its lines are masked
	key, err := appkey.Parse(encoded)
	if err != nil || len(key.Mask) == 0 {
		t.Fatalf("the key needs no mask (%v): the test proves nothing", err)
	}
	for _, scrub := range []bool{true, false} {
		cfg := config.Config{App: config.App{PrivateKey: encoded, Issuer: githubtest.DefaultClientID, APIURL: c.url, Retry: quickRetry}, Request: config.Request{Owner: "octocat"}}
		var r recorder
		m, err := mint.New(context.Background(), &cfg, r.options(scrub))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.PrivateKey != "" {
			t.Error("the raw key text is kept after parsing")
		}
		if !slices.Equal(r.masked[:len(key.Mask)], key.Mask) {
			t.Errorf("scrub %t: masked %d lines first, want the key's %d", scrub, len(r.masked), len(key.Mask))
		}
		scrubbed := r.scrubed
		if !scrub {
			scrubbed = r.masked[len(key.Mask):]
		}
		if !slices.Equal(scrubbed, key.Body) {
			t.Errorf("scrub %t: scrubbed %d lines, want the body's %d", scrub, len(scrubbed), len(key.Body))
		}
		if _, err := m.Mint(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"hello", ""} {
		cfg := config.Config{App: config.App{PrivateKey: bad, Issuer: "1", APIURL: c.url, Retry: quickRetry}}
		before := len(c.emu.Requests())
		_, err := mint.NewApp(context.Background(), cfg.App, mint.Options{})
		var keyErr *mint.KeyError
		if !errors.As(err, &keyErr) || !errors.Is(err, appkey.ErrInvalidKey) || keyErr.Render(0) != err.Error() || len(c.emu.Requests()) != before {
			t.Errorf("key %q: error %v; want a *KeyError matching appkey.ErrInvalidKey, nothing sent", bad, err)
		}
	}
}

// An App read without an API URL only signs: a fresh JWT each time, of the
// App, masked before it is returned.
func TestAppSignsAJWT(t *testing.T) {
	t.Parallel()
	var r recorder
	app, err := mint.NewApp(context.Background(), config.App{PrivateKey: appPEM, Issuer: githubtest.DefaultClientID, Retry: quickRetry}, r.options(false))
	if err != nil {
		t.Fatal(err)
	}
	if app.Client() != nil {
		t.Error("an App without an API URL has a client")
	}
	signed, err := app.SignJWT(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.RegisteredClaims{}
	if _, err := jwt.ParseWithClaims(signed, &claims, func(*jwt.Token) (any, error) { return &appKey.PublicKey, nil }, jwt.WithValidMethods([]string{"RS256"})); err != nil || claims.Issuer != githubtest.DefaultClientID {
		t.Errorf("SignJWT's JWT: %v, iss %q", err, claims.Issuer)
	}
	if !slices.Contains(r.masked, signed) {
		t.Error("the JWT was not masked")
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(mint.Interrupt("SIGINT"))
	if _, err := app.SignJWT(ctx); err != nil {
		t.Errorf("a local key signs whatever the context: %v", err)
	}
}

// A long-lived App serves many requests: one given the installation a
// lookup found (a broker's cache) mints with no lookup, and is still held
// to its account and to what the installation grants.
func TestAppMintsOnAKnownInstallation(t *testing.T) {
	t.Parallel()
	c := newCore(t, config.Config{Request: config.Request{Owner: "octo-org"}}, nil, nil)
	app, err := mint.NewApp(context.Background(), config.App{PrivateKey: appPEM, Issuer: githubtest.DefaultClientID, APIURL: c.url, Retry: quickRetry}, mint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first := config.Request{Owner: "octo-org", Repositories: []string{"app"}, Permissions: permissions.Set{"contents": "read"}}
	inst, err := app.Installation(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	lookups := func() int {
		return len(c.emu.Requests()) - c.emu.Count("POST", "/app/installations/1001/access_tokens")
	}
	before := lookups()
	for _, req := range []config.Request{first, {Owner: "octo-org", Repositories: []string{"infra"}, Permissions: permissions.Set{"contents": "write"}}} {
		tok, err := app.Mint(ctx, req, inst)
		if err != nil {
			t.Fatal(err)
		}
		if tok.Installation != inst || tok.Scope.Repositories != "octo-org/"+req.Repositories[0] {
			t.Errorf("token on %+v for %q", tok.Installation, tok.Scope.Repositories)
		}
	}
	if lookups() != before || len(c.emu.Tokens()) != 2 {
		t.Errorf("%d more calls than the mints, %d tokens; want none, 2", lookups()-before, len(c.emu.Tokens()))
	}
	for _, tc := range []struct {
		name string
		req  config.Request
		inst *ghclient.Installation
		want string
	}{
		{"another account", config.Request{Owner: "octocat"}, inst, "refusing to mint on another account"},
		{"a permission not granted", config.Request{Owner: "octo-org", Permissions: permissions.Set{"administration": "write"}}, inst, "cannot grant"},
	} {
		if tok, err := app.Mint(ctx, tc.req, tc.inst); tok != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: token %v, error %v; want %q", tc.name, tok, err, tc.want)
		}
	}
	if len(c.emu.Tokens()) != 2 || lookups() != before {
		t.Errorf("refused requests reached GitHub: %d tokens", len(c.emu.Tokens()))
	}
}

// Options.Tap sits under every GitHub stack: a server counts each call it
// sends there (the lookup, the mint), whatever the stack.
func TestTapSeesEveryGitHubCall(t *testing.T) {
	t.Parallel()
	c := newCore(t, config.Config{Request: config.Request{Owner: "octo-org"}}, nil, nil)
	var tapped atomic.Int64
	tap := func(base http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			tapped.Add(1)
			return base.RoundTrip(r)
		})
	}
	app, err := mint.NewApp(context.Background(), config.App{PrivateKey: appPEM, Issuer: githubtest.DefaultClientID, APIURL: c.url, Retry: quickRetry}, mint.Options{Tap: tap})
	if err != nil {
		t.Fatal(err)
	}
	req := config.Request{Owner: "octo-org", Repositories: []string{"app"}, Permissions: permissions.Set{"contents": "read"}}
	if _, err := app.Mint(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	if sent := int64(len(c.emu.Requests())); sent < 2 || tapped.Load() != sent {
		t.Errorf("the tap saw %d calls; the emulator got %d (want the same, at least the lookup and the mint)", tapped.Load(), sent)
	}
}
