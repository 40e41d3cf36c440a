package trust

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/permissions"
)

const (
	issuer  = "https://token.actions.githubusercontent.com"
	minimal = "issuer: " + issuer + "\nsubject: repo:org/app:ref:refs/heads/main\npermissions:\n  contents: read\n"
)

// policyProblem returns err's first problem, failing unless err is a
// *PolicyError.
func policyProblem(t *testing.T, err error) Problem {
	t.Helper()
	var pe *PolicyError
	if !errors.As(err, &pe) || len(pe.Problems) == 0 {
		t.Fatalf("want a *PolicyError, got %T %v", err, err)
	}
	return pe.Problems[0]
}

func TestParseReadsEveryField(t *testing.T) {
	doc := `# an octo-sts policy, as its users have them
issuer_pattern: https://token\.actions\.githubusercontent\.com
subject_pattern: repo:org/app:ref:refs/heads/(main|release-.*)
audience: https://broker.example
claim_pattern:
  job_workflow_ref: org/app/\.github/workflows/release\.yaml@.*
  ref_protected: true
  run_attempt: 1
permissions:
  contents: write
  pull_requests: read
`
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := Policy{
		IssuerPattern:  `https://token\.actions\.githubusercontent\.com`,
		SubjectPattern: "repo:org/app:ref:refs/heads/(main|release-.*)",
		Audience:       "https://broker.example",
		ClaimPattern: map[string]string{
			"job_workflow_ref": `org/app/\.github/workflows/release\.yaml@.*`,
			// A boolean or a number is its text, as octo-sts reads it.
			"ref_protected": "true",
			"run_attempt":   "1",
		},
		Permissions: permissions.Set{"contents": "write", "pull_requests": "read"},
	}
	if !reflect.DeepEqual(*p, want) {
		t.Fatalf("got %+v\nwant %+v", *p, want)
	}

	o, err := ParseOwner([]byte(minimal + "repositories:\n  - app\n  - lib\n"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Subject != "repo:org/app:ref:refs/heads/main" || !reflect.DeepEqual(o.Repositories, []string{"app", "lib"}) {
		t.Fatalf("got %+v", o)
	}
	o, err = ParseOwner([]byte(minimal))
	if err != nil || o.Repositories != nil {
		t.Fatalf("an owner's policy without repositories: got %v, %v; want nil (every repository)", o.Repositories, err)
	}
}

// Every way a file can be wrong is refused, naming the line and the field.
func TestParseRefuses(t *testing.T) {
	head := "issuer: " + issuer + "\n"
	perms := "permissions:\n  contents: read\n"
	cases := []struct {
		name, doc string
		kind      Kind
		line      int
		field     string
		what      string
	}{
		{"unknown field", head + "subject: a\nsubjects: b\n" + perms, Repository, 3, "", `unknown field "subjects" (did you mean "subject"?)`},
		{"case of a name", head + "Subject: a\n" + perms, Repository, 2, "", `unknown field "Subject" (did you mean "subject"?)`},
		{"upper case", head + "SUBJECT: a\nsubject: b\n" + perms, Repository, 2, "", `unknown field "SUBJECT"`},
		{"merge key", head + "<<: {subject: a}\n" + perms, Repository, 2, "", `unknown field "<<"`},
		{"repositories in a repository's policy", head + "subject: a\n" + perms + "repositories: [lib]\n", Repository, 5, "repositories", "only an owner's policy"},
		{"duplicate field", head + "subject: a\nsubject: b\n" + perms, Repository, 3, "subject", "set twice (first on line 2)"},
		{"duplicate claim", head + "subject: a\nclaim_pattern:\n  ref: a\n  ref: b\n" + perms, Repository, 5, "claim_pattern.ref", "set twice (first on line 4)"},
		{"duplicate permission", head + "subject: a\n" + perms + "  contents: write\n", Repository, 5, "permissions.contents", "set twice (first on line 4)"},
		{"list for text", head + "subject: [a, b]\n" + perms, Repository, 2, "subject", "is text, not a list"},
		{"mapping for text", head + "subject: {a: b}\n" + perms, Repository, 2, "subject", "is text, not a mapping"},
		{"list for a mapping", head + "subject: a\npermissions: [contents]\n", Repository, 3, "permissions", "is a mapping (name: value, one a line), not a list"},
		{"text for a mapping", head + "subject: a\nclaim_pattern: ref\n" + perms, Repository, 3, "claim_pattern", "is a mapping (name: value, one a line), not text"},
		{"list in a mapping", head + "subject: a\npermissions:\n  contents: [read]\n", Repository, 4, "permissions.contents", "is text, not a list"},
		{"text for a list", head + "subject: a\n" + perms + "repositories: lib\n", Owner, 5, "repositories", "is a list (- name, one a line), not text"},
		{"mapping in a list", head + "subject: a\n" + perms + "repositories:\n  - {a: b}\n", Owner, 6, "repositories[0]", "is text, not a mapping"},
		{"null text", head + "subject:\n" + perms, Repository, 2, "subject", "has no value"},
		{"tilde", head + "subject: ~\n" + perms, Repository, 2, "subject", "has no value"},
		{"empty text", head + "subject: ''\n" + perms, Repository, 2, "subject", "is empty"},
		{"null mapping", head + "subject: a\npermissions:\n", Repository, 3, "permissions", "has no value"},
		// `repositories:` with nothing after it is not "every repository".
		{"null repositories", head + "subject: a\n" + perms + "repositories:\n", Owner, 5, "repositories", "has no value; list names, or leave the field out"},
		{"null claim", head + "subject: a\nclaim_pattern:\n  ref:\n" + perms, Repository, 4, "claim_pattern.ref", "has no value"},
		{"empty claim name", head + "subject: a\nclaim_pattern:\n  '': x\n" + perms, Repository, 4, "claim_pattern", "a name in it is empty"},
		{"mapping as a name", head + "subject: a\n? [x]\n: y\n" + perms, Repository, 3, "", "a field's name is plain text"},
		{"odd claim name", head + "subject: a\nclaim_pattern:\n  \"a\\nb\": [x]\n" + perms, Repository, 4, `claim_pattern["a\nb"]`, "is text, not a list"},
		{"anchor", head + "subject: &s a\n" + perms, Repository, 2, "", "anchors and aliases (&name, *name) are not allowed"},
		{"alias", head + "x: &x a\nsubject: *x\n" + perms, Repository, 2, "", "anchors and aliases"},
		{"tag", head + "subject: !!binary cmVwbw==\n" + perms, Repository, 2, "", `YAML tags ("!!binary") are not allowed`},
		{"str tag", head + "subject: !!str 123\n" + perms, Repository, 2, "", "YAML tags"},
		{"custom tag", head + "subject: !custom a\n" + perms, Repository, 2, "", `YAML tags ("!custom")`},
		// What octo-sts's YAML 1.1 reads otherwise: refused, never guessed.
		{"yes is true in YAML 1.1", head + "subject: yes\n" + perms, Repository, 2, "subject", "YAML 1.1 (how octo-sts reads a policy) and YAML 1.2 read a value here differently; write it in quotes"},
		{"on", head + "subject: a\nclaim_pattern:\n  ref: on\n" + perms, Repository, 3, "claim_pattern", "YAML 1.1"},
		{"octal", head + "subject: 010\n" + perms, Repository, 2, "subject", "YAML 1.1"},
		{"float", head + "subject: a\nclaim_pattern:\n  run_attempt: 1.0\n" + perms, Repository, 3, "claim_pattern", "YAML 1.1"},
		{"key read as a boolean", head + "subject: a\nclaim_pattern:\n  on: x\n" + perms, Repository, 3, "claim_pattern", "YAML 1.1"},
		// The net under the first pass: two keys only YAML 1.1 reads as one.
		{"keys YAML 1.1 reads as one", head + "subject: a\nclaim_pattern:\n  0x1: a\n  1: b\n" + perms, Repository, 0, "", `does not decode as a policy: error converting YAML to JSON: yaml: unmarshal errors:   line 5: key 1 already set in map`},
		{"list entry", head + "subject: a\n" + perms + "repositories: [lib, 0x10]\n", Owner, 5, "repositories", "YAML 1.1"},
		// go.yaml.in/yaml/v3 names the line before: it counts a flow
		// collection's context line from 0.
		{"not YAML", head + "subject: [a\n" + perms, Repository, 0, "", "does not parse as YAML: line 1: did not find expected ',' or ']'"},
		{"tab indent", head + "subject: a\npermissions:\n\tcontents: read\n", Repository, 0, "", "does not parse as YAML: line 4: found character that cannot start any token"},
		{"empty", "", Repository, 0, "", "the file is empty"},
		{"only comments", "# nothing yet\n", Repository, 0, "", "the file is empty"},
		{"two documents", minimal + "---\nsubject: b\n", Repository, 5, "", "holds more than one YAML document (---); a policy is one"},
		{"two documents, the second broken", minimal + "---\n[\n", Repository, 0, "", "holds more than one YAML document"},
		{"a list", "- issuer: a\n", Repository, 1, "", "a policy is a mapping of fields"},
		{"text", "issuer\n", Repository, 1, "", "a policy is a mapping of fields"},
		{"too large", minimal + "# " + strings.Repeat("x", MaxPolicyBytes) + "\n", Repository, 0, "", "a policy may have at most 65536"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load([]byte(c.doc), c.kind)
			p := policyProblem(t, err)
			if p.Line != c.line || p.Field != c.field || !strings.Contains(p.What, c.what) {
				t.Fatalf("got line %d field %q %q\nwant line %d field %q, with %q", p.Line, p.Field, p.What, c.line, c.field, c.what)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("a message of more than one line: %q", err)
			}
			parse := func() error { _, err := Parse([]byte(c.doc)); return err }
			if c.kind == Owner {
				parse = func() error { _, err := ParseOwner([]byte(c.doc)); return err }
			}
			if err := parse(); err == nil {
				t.Fatal("Load refuses it, Parse does not")
			}
		})
	}
}

func TestParseAcceptsWhatReadsAlike(t *testing.T) {
	// Numbers and booleans that both YAML versions write the same way, and
	// quoted values of any kind, are their text.
	doc := "issuer: " + issuer + "\nsubject: '010'\nclaim_pattern:\n  a: true\n  b: 12\n  c: 'on'\n  \"on\": x\npermissions:\n  contents: read\n"
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "true", "b": "12", "c": "on", "on": "x"}
	if p.Subject != "010" || !reflect.DeepEqual(p.ClaimPattern, want) {
		t.Fatalf("got %q %v", p.Subject, p.ClaimPattern)
	}
}

func TestParseCapsProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString(minimal)
	for i := range 40 {
		b.WriteString("unknown" + strings.Repeat("x", i) + ": 1\n")
	}
	_, err := Load([]byte(b.String()), Repository)
	var pe *PolicyError
	if !errors.As(err, &pe) || len(pe.Problems) != 5 || pe.More != 35 {
		t.Fatalf("want 5 problems and 35 more, got %v", err)
	}
	if !strings.HasSuffix(err.Error(), "; and 35 more") {
		t.Fatalf("got %q", err)
	}
}

func TestParseLimitIsInclusive(t *testing.T) {
	doc := minimal + "#"
	doc += strings.Repeat("x", MaxPolicyBytes-len(doc))
	if _, err := Load([]byte(doc), Repository); err != nil {
		t.Fatalf("a file of exactly %d bytes: %v", MaxPolicyBytes, err)
	}
	if _, err := Load([]byte(doc+"x"), Repository); err == nil {
		t.Fatalf("a file of %d bytes was read", MaxPolicyBytes+1)
	}
}

// Load names the line of a problem Compile finds.
func TestLoadNamesCompileLines(t *testing.T) {
	doc := "issuer: " + issuer + "\nsubject: a\nclaim_pattern:\n  ref: 'main|('\npermissions:\n  contents: read\n"
	p := policyProblem(t, func() error { _, err := Load([]byte(doc), Repository); return err }())
	if p.Line != 4 || p.Field != "claim_pattern.ref" {
		t.Fatalf("got %+v", p)
	}
	doc = minimal + "repositories:\n  - app\n  - other/lib\n"
	p = policyProblem(t, func() error { _, err := Load([]byte(doc), Owner); return err }())
	if p.Line != 7 || p.Field != "repositories[1]" {
		t.Fatalf("got %+v", p)
	}
}

