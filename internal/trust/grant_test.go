package trust

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/permissions"
)

// requestProblem returns err's first problem, failing unless err is a
// *RequestError with Over as wanted.
func requestProblem(t *testing.T, err error, over bool) Problem {
	t.Helper()
	var re *RequestError
	if !errors.As(err, &re) || len(re.Problems) == 0 || re.Over != over {
		t.Fatalf("want a *RequestError with Over %v, got %#v (%v)", over, err, err)
	}
	return re.Problems[0]
}

func TestNarrowPermissions(t *testing.T) {
	policy := permissions.Set{"contents": "write", "issues": "read", "quantum_widgets": "admin"}
	for _, c := range []struct {
		name string
		req  permissions.Set
		want permissions.Set
		over bool
		what string
	}{
		{name: "nothing asked: the policy's", req: nil, want: policy},
		{name: "empty: the policy's", req: permissions.Set{}, want: policy},
		{name: "the same", req: permissions.Set{"contents": "write", "issues": "read"}, want: permissions.Set{"contents": "write", "issues": "read"}},
		{name: "lower", req: permissions.Set{"contents": "read"}, want: permissions.Set{"contents": "read"}},
		{name: "a forwarded name", req: permissions.Set{"quantum_widgets": "write"}, want: permissions.Set{"quantum_widgets": "write"}},
		// GitHub puts metadata:read in every token: asking for it widens nothing.
		{name: "metadata:read", req: permissions.Set{"metadata": "read", "issues": "read"}, want: permissions.Set{"metadata": "read", "issues": "read"}},
		{name: "higher", req: permissions.Set{"issues": "write"}, over: true, what: "the policy does not grant issues:write (it grants contents:write, issues:read, quantum_widgets:admin)"},
		{name: "not in the policy", req: permissions.Set{"contents": "read", "administration": "write", "actions": "read"}, over: true, what: "the policy does not grant actions:read, administration:write"},
		{name: "metadata:write", req: permissions.Set{"metadata": "write"}, over: true, what: "metadata:write"},
		{name: "level none", req: permissions.Set{"contents": "none"}, what: `"contents": "none" is not a permission at a level (read, write or admin)`},
		{name: "unknown level", req: permissions.Set{"contents": "owner"}, what: `"owner" is not a permission at a level`},
		{name: "not a name", req: permissions.Set{"contents\n::x": "read"}, what: `"contents\n::x": "read" is not a permission`},
		{name: "malformed before wider", req: permissions.Set{"administration": "write", "Contents": "read"}, what: `"Contents"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := NarrowPermissions(policy, c.req)
			if c.what == "" {
				if err != nil || !reflect.DeepEqual(got, c.want) {
					t.Fatalf("got %v, %v; want %v", got, err, c.want)
				}
				got["contents"] = "admin"
				if policy["contents"] != "write" {
					t.Fatal("the grant shares its map with the policy")
				}
				return
			}
			p := requestProblem(t, err, c.over)
			if got != nil || p.Field != "permissions" || !strings.Contains(p.What, c.what) {
				t.Fatalf("got %v, %+v; want %q", got, p, c.what)
			}
		})
	}
}

func TestNarrowRepositories(t *testing.T) {
	listed := []string{"App", "lib", ".github"}
	for _, c := range []struct {
		name    string
		allowed []string
		all     bool
		req     []string
		want    []string
		wantAll bool
		over    bool
		what    string
	}{
		{name: "nothing asked: the policy's", allowed: listed, req: nil, want: listed},
		{name: "nothing asked of every repository", all: true, req: nil, wantAll: true},
		{name: "a subset, spelt as the policy spells it", allowed: listed, req: []string{"app", "LIB", "app"}, want: []string{"App", "lib"}},
		{name: "every repository narrowed", all: true, req: []string{"x", "y", "X"}, want: []string{"x", "y"}},
		{name: "another repository", allowed: listed, req: []string{"app", "secrets"}, over: true, what: `the policy does not grant "secrets" (it grants App, lib, .github)`},
		{name: "another owner's", allowed: listed, req: []string{"other/app"}, what: `"other/app" names an owner`},
		{name: "another owner's, of every repository", all: true, req: []string{"other/app"}, what: "names an owner"},
		{name: "a back-slash", all: true, req: []string{`other\app`}, what: "names an owner"},
		{name: "not a name", all: true, req: []string{".."}, what: `".." is not a repository name`},
		{name: "empty name", all: true, req: []string{""}, what: `"" is not a repository name`},
		{name: "malformed before wider", allowed: listed, req: []string{"secrets", "a b"}, what: `"a b" is not a repository name`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, all, err := NarrowRepositories(c.allowed, c.all, c.req)
			if c.what == "" {
				if err != nil || !reflect.DeepEqual(got, c.want) || all != c.wantAll {
					t.Fatalf("got %v all=%v, %v; want %v all=%v", got, all, err, c.want, c.wantAll)
				}
				return
			}
			p := requestProblem(t, err, c.over)
			if p.Field != "repositories" || !strings.Contains(p.What, c.what) {
				t.Fatalf("got %+v; want %q", p, c.what)
			}
		})
	}
	got, _, _ := NarrowRepositories(listed, false, nil)
	got[0] = "x"
	if listed[0] != "App" {
		t.Fatal("the grant shares its list with the policy")
	}
}

func TestGrant(t *testing.T) {
	perms := permissions.Set{"contents": "write", "issues": "read"}
	repoPolicy := compiled(t, Policy{Issuer: issuer, Subject: "s", Permissions: perms})
	ownerAll, err := (&OwnerPolicy{Policy: Policy{Issuer: issuer, Subject: "s", Permissions: perms}}).Compile()
	if err != nil {
		t.Fatal(err)
	}
	ownerListed, err := (&OwnerPolicy{Policy: Policy{Issuer: issuer, Subject: "s", Permissions: perms}, Repositories: []string{"app", "lib"}}).Compile()
	if err != nil {
		t.Fatal(err)
	}
	app := Scope{Owner: "org", Repo: "app"}
	org := Scope{Owner: "org"}
	dotGithub := Scope{Owner: "org", Repo: ".github"}
	for _, c := range []struct {
		name   string
		policy *Compiled
		scope  Scope
		req    Request
		want   Grant
		over   bool
		field  string
		what   string
	}{
		{name: "a repository's policy: its repository", policy: repoPolicy, scope: app, want: Grant{Permissions: perms, Repositories: []string{"app"}}},
		{name: "narrowed", policy: repoPolicy, scope: app, req: Request{Permissions: permissions.Set{"issues": "read"}, Repositories: []string{"APP"}},
			want: Grant{Permissions: permissions.Set{"issues": "read"}, Repositories: []string{"app"}}},
		{name: "another repository", policy: repoPolicy, scope: app, req: Request{Repositories: []string{"app", "lib"}},
			over: true, field: "repositories", what: `the policy does not grant "lib" (it grants app)`},
		{name: "another owner's repository", policy: repoPolicy, scope: app, req: Request{Repositories: []string{"other/app"}},
			field: "repositories", what: "names an owner"},
		{name: "wider permissions", policy: repoPolicy, scope: app, req: Request{Permissions: permissions.Set{"contents": "write", "workflows": "write"}},
			over: true, field: "permissions", what: "the policy does not grant workflows:write"},
		{name: "a repository's policy for an owner", policy: repoPolicy, scope: org, field: "scope", what: "a repository's policy grants its own repository, never an owner"},

		{name: "an owner's policy without repositories", policy: ownerAll, scope: org, want: Grant{Permissions: perms, AllRepositories: true}},
		{name: "narrowed to some", policy: ownerAll, scope: org, req: Request{Repositories: []string{"x", "y"}}, want: Grant{Permissions: perms, Repositories: []string{"x", "y"}}},
		{name: "an owner's policy with repositories", policy: ownerListed, scope: org, want: Grant{Permissions: perms, Repositories: []string{"app", "lib"}}},
		{name: "narrowed to one of them", policy: ownerListed, scope: org, req: Request{Repositories: []string{"lib"}}, want: Grant{Permissions: perms, Repositories: []string{"lib"}}},
		{name: "one it does not list", policy: ownerListed, scope: org, req: Request{Repositories: []string{"lib", "infra"}},
			over: true, field: "repositories", what: `the policy does not grant "infra" (it grants app, lib)`},

		// OWNER/.github reads the owner's file; its grant is .github only.
		{name: "OWNER/.github, every repository", policy: ownerAll, scope: dotGithub, want: Grant{Permissions: perms, Repositories: []string{".github"}}},
		{name: "OWNER/.github, not listed", policy: ownerListed, scope: dotGithub, over: true, field: "scope", what: `the policy does not list ".github" among its repositories`},
		{name: "OWNER/.github asking for another", policy: ownerAll, scope: dotGithub, req: Request{Repositories: []string{"app"}},
			over: true, field: "repositories", what: `the policy does not grant "app" (it grants .github)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.policy.Grant(c.scope, c.req)
			if c.what == "" {
				if err != nil || !reflect.DeepEqual(got, c.want) {
					t.Fatalf("got %+v, %v\nwant %+v", got, err, c.want)
				}
				return
			}
			p := requestProblem(t, err, c.over)
			if !reflect.DeepEqual(got, Grant{}) || p.Field != c.field || !strings.Contains(p.What, c.what) {
				t.Fatalf("got %+v, %+v; want %s: %q", got, p, c.field, c.what)
			}
		})
	}
}

