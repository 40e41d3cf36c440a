package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// Environment variables a command reads when the flag is not given: the
// App's identity and key, so the classic case needs no key on the command
// line (where it would stay in shell history and the process list).
const (
	EnvClientID   = "APP_TOKEN_CLIENT_ID"
	EnvAppID      = "APP_TOKEN_APP_ID"
	EnvPrivateKey = "APP_TOKEN_PRIVATE_KEY"
	// EnvKMSKey names the App's key in AWS KMS, as --kms-key does.
	EnvKMSKey = "APP_TOKEN_KMS_KEY"
)

// What a command's synopsis (-h) writes for the App and its key; both are
// optional, the environment standing in (appNote).
const (
	appSynopsis    = "--client-id ID | --app-id ID"
	signerSynopsis = "--private-key-file FILE | --private-key-env NAME | --kms-key URI"
	keySynopsis    = signerSynopsis + " | --jwt-env NAME"
	appNote        = "\n\nWithout --client-id or --app-id, $" + EnvClientID + " or $" + EnvAppID + " names the App; without a key flag, $" + EnvPrivateKey + " (or $" + EnvKMSKey + ") gives its key."
)

// settings are a command's flags by setting ID: the config.Source config
// reads, as it reads the action's inputs. Each flag's name comes from the
// table in internal/setting.
type settings struct {
	values map[setting.ID]string
	getenv func(string) string
}

func (s *settings) Setting(id setting.ID) string { return s.values[id] }
func (s *settings) Getenv(key string) string     { return s.getenv(key) }

// define registers the flag that sets id on fs.
func (s *settings) define(fs *flag.FlagSet, id setting.ID, help string) {
	fs.Func(strings.TrimPrefix(id.Flag(), "--"), help, func(v string) error {
		s.values[id] = v
		return nil
	})
}

// newSettings registers the flags every command that talks to GitHub has.
func newSettings(c *command, fs *flag.FlagSet) *settings {
	s := newRetrySettings(c, fs)
	s.define(fs, setting.APIURL, "GitHub's REST API `URL` (default $GITHUB_API_URL, else https://api.github.com; for GitHub Enterprise Server https://HOST/api/v3)")
	return s
}

// newRetrySettings registers the flags that bound each call's tries.
func newRetrySettings(c *command, fs *flag.FlagSet) *settings {
	s := &settings{values: map[setting.ID]string{}, getenv: c.env.Var}
	s.define(fs, setting.RetryAttempts, "`N` attempts per API call on transient failures, 1 to 10 (default 4)")
	s.define(fs, setting.RetrySeconds, "time budget in `SECONDS` for one API call including retries (default 60)")
	s.define(fs, setting.RequestTimeout, "timeout in `SECONDS` for one HTTP request (default 20)")
	return s
}

// appFlags are the flags of commands that act as the App: who it is and
// where its key comes from.
type appFlags struct {
	in      *settings
	keyFile string
	keyEnv  string
	jwtEnv  string
}

func newAppFlags(c *command, fs *flag.FlagSet) *appFlags {
	a := &appFlags{in: newSettings(c, fs)}
	a.signerFlags(fs)
	fs.StringVar(&a.jwtEnv, "jwt-env", "", "use the App JWT signed elsewhere that the environment variable `NAME` holds, instead of a key (docs/keyless.md)")
	return a
}

// newSignerFlags are the flags of a command that signs an App JWT and
// calls no GitHub endpoint: no API URL, and no JWT signed elsewhere.
func newSignerFlags(c *command, fs *flag.FlagSet) *appFlags {
	a := &appFlags{in: newRetrySettings(c, fs)}
	a.signerFlags(fs)
	return a
}

// signerFlags registers who the App is and where its key comes from.
func (a *appFlags) signerFlags(fs *flag.FlagSet) {
	a.in.define(fs, setting.ClientID, "the App's client `ID` (default $"+EnvClientID+")")
	a.in.define(fs, setting.AppID, "the App's numeric `ID`, instead of --client-id (default $"+EnvAppID+")")
	fs.StringVar(&a.keyFile, "private-key-file", "", "read the App's private key (.pem) from `FILE`; - reads it from stdin")
	fs.StringVar(&a.keyEnv, "private-key-env", "", "read the App's private key from the environment variable `NAME` (default "+EnvPrivateKey+")")
	a.in.define(fs, setting.KMSKey, "sign App JWTs with the App's key in AWS KMS, `URI` awskms:///KEY (key ID, alias/NAME, key or alias ARN); no private key needed (default $"+EnvKMSKey+")")
}

// readyFlag registers --token-ready-seconds, for commands that mint.
func (a *appFlags) readyFlag(fs *flag.FlagSet) {
	a.in.define(fs, setting.TokenReady, "wait up to `SECONDS` for GitHub to accept a new token (it may answer 401 for a few seconds after minting), 0 to 120; 0 skips the check (default 10)")
}

// scopeFlags are the flags that say what a token may reach.
func (a *appFlags) scopeFlags(fs *flag.FlagSet) {
	a.in.define(fs, setting.Owner, "the account that installed the App (`OWNER`); alone, the token reaches all its repositories")
	a.in.define(fs, setting.Repositories, "`REPOSITORIES` the token may reach, comma-separated, as name or owner/name")
	a.in.define(fs, setting.Permissions, "`PERMISSIONS` as in a workflow's permissions: block, e.g. 'contents: write, issues: read' (default: all the installation has)")
	a.installationID(fs)
}

// installationID registers --installation-id, which saves a lookup.
func (a *appFlags) installationID(fs *flag.FlagSet) {
	a.in.define(fs, setting.InstallationID, "the installation's `ID`, instead of looking it up (see 'app-token installations')")
}

// maxKey bounds the key read from a file or stdin: a PEM is a few KiB.
const maxKey = 64 << 10

// load completes the settings with the App's identity and key from the
// environment where no flag gave them. The key is never taken from a flag's value: it would stay in
// shell history and the process list.
func (a *appFlags) load(c *command) error {
	in := a.in
	if in.values[setting.ClientID] == "" && in.values[setting.AppID] == "" {
		in.values[setting.ClientID] = c.env.Var(EnvClientID)
		in.values[setting.AppID] = c.env.Var(EnvAppID)
		// A JWT signed elsewhere names its App itself.
		if in.values[setting.ClientID] == "" && in.values[setting.AppID] == "" && a.jwtEnv == "" {
			return usagef("no App given: pass --client-id (recommended, from the App's settings page) or --app-id, or set %s", EnvClientID)
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
		in.values[setting.KMSKey] = c.env.Var(EnvKMSKey)
		// Two variables, neither chosen by a flag: which one was meant
		// cannot be guessed, as the action refuses private-key with kms-key.
		if in.values[setting.KMSKey] != "" && strings.TrimSpace(c.env.Var(EnvPrivateKey)) != "" {
			return false, usagef("%s and %s are both set: the App's JWT is signed with exactly one key; unset one, or choose with --kms-key or --private-key-file", EnvPrivateKey, EnvKMSKey)
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
	name, where := EnvPrivateKey, EnvPrivateKey
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
