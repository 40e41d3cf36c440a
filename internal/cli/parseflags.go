package cli

import (
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/app-token/app-token/internal/secret"
)

// emptyValues remembers which flags were given an empty value: the flag
// package cannot tell `--permissions ”` from no --permissions at all, and
// for several flags absent means "everything". It also remembers a flag
// given twice: the flag package keeps the last value, so
// `--owner a --owner b` or `--repositories x --repositories y` would
// silently drop what the user wrote first.
type emptyValues struct {
	names []string
	seen  map[string]bool
	twice []string
}

// watch wraps every flag of fs that takes a value so Set records an
// empty one. Boolean flags are left as they are (they take no value).
func (e *emptyValues) watch(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			return
		}
		f.Value = &recording{f.Value, f.Name, e}
	})
}

type recording struct {
	flag.Value
	name string
	e    *emptyValues
}

func (r *recording) Set(v string) error {
	if r.e.seen == nil {
		r.e.seen = map[string]bool{}
	}
	if rv, ok := r.Value.(interface{ repeats() bool }); r.e.seen[r.name] && !(ok && rv.repeats()) {
		r.e.twice = append(r.e.twice, r.name)
	}
	r.e.seen[r.name] = true
	if strings.TrimSpace(v) == "" {
		r.e.names = append(r.e.names, r.name)
	}
	return r.Value.Set(v)
}

// String serves the flag package's help, which calls it on a zero value too.
func (r *recording) String() string {
	if r == nil || r.Value == nil {
		return ""
	}
	return r.Value.String()
}

// err refuses an empty value: as in the action, empty means an error, not
// everything (nor a default the user did not choose).
func (e *emptyValues) err(command string) error {
	if len(e.twice) > 0 {
		return usagef("--%s is given more than once: give it once, with every value in it (e.g. --repositories a,b)", e.twice[0])
	}
	if len(e.names) == 0 {
		return nil
	}
	name := e.names[0]
	switch name {
	case "permissions":
		return usagef("--permissions is empty: it would mean every permission the installation has; name the permissions (e.g. --permissions 'contents: read'), or leave the flag out to ask for all of them")
	case "repositories":
		return usagef("--repositories is empty: it would mean every repository of the owner; name the repositories, or leave the flag out (with --owner) to ask for all of them")
	}
	return usagef("--%s is empty: give it a value, or leave the flag out for its default (run `app-token %s -h`)", name, command)
}

// flagErrors are the messages of Go's flag package that quote what the
// user typed; each is rendered again with that value through secret.Quote,
// so a key pasted as a flag's name or value is never printed. Compiled the
// first time a flag is refused, not at every start.
var flagErrors = sync.OnceValue(func() []flagErrorForm {
	return []flagErrorForm{
		{regexp.MustCompile(`(?s)^flag provided but not defined: -(.*)$`), func(m []string) string {
			return "unknown flag " + secret.Quote("-"+m[1])
		}},
		{regexp.MustCompile(`(?s)^invalid (?:boolean )?value (".*") for (?:flag )?-(\S+): (.*)$`), func(m []string) string {
			v, err := strconv.Unquote(m[1])
			if err != nil {
				v = m[1]
			}
			return fmt.Sprintf("invalid value %s for --%s: %s", secret.Quote(v), m[2], m[3])
		}},
		{regexp.MustCompile(`(?s)^bad flag syntax: (.*)$`), func(m []string) string {
			return "bad flag syntax: " + secret.Quote(m[1])
		}},
	}
})

type flagErrorForm struct {
	re     *regexp.Regexp
	render func(m []string) string
}

// flagError renders an error of fs.Parse without any user value that did
// not pass secret.Quote. An unknown message is not shown at all.
func flagError(err error) string {
	msg := err.Error()
	for _, fe := range flagErrors() {
		if m := fe.re.FindStringSubmatch(msg); m != nil {
			return fe.render(m)
		}
	}
	if strings.HasPrefix(msg, "flag needs an argument: -") {
		// The name is one this command defined, not what was typed.
		return "flag --" + strings.TrimPrefix(msg, "flag needs an argument: -") + " needs a value"
	}
	return "a flag could not be read"
}

// envVarName matches an environment variable's name as a shell writes it,
// of at most maxEnvVarName characters (checked apart: a counted repetition
// such as {0,127} compiles into as many copies, which every start of the
// binary would pay for, action runs included). Compiled on first use.
var envVarName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

const maxEnvVarName = 128

// checkEnvName refuses a value given where the NAME of a variable is
// expected, such as the key itself (`--private-key-env "$(cat app.pem)"`),
// without printing it.
func checkEnvName(flagName, v string) error {
	if len(v) <= maxEnvVarName && envVarName().MatchString(v) && !secret.Looks(v) {
		return nil
	}
	return usagef("%s takes the NAME of an environment variable (like MY_VAR), not its value: got %s", flagName, secret.Quote(v))
}
