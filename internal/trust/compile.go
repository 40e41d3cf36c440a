package trust

import (
	"errors"
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/permissions"
)

// Compiled is a policy ready to check tokens: patterns compiled, each
// matching the whole value; permissions checked against GitHub's table;
// repositories read. It shares nothing with the policy it came from and is
// safe for concurrent use.
type Compiled struct {
	kind      Kind
	issuer    *matcher
	subject   *matcher
	audience  *matcher // nil: the broker's audience is what counts
	claims    []claimMatcher
	perms     permissions.Set
	forwarded []string
	repos     []string
	allRepos  bool
}

// matcher is one of the policy's literals or patterns.
type matcher struct {
	field string         // as the policy names it: "subject", "subject_pattern"
	text  string         // what the policy says
	re    *regexp.Regexp // nil for a literal
}

func (m *matcher) match(s string) bool {
	if m.re != nil {
		return m.re.MatchString(s)
	}
	return s == m.text
}

type claimMatcher struct {
	name string
	*matcher
}

// Compile checks a repository's policy by octo-sts's rules (see compile).
func (p *Policy) Compile() (*Compiled, error) {
	return compile(&OwnerPolicy{Policy: *p}, Repository, nil)
}

// Compile checks an owner's policy by octo-sts's rules (see compile).
func (p *OwnerPolicy) Compile() (*Compiled, error) {
	return compile(p, Owner, nil)
}

// MaxPatternSize bounds the RE2 program all of a policy's patterns make
// together, in instructions (a pattern such as
// `repo:org/app:ref:refs/heads/(main|release-.*)` makes about 50). Go
// compiles `a{1000}` into a thousand instructions: 3,000 of them, 21 KB of
// policy, would cost 865 MB and six seconds to compile, and every token
// checked against them would pay in proportion.
const MaxPatternSize = 4000

// compiler holds what compiling one policy shares: its problems, the lines
// of its fields (nil for a policy that is no file), and what is left of
// MaxPatternSize.
type compiler struct {
	ps     problems
	at     lines
	budget int
}

// compile applies octo-sts's rules, naming the line of each problem that at
// knows: exactly one of issuer and issuer_pattern, exactly one of subject
// and subject_pattern, at most one of audience and audience_pattern; every
// pattern a valid regular expression on its own, compiled as ^(?:...)$ so
// that it matches the whole value (`main|develop` does not match `main-x`:
// advisory GHSA-mwqh-2vg8-rhj3). Beyond octo-sts: the patterns together
// within MaxPatternSize; the permissions GitHub's names at GitHub's levels,
// as the action's `permissions` input takes them (a name newer than the
// table is forwarded), and at least one, since a token request without
// permissions gets every permission of the installation; an owner's
// repositories names (no owner), and an empty list refused rather than read
// as "every repository".
func compile(p *OwnerPolicy, k Kind, at lines) (*Compiled, error) {
	cc := &compiler{at: at, budget: MaxPatternSize}
	c := &Compiled{kind: k}
	c.issuer = cc.pair(p.Issuer, p.IssuerPattern, "issuer", "the OIDC issuer it trusts")
	c.subject = cc.pair(p.Subject, p.SubjectPattern, "subject", "the tokens' subject it trusts")
	c.audience = cc.pair(p.Audience, p.AudiencePattern, "audience", "")
	for _, name := range slices.Sorted(maps.Keys(p.ClaimPattern)) {
		if name == "" {
			cc.ps.add(at["claim_pattern"], "claim_pattern", "a claim's name is empty")
			continue
		}
		if re := cc.anchored(p.ClaimPattern[name], keyPath("claim_pattern", name)); re != nil {
			c.claims = append(c.claims, claimMatcher{name, &matcher{"claim_pattern", p.ClaimPattern[name], re}})
		}
	}
	c.perms, c.forwarded = grantable(p.Permissions, at, &cc.ps)
	if k == Owner {
		c.repos, c.allRepos = ownerRepositories(p.Repositories, at, &cc.ps)
	}
	if err := cc.ps.policyErr(); err != nil {
		return nil, err
	}
	return c, nil
}

// pair reads a literal and its pattern, of which at most one may be set;
// one must be when what (what the field says) is not empty.
func (cc *compiler) pair(literal, pattern, name, what string) *matcher {
	patternName := name + "_pattern"
	if literal != "" && pattern != "" {
		cc.ps.add(cc.at[patternName], patternName, "set %s or %s, not both", name, patternName)
		return nil
	}
	if pattern != "" {
		if re := cc.anchored(pattern, patternName); re != nil {
			return &matcher{patternName, pattern, re}
		}
		return nil
	}
	if literal != "" {
		return &matcher{name, literal, nil}
	}
	if what != "" {
		cc.ps.add(0, name, "the policy needs %s or %s: %s", name, patternName, what)
	}
	return nil
}

