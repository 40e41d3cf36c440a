package cli

// token, dispatch and revoke through a broker: no App credential on this
// machine, the OIDC token from the variable --oidc-token-env names (sent
// as given) or, inside GitHub Actions, asked of the runner.

import (
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/runnertest"
	"github.com/app-token/app-token/internal/setting"
)

// gitlabToken stands for a GitLab CI id_token: the test broker does not
// verify it, serve and internal/broker do.
const gitlabToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImdsIn0.eyJpc3MiOiJodHRwczovL2dpdGxhYi5leGFtcGxlLmNvbSJ9.Z2l0bGFiLXNpZ25hdHVyZS1vZi10aGUtam9i"

// brokerWorld is newWorld with no App credential and a broker.
func brokerWorld(t *testing.T) (*world, *apptest.Broker) {
	w := newWorld(t)
	b := apptest.StartBroker(t, w.url, appPEM)
	delete(w.env, setting.ClientID.Spec().Env)
	delete(w.env, setting.PrivateKey.Spec().Env)
	w.env["CI_JOB_JWT"] = gitlabToken
	return w, b
}

// noOIDCLeak fails the test if an OIDC token shows in r.
func noOIDCLeak(t *testing.T, r result, b *apptest.Broker) {
	t.Helper()
	s := runnertest.NewSecrets(runnertest.JWTSignature(gitlabToken), b.IDTokens.RequestToken)
	for _, tok := range b.IDTokens.Issued() {
		s.Add(runnertest.JWTSignature(tok))
	}
	if p := s.In(r.stdout + r.stderr); p != "" {
		t.Errorf("an OIDC token leaked (%q): stdout %q stderr %q", p, r.stdout, r.stderr)
	}
}

func TestTokenThroughBrokerFromAVariableAndRevoke(t *testing.T) {
	t.Parallel()
	w, b := brokerWorld(t)
	r := w.run("", "token", "--broker-url", b.URL, "--broker-identity", "ci", "--oidc-token-env", "CI_JOB_JWT",
		"--repositories", "octo-org/app", "--permissions", "contents: read").ok(t)
	noOIDCLeak(t, r, b)
	toks := w.emu.Tokens()
	if len(toks) != 1 || strings.TrimSpace(r.stdout) != toks[0].Token {
		t.Fatalf("stdout is not the one token the broker minted")
	}
	if got := strings.Join(toks[0].Repositories, ","); got != "app" || toks[0].Permissions["contents"] != "read" || len(toks[0].Permissions) != 1 {
		t.Errorf("GitHub recorded %v with %v, want app with contents:read", toks[0].Repositories, toks[0].Permissions)
	}
	reqs := b.Exchanger.Requests()
	if len(reqs) != 1 || reqs[0].Bearer != gitlabToken || reqs[0].Scope != "octo-org/app" || len(b.IDTokens.Requests()) != 0 {
		t.Fatalf("broker saw %v, runner %d requests; want the variable's token as given for octo-org/app", reqs, len(b.IDTokens.Requests()))
	}
	if len(w.emu.JWTs()) != 1 { // the test broker's own
		t.Errorf("GitHub was sent %d App JWTs, want only the broker's one", len(w.emu.JWTs()))
	}
	w.run(r.stdout, "revoke").ok(t)
	if !w.emu.Tokens()[0].Revoked {
		t.Error("revoke did not revoke the broker's token")
	}
}

// Inside GitHub Actions without --oidc-token-env, the runner is asked for
// the broker URL's host; the environment gives the broker's settings.
func TestTokenThroughBrokerAsksTheRunner(t *testing.T) {
	t.Parallel()
	w, b := brokerWorld(t)
	w.env[setting.BrokerURL.Spec().Env] = b.URL
	w.env[setting.BrokerIdentity.Spec().Env] = "ci"
	w.env["ACTIONS_ID_TOKEN_REQUEST_URL"] = b.IDTokensURL
	w.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = b.IDTokens.RequestToken
	r := w.run("", "token", "--owner", "octo-org").ok(t)
	noOIDCLeak(t, r, b)
	reqs, asked := b.Exchanger.Requests(), b.IDTokens.Requests()
	if len(asked) != 1 || asked[0].Audience != "127.0.0.1" || len(reqs) != 1 || reqs[0].Bearer != b.IDTokens.Issued()[0] || reqs[0].Scope != "octo-org" {
		t.Fatalf("runner asked %+v, broker saw %v", asked, reqs)
	}
}

