package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/app-token/app-token/internal/awskms"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/secret"
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

// inputFlags maps an action input to what sets it on the command line,
// for the messages (see flagWords).
var inputFlags = map[string]string{
	config.InClientID:       "--client-id",
	config.InAppID:          "--app-id",
	config.InPrivateKey:     "the private key",
	config.InJWT:            "the JWT from --jwt-env",
	config.InKMSKey:         "--kms-key",
	config.InOwner:          "--owner",
	config.InRepositories:   "--repositories",
	config.InPermissions:    "--permissions",
	config.InInstallationID: "--installation-id",
	config.InAPIURL:         "--api-url",
	config.InRetryAttempts:  "--retry-attempts",
	config.InRetrySeconds:   "--retry-max-seconds",
	config.InRequestTimeout: "--request-timeout-seconds",
	config.InTokenReady:     "--token-ready-seconds",
}

// inputs is a command's flags seen as the action's inputs: the
// config.Reader that lets config apply the action's rules to them.
type inputs struct {
	values map[string]string
	getenv func(string) string
}

func (in *inputs) GetInput(name string) string { return in.values[name] }
func (in *inputs) Getenv(key string) string    { return in.getenv(key) }

// define registers the flag for input name on fs.
func (in *inputs) define(fs *flag.FlagSet, name, help string) {
	fs.Func(strings.TrimPrefix(inputFlags[name], "--"), help, func(v string) error {
		in.values[name] = v
		return nil
	})
}

// newInputs registers the flags every command that talks to GitHub has.
func newInputs(c *command, fs *flag.FlagSet) *inputs {
	in := &inputs{values: map[string]string{}, getenv: c.env.Getenv}
	in.define(fs, config.InAPIURL, "GitHub's REST API `URL` (default $GITHUB_API_URL, else https://api.github.com; for GitHub Enterprise Server https://HOST/api/v3)")
	in.define(fs, config.InRetryAttempts, "`N` attempts per API call on transient failures, 1 to 10 (default 4)")
	in.define(fs, config.InRetrySeconds, "time budget in `SECONDS` for one API call including retries (default 60)")
	in.define(fs, config.InRequestTimeout, "timeout in `SECONDS` for one HTTP request (default 20)")
	return in
}

// appFlags are the flags of commands that act as the App: who it is and
// where its key comes from.
type appFlags struct {
	in      *inputs
	keyFile string
	keyEnv  string
	jwtEnv  string
}

func newAppFlags(c *command, fs *flag.FlagSet) *appFlags {
	a := &appFlags{in: newInputs(c, fs)}
	a.in.define(fs, config.InClientID, "the App's client `ID` (default $"+EnvClientID+")")
	a.in.define(fs, config.InAppID, "the App's numeric `ID`, instead of --client-id (default $"+EnvAppID+")")
	fs.StringVar(&a.keyFile, "private-key-file", "", "read the App's private key (.pem) from `FILE`; - reads it from stdin")
	fs.StringVar(&a.keyEnv, "private-key-env", "", "read the App's private key from the environment variable `NAME` (default "+EnvPrivateKey+")")
	a.in.define(fs, config.InKMSKey, "sign App JWTs with the App's key in AWS KMS, `URI` awskms:///KEY (key ID, alias/NAME, key or alias ARN); no private key needed (default $"+EnvKMSKey+")")
	fs.StringVar(&a.jwtEnv, "jwt-env", "", "use the App JWT signed elsewhere that the environment variable `NAME` holds, instead of a key (docs/keyless.md)")
	return a
}

// readyFlag registers --token-ready-seconds, for commands that mint.
func (a *appFlags) readyFlag(fs *flag.FlagSet) {
	a.in.define(fs, config.InTokenReady, "wait up to `SECONDS` for GitHub to accept a new token (it may answer 401 for a few seconds after minting), 0 to 120; 0 skips the check (default 10)")
}

