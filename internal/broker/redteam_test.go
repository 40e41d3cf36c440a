package broker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/trust"
)

// A token that does not verify is refused for what is wrong with it, and
// GitHub is asked nothing: not the installation, not the policy.
func TestBadTokensAskGitHubNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy})
	stranger := githubtest.StartIssuer(t, githubtest.IssuerConfig{})
	unpublished, err := githubtest.NewIssuerKey(githubtest.RS256)
	if err != nil {
		t.Fatal(err)
	}
	es256 := w.iss.Key(githubtest.ES256).KID
	for _, tc := range []struct {
		name, bearer, rule string
	}{
		{"alg none", w.token(nil, githubtest.Unsigned()), "alg_not_allowed"},
		{"HS256 keyed with the RSA public key", w.token(nil, githubtest.AlgConfusion()), "alg_not_allowed"},
		{"kid nobody publishes", w.token(nil, githubtest.WithKey(unpublished)), "unknown_kid"},
		{"RS256 signature under the ES256 key's kid", w.token(nil, githubtest.WithKID(es256)), "bad_signature"},
		{"wrong audience", w.token(func(c githubtest.Claims) githubtest.Claims { return c.With("aud", "https://other-broker.example") }), "wrong_audience"},
		{"another audience's token replayed", w.iss.Mint(w.iss.GitHubActions("octo-org/app")), "wrong_audience"},
		{"issuer not on the allowlist", stranger.Mint(stranger.GitHubActions("octo-org/app").With("aud", audience)), "unknown_issuer"},
		{"issuer claimed, signed by another", stranger.Mint(stranger.GitHubActions("octo-org/app").With("aud", audience).With("iss", w.iss.URL())), "unknown_kid"},
		{"expired", w.token(nil, githubtest.Expired(2*time.Minute)), "expired"},
		{"not yet valid", w.token(nil, githubtest.NotYetValid(2*time.Minute)), "not_yet_valid"},
		{"over 16 KiB", w.token(nil, githubtest.Padded(17<<10)), "token_too_large"},
		{"not a JWT", "not-a-jwt-at-all-but-long-enough-to-quote", "token_malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.exchange(tc.bearer, "octo-org/app", "deploy")
			w.refusal(err, tc.bearer, broker.BadToken, tc.rule)
		})
	}
	if reqs := w.emu.Requests(); len(reqs) != 0 {
		t.Errorf("GitHub was asked %d things for bad tokens: %+v", len(reqs), reqs)
	}
}

// A malformed request is refused before its token is looked at (this
// one's would not verify): an identity that is a path never reaches
// GitHub's contents API, a bearer over 16 KiB is not parsed.
func TestMalformedRequestsAreRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy, "octo-org/app/.github/chainguard/x.sts.yaml": repoPolicy})
	bearer := w.token(nil, githubtest.Expired(time.Hour))
	for _, tc := range []struct {
		scope, identity string
		narrow          func(*broker.Request)
		rule            string
	}{
		{"octo-org/app", "../x", nil, "identity"},
		{"octo-org/app", "a/b", nil, "identity"},
		{"octo-org/app", "..", nil, "identity"},
		{"octo-org/app", "x%2f..%2fdeploy", nil, "identity"},
		{"octo-org/app", `..\deploy`, nil, "identity"},
		{"octo-org/app", "", nil, "identity"},
		{"octo-org/app/extra", "deploy", nil, "scope"},
		{"", "deploy", nil, "scope"},
		{"octo-org/app", "deploy", func(r *broker.Request) { r.Permissions = permissions.Set{"contents": "owner"} }, "permissions"},
		{"octo-org/app", "deploy", func(r *broker.Request) { r.Repositories = []string{"other-org/app"} }, "repositories"},
	} {
		narrow := []func(*broker.Request){}
		if tc.narrow != nil {
			narrow = append(narrow, tc.narrow)
		}
		_, err := w.exchange(bearer, tc.scope, tc.identity, narrow...)
		w.refusal(err, bearer, broker.BadRequest, tc.rule)
	}
	_, err := w.exchange("", "octo-org/app", "deploy")
	w.refusal(err, "", broker.BadToken, "no_bearer")
	huge := w.token(nil, githubtest.Padded(17<<10))
	_, err = w.exchange(huge, "octo-org/app", "deploy")
	w.refusal(err, huge, broker.BadToken, "token_too_large")
	if reqs, n := w.emu.Requests(), w.verified.Load(); len(reqs) != 0 || n != 0 {
		t.Errorf("for malformed requests, GitHub was asked %d things and the verifier %d", len(reqs), n)
	}
}

