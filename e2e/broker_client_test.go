package e2e_test

// Every door asks the broker, through the built binaries: the action's
// main and post phases (container entry and native node entry) and the
// command line's token, dispatch and revoke, against the project's own
// `app-token serve` holding the App's key, with no App credential in the
// job; and a request shaped as octo-sts's action sends it.

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// jobAsksBroker makes bw's step a job that holds no App credential and
// asks the broker, its OIDC token from an emulated runner endpoint signed
// by the broker's trusted issuer.
func (bw *brokerWorld) jobAsksBroker(t *testing.T) *githubtest.IDTokens {
	ids := githubtest.NewIDTokens("repo:octo-org/app:ref:refs/heads/main")
	ids.Issuer, ids.Repository = bw.iss, "octo-org/app"
	srv := httptest.NewServer(ids)
	t.Cleanup(srv.Close)
	bw.w.With("client-id", "", "private-key", "", "broker-url", bw.b.URL, "broker-identity", "deploy", "broker-audience", brokerAudience)
	bw.w.Step.Env["ACTIONS_ID_TOKEN_REQUEST_URL"] = srv.URL + "/_apis/distributedtask/token?api-version=2.0"
	bw.w.Step.Env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = ids.RequestToken
	bw.w.WatchIDTokens(ids)
	return ids
}

// grantIsThePolicys checks the one token GitHub granted a caller: the
// policy's two permissions on octo-org/app.
func (bw *brokerWorld) grantIsThePolicys(t *testing.T) githubtest.IssuedToken {
	t.Helper()
	g := bw.granted()
	if len(g) != 1 {
		t.Fatalf("GitHub granted %d tokens to callers, want 1", len(g))
	}
	if strings.Join(g[0].Repositories, ",") != "app" || len(g[0].Permissions) != 2 || g[0].Permissions["contents"] != "write" || g[0].Permissions["pull_requests"] != "write" {
		t.Errorf("GitHub recorded %v with %v, want the policy's grant", g[0].Repositories, g[0].Permissions)
	}
	return g[0]
}

func TestActionThroughServe(t *testing.T) {
	t.Parallel()
	for name, entry := range map[string]func(*apptest.World) *apptest.World{"container": func(w *apptest.World) *apptest.World { return w }, "native": native} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bw := newBrokerWorld(t)
			ids := bw.jobAsksBroker(t)
			entry(bw.w)
			res := bw.w.Main()
			apptest.Succeeded(t, res)
			tok := bw.grantIsThePolicys(t)
			if res.Outputs["token"] != tok.Token || res.Outputs["installation-id"] != "1001" || res.Outputs["app-slug"] != githubtest.DefaultAppSlug {
				t.Errorf("outputs %v are not the broker's grant", keys(res.Outputs))
			}
			issued := ids.Issued()
			if len(issued) != 1 || !slices.Contains(res.Masks, issued[0]) || !slices.Contains(res.Masks, tok.Token) {
				t.Errorf("the OIDC token (%d issued) or the token was not masked whole", len(issued))
			}
			if r := ids.Requests(); len(r) != 1 || r[0].Audience != brokerAudience {
				t.Errorf("the runner was asked %+v, want one token for %s", r, brokerAudience)
			}
			// The native entry starts main only here: post is the same binary.
			bw.w.Step.Binary = apptest.Binary
			post := bw.w.Post(res.State)
			apptest.Succeeded(t, post)
			if !bw.grantIsThePolicys(t).Revoked {
				t.Error("post did not revoke the broker's token")
			}
			if lines := bw.b.waitAudit(1); len(lines) != 1 || lines[0]["decision"] != "allowed" {
				t.Errorf("audit lines %v, want one allowed exchange", lines)
			}
		})
	}
}

