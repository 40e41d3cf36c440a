package broker_test

import (
	"github.com/app-token/app-token/internal/githubtest"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/permissions"
)

// An exchange gives exactly the policy's grant: the token GitHub minted
// has the policy's permissions on the scope's repository, and nothing
// more; the policy was read with a token for that one repository with
// contents: read, revoked right after.
func TestExchangeGrantsExactlyThePolicy(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy})
	bearer := w.token(nil)
	g, err := w.exchange(bearer, "octo-org/app", "deploy")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"contents": "write", "pull_requests": "write"}
	minted := w.minted()
	if len(minted) != 1 || !maps.Equal(minted[0].Permissions, want) || !slices.Equal(minted[0].Repositories, []string{"app"}) || minted[0].InstallationID != 1001 {
		t.Fatalf("GitHub minted %+v, want one token with %v on app", minted, want)
	}
	if g.Token != minted[0].Token || !maps.Equal(g.Permissions, want) || !slices.Equal(g.Repositories, []string{"app"}) || g.AllRepositories || g.InstallationID != 1001 || g.AppSlug != "release-bot" {
		t.Errorf("grant %v, want the minted token's scope", g)
	}
	if g.Reason != "repository_policy" {
		t.Errorf("reason %q, want repository_policy", g.Reason)
	}
	wantAudit := broker.Audit{Identity: "deploy", Scope: "octo-org/app", Issuer: w.iss.URL(), Subject: "repo:octo-org/app:ref:refs/heads/main",
		Repository: "octo-org/app", WorkflowRef: "octo-org/app/.github/workflows/ci.yml@refs/heads/main", RunID: "9876543210"}
	if g.Audit != wantAudit {
		t.Errorf("audit %+v, want %+v", g.Audit, wantAudit)
	}
	reads := w.emu.ContentReads()
	if len(reads) != 1 || reads[0].Path != ".github/chainguard/deploy.sts.yaml" || reads[0].Repo != "app" ||
		!slices.Equal(reads[0].Repositories, []string{"app"}) || !maps.Equal(reads[0].Permissions, map[string]string{"contents": "read"}) {
		t.Fatalf("policy reads %+v, want one of app's policy with contents:read on app only", reads)
	}
	for _, tok := range w.emu.Tokens() {
		if tok.Token == reads[0].Token && !tok.Revoked {
			t.Error("the token the policy was read with was not revoked")
		}
	}
}

// A request narrows the policy's grant: fewer permissions, fewer
// repositories of an owner's policy.
func TestExchangeNarrows(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy, releasePath: ownerPolicy})
	g, err := w.exchange(w.token(nil), "octo-org/app", "deploy", func(r *broker.Request) {
		r.Permissions = permissions.Set{"contents": "read"}
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := w.minted(); len(m) != 1 || !maps.Equal(m[0].Permissions, map[string]string{"contents": "read"}) || !maps.Equal(g.Permissions, m[0].Permissions) {
		t.Errorf("minted %+v, grant %v: want contents:read only", m, g)
	}
	g, err = w.exchange(w.token(nil), "octo-org", "release", func(r *broker.Request) { r.Repositories = []string{"INFRA"} })
	if err != nil {
		t.Fatal(err)
	}
	if m := w.minted(); len(m) != 2 || !slices.Equal(m[1].Repositories, []string{"infra"}) || !slices.Equal(g.Repositories, []string{"infra"}) || g.Reason != "owner_policy" {
		t.Errorf("minted %+v, grant %v: want infra only, by the owner's policy", m, g)
	}
}

// An owner's policy grants its repositories, and without repositories
// every repository of the installation.
func TestExchangeOwnerPolicy(t *testing.T) {
	t.Parallel()
	every := "issuer: ISSUER\nsubject: repo:octo-org/app:ref:refs/heads/main\npermissions:\n  issues: write\n"
	w := newWorld(t, map[string]string{releasePath: ownerPolicy, "octo-org/.github/.github/chainguard/every.sts.yaml": every})
	g, err := w.exchange(w.token(nil), "octo-org", "release")
	if err != nil {
		t.Fatal(err)
	}
	m := w.minted()
	if len(m) != 1 || !slices.Equal(m[0].Repositories, []string{"app", "infra"}) || !maps.Equal(m[0].Permissions, map[string]string{"contents": "read"}) {
		t.Fatalf("minted %+v, want contents:read on app and infra", m)
	}
	if !slices.Equal(g.Repositories, []string{"app", "infra"}) || g.AllRepositories || g.Reason != "owner_policy" {
		t.Errorf("grant %v", g)
	}
	g, err = w.exchange(w.token(nil), "octo-org", "every")
	if err != nil {
		t.Fatal(err)
	}
	if m := w.minted(); len(m) != 2 || m[1].Repositories != nil || !g.AllRepositories {
		t.Errorf("minted %+v, grant %v: want every repository of the installation", m, g)
	}
}

// A request for more than the policy grants is refused, naming what, and
// nothing is minted.
func TestExchangeRefusesWidening(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy, releasePath: ownerPolicy})
	for _, tc := range []struct {
		scope, identity string
		narrow          func(*broker.Request)
		rule            string
	}{
		{"octo-org/app", "deploy", func(r *broker.Request) { r.Permissions = permissions.Set{"contents": "admin"} }, "permission:contents"},
		{"octo-org/app", "deploy", func(r *broker.Request) { r.Permissions = permissions.Set{"issues": "read"} }, "permission:issues"},
		{"octo-org/app", "deploy", func(r *broker.Request) { r.Repositories = []string{"app", "infra"} }, "repository:infra"},
		{"octo-org", "release", func(r *broker.Request) { r.Repositories = []string{"docs"} }, "repository:docs"},
		{"octo-org/.github", "release", nil, "scope"},
	} {
		bearer := w.token(nil)
		narrow := []func(*broker.Request){}
		if tc.narrow != nil {
			narrow = append(narrow, tc.narrow)
		}
		_, err := w.exchange(bearer, tc.scope, tc.identity, narrow...)
		w.refusal(err, bearer, broker.Denied, tc.rule)
	}
	if m := w.minted(); len(m) != 0 {
		t.Errorf("minted %+v, want nothing", m)
	}
}

// A caller whose context ends while its token is minted gets the
// context's error, which the door answers as a timeout, not as GitHub
// failing.
func TestCallerLeavingDuringTheMint(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy})
	if _, err := w.exchange(w.token(nil), "octo-org/app", "deploy"); err != nil {
		t.Fatal(err)
	}
	w.emu.AddFault(githubtest.Fault{Method: "POST", Path: "/app/installations/1001/access_tokens", Delay: time.Second})
	w.leaveWhen("POST", "/app/installations/1001/access_tokens")
}