// A policy's rules hold the token's claims whole: a pattern matches the
// whole value, never a prefix (GHSA-mwqh-2vg8-rhj3), and a failed rule is
// named.
func TestPoliciesHoldClaimsWhole(t *testing.T) {
	t.Parallel()
	prefix := "issuer: ISSUER\nsubject_pattern: repo:octo-org/app\npermissions:\n  contents: read\n"
	claim := "issuer: ISSUER\nsubject_pattern: repo:octo-org/app:.*\nclaim_pattern:\n  ref: refs/heads/main\n  job_workflow_ref: octo-org/app/\\.github/workflows/ci\\.yml@.*\npermissions:\n  contents: read\n"
	w := newWorld(t, map[string]string{
		"octo-org/app/.github/chainguard/prefix.sts.yaml": prefix,
		"octo-org/app/.github/chainguard/claim.sts.yaml":  claim,
		deployPath: repoPolicy,
	})
	for _, tc := range []struct {
		name, identity string
		edit           func(githubtest.Claims) githubtest.Claims
		rule           string
	}{
		{"subject with more after the pattern", "prefix", func(c githubtest.Claims) githubtest.Claims {
			return c.With("sub", "repo:octo-org/appx:ref:refs/heads/main")
		}, "subject"},
		{"subject exactly the pattern's prefix and more", "prefix", nil, "subject"},
		{"claim with more after the pattern", "claim", func(c githubtest.Claims) githubtest.Claims { return c.With("ref", "refs/heads/main-evil") }, "claim:ref"},
		{"claim with more before the pattern", "claim", func(c githubtest.Claims) githubtest.Claims { return c.With("ref", "x-refs/heads/main") }, "claim:ref"},
		{"claim missing", "claim", func(c githubtest.Claims) githubtest.Claims { return c.Without("job_workflow_ref") }, "claim:job_workflow_ref"},
		{"claim a number", "claim", func(c githubtest.Claims) githubtest.Claims { return c.With("ref", 1) }, "claim:ref"},
		{"exact subject of another branch", "deploy", func(c githubtest.Claims) githubtest.Claims {
			return c.With("sub", "repo:octo-org/app:ref:refs/heads/dev")
		}, "subject"},
		{"aud a list that includes the broker's", "deploy", func(c githubtest.Claims) githubtest.Claims {
			return c.With("aud", []string{audience, "x"})
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bearer := w.token(tc.edit)
			_, err := w.exchange(bearer, "octo-org/app", tc.identity)
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("a token whose aud includes the broker's was refused: %v", err)
				}
				return
			}
			w.refusal(err, bearer, broker.Denied, tc.rule)
		})
	}
	if m := w.minted(); len(m) != 1 {
		t.Errorf("minted %d tokens, want only the one a policy allowed", len(m))
	}
}

