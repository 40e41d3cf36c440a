// Package trust reads and applies a token broker's trust policies, in
// octo-sts's format and place, so that octo-sts's users move over with the
// files they have: `.github/chainguard/{identity}.sts.yaml` in the scope
// repository, or for an owner scope in the owner's `.github` repository,
// where it may add `repositories:`.
//
// A policy says which OIDC tokens (issuer, subject, audience, other claims)
// get which installation permissions. This package is pure: no HTTP, no
// GitHub calls. Parse, ParseOwner and Load read a file strictly (fail
// closed), Compile applies octo-sts's rules with every pattern matching the
// whole string, Check holds a token's claims to a compiled policy, and
// Grant narrows the policy's grant by a request, never widening it.
//
// Errors are data: *PolicyError (the file), *Denied (the token),
// *RequestError (the request); the broker renders them.
package trust

import (
	"slices"

	"github.com/app-token/app-token/internal/permissions"
)

// Policy is a repository's trust policy: octo-sts's TrustPolicy, field for
// field. Empty strings are absent fields.
type Policy struct {
	// Issuer is the token's exact `iss`.
	Issuer string `json:"issuer,omitempty"`
	// IssuerPattern is a regular expression the whole `iss` must match.
	IssuerPattern string `json:"issuer_pattern,omitempty"`
	// Subject is the token's exact `sub`.
	Subject string `json:"subject,omitempty"`
	// SubjectPattern is a regular expression the whole `sub` must match.
	SubjectPattern string `json:"subject_pattern,omitempty"`
	// Audience is one of the token's `aud` values, exactly.
	Audience string `json:"audience,omitempty"`
	// AudiencePattern is a regular expression one whole `aud` value must
	// match.
	AudiencePattern string `json:"audience_pattern,omitempty"`
	// ClaimPattern maps a claim's name to a regular expression its whole
	// value must match; the claim must be present.
	ClaimPattern map[string]string `json:"claim_pattern,omitempty"`
	// Permissions is what the token gets: GitHub's permission name → level.
	Permissions permissions.Set `json:"permissions,omitempty"`
}

// OwnerPolicy is an owner's trust policy, in the owner's `.github`
// repository: a Policy and the repositories it reaches.
type OwnerPolicy struct {
	Policy
	// Repositories names the repositories (names only, no owner) a token
	// may reach; nil means every repository of the installation, as in
	// octo-sts. A request may narrow either.
	Repositories []string `json:"repositories,omitempty"`
}

// Kind is which of the two policies a file holds, from where it lies.
type Kind uint8

const (
	// Repository is a repository's policy: it lies in the repository it
	// grants, and grants that repository only.
	Repository Kind = iota + 1
	// Owner is an owner's policy: it lies in the owner's `.github`
	// repository and may list repositories.
	Owner
)

// file is a policy file's fields, flat: sigs.k8s.io/yaml turns a number or
// a boolean into a string field's text only for a struct's own fields, not
// for those an embedded struct promotes.
type file struct {
	Issuer          string            `json:"issuer"`
	IssuerPattern   string            `json:"issuer_pattern"`
	Subject         string            `json:"subject"`
	SubjectPattern  string            `json:"subject_pattern"`
	Audience        string            `json:"audience"`
	AudiencePattern string            `json:"audience_pattern"`
	ClaimPattern    map[string]string `json:"claim_pattern"`
	Permissions     map[string]string `json:"permissions"`
	Repositories    []string          `json:"repositories"`
}

// values lists f's fields by their names in the file, in fieldTable's
// terms: a string, a map[string]string or a []string.
func (f *file) values() map[string]any {
	return map[string]any{
		"issuer":           f.Issuer,
		"issuer_pattern":   f.IssuerPattern,
		"subject":          f.Subject,
		"subject_pattern":  f.SubjectPattern,
		"audience":         f.Audience,
		"audience_pattern": f.AudiencePattern,
		"claim_pattern":    f.ClaimPattern,
		"permissions":      f.Permissions,
		"repositories":     f.Repositories,
	}
}

func (f *file) policy() OwnerPolicy {
	return OwnerPolicy{
		Policy: Policy{
			Issuer:          f.Issuer,
			IssuerPattern:   f.IssuerPattern,
			Subject:         f.Subject,
			SubjectPattern:  f.SubjectPattern,
			Audience:        f.Audience,
			AudiencePattern: f.AudiencePattern,
			ClaimPattern:    f.ClaimPattern,
			Permissions:     permissions.Set(f.Permissions),
		},
		Repositories: f.Repositories,
	}
}

// shape is what a field's value is written as.
type shape uint8

const (
	text     shape = iota // a string
	textMap               // a mapping of strings to strings
	textList              // a list of strings
)

// field is one field a policy file may hold.
type field struct {
	name  string
	shape shape
	// owner: only an owner's policy may hold it.
	owner bool
}

// fieldTable is every field of a policy file, in the order octo-sts's
// schema lists them. TestFieldsAgree holds it to Policy, OwnerPolicy, file
// and policy.schema.json.
var fieldTable = []field{
	{"issuer", text, false},
	{"issuer_pattern", text, false},
	{"subject", text, false},
	{"subject_pattern", text, false},
	{"audience", text, false},
	{"audience_pattern", text, false},
	{"claim_pattern", textMap, false},
	{"permissions", textMap, false},
	{"repositories", textList, true},
}

func lookupField(name string) (field, bool) {
	i := slices.IndexFunc(fieldTable, func(f field) bool { return f.name == name })
	if i < 0 {
		return field{}, false
	}
	return fieldTable[i], true
}

// fieldNames lists the fields a policy of kind k may hold.
func fieldNames(k Kind) []string {
	var names []string
	for _, f := range fieldTable {
		if !f.owner || k == Owner {
			names = append(names, f.name)
		}
	}
	return names
}

// Parse reads a repository's policy file strictly (see Load): a field it
// does not know, `repositories:` among them, is an error.
func Parse(data []byte) (*Policy, error) {
	f, _, err := read(data, Repository)
	if err != nil {
		return nil, err
	}
	p := f.policy().Policy
	return &p, nil
}

// ParseOwner reads an owner's policy file strictly (see Load).
func ParseOwner(data []byte) (*OwnerPolicy, error) {
	f, _, err := read(data, Owner)
	if err != nil {
		return nil, err
	}
	p := f.policy()
	return &p, nil
}

// Load reads a policy file of kind k and compiles it: the one call a broker
// makes. Every problem names its line. The file is refused (a
// *PolicyError) when it is larger than MaxPolicyBytes, does not parse as
// one YAML document, uses anchors, aliases or tags, holds a field this
// package does not know (names are exact: `Subject` is not `subject`), a
// field twice, a value of the wrong shape or none, a value that octo-sts's
// YAML 1.1 reading and YAML 1.2 read differently, or breaks a rule of
// Compile.
func Load(data []byte, k Kind) (*Compiled, error) {
	f, lines, err := read(data, k)
	if err != nil {
		return nil, err
	}
	p := f.policy()
	return compile(&p, k, lines)
}
