package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/suggest"
)

// InputNames returns the inputs the runner passed, from the process
// environment: INPUT_<NAME> becomes "name" (the runner upper-cases names and
// keeps hyphens), sorted.
func InputNames(environ []string) []string {
	var names []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if rest, ok := strings.CutPrefix(k, "INPUT_"); ok && rest != "" {
			names = append(names, strings.ToLower(rest))
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// permissionPrefix starts the per-permission inputs. The official action
// also reads permission_<name> (its tests set INPUT_PERMISSION_ISSUES), so
// that spelling is read the same way, with a notice.
const (
	permissionPrefix     = "permission-"
	permissionUnderscore = "permission_"
)

// checkPassed looks at every input the runner passed before any is used.
// A value shaped like a key or token outside private-key is refused without
// being shown, and that input is read as empty from then on. An undeclared
// input is refused with the nearest declared name, except permission-<name>
// for a permission newer than the table, which is returned in extra to be
// forwarded (see permissions.Validate).
func (c *Config) checkPassed(r Reader, passed []string, bad *problems) (Reader, permissions.Set) {
	declared := map[string]bool{}
	var names []string
	for _, in := range AllInputs() {
		declared[in.Name] = true
		names = append(names, in.Name)
	}
	hidden := map[string]bool{}
	extra := permissions.Set{}
	// Declared inputs are checked whether or not the runner's list named
	// them: a caller without the process environment still gets the check.
	all := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(passed), names...))))
	for _, name := range all {
		value := r.GetInput(name)
		if name != InPrivateKey && name != InJWT && secret.Looks(value) && !(name == InCACertificates && onlyCertificates(value)) {
			bad.addf("input %s holds what looks like a private key or token (not shown): the App's key belongs in %s only; remove it from %s and rotate the key if this log is public",
				name, InPrivateKey, name)
			hidden[name] = true
			continue
		}
		switch {
		case declared[name]:
		case strings.HasPrefix(name, permissionPrefix), strings.HasPrefix(name, permissionUnderscore):
			c.extraPermission(name, value, extra, bad)
		default:
			hint := ""
			if near := suggest.Closest(name, names, max(2, len(name)/3)); near != "" {
				hint = fmt.Sprintf(" (did you mean %s?)", near)
			}
			bad.addf("input %s is not an input of this action%s: the action would ignore it and mint a token wider than intended; fix its name under `with:` (the README lists every input)",
				quote(name), hint)
		}
	}
	if len(hidden) == 0 {
		return r, extra
	}
	return hidingReader{r, hidden}, extra
}

// extraPermission handles permission-<name> for a name the table lacks.
func (c *Config) extraPermission(input, value string, extra permissions.Set, bad *problems) {
	name := permissions.Normalize(input[len(permissionPrefix):]) // either prefix: same length
	if spec, ok := permissions.Lookup(name); ok {
		// A known permission spelt with underscores: unambiguous.
		c.Notices = append(c.Notices, fmt.Sprintf("input %s is read as %s", input, spec.InputName()))
	} else if near := permissions.Typo(name); near != "" {
		bad.addf("input %s is not an input of this action (did you mean %s?): a misspelt permission would be left out of the request; fix its name under `with:`",
			quote(input), permissionPrefix+strings.ReplaceAll(near, "_", "-"))
		return
	}
	if value = strings.ToLower(value); value != "" {
		extra[name] = value
	}
}

// hidingReader reads the inputs checkPassed refused as empty, so that no
// later error quotes them.
type hidingReader struct {
	Reader
	hidden map[string]bool
}

func (h hidingReader) GetInput(name string) string {
	if h.hidden[name] {
		return ""
	}
	return h.Reader.GetInput(name)
}