// scopeFlags are the flags that say what a token may reach.
func (a *appFlags) scopeFlags(fs *flag.FlagSet) {
	a.in.define(fs, config.InOwner, "the account that installed the App (`OWNER`); alone, the token reaches all its repositories")
	a.in.define(fs, config.InRepositories, "`REPOSITORIES` the token may reach, comma-separated, as name or owner/name")
	a.in.define(fs, config.InPermissions, "`PERMISSIONS` as in a workflow's permissions: block, e.g. 'contents: write, issues: read' (default: all the installation has)")
	a.installationID(fs)
}

// installationID registers --installation-id, which saves a lookup.
func (a *appFlags) installationID(fs *flag.FlagSet) {
	a.in.define(fs, config.InInstallationID, "the installation's `ID`, instead of looking it up (see 'app-token installations')")
}

// maxKey bounds the key read from a file or stdin: a PEM is a few KiB.
const maxKey = 64 << 10

// load completes the inputs with the App's identity and key from the
// environment where no flag gave them, so config sees what the action
// would. The key is never taken from a flag's value: it would stay in
// shell history and the process list.
func (a *appFlags) load(c *command) error {
	in := a.in
	if in.values[config.InClientID] == "" && in.values[config.InAppID] == "" {
		in.values[config.InClientID] = c.env.Getenv(EnvClientID)
		in.values[config.InAppID] = c.env.Getenv(EnvAppID)
		// A JWT signed elsewhere names its App itself.
		if in.values[config.InClientID] == "" && in.values[config.InAppID] == "" && a.jwtEnv == "" {
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
	c.redactor.Add(strings.Fields(key)...)
	in.values[config.InPrivateKey] = key
	return nil
}

// keyless reads --jwt-env and --kms-key (or $APP_TOKEN_KMS_KEY when no
// key flag is given), and reports whether one of them replaces the private
// key. A key flag beside them is kept, so config names both.
func (a *appFlags) keyless(c *command) (bool, error) {
	in := a.in
	keyFlag := a.keyFile != "" || a.keyEnv != ""
	if a.jwtEnv != "" {
		v := strings.TrimSpace(c.env.Getenv(a.jwtEnv))
		if v == "" {
			return false, usagef("--jwt-env: environment variable %s is empty: set it to the App JWT signed elsewhere", secret.Quote(a.jwtEnv))
		}
		c.redactor.Add(v)
		in.values[config.InJWT] = v
	}
	if in.values[config.InKMSKey] == "" && !keyFlag && a.jwtEnv == "" {
		in.values[config.InKMSKey] = c.env.Getenv(EnvKMSKey)
	}
	if in.values[config.InJWT] == "" && in.values[config.InKMSKey] == "" {
		return false, nil
	}
	if keyFlag {
		key, err := a.readKey(c)
		in.values[config.InPrivateKey] = key
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
	name := a.keyEnv
	if name == "" {
		name = EnvPrivateKey
	} else if err := checkEnvName("--private-key-env", name); err != nil {
		return "", err
	}
	key := c.env.Getenv(name)
	if strings.TrimSpace(key) == "" {
		return "", usagef("no private key: environment variable %s is empty; pass --private-key-file PATH (- for stdin), or set %s to the App's .pem", secret.Quote(name), EnvPrivateKey)
	}
	return key, nil
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

// minter parses cfg's key, hides every form of its lines before anything
// can print them, and returns the core for cfg.
func (c *command) minter(ctx context.Context, cfg *config.Config) (*mint.Minter, error) {
	signer, err := c.signer(ctx, cfg)
	if err != nil {
		var kms *awskms.Error
		var u *usageError
		if errors.As(err, &kms) || errors.As(err, &u) {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	return mint.NewSigned(cfg, signer, c.options()), nil
}

// readConfig turns a config error into a usage error, and prints the
// warnings and notices the action would annotate.
func (c *command) readConfig(cfg *config.Config, err error) (*config.Config, error) {
	if err != nil {
		return nil, usagef("%v", err)
	}
	for _, w := range cfg.Warnings {
		c.warnf("%s", w)
	}
	for _, n := range cfg.Notices {
		c.notef("%s", oneLine(flagWords(n)))
	}
	return cfg, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
