package trust

import (
	"maps"
	"slices"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// Request is what a caller asks the broker for, to narrow the policy's
// grant. Empty fields ask for all the policy grants.
type Request struct {
	// Permissions: GitHub's permission name → level.
	Permissions permissions.Set
	// Repositories: names of the scope owner's repositories, no owner.
	Repositories []string
}

// Grant is what a token may be minted with.
type Grant struct {
	Permissions permissions.Set
	// Repositories names the repositories the token reaches; empty only
	// with AllRepositories.
	Repositories []string
	// AllRepositories: every repository of the installation (an owner's
	// policy without `repositories:`, and a request that does not narrow
	// it).
	AllRepositories bool
}

// Grant narrows the policy's grant for scope by req, never widening it:
// exactly the policy's permissions, or those req asks for when each is in
// the policy at its level or lower; the scope's repository for a repository
// scope (an owner's policy read for OWNER/.github must then list .github or
// list nothing); for an owner scope, the policy's repositories, or those
// req asks for when each is among them. It returns a *RequestError naming
// every problem: Over when req asks for more than the policy grants.
func (c *Compiled) Grant(scope Scope, req Request) (Grant, error) {
	var bad, over problems
	if scope.Repo == "" && c.kind != Owner {
		bad.add(0, "scope", "a repository's policy grants its own repository, never an owner")
		return Grant{}, bad.requestErr(false)
	}
	perms := narrowPermissions(c.perms, req.Permissions, &bad, &over)
	allowed, all := c.repos, c.allRepos
	if scope.Repo != "" {
		if c.kind == Owner && !all && !slices.ContainsFunc(allowed, equalFold(scope.Repo)) {
			over.add(0, "scope", "the policy does not list %s among its repositories", shown(scope.Repo))
		}
		allowed, all = []string{scope.Repo}, false
	}
	repos, all := narrowRepositories(allowed, all, req.Repositories, &bad, &over)
	if err := requestErr(&bad, &over); err != nil {
		return Grant{}, err
	}
	return Grant{Permissions: perms, Repositories: repos, AllRepositories: all}, nil
}

// NarrowPermissions returns req when the policy's permissions cover it
// (each name at the policy's level or lower; metadata:read, which GitHub
// puts in every token, always), or the policy's permissions when req is
// empty. Otherwise it returns a *RequestError naming each.
func NarrowPermissions(policy, req permissions.Set) (permissions.Set, error) {
	var bad, over problems
	out := narrowPermissions(policy, req, &bad, &over)
	return out, requestErr(&bad, &over)
}

// NarrowRepositories returns the repositories of req when allowed covers
// them (all: every repository), or allowed when req is empty, with all
// carried over. Names compare as GitHub compares them, ignoring case; the
// answer spells them as allowed does. Otherwise it returns a *RequestError
// naming each.
func NarrowRepositories(allowed []string, all bool, req []string) ([]string, bool, error) {
	var bad, over problems
	out, all := narrowRepositories(allowed, all, req, &bad, &over)
	return out, all, requestErr(&bad, &over)
}

func requestErr(bad, over *problems) error {
	if bad.Len() > 0 {
		return bad.requestErr(false)
	}
	return over.requestErr(true)
}

var levels = []string{"read", "write", "admin"}

func narrowPermissions(policy, req permissions.Set, bad, over *problems) permissions.Set {
	if len(req) == 0 {
		return maps.Clone(policy)
	}
	for _, name := range slices.Sorted(maps.Keys(req)) {
		if level := req[name]; !ghtext.IsPermission(name, level) || !slices.Contains(levels, level) {
			bad.add(0, "permissions", "%s: %s is not a permission at a level (read, write or admin)", shown(name), shown(level))
		}
	}
	if bad.Len() > 0 {
		return nil
	}
	if wider := permissions.Exceeds(req, policy); len(wider) > 0 {
		over.add(0, "permissions", "the policy does not grant %s (it grants %s)", setting.JoinCapped(wider, 0, ", "), policy)
		return nil
	}
	return maps.Clone(req)
}

func narrowRepositories(allowed []string, all bool, req []string, bad, over *problems) ([]string, bool) {
	if len(req) == 0 {
		return slices.Clone(allowed), all
	}
	spelled := make(map[string]string, len(allowed)) // lower case → as allowed spells it
	for _, name := range allowed {
		spelled[strings.ToLower(name)] = name
	}
	seen := map[string]bool{}
	var out []string
	for _, name := range req {
		key := strings.ToLower(name)
		as, ok := spelled[key]
		switch {
		case strings.ContainsAny(name, `/\`):
			bad.add(0, "repositories", "%s names an owner; ask for repositories of the scope's owner by name only", shown(name))
		case !ghtext.IsRepo(name):
			bad.add(0, "repositories", "%s is not a repository name", shown(name))
		case seen[key]:
		case ok:
			seen[key] = true
			out = append(out, as)
		case all:
			seen[key] = true
			out = append(out, name)
		default:
			over.add(0, "repositories", "the policy does not grant %s (it grants %s)", shown(name), setting.JoinCapped(allowed, 0, ", "))
		}
	}
	return out, false
}

func equalFold(name string) func(string) bool {
	return func(s string) bool { return strings.EqualFold(s, name) }
}
