package cli

import (
	"flag"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/setting"
)

// commandNames are the commands, as `app-token help` lists them.
func commandNames() []string {
	var names []string
	for _, sc := range subcommands {
		names = append(names, sc.name)
	}
	return names
}

// flagHelpLine is one flag of -h: "  --name VALUE" and its help below.
var flagHelpLine = regexp.MustCompile(`(?m)^  (--[a-z-]+)( [A-Z]+)?\n    \t(.*)$`)

// helpFlags runs `app-token COMMAND -h` and returns each flag's placeholder
// and help.
func helpFlags(t *testing.T, w *world, command string) map[string][2]string {
	t.Helper()
	r := w.run("", command, "-h").ok(t)
	flags := map[string][2]string{}
	for _, m := range flagHelpLine.FindAllStringSubmatch(r.stdout, -1) {
		flags[m[1]] = [2]string{strings.TrimSpace(m[2]), m[3]}
	}
	if len(flags) == 0 {
		t.Fatalf("%s -h lists no flags: %q", command, r.stdout)
	}
	return flags
}

var (
	helpDefault = regexp.MustCompile(`\(default ([^)]*)\)$`)
	helpRange   = regexp.MustCompile(`\b(\d+) to (\d+)\b`)
)

// Each command's -h shows each setting flag with the table's placeholder
// and help, and the numbers it prints (range, default) are the ones
// config enforces: the last allowed value is taken, one more is refused
// naming the flag and the same range. Every flag of the table, and every
// variable, shows in some command's help.
func TestHelpShowsTheTable(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	shown := map[string]bool{}
	for _, command := range commandNames() {
		r := w.run("", command, "-h").ok(t)
		for _, id := range setting.All() {
			if e := id.Spec().Env; e != "" && strings.Contains(r.stdout, e) {
				shown[e] = true
			}
		}
		for name, f := range helpFlags(t, w, command) {
			id, ok := setting.ByFlag(name)
			if !ok {
				continue // a flag of the command's own
			}
			shown[name] = true
			spec := id.Spec()
			if f[0] != spec.Value || !strings.HasPrefix(f[1], spec.Describe(setting.CLI)) {
				t.Errorf("%s -h: %s %s %q; want %s %q", command, name, f[0], f[1], spec.Value, spec.Describe(setting.CLI))
			}
			def, lo, hi, number := id.Bounds()
			// serve runs until stopped: its numbers are the same settings,
			// enforced by the same config as every other command's.
			if !number || command == "serve" {
				continue
			}
			d := helpDefault.FindStringSubmatch(f[1])
			rng := helpRange.FindAllStringSubmatch(f[1], -1)
			if d == nil || d[1] != strconv.Itoa(def) || len(rng) != 1 || rng[0][1] != strconv.Itoa(lo) || rng[0][2] != strconv.Itoa(hi) {
				t.Errorf("%s -h: %s %q; want its range %d to %d and (default %d)", command, name, f[1], lo, hi, def)
				continue
			}
			// What config enforces, through this command.
			args := commandArgs(command, name, strconv.Itoa(hi+1))
			bad := w.run(stdinFor(command), args...)
			if bad.code != ExitUsage || !strings.Contains(bad.stderr, name+" must be a whole number from "+rng[0][1]+" to "+rng[0][2]) {
				t.Errorf("%q: exit %d, %q; want the range its help shows", args, bad.code, bad.stderr)
			}
			// A world of its own: jwt prints the JWT another command of
			// the same second sent, which the leak check knows.
			args = commandArgs(command, name, rng[0][2])
			if r := newWorld(t).run(stdinFor(command), args...); r.code != ExitOK {
				t.Errorf("%q: exit %d, %q; want the last value its help allows taken", args, r.code, r.stderr)
			}
		}
	}
	for _, id := range setting.All() {
		spec := id.Spec()
		if spec.Flag != "" && !shown[spec.Flag] {
			t.Errorf("%s is in the table, but no command's -h lists it: give one command its Group", spec.Flag)
		}
		if spec.Env != "" && !shown[spec.Env] {
			t.Errorf("%s is in the table, but no command's -h names it", spec.Env)
		}
	}
}

// commandArgs is the smallest call of command that works, with one flag added.
func commandArgs(command, flagName, value string) []string {
	args := map[string][]string{
		"token":    {"token", "--owner", "octo-org"},
		"dispatch": {"dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild"},
	}[command]
	if args == nil {
		args = []string{command}
	}
	return append(args, flagName, value)
}

func stdinFor(command string) string {
	if command == "revoke" {
		return "ghs_" + strings.Repeat("A", 36) // one GitHub no longer accepts: done
	}
	return ""
}

