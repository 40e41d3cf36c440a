package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
	"github.com/app-token/app-token/internal/suggest"
)

// Reader reads the action's inputs and environment; *githubactions.Action
// provides both.
type Reader interface {
	GetInput(name string) string
	Getenv(key string) string
}

// FromInputs is the action's inputs as a Source: each setting read from
// its input.
func FromInputs(r Reader) Source { return inputs{r} }

type inputs struct{ Reader }

func (in inputs) Setting(id setting.ID) string { return in.GetInput(id.Input()) }

// ReadInputs reads and checks the action's inputs: Read's rules, and the
// action's own. passed names every input the runner passed (see
// InputNames), declared or not: the runner hands over every `with:` entry,
// and an input the action does not know is a typo that would otherwise
// widen the token. The permission-* inputs are merged with the permissions
// block.
func ReadInputs(r Reader, passed []string) (*Config, error) {
	var (
		bad     problems
		notices []*setting.Error
	)
	r, fromInputs := checkPassed(r, passed, &bad, &notices)
	for _, spec := range permissions.All() {
		if v := strings.ToLower(r.GetInput(spec.InputName())); v != "" {
			if prev, ok := fromInputs[spec.Name]; ok && prev != v {
				bad.addf("input %s is %s but its underscore spelling says %s: set it once", spec.InputName(), quote(v), quote(prev))
			}
			fromInputs[spec.Name] = v
		}
	}
	c, err := readSettings(FromInputs(r), fromInputs, bad)
	if err != nil {
		return nil, err
	}
	c.Notices = append(notices, c.Notices...)
	return c, nil
}

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

// checkPassed looks at every input the runner passed that is not a setting
// (see hideSecrets for those) before any is used. A value shaped like a
// key or token is refused without being shown, and that input is read as
// empty from then on. An undeclared
// input is refused with the nearest declared name, except permission-<name>
// for a permission newer than the table, which is returned in extra to be
// forwarded (see permissions.Validate).
func checkPassed(r Reader, passed []string, bad *problems, notices *[]*setting.Error) (Reader, permissions.Set) {
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
		if value == "" && narrows(name) && r.Getenv("INPUT_"+strings.ToUpper(name)) != "" {
			// GetInput trims, so a value of only spaces or newlines would
			// read as "not set", which for these inputs means everything.
			what := "permission"
			if name == setting.Repositories.Input() {
				what = "repository"
			}
			bad.addf("input %s holds only whitespace: it would mean every %s the installation has; leave it out for that, or name what the token needs", shown(name), what)
			continue
		}
		if _, isSetting := setting.Lookup(name); isSetting {
			continue // checked with every door's settings: see hideSecrets
		}
		if secret.Looks(value) {
			bad.addf("input %s holds what looks like a private key or token (not shown): the App's key belongs in %s only; remove it from %s and rotate the key if this log is public",
				shown(name), setting.PrivateKey, shown(name))
			hidden[name] = true
			continue
		}
		switch {
		case declared[name]:
		case strings.HasPrefix(name, permissionPrefix), strings.HasPrefix(name, permissionUnderscore):
			extraPermission(name, value, extra, bad, notices)
		default:
			hint := ""
			if near := suggest.Closest(name, names, max(2, len(name)/3)); near != "" {
				hint = fmt.Sprintf(" (did you mean %s?)", near)
			}
			bad.addf("input %s is not an input of this action%s: the action would ignore it and mint a token wider than intended; fix its name under `with:` (docs/inputs.md lists every input)",
				quote(name), hint)
		}
	}
	if len(hidden) == 0 {
		return r, extra
	}
	return hidingReader{r, hidden}, extra
}

// narrows tells the inputs that narrow the token: left out, they mean
// everything.
func narrows(name string) bool {
	return name == setting.Repositories.Input() || name == setting.Permissions.Input() ||
		strings.HasPrefix(name, permissionPrefix) || strings.HasPrefix(name, permissionUnderscore)
}

// extraPermission handles permission-<name> for a name the table lacks.
func extraPermission(input, value string, extra permissions.Set, bad *problems, notices *[]*setting.Error) {
	name := permissions.Normalize(input[len(permissionPrefix):]) // either prefix: same length
	if spec, ok := permissions.Lookup(name); ok {
		// A known permission spelt with underscores: unambiguous.
		*notices = append(*notices, setting.Errorf("input %s is read as %s", shown(input), spec.InputName()))
	} else if near := permissions.Typo(name); near != "" {
		bad.addf("input %s is not an input of this action (did you mean %s?): a misspelt permission would be left out of the request; fix its name under `with:`",
			quote(input), permissionPrefix+strings.ReplaceAll(near, "_", "-"))
		return
	}
	if value = strings.ToLower(value); value != "" {
		extra[name] = value
	}
}

// shown is how a message names an input the runner passed: a `with:` key
// is written by anyone, so it is shown as it is only when it is a name.
func shown(name string) string {
	if ghtext.IsName(name) {
		return name
	}
	return quote(name)
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
