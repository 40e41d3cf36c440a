package apptest

import (
	"context"
	"net"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/serve"
)

// Broker is a token broker for a World: the project's own serve door on a
// loopback port, its exchange a test one that mints from the emulator as
// the App (no policy: what the test sets is granted), and the runner's
// OIDC token endpoint. Test support only: internal/broker's exchange
// judges policies for real.
type Broker struct {
	URL string
	// IDTokens is the runner's OIDC token endpoint the step asks, at
	// IDTokensURL (ACTIONS_ID_TOKEN_REQUEST_URL's value).
	IDTokens    *githubtest.IDTokens
	IDTokensURL string
	// Exchanger is what serve asks.
	Exchanger *Exchanger
	// Audit is serve's audit lines.
	Audit *LockedBuilder
}

// Exchanger mints what each request asks, on the scope's owner, with the
// App's key; Refuse, when set, refuses instead, and Widen, when set,
// mints for Widen's request and answers as if it were the one asked for.
type Exchanger struct {
	App    *mint.App
	Refuse *broker.Error
	Widen  *config.Request

	mu       sync.Mutex
	requests []broker.Request
}

// Requests are the exchanges asked, bearers included.
func (e *Exchanger) Requests() []broker.Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]broker.Request(nil), e.requests...)
}

func (e *Exchanger) Exchange(ctx context.Context, req broker.Request) (*broker.Grant, error) {
	e.mu.Lock()
	e.requests = append(e.requests, req)
	e.mu.Unlock()
	if e.Refuse != nil {
		return nil, e.Refuse
	}
	owner, repo, _ := strings.Cut(req.Scope, "/")
	r := config.Request{Owner: owner, Repositories: req.Repositories, Permissions: req.Permissions}
	if repo != "" {
		r.Repositories = []string{repo}
	}
	if e.Widen != nil {
		r = *e.Widen
	}
	tok, err := e.App.Mint(ctx, r, nil)
	if err != nil {
		return nil, &broker.Error{Kind: broker.GitHubFailed, Rule: "mint", Message: "the test exchange could not mint"}
	}
	return &broker.Grant{
		Token: tok.Token.Token, ExpiresAt: tok.ExpiresAt, InstallationID: tok.Installation.ID,
		AppSlug: tok.Installation.AppSlug, Permissions: tok.Permissions,
		Repositories: tok.Scope.RepositoryNames, AllRepositories: tok.RepositorySelection == "all",
		Reason: "repository_policy",
	}, nil
}

// StartBroker starts a broker whose exchange mints on the GitHub at
// apiURL with the App key pem, and a runner's OIDC token endpoint, both
// on loopback ports until the test ends.
func StartBroker(t testing.TB, apiURL, pem string) *Broker {
	t.Helper()
	return StartBrokerFor(t, config.App{
		Issuer: githubtest.DefaultClientID, PrivateKey: pem, APIURL: mustURL(t, apiURL+"/"),
		Retry: config.Retry{Attempts: 2, Budget: 10 * time.Second, RequestTimeout: 10 * time.Second},
	})
}

// StartBrokerFor is StartBroker minting as app (a GitHub behind a private
// CA, say).
func StartBrokerFor(t testing.TB, app config.App) *Broker {
	t.Helper()
	a, err := mint.NewApp(context.Background(), app, mint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := &Broker{IDTokens: githubtest.NewIDTokens("repo:octo-org/app:ref:refs/heads/main"), Exchanger: &Exchanger{App: a}, Audit: &LockedBuilder{}}
	s, err := serve.New(serve.Config{Exchanger: b.Exchanger, Audit: serve.NewAudit(b.Audit), Log: &LockedBuilder{}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ctx, ln) }()
	t.Cleanup(func() { stop(); <-done })
	b.URL = "http://" + ln.Addr().String()
	ids := httptest.NewServer(b.IDTokens)
	t.Cleanup(ids.Close)
	b.IDTokensURL = ids.URL + "/_apis/distributedtask/token?api-version=2.0"
	return b
}

// UseBroker makes w's step ask a broker (StartBroker) instead of holding
// the App's key: no client-id, no private-key; broker-url and
// broker-identity; the runner's OIDC variables. The OIDC tokens issued
// join the leak check.
func (w *World) UseBroker(t testing.TB) *Broker {
	t.Helper()
	b := StartBroker(t, w.Srv.URL, AppPEM)
	w.With("client-id", "", "private-key", "", "broker-url", b.URL, "broker-identity", "ci")
	w.Step.Env["ACTIONS_ID_TOKEN_REQUEST_URL"] = b.IDTokensURL
	w.Step.Env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = b.IDTokens.RequestToken
	w.WatchIDTokens(b.IDTokens)
	return b
}

// WatchIDTokens holds the OIDC tokens ids issues, and its request token,
// to w's leak check.
func (w *World) WatchIDTokens(ids *githubtest.IDTokens) {
	w.Secrets = append(w.Secrets, ids.RequestToken)
	w.idTokens = ids
}

// LockedBuilder is a strings.Builder safe for the server's goroutines.
type LockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *LockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func mustURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
