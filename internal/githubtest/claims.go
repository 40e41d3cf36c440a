package githubtest

// The shapes of the ID tokens a broker is sent: GitHub Actions', and as
// presets the other CIs' whose jobs may ask the broker. Each gives the
// claims of one ordinary job, with the issuer's URL as iss; a test changes
// what it needs with Claims.With and Without. Ids and numbers have the JSON
// types each vendor documents (strings, numbers, booleans, lists), which
// matters to a policy's claim_pattern.

import "strings"

// GitHubActions is a GitHub Actions job's token for repo ("OWNER/REPO"): a
// push to main running .github/workflows/ci.yml on a GitHub-hosted runner,
// with GitHub's default audience (the owner's URL) and subject. Claim
// names and types from GitHub's "OpenID Connect reference"
// (https://docs.github.com/en/actions/reference/security/oidc, and its
// example token in "About security hardening with OpenID Connect"): every
// id a string.
func (i *Issuer) GitHubActions(repo string) Claims {
	owner, _, _ := strings.Cut(repo, "/")
	workflow := repo + "/.github/workflows/ci.yml@refs/heads/main"
	const sha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
	return Claims{
		"iss": i.URL(), "aud": "https://github.com/" + owner, "sub": "repo:" + repo + ":ref:refs/heads/main",
		"repository": repo, "repository_id": "700000001", "repository_owner": owner, "repository_owner_id": "5000001",
		"repository_visibility": "private", "ref": "refs/heads/main", "ref_type": "branch", "ref_protected": "false",
		"sha": sha, "workflow": "CI", "workflow_ref": workflow, "workflow_sha": sha,
		"job_workflow_ref": workflow, "job_workflow_sha": sha, "event_name": "push", "head_ref": "", "base_ref": "",
		"run_id": "9876543210", "run_number": "42", "run_attempt": "1", "actor": "octocat", "actor_id": "583231",
		"runner_environment": "github-hosted",
	}
}

// GitLab is a GitLab CI job's id_tokens token for projectPath
// ("GROUP/PROJECT", subgroups allowed): a push pipeline on branch main, with
// the instance (the issuer) as audience, GitLab's default. Claims from
// "OpenID Connect (OIDC) Authentication Using ID Tokens", Token payload
// (https://docs.gitlab.com/ci/secrets/id_token_authentication/): ids are
// strings except runner_id, a number; ref_protected is the string "false".
func (i *Issuer) GitLab(projectPath string) Claims {
	namespace := projectPath[:max(strings.LastIndex(projectPath, "/"), 0)]
	return Claims{
		"iss": i.URL(), "aud": i.URL(), "sub": "project_path:" + projectPath + ":ref_type:branch:ref:main",
		"namespace_id": "72", "namespace_path": namespace, "project_id": "20", "project_path": projectPath,
		"user_id": "1", "user_login": "sample-user", "user_email": "sample-user@example.com",
		"pipeline_id": "574", "pipeline_source": "push", "job_id": "302",
		"ref": "main", "ref_type": "branch", "ref_path": "refs/heads/main", "ref_protected": "false",
		"runner_id": 1, "runner_environment": "gitlab-hosted", "sha": "714a629c0b401fdce83e847fc9589983fc6f46bc",
	}
}

// CircleCI is a CircleCI job's $CIRCLE_OIDC_TOKEN_V2 for organisation orgID,
// project projectID and user userID (UUIDs), from a push to main of
// github.com/octo-org/app. CircleCI's issuer is
// https://oidc.circleci.com/org/ORG_ID, so serve this issuer at Path
// "/org/"+orgID; the audience is fixed to orgID. Claims from "Using OpenID
// Connect tokens in jobs" (https://circleci.com/docs/openid-connect-tokens/)
// and the org-id, pipeline-id and pipeline-definition-id claims CircleCI
// added later (https://discuss.circleci.com/t/new-oidc-custom-claims/54214):
// context-ids is a list, ssh-rerun a boolean.
func (i *Issuer) CircleCI(orgID, projectID, userID string) Claims {
	const origin, ref = "github.com/octo-org/app", "refs/heads/main"
	return Claims{
		"iss": i.URL(), "aud": orgID,
		"sub":                      "org/" + orgID + "/project/" + projectID + "/user/" + userID + "/vcs-origin/" + origin + "/vcs-ref/" + ref,
		"oidc.circleci.com/org-id": orgID, "oidc.circleci.com/project-id": projectID,
		"oidc.circleci.com/vcs-origin": origin, "oidc.circleci.com/vcs-ref": ref,
		"oidc.circleci.com/context-ids":            []string{"8b2c9f6e-6d7a-4a3e-9f0c-2d1e5b7a9c31"},
		"oidc.circleci.com/ssh-rerun":              false,
		"oidc.circleci.com/pipeline-id":            "5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
		"oidc.circleci.com/pipeline-definition-id": "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b",
	}
}

// Buildkite is a Buildkite job's `buildkite-agent oidc request-token` token
// for pipeline of organisation org (slugs): build 1 of main, step "deploy",
// with Buildkite's default audience (https://buildkite.com/ORG). Buildkite's
// issuer is https://agent.buildkite.com for every organisation. Claims from
// "buildkite-agent oidc" (https://buildkite.com/docs/agent/v3/cli-oidc) and
// its example token: build_number is a number, build_tag null on a branch.
func (i *Issuer) Buildkite(org, pipeline string) Claims {
	const commit = "9f3182061f1e2cca4702c368cbc039b7dc9d4485"
	return Claims{
		"iss": i.URL(), "aud": "https://buildkite.com/" + org,
		"sub":               "organization:" + org + ":pipeline:" + pipeline + ":ref:refs/heads/main:commit:" + commit + ":step:deploy",
		"organization_slug": org, "pipeline_slug": pipeline, "build_number": 1, "build_branch": "main",
		"build_tag": nil, "build_commit": commit, "step_key": "deploy",
		"job_id": "0184990a-477b-4fa8-9968-496074483cee", "agent_id": "0184990a-4782-42b5-afc1-16715b10b8ff",
		"build_source": "ui", "runner_environment": "buildkite-hosted",
	}
}
