package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// What a command's synopsis (-h) writes for the App and its key; both are
// optional, the environment standing in (appNote). The variables' names
// are the table's (internal/setting).
const (
	appSynopsis    = "--client-id ID | --app-id ID"
	signerSynopsis = "--private-key-file FILE | --private-key-env NAME | --kms-key URI"
	keySynopsis    = signerSynopsis + " | --jwt-env NAME"
)

// brokerNote follows appNote for the commands that can ask a broker.
const brokerNote = "\n\nOr hold no App key at all: --broker-url URL --broker-identity POLICY asks a token broker, showing it the OIDC token --oidc-token-env NAME names, or inside GitHub Actions the job's (docs/broker.md)."

var appNote = "\n\nWithout --client-id or --app-id, $" + envVar(setting.ClientID) + " or $" + envVar(setting.AppID) + " names the App; without a key flag, $" + envVar(setting.PrivateKey) + " (or $" + envVar(setting.KMSKey) + ") gives its key."

// envVar is the environment variable the command line reads for id.
func envVar(id setting.ID) string { return id.Spec().Env }

// settings are a command's flags by setting ID: the config.Source config
// reads, as it reads the action's inputs. Each flag's name, help and
// placeholder come from the table in internal/setting.
type settings struct {
	values map[setting.ID]string
	getenv func(string) string
	// oidcEnv is --oidc-token-env: the variable holding the OIDC token a
	// broker is shown.
	oidcEnv string
}

func (s *settings) Setting(id setting.ID) string { return s.values[id] }
func (s *settings) Getenv(key string) string     { return s.getenv(key) }

// newSettings registers the flags of every setting in the groups a command
// takes (see setting.Group), so a new setting in a group needs no line here.
func newSettings(c *command, fs *flag.FlagSet, groups ...setting.Group) *settings {
	s := &settings{values: map[setting.ID]string{}, getenv: c.env.Var}
	for _, id := range setting.All() {
		if g := id.Spec().Group; g != setting.NoFlag && slices.Contains(groups, g) {
			s.define(fs, id, id.Spec())
		}
	}
	return s
}

// define registers spec's flag, which sets id, on fs.
func (s *settings) define(fs *flag.FlagSet, id setting.ID, spec setting.Spec) {
	fs.Var(&settingValue{s, id, spec.Repeatable}, strings.TrimPrefix(spec.Flag, "--"), flagHelp(spec))
}

// settingValue is one setting's flag. A repeatable one collects its values,
// one a line, as a multi-line input holds a list; emptyValues refuses any
// other given twice.
type settingValue struct {
	s          *settings
	id         setting.ID
	repeatable bool
}

func (v *settingValue) Set(x string) error {
	if prev := v.s.values[v.id]; v.repeatable && prev != "" {
		x = prev + "\n" + x
	}
	v.s.values[v.id] = x
	return nil
}

func (v *settingValue) String() string { return "" }

func (v *settingValue) repeats() bool { return v.repeatable }

// flagHelp is a setting's help as -h shows it: the table's description in
// the command line's words, its range, and where its default comes from.
func flagHelp(spec setting.Spec) string {
	var from []string
	for _, env := range []string{spec.Env, spec.DefaultEnv} {
		if env != "" {
			from = append(from, "$"+env)
		}
	}
	if spec.Default != "" {
		from = append(from, spec.Default)
	}
	help := spec.Describe(setting.CLI)
	if len(from) > 0 {
		help += " (default " + strings.Join(from, ", else ") + ")"
	}
	return help
}

// appFlags are the flags of commands that act as the App: who it is and
// where its key comes from.
type appFlags struct {
	in      *settings
	keyFile string
	keyEnv  string
	jwtEnv  string
}

// newAppFlags registers the flags of a command that acts as the App and
// calls GitHub, and those of the other groups it takes.
func newAppFlags(c *command, fs *flag.FlagSet, groups ...setting.Group) *appFlags {
	a := &appFlags{in: newSettings(c, fs, append(groups, setting.RetryFlags, setting.APIFlags, setting.AppFlags)...)}
	a.keyFlags(fs)
	fs.StringVar(&a.jwtEnv, "jwt-env", "", "use the App JWT signed elsewhere that the environment variable `NAME` holds, instead of a key (docs/keyless.md)")
	if slices.Contains(groups, setting.BrokerFlags) {
		a.brokerFlags(fs)
	}
	return a
}

// newSignerFlags are the flags of a command that signs an App JWT and
// calls no GitHub endpoint: no API URL, and no JWT signed elsewhere.
func newSignerFlags(c *command, fs *flag.FlagSet) *appFlags {
	a := &appFlags{in: newSettings(c, fs, setting.RetryFlags, setting.AppFlags)}
	a.keyFlags(fs)
	return a
}

