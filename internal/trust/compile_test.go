package trust

import (
	"errors"
	"reflect"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/permissions"
)

func valid() Policy {
	return Policy{
		Issuer:      issuer,
		Subject:     "repo:org/app:ref:refs/heads/main",
		Permissions: permissions.Set{"contents": "read"},
	}
}

func TestCompileRules(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(p *Policy)
		field  string
		what   string
		wantOK bool
	}{
		{name: "literals", edit: func(p *Policy) {}, wantOK: true},
		{name: "patterns", edit: func(p *Policy) {
			p.Issuer, p.IssuerPattern = "", `https://(example|token\.actions\.githubusercontent)\.com`
			p.Subject, p.SubjectPattern = "", "repo:org/.*"
			p.AudiencePattern = "https://broker\\.example"
			p.ClaimPattern = map[string]string{"ref": "refs/heads/.*"}
		}, wantOK: true},
		{name: "audience literal", edit: func(p *Policy) { p.Audience = "x" }, wantOK: true},
		{"issuer and issuer_pattern", func(p *Policy) { p.IssuerPattern = ".*" }, "issuer_pattern", "set issuer or issuer_pattern, not both", false},
		{"no issuer", func(p *Policy) { p.Issuer = "" }, "issuer", "the policy needs issuer or issuer_pattern: the OIDC issuer it trusts", false},
		{"subject and subject_pattern", func(p *Policy) { p.SubjectPattern = ".*" }, "subject_pattern", "set subject or subject_pattern, not both", false},
		{"no subject", func(p *Policy) { p.Subject = "" }, "subject", "the policy needs subject or subject_pattern", false},
		{"audience and audience_pattern", func(p *Policy) { p.Audience, p.AudiencePattern = "a", "a" }, "audience_pattern", "set audience or audience_pattern, not both", false},
		{"bad issuer_pattern", func(p *Policy) { p.Issuer, p.IssuerPattern = "", "https://(x" }, "issuer_pattern", `"https://(x" is not a regular expression (missing closing ))`, false},
		{"bad subject_pattern", func(p *Policy) { p.Subject, p.SubjectPattern = "", "*" }, "subject_pattern", "is not a regular expression (missing argument to repetition operator)", false},
		{"bad audience_pattern", func(p *Policy) { p.AudiencePattern = "[" }, "audience_pattern", "is not a regular expression", false},
		{"bad claim_pattern", func(p *Policy) { p.ClaimPattern = map[string]string{"ref": "a)("} }, "claim_pattern.ref", "is not a regular expression (unexpected ))", false},
		// Valid wrapped, not alone: it would match anything.
		{"a pattern that closes the anchoring group", func(p *Policy) { p.Subject, p.SubjectPattern = "", "x)|(.*" }, "subject_pattern", "is not a regular expression (unexpected ))", false},
		{"an unterminated quote", func(p *Policy) { p.Subject, p.SubjectPattern = "", `\Qrepo:org` }, "subject_pattern", `cannot be made to match whole values (missing closing )); end a \Q with \E`, false},
		{"empty claim name", func(p *Policy) { p.ClaimPattern = map[string]string{"": "x"} }, "claim_pattern", "a claim's name is empty", false},
		{"no permissions", func(p *Policy) { p.Permissions = nil }, "permissions", "the policy grants no permission", false},
		{"empty permissions", func(p *Policy) { p.Permissions = permissions.Set{} }, "permissions", "the policy grants no permission", false},
		{"misspelt permission", func(p *Policy) { p.Permissions = permissions.Set{"pull_request": "write"} }, "permissions", `unknown permission "pull_request" (did you mean "pull_requests"?)`, false},
		{"level none", func(p *Policy) { p.Permissions = permissions.Set{"contents": "none"} }, "permissions", `"none" is not a level`, false},
		{"level a permission lacks", func(p *Policy) { p.Permissions = permissions.Set{"contents": "admin"} }, "permissions", `"contents" cannot be "admin"`, false},
		{"not a permission", func(p *Policy) { p.Permissions = permissions.Set{"Contents Write": "read"} }, "permissions", "a permission is a snake_case name", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := valid()
			c.edit(&p)
			compiled, err := p.Compile()
			if c.wantOK {
				if err != nil || compiled == nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			got := policyProblem(t, err)
			if got.Field != c.field || !strings.Contains(got.What, c.what) || got.Line != 0 {
				t.Fatalf("got %+v\nwant field %q with %q", got, c.field, c.what)
			}
			// An owner's policy follows the same rules.
			if _, err := (&OwnerPolicy{Policy: p}).Compile(); err == nil {
				t.Fatal("the owner's policy was compiled")
			}
		})
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	_, err := (&Policy{Audience: "a", AudiencePattern: "b"}).Compile()
	if got := err.Error(); got != "trust policy: issuer: the policy needs issuer or issuer_pattern: the OIDC issuer it trusts; "+
		"subject: the policy needs subject or subject_pattern: the tokens' subject it trusts; "+
		"audience_pattern: set audience or audience_pattern, not both; "+
		"permissions: the policy grants no permission; list each as name: level (a token asked for without permissions gets every permission of the installation)" {
		t.Fatalf("got %q", got)
	}
	_, err = (&Policy{Issuer: "a", Subject: "b", Permissions: permissions.Set{
		"a1": "none", "a2": "none", "a3": "none", "a4": "none", "a5": "none", "a6": "none", "a7": "none",
	}}).Compile()
	if !strings.HasSuffix(err.Error(), "; and 2 more") {
		t.Fatalf("got %q", err)
	}
}