func TestKeyPath(t *testing.T) {
	for key, want := range map[string]string{
		"ref":                            "claim_pattern.ref",
		"job_workflow-ref:x":             "claim_pattern.job_workflow-ref:x",
		"a b":                            `claim_pattern["a b"]`,
		"a.b":                            `claim_pattern["a.b"]`,
		strings.Repeat("x", 121):         `claim_pattern["` + strings.Repeat("x", 117) + `…"]`,
		strings.Repeat("x", 120):         "claim_pattern." + strings.Repeat("x", 120),
		"Z09":                            "claim_pattern.Z09",
		"\x00":                           `claim_pattern["\x00"]`,
		"ghs_" + strings.Repeat("a", 36): `claim_pattern[a value of 40 characters (not shown)]`,
	} {
		if got := keyPath("claim_pattern", key); got != want {
			t.Errorf("keyPath(%q) = %q, want %q", key, got, want)
		}
	}
}

// Whatever the two readings disagree on is refused, a field one of them
// does not see included.
func TestAgree(t *testing.T) {
	var f file
	decoded := f.values()
	decoded["subject"] = "x"
	var ps problems
	agree(map[string]any{"issuer": ""}, decoded, lines{"issuer": 1}, &ps)
	want := []Problem{{Line: 0, Field: "subject", What: "YAML 1.1 (how octo-sts reads a policy) reads this field where YAML 1.2 does not"}}
	if !reflect.DeepEqual(ps.Kept, want) {
		t.Fatalf("got %+v", ps.Kept)
	}
	ps = problems{}
	agree(map[string]any{"subject": "y", "claim_pattern": map[string]string{}}, decoded, lines{"subject": 3}, &ps)
	want = []Problem{
		{Line: 3, Field: "subject", What: "YAML 1.1 (how octo-sts reads a policy) and YAML 1.2 read a value here differently; write it in quotes"},
		{Line: 0, Field: "claim_pattern", What: "YAML 1.1 (how octo-sts reads a policy) and YAML 1.2 read a value here differently; write it in quotes"},
	}
	if !reflect.DeepEqual(ps.Kept, want) {
		t.Fatalf("got %+v", ps.Kept)
	}
}
