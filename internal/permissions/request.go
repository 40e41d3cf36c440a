package permissions

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Set is a set of permissions: snake_case name → level ("read", "write", "admin").
// It is what the token request sends and what GitHub grants.
type Set map[string]string

// String renders the set as "contents:write, issues:read", sorted by name, for logs.
func (s Set) String() string {
	names := slices.Sorted(maps.Keys(s))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ":" + s[n]
	}
	return strings.Join(parts, ", ")
}

// Error lists every problem found in a permission request, so a user fixes
// them all in one go instead of one per run.
type Error struct {
	// Problems holds one human sentence per problem, in a stable order.
	Problems []string
}

func (e *Error) Error() string {
	return strings.Join(e.Problems, "; ")
}

func problems(list []string) error {
	if len(list) == 0 {
		return nil
	}
	return &Error{Problems: list}
}

// Normalize turns a permission name as a user may write it ("Pull-Requests",
// " pull_requests ") into GitHub's wire form ("pull_requests").
func Normalize(name string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
}

func dashed(name string) string { return strings.ReplaceAll(name, "_", "-") }

// ParseBlock reads the `permissions` input: one `name: level` per line, in the
// syntax of a workflow's `permissions:` block. Names may use dashes or
// underscores; blank lines, `#` comments, a surrounding `{ }` and commas between
// entries are accepted so a flow-style map pasted from YAML works too.
// Every malformed entry is reported at once.
func ParseBlock(text string) (Set, error) {
	set := Set{}
	var bad []string
	text = strings.TrimSpace(text)
	text = strings.TrimSuffix(strings.TrimPrefix(text, "{"), "}")
	for lineNo, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, entry := range strings.Split(line, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			name, level, ok := strings.Cut(entry, ":")
			name, level = Normalize(name), unquote(strings.ToLower(strings.TrimSpace(level)))
			if !ok || name == "" || level == "" {
				bad = append(bad, fmt.Sprintf("permissions line %d: %q is not `name: level` (for example `contents: write`)", lineNo+1, entry))
				continue
			}
			if prev, dup := set[name]; dup && prev != level {
				bad = append(bad, fmt.Sprintf("permissions: %q is listed twice, as %q and %q", name, prev, level))
				continue
			}
			set[name] = level
		}
	}
	if err := problems(bad); err != nil {
		return nil, err
	}
	return set, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// Merge combines the per-permission inputs (`permission-contents: write`) with
// the `permissions` block. The same name with two different levels is an error
// rather than a silent winner.
func Merge(fromInputs, fromBlock Set) (Set, error) {
	merged := maps.Clone(fromInputs)
	if merged == nil {
		merged = Set{}
	}
	var bad []string
	for _, name := range slices.Sorted(maps.Keys(fromBlock)) {
		level := fromBlock[name]
		if prev, ok := merged[name]; ok && prev != level {
			bad = append(bad, fmt.Sprintf("%q is %q in input %s but %q in input permissions: set it in one place",
				name, prev, "permission-"+dashed(name), level))
			continue
		}
		merged[name] = level
	}
	if err := problems(bad); err != nil {
		return nil, err
	}
	return merged, nil
}

// Validate checks a request against GitHub's table before anything is sent:
// unknown names (with the nearest known name as a hint) and levels the
// permission does not have.
func Validate(req Set) error {
	var bad []string
	for _, name := range slices.Sorted(maps.Keys(req)) {
		level := req[name]
		spec, ok := Lookup(name)
		if !ok {
			bad = append(bad, unknownName(name))
			continue
		}
		if level == "none" {
			bad = append(bad, fmt.Sprintf("%q: \"none\" is not a level a token can be asked for; leave the permission out instead", name))
			continue
		}
		if !spec.Allows(level) {
			bad = append(bad, fmt.Sprintf("%q cannot be %q: GitHub accepts %s", name, level, strings.Join(spec.Levels, " or ")))
		}
	}
	return problems(bad)
}

// tokenOnly names permissions of a workflow's GITHUB_TOKEN that GitHub Apps do
// not have, so a user copying a `permissions:` block gets a precise answer.
var tokenOnly = map[string]string{
	"id_token": "id-token is a GITHUB_TOKEN permission for OIDC; an App token cannot carry it",
	"models":   "models is a GITHUB_TOKEN permission; an App token cannot carry it",
}

func unknownName(name string) string {
	if why, ok := tokenOnly[name]; ok {
		return fmt.Sprintf("%q is not a GitHub App permission: %s", name, why)
	}
	msg := fmt.Sprintf("unknown permission %q", name)
	if near := nearest(name); near != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", near)
	}
	return msg
}

// CheckGranted compares a request with what the installation was granted (from
// the installation lookup) and names every permission that asks for more.
// GitHub would refuse the whole request with one vague 422; this says which.
func CheckGranted(req, granted Set, account string) error {
	var bad []string
	for _, name := range slices.Sorted(maps.Keys(req)) {
		want := req[name]
		have, ok := granted[name]
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s:%s is not granted to the installation on %s at all", name, want, account))
		case rank(want) > rank(have):
			bad = append(bad, fmt.Sprintf("%s:%s exceeds what the installation on %s granted (%s)", name, want, account, have))
		}
	}
	return problems(bad)
}

// nearest returns the known permission closest to name, or "" if none is close
// enough to be a plausible typo.
func nearest(name string) string {
	best, bestDist, containing := "", len(name)/3+2, ""
	for _, s := range All() {
		if d := distance(name, s.Name); d < bestDist {
			best, bestDist = s.Name, d
		}
		if containing == "" && len(name) >= 4 && strings.Contains(s.Name, name) {
			containing = s.Name
		}
	}
	if best == "" {
		return containing
	}
	return best
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
