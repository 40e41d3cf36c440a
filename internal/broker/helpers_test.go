package broker_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/githubtest/contract"
	"github.com/app-token/app-token/internal/idtoken"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/serve"
	"github.com/app-token/app-token/internal/setting"
)

// appKey and appPEM are the App's key for the whole test binary (2048-bit
// keys take a while to make).
var (
	appKey *rsa.PrivateKey
	appPEM string
)

// Every request the exchange sends the emulator is held to GitHub's
// published API description.
func TestMain(m *testing.M) {
	var err error
	if appKey, appPEM, err = githubtest.NewAppKey(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	os.Exit(contract.Main(m))
}

// The broker is what the HTTP door asks.
var _ serve.Exchanger = (*broker.Broker)(nil)

// audience is the broker's --audience.
const audience = "https://broker.example"

// The policies the tests read; ISSUER becomes the test issuer's URL.
const (
	repoPolicy = `issuer: ISSUER
subject: repo:octo-org/app:ref:refs/heads/main
permissions:
  contents: write
  pull_requests: write
`
	ownerPolicy = `issuer: ISSUER
subject_pattern: repo:octo-org/app:ref:refs/heads/.*
claim_pattern:
  ref: refs/heads/main
permissions:
  contents: read
repositories:
  - app
  - infra
`
	deployPath  = "octo-org/app/.github/chainguard/deploy.sts.yaml"
	releasePath = "octo-org/.github/.github/chainguard/release.sts.yaml"
)

// world is one broker over an emulated GitHub and a test OIDC issuer.
type world struct {
	t   testing.TB
	emu *githubtest.Server
	iss *githubtest.Issuer
	b   *broker.Broker
	// config is what b was made with.
	config broker.Config
	clock  *clock
	obs    *observer
	// verified counts the tokens handed to the verifier.
	verified atomic.Int64
}

// counting is the world's verifier, counting what it is asked.
type counting struct {
	w *world
	v broker.Verifier
}

func (c counting) Verify(ctx context.Context, raw string) (*idtoken.Token, error) {
	c.w.verified.Add(1)
	return c.v.Verify(ctx, raw)
}

// clock is the broker's clock, which a test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// observer counts the caches' hits and misses.
type observer struct {
	mu     sync.Mutex
	counts map[string]int
}

func (o *observer) CacheLookup(c broker.Cache, hit bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.counts[fmt.Sprintf("%s %t", c, hit)]++
}

func (o *observer) count(c broker.Cache, hit bool) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[fmt.Sprintf("%s %t", c, hit)]
}

// newWorld starts the emulator with files (ISSUER in them replaced by the
// issuer's URL; the owner's .github repository reachable by octo-org's
// installation) and a broker over it.
func newWorld(tb testing.TB, files map[string]string, tune ...func(*broker.Config)) *world {
	tb.Helper()
	iss := githubtest.StartIssuer(tb, githubtest.IssuerConfig{})
	ecfg := githubtest.DefaultConfig(&appKey.PublicKey)
	ecfg.Installations[0].Repositories = append(ecfg.Installations[0].Repositories, ".github")
	ecfg.Files = map[string]string{}
	for path, text := range files {
		ecfg.Files[path] = strings.ReplaceAll(text, "ISSUER", iss.URL())
	}
	emu, srv := githubtest.Start(tb, ecfg)
	api, _ := url.Parse(srv.URL + "/")
	ctx := context.Background()
	app, err := mint.NewApp(ctx, config.App{
		Issuer: githubtest.DefaultClientID, IssuerSetting: setting.ClientID, PrivateKey: appPEM, APIURL: api,
		Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second},
	}, mint.Options{Env: env.Env{Base: http.DefaultTransport, Now: time.Now}})
	if err != nil {
		tb.Fatal(err)
	}
	v, err := idtoken.New(idtoken.Config{Audience: audience, Issuers: []string{iss.URL()}})
	if err != nil {
		tb.Fatal(err)
	}
	w := &world{t: tb, emu: emu, iss: iss, clock: &clock{t: time.Now()}, obs: &observer{counts: map[string]int{}}}
	cfg := broker.Config{App: app, Verifier: counting{w, v}, Audience: audience, Observer: w.obs, Now: w.clock.now}
	for _, f := range tune {
		f(&cfg)
	}
	w.config = cfg
	if w.b, err = broker.New(cfg); err != nil {
		tb.Fatal(err)
	}
	return w
}