// A policy that does not let the job have what it asks: the broker's
// message in one line, nothing in the outputs.
func TestActionThroughServeRefused(t *testing.T) {
	t.Parallel()
	bw := newBrokerWorld(t)
	bw.jobAsksBroker(t)
	bw.w.With("permission-issues", "write")
	res := bw.w.Main()
	apptest.FailedWith(t, res, "input broker-url: the broker refused the exchange (HTTP 403)", "issues")
	if len(res.Outputs) != 0 || len(res.State) != 0 || len(bw.granted()) != 0 {
		t.Errorf("a refusal wrote outputs %v, state %v, or GitHub granted a token", keys(res.Outputs), keys(res.State))
	}
}

// The command line with another CI's OIDC token in a variable (GitLab's
// id_tokens), sent as given: token, then revoke; and dispatch.
func TestCLIThroughServe(t *testing.T) {
	t.Parallel()
	bw := newBrokerWorld(t)
	oidc := bw.oidc("octo-org/app")
	bw.w.Secrets = append(bw.w.Secrets, oidc[strings.LastIndex(oidc, ".")+1:])
	env := []string{"APP_TOKEN_CLIENT_ID", "APP_TOKEN_PRIVATE_KEY", "CI_ID_TOKEN=" + oidc,
		"APP_TOKEN_BROKER_URL=" + bw.b.URL, "APP_TOKEN_BROKER_IDENTITY=deploy"}
	code, stdout, stderr := bw.w.CLI("", env, "token", "--oidc-token-env", "CI_ID_TOKEN", "--repositories", "octo-org/app")
	if code != 0 {
		t.Fatalf("token: exit %d, stderr %q", code, stderr)
	}
	tok := bw.grantIsThePolicys(t)
	if strings.TrimSpace(stdout) != tok.Token {
		t.Fatal("stdout is not the granted token")
	}
	if code, _, stderr = bw.w.CLI(stdout, nil, "revoke"); code != 0 || !bw.grantIsThePolicys(t).Revoked {
		t.Fatalf("revoke: exit %d, stderr %q", code, stderr)
	}

	code, _, stderr = bw.w.CLI("", env, "dispatch", "--oidc-token-env", "CI_ID_TOKEN", "--repository", "octo-org/app", "--event-type", "deploy")
	if code != 0 || len(bw.w.Emu.Dispatches()) != 1 {
		t.Fatalf("dispatch: exit %d, %d events, stderr %q", code, len(bw.w.Emu.Dispatches()), stderr)
	}
	g := bw.granted()
	if len(g) != 2 || !g[1].Revoked || len(g[1].Permissions) != 1 || g[1].Permissions["contents"] != "write" {
		t.Errorf("dispatch's token: %+v, want contents: write only, revoked", g[len(g)-1].Permissions)
	}
}

// octo-sts's action asks GET /sts/exchange?scope=&identity= (its newest
// also sends scopes=) with the job's token as the bearer, and reads
// `token` from the JSON answer.
func TestOctoSTSShapedRequestGetsAToken(t *testing.T) {
	t.Parallel()
	bw := newBrokerWorld(t)
	a := bw.b.do(http.MethodGet, "/sts/exchange?scope=octo-org%2Fapp&scopes=octo-org%2Fapp&identity=deploy", bearer(bw.oidc("octo-org/app")), nil)
	if a.Status != http.StatusOK || !strings.Contains(a.Body, `"token":"ghs_`) {
		t.Fatalf("status %d, message %q", a.Status, a.message())
	}
	bw.grantIsThePolicys(t)
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A job without `permissions: id-token: write` has no OIDC variables: the
// step says to add it, and the broker is never asked.
func TestActionThroughServeWithoutIDTokenPermission(t *testing.T) {
	t.Parallel()
	bw := newBrokerWorld(t)
	bw.jobAsksBroker(t)
	delete(bw.w.Step.Env, "ACTIONS_ID_TOKEN_REQUEST_URL")
	delete(bw.w.Step.Env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	res := bw.w.Main()
	apptest.FailedWith(t, res, "input broker-url", "give the job `permissions: id-token: write`")
	if len(res.Outputs) != 0 || len(bw.b.auditLines()) != 0 {
		t.Errorf("outputs %v, or the broker was asked", keys(res.Outputs))
	}
}