// keyFlags registers where the App's private key is: flags that set no
// setting of their own, as the key's text must never be a flag's value.
func (a *appFlags) keyFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.keyFile, "private-key-file", "", "read the App's private key (.pem) from `FILE`; - reads it from stdin")
	fs.StringVar(&a.keyEnv, "private-key-env", "", "read the App's private key from the environment variable `NAME` (default "+envVar(setting.PrivateKey)+")")
}

// maxKey bounds the key read from a file or stdin: a PEM is a few KiB.
const maxKey = 64 << 10

// load completes the settings with the App's identity and key from the
// environment where no flag gave them. The key is never taken from a flag's value: it would stay in
// shell history and the process list.
func (a *appFlags) load(c *command) error {
	if brokered, err := a.loadBroker(c); brokered || err != nil {
		return err
	}
	in := a.in
	if in.values[setting.ClientID] == "" && in.values[setting.AppID] == "" {
		in.values[setting.ClientID] = c.env.Var(envVar(setting.ClientID))
		in.values[setting.AppID] = c.env.Var(envVar(setting.AppID))
		// A JWT signed elsewhere names its App itself.
		if in.values[setting.ClientID] == "" && in.values[setting.AppID] == "" && a.jwtEnv == "" {
			return usagef("no App given: pass --client-id (recommended, from the App's settings page) or --app-id, or set %s", envVar(setting.ClientID))
		}
	}
	if done, err := a.keyless(c); done || err != nil {
		return err
	}
	key, err := a.readKey(c)
	if err != nil {
		return err
	}
	// The key's text is a secret from now on, before any flag is checked:
	// a key line pasted into another flag must not come back in its error.
	// Only pieces long enough to be key material: "not a key" pasted by
	// mistake must not blank out "a" and "key" in every later line.
	for _, f := range strings.Fields(key) {
		if len(f) >= secret.MinFragment {
			c.redactor.Add(f)
		}
	}
	in.values[setting.PrivateKey] = key
	return nil
}

// keyless reads --jwt-env and --kms-key (or $APP_TOKEN_KMS_KEY when no
// key flag is given), and reports whether one of them replaces the private
// key. A key flag beside them is kept, so config names both. A flag beats
// a variable; the two key variables together are refused.
func (a *appFlags) keyless(c *command) (bool, error) {
	in := a.in
	keyFlag := a.keyFile != "" || a.keyEnv != ""
	if a.jwtEnv != "" {
		if err := checkEnvName("--jwt-env", a.jwtEnv); err != nil {
			return false, err
		}
		v := strings.TrimSpace(c.env.Var(a.jwtEnv))
		if v == "" {
			return false, usagef("--jwt-env: environment variable %s %s: set it to the App JWT signed elsewhere", secret.Quote(a.jwtEnv), c.unset(a.jwtEnv))
		}
		c.redactor.Add(v)
		in.values[setting.JWT] = v
	}
	if in.values[setting.KMSKey] == "" && !keyFlag && a.jwtEnv == "" {
		in.values[setting.KMSKey] = c.env.Var(envVar(setting.KMSKey))
		// Two variables, neither chosen by a flag: which one was meant
		// cannot be guessed, as the action refuses private-key with kms-key.
		if in.values[setting.KMSKey] != "" && strings.TrimSpace(c.env.Var(envVar(setting.PrivateKey))) != "" {
			return false, usagef("%s and %s are both set: the App's JWT is signed with exactly one key; unset one, or choose with --kms-key or --private-key-file", envVar(setting.PrivateKey), envVar(setting.KMSKey))
		}
	}
	if in.values[setting.JWT] == "" && in.values[setting.KMSKey] == "" {
		return false, nil
	}
	if keyFlag {
		key, err := a.readKey(c)
		in.values[setting.PrivateKey] = key
		return true, err
	}
	return true, nil
}