// A policy read from a file, checked and granted: the path a broker takes.
func TestLoadCheckGrant(t *testing.T) {
	doc := `issuer: https://token.actions.githubusercontent.com
subject_pattern: repo:org/(app|lib):ref:refs/heads/main
claim_pattern:
  job_workflow_ref: org/infra/\.github/workflows/deploy\.yaml@refs/heads/main
permissions:
  contents: write
  deployments: write
repositories:
  - app
  - lib
`
	c, err := Load([]byte(doc), Owner)
	if err != nil {
		t.Fatal(err)
	}
	claims := token(t, false, map[string]any{"sub": "repo:org/lib:ref:refs/heads/main", "job_workflow_ref": "org/infra/.github/workflows/deploy.yaml@refs/heads/main"})
	if err := c.Check(claims, broker); err != nil {
		t.Fatal(err)
	}
	g, err := c.Grant(Scope{Owner: "org"}, Request{Permissions: permissions.Set{"contents": "read"}, Repositories: []string{"app"}})
	if err != nil || !reflect.DeepEqual(g, Grant{Permissions: permissions.Set{"contents": "read"}, Repositories: []string{"app"}}) {
		t.Fatalf("got %+v, %v", g, err)
	}
	claims["job_workflow_ref"] = "org/infra/.github/workflows/deploy.yaml@refs/heads/feature"
	if err := c.Check(claims, broker); err == nil {
		t.Fatal("another workflow ref passed")
	}
}

func TestRequestErrorCaps(t *testing.T) {
	req := make([]string, 30)
	for i := range req {
		req[i] = strings.Repeat("r", i+1)
	}
	_, _, err := NarrowRepositories([]string{"app"}, false, req)
	var re *RequestError
	if !errors.As(err, &re) || len(re.Problems) != 5 || re.More != 25 || !strings.HasSuffix(err.Error(), "; and 25 more") {
		t.Fatalf("got %v", err)
	}
}
