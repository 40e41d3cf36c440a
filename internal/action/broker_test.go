package action_test

// The action through a broker: no App credential in the job, the job's
// OIDC token asked of the runner for the broker's audience and masked
// whole before use, the grant held to the request, refusals quoted safely
// with nothing written to outputs. Against the project's serve door, in
// process, its exchange minting from the emulator (apptest.UseBroker).

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/app-token/app-token/internal/action"
	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/sethvargo/go-githubactions"
)

func TestBrokerMintsWithNoAppCredentialAndPostRevokes(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	b := w.UseBroker(t)
	w.With("permission-contents", "read")
	sent := &jwtSpotter{base: ghtransport.NewBase(nil), api: w.Srv.URL}
	res := w.InProcess(action.Main, action.Deps{Env: env.Env{Base: sent}}, nil)
	apptest.Succeeded(t, res)
	if sent.jwts.Load() != 0 {
		t.Errorf("the step sent GitHub %d App JWTs; with a broker it holds none", sent.jwts.Load())
	}

	tok := w.OnlyToken()
	if res.Outputs["token"] != tok.Token {
		t.Fatalf("token output is not the token the broker minted")
	}
	if got := strings.Join(tok.Repositories, ","); got != "app" || tok.Permissions["contents"] != "read" || len(tok.Permissions) != 1 {
		t.Errorf("GitHub recorded a grant on %v with %v, want app with contents:read", tok.Repositories, tok.Permissions)
	}
	if res.Outputs["app-slug"] == "" || res.Outputs["installation-id"] != "1001" || res.Outputs["git-user-name"] == "" {
		t.Errorf("outputs %v lack what the broker's answer gives", res.Outputs)
	}
	reqs := b.Exchanger.Requests()
	issued := b.IDTokens.Issued()
	if len(reqs) != 1 || len(issued) != 1 || reqs[0].Bearer != issued[0] || reqs[0].Scope != "octo-org/app" || reqs[0].Identity != "ci" {
		t.Fatalf("broker saw %v (bearer is the runner's token: %t), want one exchange for octo-org/app as ci", reqs, len(reqs) == 1 && len(issued) == 1 && reqs[0].Bearer == issued[0])
	}
	if r := b.IDTokens.Requests(); len(r) != 1 || r[0].Audience != "127.0.0.1" || !r[0].Authorized {
		t.Errorf("runner was asked %+v, want one authorized request for the broker URL's host", r)
	}
	// The OIDC token is masked whole, on one line, before the broker sees it.
	if !slices.Contains(res.Masks, issued[0]) {
		t.Errorf("the job's OIDC token was never masked whole; masks: %d", len(res.Masks))
	}

	post := w.InProcess(action.Post, action.Deps{}, res.State)
	apptest.Succeeded(t, post)
	if !w.OnlyToken().Revoked {
		t.Error("post did not revoke the broker's token")
	}
}

// The scope rules: several repositories ask the owner's policy, narrowed.
// jwtSpotter counts the step's requests to GitHub's API that carry a JWT.
type jwtSpotter struct {
	base http.RoundTripper
	api  string
	jwts atomic.Int32
}

func (s *jwtSpotter) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.String(), s.api) && strings.HasPrefix(r.Header.Get("Authorization"), "Bearer eyJ") {
		s.jwts.Add(1)
	}
	return s.base.RoundTrip(r)
}

func TestBrokerScopeOfSeveralRepositoriesIsTheOwnersNarrowed(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	b := w.UseBroker(t)
	w.With("repositories", "app,infra")
	apptest.Succeeded(t, w.InProcess(action.Main, action.Deps{}, nil))
	reqs := b.Exchanger.Requests()
	if len(reqs) != 1 || reqs[0].Scope != "octo-org" || strings.Join(reqs[0].Repositories, ",") != "app,infra" {
		t.Fatalf("broker saw %v, want scope octo-org narrowed to app,infra", reqs)
	}
}

func TestBrokerWithAKeyIsRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"private-key", "jwt", "kms-key"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t)
			b := w.UseBroker(t)
			w.With(key, map[string]string{"private-key": apptest.AppPEM, "jwt": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "kms-key": "awskms:///alias/app"}[key])
			res := w.InProcess(action.Main, action.Deps{}, nil)
			apptest.FailedWith(t, res, "broker-url and "+key+" are set together")
			if len(b.IDTokens.Requests()) != 0 || len(b.Exchanger.Requests()) != 0 || len(w.Emu.Requests()) != 0 {
				t.Errorf("a call was made before the refusal")
			}
		})
	}
}