// Every variable of the table is read by the command line: a bad value in
// it alone is refused, naming its setting, for what it holds.
func TestEveryVariableIsRead(t *testing.T) {
	t.Parallel()
	bad := map[setting.ID]struct {
		vars map[string]string
		want string // after the setting's name
	}{
		setting.ClientID:       {map[string]string{envVar(setting.ClientID): "not a client id!"}, ` is "not a client id!", which is not a client ID`},
		setting.AppID:          {map[string]string{envVar(setting.ClientID): "", envVar(setting.AppID): "12ab"}, ` must be the App's numeric ID, got "12ab"`},
		setting.PrivateKey:     {map[string]string{envVar(setting.PrivateKey): "hello"}, " is not a PEM private key"},
		setting.KMSKey:         {map[string]string{envVar(setting.PrivateKey): "", envVar(setting.KMSKey): "alias/github-app"}, ": must start with awskms://"},
		setting.BrokerURL:      {map[string]string{envVar(setting.PrivateKey): "", envVar(setting.BrokerURL): "http://broker.example.com", envVar(setting.BrokerIdentity): "ci"}, `: "http://broker.example.com" uses plain http`},
		setting.BrokerIdentity: {map[string]string{envVar(setting.PrivateKey): "", envVar(setting.BrokerURL): "https://broker.example.com", envVar(setting.BrokerIdentity): "../ci"}, ` is "../ci", which is not a policy name`},
		setting.BrokerAudience: {map[string]string{envVar(setting.PrivateKey): "", envVar(setting.BrokerURL): "https://broker.example.com", envVar(setting.BrokerIdentity): "ci", envVar(setting.BrokerAudience): "aud\x07"}, " holds characters that cannot be shown"},
	}
	for _, id := range setting.All() {
		if envVar(id) == "" {
			continue
		}
		c, ok := bad[id]
		if !ok {
			t.Errorf("%s: no case gives it a bad value: add one", envVar(id))
			continue
		}
		w := newWorld(t)
		for k, v := range c.vars {
			w.env[k] = v
		}
		w.run("", "token", "--owner", "octo-org").failed(t, ExitUsage, id.Flag()+c.want)
	}
}

// A repeatable setting's flag collects its values, one a line, as a
// multi-line input; any other flag given twice is refused, naming it.
func TestRepeatableFlags(t *testing.T) {
	t.Parallel()
	c := &command{name: "serve", env: Env{Stdout: &strings.Builder{}}}
	parse := func(args ...string) (*settings, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		s := newSettings(c, fs)
		s.define(fs, setting.Owner, setting.Spec{Flag: "--issuer", Repeatable: true, Value: "URL", Help: setting.Sentence("An issuer.")})
		s.define(fs, setting.Repositories, setting.Spec{Flag: "--listen", Value: "ADDRESS", Help: setting.Sentence("Where.")})
		return s, c.parse(fs, args, "")
	}
	s, err := parse("--issuer", "https://a.example", "--listen", "127.0.0.1:0", "--issuer", "https://b.example")
	if err != nil || s.Setting(setting.Owner) != "https://a.example\nhttps://b.example" || s.Setting(setting.Repositories) != "127.0.0.1:0" {
		t.Errorf("repeated --issuer: %v, %q, %q", err, s.Setting(setting.Owner), s.Setting(setting.Repositories))
	}
	if _, err := parse("--listen", "a", "--listen", "b"); err == nil || !strings.Contains(err.Error(), "--listen is given more than once") {
		t.Errorf("--listen twice: %v", err)
	}
	if _, err := parse("--issuer", "https://a.example", "--issuer", ""); err == nil || !strings.Contains(err.Error(), "--issuer is empty") {
		t.Errorf("an empty --issuer: %v", err)
	}
}

// dispatch's --repository stands in for --repositories: a key or token in
// it is refused in its own name, not shown, before any call to GitHub.
func TestDispatchRepositoryHoldingASecret(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// owner/name-shaped: it passes the name check and reaches config.
	token := "octo-org/ghp_" + strings.Repeat("x1", 18)
	r := w.run("", "dispatch", "--repository", token, "--event-type", "rebuild")
	r.failed(t, ExitUsage, "--repository holds what looks like a private key or token (not shown)", "remove it from --repository")
	if strings.Contains(r.stderr, "--repositories") || strings.Contains(r.stderr, "ghp_") {
		t.Errorf("stderr %q names --repositories or shows the value", r.stderr)
	}
	if calls := w.emu.Requests(); len(calls) != 0 {
		t.Errorf("GitHub was called: %v", calls)
	}
}
