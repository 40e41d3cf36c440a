package trust

import (
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
)

// MaxIdentity bounds an identity's length.
const MaxIdentity = 100

// OwnerRepository is the repository of an owner that holds its policies.
const OwnerRepository = ".github"

// identityRule is what CheckIdentity asks, said once for every refusal
// (the identity itself is never echoed: it is the caller's text).
const identityRule = "is a policy's name, not a path: 1 to 100 letters, digits, '-', '_' and '.', starting with a letter or a digit, with no '..' and no final '.'"

// CheckIdentity reports whether identity is a policy's name, never a path:
// no '/', '\', '%' or NUL, no '..', no leading or final dot, only
// [A-Za-z0-9._-], at most MaxIdentity bytes. It returns nil or a
// *RequestError.
func CheckIdentity(identity string) error {
	if len(identity) > MaxIdentity || !nameChars(identity) || strings.Contains(identity, "..") || strings.HasSuffix(identity, ".") {
		var ps problems
		ps.add(0, "identity", "%s", identityRule)
		return ps.requestErr(false)
	}
	return nil
}

// nameChars reports whether s is not empty, starts with a letter or a
// digit, and goes on with letters, digits, '.', '-' and '_'.
func nameChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '-' && c != '_') {
			return false
		}
	}
	return s != ""
}

// PolicyPath is where identity's policy lies in a repository:
// .github/chainguard/{identity}.sts.yaml, as octo-sts has it.
func PolicyPath(identity string) (string, error) {
	if err := CheckIdentity(identity); err != nil {
		return "", err
	}
	return ".github/chainguard/" + identity + ".sts.yaml", nil
}

// Scope is what a token is asked for: one repository (OWNER/REPO) or an
// owner (OWNER, Repo empty).
type Scope struct {
	Owner string
	Repo  string
}

// ParseScope reads OWNER/REPO or OWNER. It returns a *RequestError when s
// is neither (the text is not echoed).
func ParseScope(s string) (Scope, error) {
	owner, repo, hasRepo := strings.Cut(s, "/")
	if !ghtext.IsLogin(owner) || hasRepo && !ghtext.IsRepo(repo) {
		var ps problems
		ps.add(0, "scope", "scope is OWNER/REPO or OWNER: a GitHub account's name, and a repository's")
		return Scope{}, ps.requestErr(false)
	}
	return Scope{Owner: owner, Repo: repo}, nil
}

func (s Scope) String() string {
	if s.Repo == "" {
		return s.Owner
	}
	return s.Owner + "/" + s.Repo
}

// Locate says where identity's policy for scope s lies, as octo-sts looks
// for it: the repository of s.Owner that holds it, its path there, and the
// kind of policy it is. An owner scope's policy lies in the owner's .github
// repository and is an owner's policy; so is OWNER/.github's, the same
// file, whose grant is then narrowed to .github (see Grant).
func (s Scope) Locate(identity string) (repo, path string, k Kind, err error) {
	path, err = PolicyPath(identity)
	if err != nil {
		return "", "", 0, err
	}
	if s.Repo == "" || strings.EqualFold(s.Repo, OwnerRepository) {
		return OwnerRepository, path, Owner, nil
	}
	return s.Repo, path, Repository, nil
}