// token is a GitHub Actions job's OIDC token for octo-org/app's main
// branch, for the broker's audience, changed by edit.
func (w *world) token(edit func(githubtest.Claims) githubtest.Claims, opts ...githubtest.TokenOption) string {
	c := w.iss.GitHubActions("octo-org/app").With("aud", audience)
	if edit != nil {
		c = edit(c)
	}
	return w.iss.Mint(c, opts...)
}

// exchange asks the broker with bearer.
func (w *world) exchange(bearer, scope, identity string, narrow ...func(*broker.Request)) (*broker.Grant, error) {
	req := broker.Request{Bearer: bearer, Scope: scope, Identity: identity}
	for _, f := range narrow {
		f(&req)
	}
	return w.b.Exchange(context.Background(), req)
}

// refusal is err as a refusal, failing the test when it is not one of
// kind and rule, or when its message shows the bearer.
func (w *world) refusal(err error, bearer string, kind broker.Kind, rule string) *broker.Error {
	w.t.Helper()
	var e *broker.Error
	if !errors.As(err, &e) {
		w.t.Fatalf("got %v (%T), want a refusal %s %s", err, err, kind, rule)
	}
	if e.Kind != kind || e.Rule != rule {
		w.t.Errorf("refused %s %q (%s), want %s %q", e.Kind, e.Rule, e.Message, kind, rule)
	}
	if e.Message == "" || strings.Contains(e.Message, "\n") {
		w.t.Errorf("message %q is not one line", e.Message)
	}
	if bearer != "" && (strings.Contains(e.Message, bearer) || strings.Contains(e.Message, bearer[len(bearer)-20:])) {
		w.t.Errorf("message %q shows the bearer", e.Message)
	}
	return e
}

// minted is every token the emulator minted other than those a policy
// was read with (contents: read on one repository, revoked).
func (w *world) minted() []githubtest.IssuedToken {
	var out []githubtest.IssuedToken
	read := map[string]bool{}
	for _, r := range w.emu.ContentReads() {
		read[r.Token] = true
	}
	for _, t := range w.emu.Tokens() {
		if !read[t.Token] {
			out = append(out, t)
		}
	}
	return out
}

// calls counts the emulator's requests by "METHOD PATH".
func (w *world) calls() map[string]int {
	out := map[string]int{}
	for _, r := range w.emu.Requests() {
		out[r.Method+" "+r.Path]++
	}
	return out
}

// leaveWhen asks the broker for deploy on octo-org/app and leaves (its
// context cancelled) once the emulator has received one more method path
// request than before, so the exchange is waiting on that very call
// whatever the machine's load; it fails the test unless the exchange ends
// with the context's error rather than a refusal.
func (w *world) leaveWhen(method, path string) {
	w.t.Helper()
	before := w.emu.Count(method, path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := w.b.Exchange(ctx, broker.Request{Bearer: w.token(nil), Scope: "octo-org/app", Identity: "deploy"})
		done <- err
	}()
	for i := 0; w.emu.Count(method, path) == before; i++ {
		if i == 1000 { // 10 s
			w.t.Fatalf("the exchange never sent %s %s", method, path)
		}
		select {
		case err := <-done:
			w.t.Fatalf("the exchange ended (%v) before it sent %s %s", err, method, path)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	err := <-done
	var e *broker.Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &e) {
		w.t.Fatalf("got %v, want the context's error", err)
	}
}
