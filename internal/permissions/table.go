// Package permissions knows every permission a GitHub App installation token
// can carry, reads the permissions a workflow asks for, and checks a request
// before it is sent, so that nothing leaves for GitHub that can only fail.
package permissions

import (
	"slices"
	"sync"
)

// githubPermissions (table_gen.go) is GitHub's own list of App permissions,
// app-permissions.json (components.schemas.app-permissions of the OpenAPI
// description, merged across github.com, GHEC and GHES), as Go data: the
// binary parses no JSON (decoding it cost every run 0.45 ms in 1,012
// allocations). refresh.sh rebuilds the JSON from the npm package its
// "source" field names; then run `go generate ./...` so table_gen.go,
// action.yml and docs/inputs.md follow. TestPermissionTableIsCurrent fails
// when table_gen.go drifts from the JSON.
//
//go:generate go test -run ^TestPermissionTableIsCurrent$ -update .

// Spec describes one permission: the wire name and the levels GitHub accepts for it.
type Spec struct {
	// Name is the snake_case name GitHub uses on the wire, e.g. "pull_requests".
	Name string
	// Levels lists the accepted levels, lowest first (e.g. read, write).
	Levels []string
	// Description is GitHub's one-line description.
	Description string
	// Platforms names where the permission exists (api.github.com, ghec, ghes-3.19 ...).
	Platforms []string
}

// InputName is the action input that sets this permission: "permission-" plus the
// name with dashes, as in the official action.
func (s Spec) InputName() string { return "permission-" + dashed(s.Name) }

// Allows reports whether level is one GitHub accepts for this permission.
func (s Spec) Allows(level string) bool { return slices.Contains(s.Levels, level) }

var loadTable = sync.OnceValues(func() ([]Spec, error) {
	known := make(map[string]bool, len(githubPermissions))
	for _, s := range githubPermissions {
		known[s.Name] = true
	}
	// The official action's permission inputs join the table (see official.go).
	official, err := officialOnly(known)
	if err != nil {
		return nil, err
	}
	specs := slices.Concat(githubPermissions, official)
	slices.SortFunc(specs, func(a, b Spec) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return specs, nil
})

// All returns every permission GitHub knows, and those only the official
// action's inputs name (Platforms is OfficialPlatform), sorted by name. The slice is shared:
// callers must not modify it.
func All() []Spec {
	specs, err := loadTable()
	if err != nil {
		// The tables are built in; a failure is a build defect that every
		// test catches.
		panic(err)
	}
	return specs
}

// Lookup finds a permission by its snake_case name.
func Lookup(name string) (Spec, bool) {
	specs := All()
	i, ok := slices.BinarySearchFunc(specs, name, func(s Spec, n string) int {
		switch {
		case s.Name < n:
			return -1
		case s.Name > n:
			return 1
		}
		return 0
	})
	if !ok {
		return Spec{}, false
	}
	return specs[i], true
}

// rank orders levels: read < write < admin. Unknown levels rank below read.
func rank(level string) int {
	switch level {
	case "read":
		return 1
	case "write":
		return 2
	case "admin":
		return 3
	}
	return 0
}
