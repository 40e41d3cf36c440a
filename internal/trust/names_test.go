package trust

import (
	"errors"
	"strings"
	"testing"
)

func TestIdentity(t *testing.T) {
	for _, id := range []string{"release", "deploy-prod", "a", "A.b_c-9", "9lives", "x.sts", strings.Repeat("a", MaxIdentity)} {
		path, err := PolicyPath(id)
		if err != nil || path != ".github/chainguard/"+id+".sts.yaml" {
			t.Errorf("%q: %q, %v", id, path, err)
		}
	}
	for _, id := range []string{
		"", "..", ".", "../x", "x/../y", "a/b", `a\b`, "%2e%2e", "%2e%2e%2fx", "a\x00b", "\x00",
		".hidden", "-flag", "_x", "x.", "a..b", "a b", "a\nb", "ünïcode", "a:b", "a*", "~x",
		strings.Repeat("a", MaxIdentity+1),
	} {
		path, err := PolicyPath(id)
		var re *RequestError
		if !errors.As(err, &re) || re.Over || path != "" {
			t.Errorf("%q: got %q, %v", id, path, err)
			continue
		}
		// The same words for every identity: it is never echoed.
		if got := err.Error(); got != "identity: is a policy's name, not a path: 1 to 100 letters, digits, '-', '_' and '.', starting with a letter or a digit, with no '..' and no final '.'" {
			t.Errorf("%q: the message is %q", id, got)
		}
		if CheckIdentity(id) == nil {
			t.Errorf("%q: CheckIdentity accepts it", id)
		}
	}
}

func TestScope(t *testing.T) {
	for _, c := range []struct {
		in         string
		owner, rep string
		repo, path string
		kind       Kind
	}{
		{"org/app", "org", "app", "app", ".github/chainguard/ci.sts.yaml", Repository},
		{"org", "org", "", ".github", ".github/chainguard/ci.sts.yaml", Owner},
		// The owner's .github holds its owner policies: the same file.
		{"org/.github", "org", ".github", ".github", ".github/chainguard/ci.sts.yaml", Owner},
		{"org/.GitHub", "org", ".GitHub", ".github", ".github/chainguard/ci.sts.yaml", Owner},
		{"Org-1/app.go", "Org-1", "app.go", "app.go", ".github/chainguard/ci.sts.yaml", Repository},
	} {
		s, err := ParseScope(c.in)
		if err != nil || s.Owner != c.owner || s.Repo != c.rep || s.String() != c.in {
			t.Errorf("%q: %+v %q, %v", c.in, s, s.String(), err)
			continue
		}
		repo, path, kind, err := s.Locate("ci")
		if err != nil || repo != c.repo || path != c.path || kind != c.kind {
			t.Errorf("%q: Locate = %q %q %v, %v", c.in, repo, path, kind, err)
		}
		if _, _, _, err := s.Locate("../ci"); err == nil {
			t.Errorf("%q: Locate took a path for an identity", c.in)
		}
	}
	for _, in := range []string{"", "/", "org/", "/app", "org/app/x", "org/..", "org/.", "-org", "o rg", "org/a b", "org\\app", "org/app\n"} {
		s, err := ParseScope(in)
		var re *RequestError
		if !errors.As(err, &re) || re.Over || s != (Scope{}) {
			t.Errorf("%q: got %+v, %v", in, s, err)
			continue
		}
		if got := err.Error(); got != "scope: scope is OWNER/REPO or OWNER: a GitHub account's name, and a repository's" {
			t.Errorf("%q: %q", in, got)
		}
	}
}