// A policy that is not what the broker reads is refused, saying why, and
// grants nothing: unknown fields, YAML bombs, huge files, a repository's
// policy asking for another repository, an owner's policy listing another
// owner's repository.
func TestHostilePoliciesAreRefused(t *testing.T) {
	t.Parallel()
	policy := func(name string) string { return "octo-org/app/.github/chainguard/" + name + ".sts.yaml" }
	owner := func(name string) string { return "octo-org/.github/.github/chainguard/" + name + ".sts.yaml" }
	base := "issuer: ISSUER\nsubject: repo:octo-org/app:ref:refs/heads/main\npermissions:\n  contents: read\n"
	w := newWorld(t, map[string]string{
		policy("unknown"):   base + "subjects: x\n",
		policy("cased"):     strings.Replace(base, "subject:", "Subject:", 1),
		policy("bomb"):      base + githubtest.YAMLBomb(9),
		policy("huge"):      base + "# " + strings.Repeat("x", trust.MaxPolicyBytes) + "\n",
		policy("elsewhere"): base + "repositories:\n  - infra\n",
		policy("nosubject"): "issuer: ISSUER\npermissions:\n  contents: read\n",
		policy("pattern"):   "issuer: ISSUER\nsubject_pattern: a{1000}b{1000}c{1000}d{1000}\npermissions:\n  contents: read\n",
		owner("foreign"):    base + "repositories:\n  - other-org/app\n",
		owner("traversal"):  base + "repositories:\n  - ../app\n",
	})
	for _, tc := range []struct{ scope, identity, rule, says string }{
		{"octo-org/app", "unknown", "policy_invalid", "subjects"},
		{"octo-org/app", "cased", "policy_invalid", "Subject"},
		{"octo-org/app", "bomb", "policy_invalid", "alias"},
		{"octo-org/app", "huge", "policy_invalid", "bytes"},
		{"octo-org/app", "elsewhere", "policy_invalid", "repositories"},
		{"octo-org/app", "nosubject", "policy_invalid", "subject"},
		{"octo-org/app", "pattern", "policy_invalid", "subject_pattern"},
		{"octo-org", "foreign", "policy_invalid", "names an owner"},
		{"octo-org", "traversal", "policy_invalid", "repositories[0]"},
		{"octo-org/app", "absent", "policy_missing", "octo-org/app/.github/chainguard/absent.sts.yaml"},
	} {
		t.Run(tc.identity, func(t *testing.T) {
			bearer := w.token(nil)
			_, err := w.exchange(bearer, tc.scope, tc.identity)
			e := w.refusal(err, bearer, broker.NoPolicy, tc.rule)
			if !strings.Contains(e.Message, tc.says) {
				t.Errorf("message %q does not say %q", e.Message, tc.says)
			}
		})
	}
	if m := w.minted(); len(m) != 0 {
		t.Errorf("minted %+v for hostile policies", m)
	}
	for _, tok := range w.emu.Tokens() {
		if !tok.Revoked {
			t.Errorf("a token a policy was read with was left valid: %+v", tok.Permissions)
		}
	}
}

// An App not installed on the scope's owner, or not reaching the scope's
// repository, is said as such.
func TestNoInstallation(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy, "octo-org/website/.github/chainguard/deploy.sts.yaml": repoPolicy})
	bearer := w.token(nil)
	_, err := w.exchange(bearer, "stranger-org/lonely", "deploy")
	w.refusal(err, bearer, broker.NoPolicy, "not_installed")
	_, err = w.exchange(bearer, "octo-org/website", "deploy")
	w.refusal(err, bearer, broker.NoPolicy, "repository_unreachable")
	_, err = w.exchange(bearer, "frozen-org/vault", "deploy")
	w.refusal(err, bearer, broker.NoPolicy, "installation_suspended")
	// octocat's installation grants contents: read only: its policy's
	// contents: write cannot be minted, and GitHub is not asked to.
	w2 := newWorld(t, map[string]string{"octocat/blog/.github/chainguard/deploy.sts.yaml": repoPolicy})
	_, err = w2.exchange(w2.token(nil), "octocat/blog", "deploy")
	e := w2.refusal(err, "", broker.NoPolicy, "installation_permissions")
	if e.Subject != "repo:octo-org/app:ref:refs/heads/main" || e.Identity != "deploy" || e.Scope != "octocat/blog" {
		t.Errorf("the refusal's audit is %+v, want the verified token's", e.Audit)
	}
	if m := w2.minted(); len(m) != 0 {
		t.Errorf("minted %+v", m)
	}
}

// A bearer of exactly 16 KiB is not refused for its size: the verifier
// judges it.
func TestBearerAtTheSizeLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	bearer := strings.Repeat("a", 16<<10)
	_, err := w.exchange(bearer, "octo-org/app", "deploy")
	if e := w.refusal(err, bearer, broker.BadToken, "token_malformed"); w.verified.Load() != 1 {
		t.Errorf("refused %q without asking the verifier", e.Rule)
	}
}
