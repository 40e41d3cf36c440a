package permissions

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
	"github.com/app-token/app-token/internal/suggest"
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

// Error lists the problems found in a permission request, so a user fixes
// them all in one go instead of one per run: the first setting.MaxShown of
// them, and how many more there are.
type Error struct {
	// Problems holds one human sentence per problem, in a stable order.
	Problems []string
	// More counts the problems past Problems.
	More int
}

func (e *Error) Error() string {
	return setting.JoinCapped(e.Problems, e.More, "; ")
}

func problems(list setting.Capped[string]) error {
	if list.Len() == 0 {
		return nil
	}
	return &Error{Problems: list.Kept, More: list.More}
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
	var bad setting.Capped[string]
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
			if e := strings.ToLower(entry); e == "read-all" || e == "write-all" {
				bad.Add(fmt.Sprintf("line %d: %s is a GITHUB_TOKEN shorthand; list each permission as `name: level`, or leave them out for everything the installation has", lineNo+1, e))
				continue
			}
			if !ok || name == "" || level == "" {
				bad.Add(fmt.Sprintf("line %d: %s is not `name: level` (for example `contents: write`)", lineNo+1, secret.Quote(entry)))
				continue
			}
			if prev, dup := set[name]; dup && prev != level {
				bad.Add(fmt.Sprintf("line %d: %s is listed twice, as %s and %s", lineNo+1, secret.Quote(name), secret.Quote(prev), secret.Quote(level)))
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
	var bad setting.List
	for _, name := range slices.Sorted(maps.Keys(fromBlock)) {
		level := fromBlock[name]
		if prev, ok := merged[name]; ok && prev != level {
			bad = append(bad, setting.Errorf("%s is %s in input %s but %s in %s: set it in one place",
				secret.Quote(name), secret.Quote(prev), secret.Quote("permission-"+dashed(name)), secret.Quote(level), setting.Input(setting.Permissions)))
			continue
		}
		merged[name] = level
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return merged, nil
}

// Validate checks a request against GitHub's table before anything is sent:
// levels a permission does not have, and unknown names. An unknown name that
// is a likely typo of a known one is an error with the suggestion; any other
// unknown name is returned in forwarded, to be sent to GitHub as written, so
// that permissions newer than this table keep working (GitHub refuses the
// token if the name means nothing to it).
func Validate(req Set) (forwarded []string, err error) {
	var bad setting.Capped[string]
	for _, name := range slices.Sorted(maps.Keys(req)) {
		level := req[name]
		spec, known := Lookup(name)
		switch {
		case level == "none":
			bad.Add(fmt.Sprintf("%s: \"none\" is not a level a token can be asked for; leave the permission out instead", secret.Quote(name)))
		case !known:
			if why := unknownName(name, level); why != "" {
				bad.Add(why)
			} else {
				forwarded = append(forwarded, name)
			}
		case !spec.Allows(level):
			bad.Add(fmt.Sprintf("%q cannot be %s: GitHub accepts %s", name, secret.Quote(level), strings.Join(spec.Levels, " or ")))
		}
	}
	return forwarded, problems(bad)
}

// Levels GitHub uses for every permission; a forwarded name must use one.
var anyLevel = []string{"read", "write", "admin"}

// unknownName explains why an unknown name cannot be sent, or returns "" when
// it may be forwarded as written. Nothing is refused from knowledge outside
// GitHub's table (models, say, was granted to Apps before the table had it):
// GitHub answers for the names it does not know.
func unknownName(name, level string) string {
	if near := Typo(name); near != "" {
		return fmt.Sprintf("unknown permission %s (did you mean %q?)", secret.Quote(name), near)
	}
	if !ghtext.IsPermission(name, level) || !slices.Contains(anyLevel, level) {
		return fmt.Sprintf("unknown permission %s at level %s: a permission is a snake_case name at read, write or admin", secret.Quote(name), secret.Quote(level))
	}
	return ""
}

// Typo returns the known permission that name is most likely a misspelling
// of: one or two typos away (one for short names), or the known name it is
// the start of ("pull" for pull_requests). "" means none is that close.
func Typo(name string) string {
	limit := 2
	if len(name) <= 4 {
		limit = 1
	}
	names := make([]string, 0, len(All()))
	for _, s := range All() {
		if len(name) >= 4 && strings.HasPrefix(s.Name, name) {
			return s.Name
		}
		names = append(names, s.Name)
	}
	return suggest.Closest(name, names, limit)
}

// CheckGranted compares a request with what the installation was granted (from
// the installation lookup) and names every permission that asks for more.
// GitHub would refuse the whole request with one vague 422; this says which.
func CheckGranted(req, granted Set, account string) error {
	var bad setting.Capped[string]
	for _, name := range slices.Sorted(maps.Keys(req)) {
		want := req[name]
		have, ok := granted[name]
		switch {
		case !ok:
			bad.Add(fmt.Sprintf("%s:%s is not granted to the installation on %s at all", name, want, account))
		case rank(want) > rank(have):
			if !ghtext.IsPermission(name, have) {
				have = "a level GitHub does not use"
			}
			bad.Add(fmt.Sprintf("%s:%s exceeds what the installation on %s granted (%s)", name, want, account, have))
		}
	}
	return problems(bad)
}

// Exceeds lists, sorted, what granted holds beyond limit: a name limit lacks
// or a higher level (a level GitHub does not use counts as higher).
// metadata:read is not counted, since GitHub adds it to every token. Entries
// outside the table's alphabet are the caller's to handle (see ghtext): they
// are skipped here, so that nothing returned can break a log line.
func Exceeds(granted, limit Set) []string {
	var over []string
	for _, name := range slices.Sorted(maps.Keys(granted)) {
		level := granted[name]
		switch {
		case !ghtext.IsPermission(name, level):
		case name == "metadata" && level == "read":
		case rank(level) == 0 || rank(level) > rank(limit[name]):
			over = append(over, name+":"+level)
		}
	}
	return over
}
