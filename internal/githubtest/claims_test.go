package githubtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Each CI's preset has its vendor's issuer shape, subject, default
// audience and claim types, and verifies with go-oidc at the audience it
// carries.
func TestPresetsHaveEachVendorsShape(t *testing.T) {
	t.Parallel()
	const org, project, user = "c0ffee00-1111-4222-8333-444455556666", "77778888-9999-4aaa-8bbb-ccccddddeeee", "12345678-90ab-4cde-8f01-234567890abc"
	github := testIssuer(t, IssuerConfig{Algs: []string{RS256}})
	gitlab := testIssuer(t, IssuerConfig{Algs: []string{RS256}})
	circle := testIssuer(t, IssuerConfig{Path: "/org/" + org, Algs: []string{RS256}})
	buildkite := testIssuer(t, IssuerConfig{Algs: []string{RS256}})
	for _, tc := range []struct {
		name   string
		iss    *Issuer
		claims Claims
		sub    string
		aud    string
		typed  map[string]any // claims whose JSON type matters, as decoded
	}{
		{"GitHub Actions", github, github.GitHubActions("octo-org/app"), "repo:octo-org/app:ref:refs/heads/main", "https://github.com/octo-org",
			map[string]any{"repository": "octo-org/app", "repository_owner": "octo-org", "repository_id": "700000001",
				"ref": "refs/heads/main", "run_attempt": "1", "ref_protected": "false",
				"job_workflow_ref": "octo-org/app/.github/workflows/ci.yml@refs/heads/main"}},
		{"GitLab CI", gitlab, gitlab.GitLab("group/sub/project"), "project_path:group/sub/project:ref_type:branch:ref:main", gitlab.URL(),
			map[string]any{"namespace_path": "group/sub", "project_path": "group/sub/project", "ref": "main", "ref_type": "branch",
				"runner_id": float64(1), "ref_protected": "false", "project_id": "20"}},
		{"CircleCI", circle, circle.CircleCI(org, project, user),
			"org/" + org + "/project/" + project + "/user/" + user + "/vcs-origin/github.com/octo-org/app/vcs-ref/refs/heads/main", org,
			map[string]any{"oidc.circleci.com/project-id": project, "oidc.circleci.com/ssh-rerun": false,
				"oidc.circleci.com/vcs-ref": "refs/heads/main", "oidc.circleci.com/org-id": org}},
		{"Buildkite", buildkite, buildkite.Buildkite("acme-inc", "super-app"),
			"organization:acme-inc:pipeline:super-app:ref:refs/heads/main:commit:9f3182061f1e2cca4702c368cbc039b7dc9d4485:step:deploy",
			"https://buildkite.com/acme-inc",
			map[string]any{"organization_slug": "acme-inc", "pipeline_slug": "super-app", "build_number": float64(1), "build_tag": nil,
				"build_branch": "main"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verifier(t, tc.iss, http.DefaultClient, tc.aud)
			got, err := verify(v, http.DefaultClient, tc.iss.Mint(tc.claims))
			if err != nil {
				t.Fatalf("go-oidc: %v", err)
			}
			if got["iss"] != tc.iss.URL() || got["sub"] != tc.sub || got["aud"] != tc.aud {
				t.Errorf("iss %v sub %v aud %v, want %s %s %s", got["iss"], got["sub"], got["aud"], tc.iss.URL(), tc.sub, tc.aud)
			}
			for k, want := range tc.typed {
				if v, ok := got[k]; !ok || v != want {
					t.Errorf("claim %s = %#v (present %v), want %#v", k, v, ok, want)
				}
			}
		})
	}
	if !strings.HasSuffix(circle.URL(), "/org/"+org) {
		t.Errorf("CircleCI's issuer %s does not end in /org/ORG_ID", circle.URL())
	}
	_, payload, _ := parts(t, circle.Mint(circle.CircleCI(org, project, user)))
	if ids, _ := payload["oidc.circleci.com/context-ids"].([]any); len(ids) != 1 {
		t.Errorf("context-ids %v, want a list of one", payload["oidc.circleci.com/context-ids"])
	}
}

// The runner's OIDC endpoint with an Issuer hands out that issuer's GitHub
// Actions tokens, for the audience asked (the owner's URL without one) and
// the configured subject, which verify at a broker; STS still admits
// exactly those it issued. Without an Issuer, today's tokens: shaped like
// GitHub's, signed by nobody.
func TestRunnerTokensSignedByAnIssuer(t *testing.T) {
	t.Parallel()
	iss := testIssuer(t, IssuerConfig{})
	ids := NewIDTokens("repo:octo-org/app:environment:prod")
	ids.Issuer, ids.Repository = iss, "octo-org/infra"
	ids.Claims = Claims{"environment": "prod"}.Without("jti")
	runner := newHTTPServer(t, ids)
	get := func(audience string) string {
		t.Helper()
		u := runner.URL + "/_apis/distributedtask/token?api-version=2.0"
		if audience != "" {
			u += "&audience=" + url.QueryEscape(audience)
		}
		var answer struct{ Value string }
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+ids.RequestToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		decode(t, b, &answer)
		return answer.Value
	}
	for _, tc := range []struct{ ask, aud string }{{"https://broker.example", "https://broker.example"}, {"", "https://github.com/octo-org"}} {
		tok := get(tc.ask)
		got, err := verify(verifier(t, iss, http.DefaultClient, tc.aud), http.DefaultClient, tok)
		if err != nil {
			t.Fatalf("the job's token for %q does not verify: %v", tc.ask, err)
		}
		if got["sub"] != ids.Subject || got["repository"] != "octo-org/infra" || got["environment"] != "prod" || got["jti"] != nil {
			t.Errorf("claims %v", got)
		}
	}

	sts := &STS{Role: "arn:aws:iam::111122223333:role/r", Tokens: ids}
	stsSrv := newHTTPServer(t, sts)
	for tok, want := range map[string]int{get("sts.amazonaws.com"): http.StatusOK, iss.Mint(iss.GitHubActions("octo-org/app").With("aud", "sts.amazonaws.com")): http.StatusBadRequest} {
		resp, err := http.PostForm(stsSrv.URL, url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"},
			"RoleArn": {sts.Role}, "RoleSessionName": {"s"}, "WebIdentityToken": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("STS answered %d, want %d (it admits only the runner's tokens)", resp.StatusCode, want)
		}
	}

	plain := NewIDTokens("repo:octo-org/app:ref:refs/heads/main")
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/?audience=x", nil)
	req.Header.Set("Authorization", "Bearer "+plain.RequestToken)
	plain.ServeHTTP(rec, req)
	tok := plain.Issued()[0]
	if h, p, _ := parts(t, tok); h["kid"] != "emulated" || p["iss"] != "https://token.actions.githubusercontent.com" || p["aud"] != "x" {
		t.Errorf("an IDTokens without an Issuer changed its tokens: %v %v", h, p)
	}
	if _, err := verify(verifier(t, iss, http.DefaultClient, "x"), http.DefaultClient, tok); err == nil {
		t.Error("a token signed by nobody verified")
	}
}