func TestBrokerWithoutIDTokenVariablesSaysWhatToAdd(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	b := w.UseBroker(t)
	delete(w.Step.Env, "ACTIONS_ID_TOKEN_REQUEST_URL")
	delete(w.Step.Env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	res := w.InProcess(action.Main, action.Deps{}, nil)
	apptest.FailedWith(t, res, "broker-url", "permissions: id-token: write")
	if len(b.Exchanger.Requests()) != 0 || len(res.Outputs) != 0 {
		t.Errorf("the broker was asked, or outputs written, without an OIDC token")
	}
}

// A refusal is quoted on one line, its escapes and line breaks made
// harmless, and nothing reaches the outputs or the saved state.
func TestBrokerRefusalIsQuotedSafelyAndWritesNothing(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	b := w.UseBroker(t)
	b.Exchanger.Refuse = &broker.Error{Kind: broker.Denied, Rule: "subject",
		Message: "subject does not match \x1b]52;c;cHduZWQ=\x07\n::set-output name=token::x"}
	res := w.InProcess(action.Main, action.Deps{}, nil)
	apptest.FailedWith(t, res, "input broker-url: the broker refused the exchange (HTTP 403): subject does not match")
	if e := res.Errors[0]; strings.ContainsAny(e, "\x1b\x07\n") {
		t.Errorf("the refusal reached the log unquoted: %q", e)
	}
	if strings.Contains(res.Stdout, "\n::set-output") || len(res.Outputs) != 0 || len(res.State) != 0 {
		t.Errorf("a refusal wrote outputs %v, state %v, or a workflow command", res.Outputs, res.State)
	}
}

// A grant wider than asked is revoked at once and refused.
func TestBrokerWiderGrantIsRevoked(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	b := w.UseBroker(t)
	b.Exchanger.Widen = &config.Request{Owner: "octo-org", Repositories: []string{"app", "infra"}}
	res := w.InProcess(action.Main, action.Deps{}, nil)
	apptest.FailedWith(t, res, "beyond what was asked", "revoked at once")
	if !w.OnlyToken().Revoked {
		t.Error("the wider token was not revoked")
	}
	if len(res.Outputs) != 0 {
		t.Errorf("a refused grant wrote outputs %v", res.Outputs)
	}
}

func TestBrokerPlainHTTPOffLoopbackIsRefused(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	b := w.UseBroker(t)
	w.With("broker-url", "http://broker.example.com")
	res := w.InProcess(action.Main, action.Deps{}, nil)
	apptest.FailedWith(t, res, "broker-url", "plain http")
	if len(b.IDTokens.Requests()) != 0 {
		t.Error("the OIDC token was asked for a plain-http broker")
	}
}

// brokerMarker writes a line into the phase's log as each request to the
// broker leaves, so the order of the mask and the use can be read back.
type brokerMarker struct {
	a      *githubactions.Action
	base   http.RoundTripper
	broker string
}

const sentToBroker = "test: sending the exchange to the broker"

func (m brokerMarker) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.String(), m.broker) {
		m.a.Infof("%s", sentToBroker)
	}
	return m.base.RoundTrip(r)
}

// The job's OIDC token is masked, whole on one line, before the request
// carrying it leaves.
func TestBrokerOIDCTokenIsMaskedBeforeItIsSent(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	b := w.UseBroker(t)
	res := w.InProcess(func(ctx context.Context, a *githubactions.Action, d action.Deps) error {
		d.Base = brokerMarker{a, ghtransport.NewBase(nil), b.URL}
		return action.Main(ctx, a, d)
	}, action.Deps{}, nil)
	apptest.Succeeded(t, res)
	issued := b.IDTokens.Issued()
	mask, sent := strings.Index(res.Stdout, "::add-mask::"+issued[0]+"\n"), strings.Index(res.Stdout, sentToBroker)
	if mask < 0 || sent < 0 || mask > sent {
		t.Errorf("mask line at %d, request at %d: the OIDC token must be masked whole before it is sent", mask, sent)
	}
}

// A broker's answer is outside text like GitHub's: a slug or a permission
// name carrying workflow commands reaches no output, the log or a file
// command; the step warns or refuses, and forges nothing.
func TestBrokerHostileAnswerForgesNothing(t *testing.T) {
	t.Parallel()
	for name, rewrite := range map[string]func(map[string]any){
		"slug": func(a map[string]any) { a["app_slug"] = "release-bot\n::stop-commands::INJECTED" },
		"permission": func(a map[string]any) {
			a["permissions"] = map[string]string{"contents\n::error::INJECTED": "read"}
		},
		"repository": func(a map[string]any) { a["repositories"] = []string{"app\n::error::INJECTED"} },
	} {
		t.Run(name, func(t *testing.T) {
			w := apptest.NewWorld(t)
			b := w.UseBroker(t)
			w.With("permission-contents", "read")
			target, err := url.Parse(b.URL)
			if err != nil {
				t.Fatal(err)
			}
			proxy := httputil.NewSingleHostReverseProxy(target)
			proxy.ModifyResponse = func(r *http.Response) error {
				var a map[string]any
				if err := json.NewDecoder(r.Body).Decode(&a); err != nil {
					return err
				}
				r.Body.Close()
				rewrite(a)
				body, _ := json.Marshal(a)
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
				r.Header.Del("Content-Length")
				return nil
			}
			hostile := httptest.NewServer(proxy)
			t.Cleanup(hostile.Close)
			w.With("broker-url", hostile.URL)
			res := w.InProcess(action.Main, action.Deps{}, nil)
			if n := len(b.Exchanger.Requests()); n != 1 {
				t.Fatalf("the broker behind the hostile answers saw %d exchanges, want 1", n)
			}
			if name == "slug" && (res.Outputs["token"] == "" || res.Outputs["app-slug"] != "") {
				t.Errorf("a hostile slug: token output set %t, app-slug %q; want the token and no slug", res.Outputs["token"] != "", res.Outputs["app-slug"])
			}
			apptest.CheckNoForgedCommands(t, res, w.Secrets, w.Emu.Tokens())
			if strings.Contains(res.Stdout+res.Summary+strings.Join(slices.Collect(maps.Values(res.Outputs)), "\n"), "INJECTED") {
				t.Errorf("the broker's text reached the log, the summary or an output")
			}
		})
	}
}