func (a *appFlags) readKey(c *command) (string, error) {
	if a.keyFile != "" && a.keyEnv != "" {
		return "", usagef("--private-key-file and --private-key-env are both set: pass the key one way")
	}
	switch {
	case a.keyFile == "-":
		return readSecret(c.env.Stdin, "the private key on stdin", "--private-key-file -")
	case a.keyFile != "":
		f, err := os.Open(a.keyFile)
		if err != nil {
			return "", usagef("--private-key-file: cannot read %s: %v", secret.Quote(a.keyFile), errText(err))
		}
		defer f.Close()
		return readSecret(f, "the file "+secret.Quote(a.keyFile), "--private-key-file")
	}
	// Named as the user named it: the variable --private-key-env gave, or
	// the default one.
	name, where := envVar(setting.PrivateKey), envVar(setting.PrivateKey)
	if a.keyEnv != "" {
		if err := checkEnvName("--private-key-env", a.keyEnv); err != nil {
			return "", err
		}
		name = a.keyEnv
		where = "--private-key-env: environment variable " + secret.Quote(name)
	}
	key := c.env.Var(name)
	switch {
	case strings.TrimSpace(key) == "" && a.keyEnv != "":
		return "", usagef("%s %s: set it to the App's .pem, or pass --private-key-file PATH (- for stdin)", where, c.unset(name))
	case strings.TrimSpace(key) == "":
		return "", usagef("no private key: %s %s: set it to the App's .pem, or pass --private-key-file PATH (- for stdin) or --kms-key URI", where, c.unset(name))
	case looksLikePath(key):
		// Not quoted: a path says nothing a user needs back, and this
		// check must never be the one that prints a key.
		return "", usagef("%s holds a file path, not the key: pass the file as --private-key-file PATH (or put the key itself in the variable: %s=\"$(cat PATH)\")", where, name)
	}
	return key, nil
}

// unset says why the variable name gave nothing: "is not set" or "is empty".
func (c *command) unset(name string) string {
	if c.env.LookupEnv != nil {
		if _, ok := c.env.LookupEnv(name); ok {
			return "is empty"
		}
	}
	return "is not set"
}

// looksLikePath tells a file's path given where the key's text belongs
// (APP_TOKEN_PRIVATE_KEY=~/app.pem). A key in any form the reader takes
// never matches: a PEM has line breaks (or, \n-escaped, dashes), a line
// of its body is what secret.Looks knows, and base64 holds no dot.
func looksLikePath(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > 4096 || strings.ContainsAny(v, "\r\n") || secret.Looks(v) {
		return false
	}
	lower := strings.ToLower(v)
	for _, ext := range []string{".pem", ".key", ".der", ".txt"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	for _, start := range []string{"/", "./", "../", "~/", "~\\", ".\\", "..\\"} {
		if strings.HasPrefix(v, start) {
			return true
		}
	}
	// C:\keys\app or C:/keys/app
	return len(v) > 3 && v[1] == ':' && (v[2] == '\\' || v[2] == '/') && (v[0]|0x20 >= 'a' && v[0]|0x20 <= 'z')
}

// readSecret reads at most maxKey bytes of a key or token.
func readSecret(r io.Reader, what, flagName string) (string, error) {
	if r == nil {
		return "", usagef("%s: no stdin to read from", flagName)
	}
	b, err := io.ReadAll(io.LimitReader(r, maxKey+1))
	switch {
	case err != nil:
		return "", usagef("%s: cannot read %s: %v", flagName, what, errText(err))
	case len(b) > maxKey:
		return "", usagef("%s: %s is larger than %d KiB, far more than a key or token: is it the right file?", flagName, what, maxKey>>10)
	case strings.TrimSpace(string(b)) == "":
		return "", usagef("%s: %s is empty", flagName, what)
	}
	return string(b), nil
}

// errText is an OS error without the path it repeats.
func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// minter returns the core for cfg: it chooses the key source, and hides
// every form of a private key's lines before anything can print them.
func (c *command) minter(ctx context.Context, cfg *config.Config) (*mint.Minter, error) {
	m, err := mint.New(ctx, cfg, c.options())
	return m, keyUsage(err)
}

// app returns the core's App for app, for a command that only signs.
func (c *command) app(ctx context.Context, app config.App) (*mint.App, error) {
	a, err := mint.NewApp(ctx, app, c.options())
	return a, keyUsage(err)
}

// keyUsage makes a key or JWT the core could not read a usage error:
// nothing was sent anywhere. A KMS failure or an interruption is not.
func keyUsage(err error) error {
	var k *mint.KeyError
	if errors.As(err, &k) {
		return &usageError{err}
	}
	return err
}

// readConfig turns a config error into a usage error, and prints the
// warnings and notices the action would annotate. Config's warnings (plain
// http to a loopback host) are notes here: on the command line that is a
// choice the user just made, so --quiet silences them.
func (c *command) readConfig(cfg *config.Config, err error) (*config.Config, error) {
	if err != nil {
		return nil, &usageError{err}
	}
	for _, w := range cfg.Warnings {
		c.notef("warning: %s", words(w))
	}
	for _, n := range cfg.Notices {
		c.notef("%s", words(n))
	}
	return cfg, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