// anchored compiles a policy's pattern to match whole values only. The
// pattern must be valid alone first: wrapped, `x)|(.*` would compile, into
// a pattern that matches anything. Its size is taken from the budget before
// Go compiles it.
func (cc *compiler) anchored(pattern, path string) *regexp.Regexp {
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		cc.ps.add(cc.at[path], path, "%s is not a regular expression (%s)", shown(pattern), reason(err))
		return nil
	}
	// ^, (?:, ) and $ cost at most four more.
	size := progSize(tree, cc.budget) + 4
	if size > cc.budget {
		cc.ps.add(cc.at[path], path, "%s makes the policy's patterns larger than %d instructions together; write shorter patterns, without large {n} counts", shown(pattern), MaxPatternSize)
		cc.budget = 0
		return nil
	}
	cc.budget -= size
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		// \Q without \E quotes the closing group too.
		cc.ps.add(cc.at[path], path, "%s cannot be made to match whole values (%s); end a \\Q with \\E", shown(pattern), reason(err))
		return nil
	}
	return re
}

// progSize is an upper bound of the instructions Go's regexp compiles re
// into, or more than limit once it is past it: counted from the parsed
// tree, without expanding repeats (which is what costs).
func progSize(re *syntax.Regexp, limit int) int {
	subs := 0
	for _, sub := range re.Sub {
		subs += progSize(sub, limit)
		if subs > limit {
			return limit + 1
		}
	}
	var n int
	switch re.Op {
	case syntax.OpLiteral:
		n = len(re.Rune)
	case syntax.OpRepeat:
		// x{n,m} is n copies of x, then m-n optional ones; x{n,} ends
		// in x*.
		if re.Max == -1 {
			n = re.Min*subs + subs + 2
		} else {
			n = re.Min*subs + (re.Max-re.Min)*(subs+1) + 1
		}
	case syntax.OpCapture:
		n = subs + 2
	default: // one instruction, and one a branch of an alternation or a loop
		n = subs + len(re.Sub) + 1
	}
	return min(n, limit+1)
}

// reason is what regexp says is wrong, without the pattern it quotes.
func reason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return se.Code.String()
	}
	return ghtext.Message(err.Error())
}

// grantable checks a policy's permissions as the action checks its
// `permissions` input.
func grantable(set permissions.Set, at lines, ps *problems) (permissions.Set, []string) {
	if len(set) == 0 {
		ps.add(at["permissions"], "permissions", "the policy grants no permission; list each as name: level (a token asked for without permissions gets every permission of the installation)")
		return nil, nil
	}
	forwarded, err := permissions.Validate(set)
	var pe *permissions.Error
	if errors.As(err, &pe) {
		for _, what := range pe.Problems {
			ps.add(at["permissions"], "permissions", "%s", what)
		}
		ps.More += pe.More
	}
	return maps.Clone(set), forwarded
}

// ownerRepositories reads an owner's `repositories:`: names of repositories
// of that owner, without repeats; nil for every repository.
func ownerRepositories(names []string, at lines, ps *problems) ([]string, bool) {
	if names == nil {
		return nil, true
	}
	if len(names) == 0 {
		ps.add(at["repositories"], "repositories", "lists no repository; leave repositories out for every repository of the installation, or name them")
		return nil, false
	}
	var repos []string
	seen := map[string]bool{}
	for i, name := range names {
		path := "repositories[" + strconv.Itoa(i) + "]"
		switch {
		case strings.ContainsAny(name, `/\`):
			ps.add(at[path], path, "%s names an owner; an owner's policy lists its own repositories by name only", shown(name))
		case !ghtext.IsRepo(name):
			ps.add(at[path], path, "%s is not a repository name (at most 100 of letters, digits, '.', '-' and '_')", shown(name))
		case !seen[strings.ToLower(name)]:
			seen[strings.ToLower(name)] = true
			repos = append(repos, name)
		}
	}
	return repos, false
}

// Kind is which policy c was compiled as.
func (c *Compiled) Kind() Kind { return c.kind }

// Permissions returns a copy of the permissions the policy grants.
func (c *Compiled) Permissions() permissions.Set { return maps.Clone(c.perms) }

// Forwarded lists the policy's permission names that GitHub's table (as
// this binary holds it) lacks: they are sent to GitHub as written, so that
// a permission newer than the table keeps working.
func (c *Compiled) Forwarded() []string { return slices.Clone(c.forwarded) }

// Repositories returns an owner's policy's repositories, or all=true when
// it names none (every repository of the installation). A repository's
// policy returns neither: it grants its own repository only.
func (c *Compiled) Repositories() (names []string, all bool) {
	return slices.Clone(c.repos), c.allRepos
}