func TestDispatchThroughBroker(t *testing.T) {
	t.Parallel()
	w, b := brokerWorld(t)
	r := w.run("", "dispatch", "--broker-url", b.URL, "--broker-identity", "ci", "--oidc-token-env", "CI_JOB_JWT",
		"--repository", "octo-org/docs", "--event-type", "rebuild").ok(t)
	noOIDCLeak(t, r, b)
	if d := w.emu.Dispatches(); len(d) != 1 {
		t.Fatalf("%d events dispatched, want 1", len(d))
	}
	reqs := b.Exchanger.Requests()
	if len(reqs) != 1 || reqs[0].Scope != "octo-org/docs" || reqs[0].Permissions["contents"] != "write" || len(reqs[0].Permissions) != 1 {
		t.Errorf("broker saw %v, want octo-org/docs narrowed to contents: write", reqs)
	}
	if toks := w.emu.Tokens(); len(toks) != 1 || !toks[0].Revoked {
		t.Error("dispatch did not revoke the broker's token")
	}
}

func TestBrokerMisuseIsRefusedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	w, b := brokerWorld(t)
	w.env["KEY"] = appPEM
	w.run("", "token", "--owner", "octo-org", "--broker-url", b.URL, "--broker-identity", "ci", "--private-key-env", "KEY").
		failed(t, ExitUsage, "--broker-url and --private-key-env are set together")
	w.run("", "token", "--owner", "octo-org", "--broker-url", b.URL, "--broker-identity", "ci", "--client-id", "Iv23liABCDEF").
		failed(t, ExitUsage, "--broker-url and --client-id are set together")
	w.run("", "token", "--owner", "octo-org", "--oidc-token-env", "CI_JOB_JWT").
		failed(t, ExitUsage, "--oidc-token-env is set but --broker-url is not")
	w.run("", "token", "--owner", "octo-org", "--broker-url", b.URL, "--broker-identity", "ci", "--oidc-token-env", "NOPE").
		failed(t, ExitUsage, `--oidc-token-env: environment variable "NOPE" is not set`)
	w.run("", "token", "--owner", "octo-org", "--broker-url", b.URL, "--broker-identity", "ci").
		failed(t, ExitFailed, "permissions: id-token: write", "elsewhere, pass the variable holding your CI's OIDC token as --oidc-token-env NAME")
	w.env[setting.PrivateKey.Spec().Env] = appPEM
	w.run("", "token", "--owner", "octo-org", "--broker-url", b.URL, "--broker-identity", "ci", "--oidc-token-env", "CI_JOB_JWT").
		failed(t, ExitUsage, "--broker-url and the private key ($APP_TOKEN_PRIVATE_KEY) are set together")
	delete(w.env, setting.PrivateKey.Spec().Env)
	w.env[setting.KMSKey.Spec().Env] = "awskms:///alias/app"
	w.run("", "token", "--owner", "octo-org", "--broker-url", b.URL, "--broker-identity", "ci", "--oidc-token-env", "CI_JOB_JWT").
		failed(t, ExitUsage, "--broker-url and $APP_TOKEN_KMS_KEY are set together")
	if len(b.Exchanger.Requests()) != 0 || len(b.IDTokens.Requests()) != 0 {
		t.Error("a misuse reached the broker or the runner")
	}
}

func TestBrokerRefusalOnTheCommandLine(t *testing.T) {
	t.Parallel()
	w, b := brokerWorld(t)
	b.Exchanger.Refuse = &broker.Error{Kind: broker.NoPolicy, Rule: "policy_missing", Message: "no policy .github/chainguard/ci.sts.yaml in octo-org/app\x1b[2J"}
	r := w.run("", "token", "--broker-url", b.URL, "--broker-identity", "ci", "--oidc-token-env", "CI_JOB_JWT", "--repositories", "octo-org/app")
	r.failed(t, ExitFailed, "--broker-url: the broker refused the exchange (HTTP 404): no policy .github/chainguard/ci.sts.yaml in octo-org/app")
	if strings.Contains(r.stderr, "\x1b") {
		t.Errorf("stderr holds an escape: %q", r.stderr)
	}
	noOIDCLeak(t, r, b)
}