// A permission newer than the table is granted, and named as forwarded,
// as the action's permissions input does: never refuse what GitHub allows.
func TestCompileForwardsNewPermissions(t *testing.T) {
	p := valid()
	p.Permissions = permissions.Set{"contents": "read", "quantum_widgets": "write"}
	c, err := p.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Forwarded(), []string{"quantum_widgets"}) || c.Permissions()["quantum_widgets"] != "write" {
		t.Fatalf("forwarded %v, permissions %v", c.Forwarded(), c.Permissions())
	}
	// The compiled policy shares nothing with the caller's.
	p.Permissions["contents"] = "write"
	c.Permissions()["contents"] = "write"
	c.Forwarded()[0] = "x"
	if c.Permissions()["contents"] != "read" || c.Forwarded()[0] != "quantum_widgets" {
		t.Fatal("the compiled policy changed with its caller's maps")
	}
}

func TestCompileOwnerRepositories(t *testing.T) {
	cases := []struct {
		name  string
		repos []string
		want  []string
		all   bool
		field string
		what  string
	}{
		{name: "absent: every repository", repos: nil, all: true},
		{name: "names", repos: []string{"app", "lib.go", "a-b_c", ".github"}, want: []string{"app", "lib.go", "a-b_c", ".github"}},
		{name: "repeats, in any case", repos: []string{"App", "lib", "app", "LIB"}, want: []string{"App", "lib"}},
		{name: "another owner's", repos: []string{"app", "other/repo"}, field: "repositories[1]", what: `"other/repo" names an owner; an owner's policy lists its own repositories by name only`},
		{name: "back-slash", repos: []string{`other\repo`}, field: "repositories[0]", what: "names an owner"},
		{name: "dot-dot", repos: []string{".."}, field: "repositories[0]", what: `".." is not a repository name`},
		{name: "space", repos: []string{"a b"}, field: "repositories[0]", what: "is not a repository name"},
		{name: "empty name", repos: []string{""}, field: "repositories[0]", what: "is not a repository name"},
		{name: "empty list", repos: []string{}, field: "repositories", what: "lists no repository; leave repositories out for every repository"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := OwnerPolicy{Policy: valid(), Repositories: c.repos}
			compiled, err := p.Compile()
			if c.field != "" {
				got := policyProblem(t, err)
				if got.Field != c.field || !strings.Contains(got.What, c.what) {
					t.Fatalf("got %+v, want %q with %q", got, c.field, c.what)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			names, all := compiled.Repositories()
			if !reflect.DeepEqual(names, c.want) || all != c.all || compiled.Kind() != Owner {
				t.Fatalf("got %v all=%v kind %v", names, all, compiled.Kind())
			}
		})
	}
	c, err := (&Policy{Issuer: "a", Subject: "b", Permissions: permissions.Set{"issues": "read"}}).Compile()
	if err != nil {
		t.Fatal(err)
	}
	if names, all := c.Repositories(); names != nil || all || c.Kind() != Repository {
		t.Fatalf("a repository's policy: %v all=%v kind %v", names, all, c.Kind())
	}
}

// progSize is an upper bound of what Go compiles, and not a loose one.
func TestProgSize(t *testing.T) {
	for _, p := range []string{
		"", "a", "repo:org/app:ref:refs/heads/(main|release-.*)", `https://token\.actions\.githubusercontent\.com`,
		"a{1000}", "a{3,}", "a{2,5}", "(?:a{10}){10}", "(ab){0,3}", "x{0}", "(a|b|c)*", "a+b?c*", `\bfoo$`, "(?i)abc",
		`\pL{5}`, "[a-z]+", "a|", "(?:(?:a|b)c){2,}", "^$", "(a)(b)(c)", ".*", `(?s).`, "[^a]",
	} {
		tree, err := syntax.Parse("^(?:"+p+")$", syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := syntax.Compile(tree.Simplify())
		if err != nil {
			t.Fatal(err)
		}
		inner, _ := syntax.Parse(p, syntax.Perl)
		got, real := progSize(inner, 1<<20)+4, len(prog.Inst)
		if got < real || got > 2*real+8 {
			t.Errorf("%q: estimated %d, compiled %d", p, got, real)
		}
	}
	tree, _ := syntax.Parse("a{1000}a{1000}", syntax.Perl)
	if got := progSize(tree, 1500); got != 1501 {
		t.Errorf("past the limit: %d", got)
	}
}

func TestPatternBudget(t *testing.T) {
	p := valid()
	p.Subject, p.SubjectPattern = "", strings.Repeat("a{999}", 2)
	p.ClaimPattern = map[string]string{"a": "b{999}"}
	if _, err := p.Compile(); err != nil {
		t.Fatalf("three thousand instructions: %v", err)
	}
	// Together, not each: each claim fits alone.
	p.ClaimPattern = map[string]string{"a": "b{999}", "b": "b{999}"}
	got := policyProblem(t, func() error { _, err := p.Compile(); return err }())
	if got.Field != "claim_pattern.b" || !strings.Contains(got.What, "makes the policy's patterns larger than 4000 instructions together") {
		t.Fatalf("got %+v", got)
	}
	// 700 bytes that Go would compile with some 29 MB (21 KB of them: 865
	// MB, in six seconds): refused before.
	p = valid()
	p.Subject, p.SubjectPattern = "", strings.Repeat("a{1000}", 100)
	got = policyProblem(t, func() error { _, err := p.Compile(); return err }())
	if got.Field != "subject_pattern" || !strings.Contains(got.What, "larger than 4000") {
		t.Fatalf("got %+v", got)
	}
}

func TestReason(t *testing.T) {
	_, err := syntax.Parse("(", syntax.Perl)
	if got := reason(err); got != "missing closing )" {
		t.Errorf("got %q", got)
	}
	if got := reason(errors.New("a\nb")); got != "a b" {
		t.Errorf("got %q", got)
	}
}
