// Package cli is the command line's front door to the minting core
// (internal/mint), for systems outside GitHub Actions: a cron job, another
// CI, a laptop. Each subcommand lives in its own file; all of them read
// their flags by setting ID (internal/setting) into the config.Source the
// action's inputs also become, so every rule (scope, permissions block,
// hidden secrets) is the action's. The core's errors are data: this door
// renders them with setting.Render in its own words (--owner, not
// "input owner"), from the one table in internal/setting.
//
// Only the token ever reaches stdout, and only where a command prints it.
// Everything else (errors, notes, retries) goes to stderr through a
// secret.Writer, so no key line, App JWT or token reaches it whichever
// code wrote the line. Everything environmental arrives in Env, so tests
// drive commands in process as well as through the built binary. The key
// source is the core's to choose: this door reads the key's text (a file,
// a variable) and imports neither appkey nor awskms.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
	"github.com/app-token/app-token/internal/suggest"
)

// Exit codes, documented in docs/cli.md.
const (
	// ExitOK: the command did what it was asked.
	ExitOK = 0
	// ExitFailed: GitHub refused, could not be reached, or answered with
	// something unusable; or a token came back wider than asked (and was
	// revoked).
	ExitFailed = 1
	// ExitUsage: a flag, argument or key is wrong; nothing was sent to GitHub.
	ExitUsage = 2
)

// Env is the outside world a command uses: what the core needs (env.Env,
// passed on as mint.Options by command.options), and the terminal's
// streams and the version, which only this door has (see internal/mint's
// package doc). Nil fields of env.Env mean the real one (Base, Now, Sleep)
// or, for Getenv, no variable set (main wires os.Getenv); Stdout and
// Stderr must be set.
type Env struct {
	env.Env
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// LookupEnv tells a variable that is not set from one set empty, so a
	// message can say which; nil counts every empty variable as not set.
	LookupEnv func(string) (string, bool)
	// Version is printed by `app-token version`.
	Version string
	// Outstanding learns each token from its minting until it is revoked
	// or handed over, for the last words on a second Ctrl-C (Abandoned);
	// nil keeps no record.
	Outstanding *mint.Outstanding
}

// Abandoned is the last line of a command ended at once by a second
// interrupt (cause names it): which token, if any, stays valid. No secret
// is in it.
func Abandoned(env Env, cause error) {
	fmt.Fprintf(env.Stderr, "app-token: %s\n", words(env.Outstanding.Abandoned(cause)))
}

// command is one run of a subcommand: its name, the world, and the
// redactor every secret it learns is added to before it can be printed.
type command struct {
	name     string
	env      Env
	redactor *secret.Redactor
	stderr   io.Writer
	quiet    bool
}

// usageError is a mistake in how the command was called, found before any
// call to GitHub.
type usageError struct{ err error }

func (e *usageError) Error() string                { return e.err.Error() }
func (e *usageError) Unwrap() error                { return e.err }
func (e *usageError) Render(d setting.Door) string { return setting.Render(e.err, d) }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// subcommands maps each name to its run function and one line of help.
var subcommands = []struct {
	name, summary string
	run           func(ctx context.Context, c *command, args []string) error
}{
	{"token", "mint an installation token and print it", runToken},
	{"revoke", "revoke a token read from stdin or an environment variable", runRevoke},
	{"installations", "list the App's installations (ID, account, type, repository selection)", runInstallations},
	{"jwt", "print one App JWT signed with the key file or the AWS KMS key (--kms-key)", runJWT},
	{"dispatch", "send repository_dispatch or workflow_dispatch with a token scoped to one repository, then revoke it", runDispatch},
	{"serve", "run the token broker: OIDC tokens in, tokens the repositories' trust policies allow out (docs/broker.md)", runServe},
}

// Run runs the command line args (without the program name) and returns
// the exit code. A panic is one line on stderr and exit 1, without its
// stack (which could hold a secret's bytes), as in the action.
func Run(ctx context.Context, args []string, env Env) (code int) {
	redactor := &secret.Redactor{}
	stderr := &secret.Writer{W: env.Stderr, Redactor: redactor}
	// Deferred first, so it runs last: after the panic report below.
	defer stderr.Close()
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "app-token crashed: %s. Please report this at the project's repository.\n", ghtext.Panic(r))
			code = ExitFailed
		}
	}()
	if len(args) == 2 && args[0] == "help" && !isHelp(args[1]) {
		// `app-token help token` is `app-token token -h`.
		args = []string{args[1], "-h"}
	}
	if len(args) == 0 || args[0] == "help" || isHelp(args[0]) {
		out := env.Stdout
		if len(args) == 0 {
			out = env.Stderr
		}
		fmt.Fprint(out, usage())
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	if args[0] == "version" || args[0] == "--version" {
		return version(args[1:], env, stderr)
	}
	for _, sc := range subcommands {
		if sc.name != args[0] {
			continue
		}
		c := &command{name: sc.name, env: env, redactor: redactor, stderr: stderr}
		err := sc.run(ctx, c, args[1:])
		switch {
		case errors.Is(err, flag.ErrHelp):
			return ExitOK
		case err != nil:
			fmt.Fprintf(stderr, "app-token %s: %s\n", sc.name, words(err))
			var u *usageError
			if errors.As(err, &u) {
				return ExitUsage
			}
			return ExitFailed
		}
		return ExitOK
	}
	names := []string{"version", "help"}
	for _, sc := range subcommands {
		names = append(names, sc.name)
	}
	hint := ""
	if near := suggest.Closest(args[0], names, max(2, len(args[0])/3)); near != "" {
		hint = " (did you mean " + near + "?)"
	}
	fmt.Fprintf(stderr, "app-token: unknown command %s%s: run `app-token help` for the commands\n", secret.Quote(args[0]), hint)
	return ExitUsage
}

// version prints the version; it takes no flags but -h.
func version(args []string, env Env, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		fmt.Fprintf(env.Stdout, "app-token %s\n", env.Version)
		return ExitOK
	case len(args) == 1 && isHelp(args[0]):
		fmt.Fprint(env.Stdout, "Usage: app-token version\n\nPrints the release (or the module version `go install` recorded). Takes no flags.\n")
		return ExitOK
	}
	fmt.Fprintf(stderr, "app-token version: unexpected argument %s: `app-token version` takes no flags or arguments\n", secret.Quote(args[0]))
	return ExitUsage
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func usage() string {
	var b strings.Builder
	b.WriteString("app-token mints short-lived GitHub App installation tokens scoped to what you ask for.\n\nUsage:\n  app-token <command> [flags]\n\nCommands:\n")
	for _, sc := range subcommands {
		fmt.Fprintf(&b, "  %-14s %s\n", sc.name, sc.summary)
	}
	b.WriteString("  version        print the version\n\nRun `app-token <command> -h` for a command's flags. Exit codes: 0 done, 1 failed, 2 usage error (nothing sent to GitHub).\n")
	return b.String()
}

// parse parses a command's flags. -h prints the command's help on stdout,
// each flag written as the docs write it (--owner); a bad flag is one line
// on stderr (flag's own multi-line output is discarded), an unknown one
// with the nearest known flag. No positional arguments are taken.
func (c *command) parse(fs *flag.FlagSet, args []string, synopsis string) error {
	fs.SetOutput(io.Discard)
	fs.BoolVar(&c.quiet, "quiet", false, "print nothing on stderr but errors and warnings")
	var empty emptyValues
	empty.watch(fs)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(c.env.Stdout, "Usage: app-token %s %s\n\nFlags:\n", c.name, synopsis)
		printFlags(c.env.Stdout, fs)
		return err
	}
	if name, ok := strings.CutPrefix(errString(err), "flag provided but not defined: -"); ok {
		return usagef("unknown flag %s%s: run `app-token %s -h` for its flags", secret.Quote("--"+name), didYouMean(fs, name), c.name)
	}
	if err != nil {
		return usagef("%s: run `app-token %s -h` for its flags", flagError(err), c.name)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %s: every value is given by a flag (run `app-token %s -h`)", secret.Quote(fs.Arg(0)), c.name)
	}
	return empty.err(c.name)
}

// notef prints a note on stderr unless --quiet; warnings always print.
func (c *command) notef(format string, args ...any) {
	if !c.quiet {
		fmt.Fprintf(c.stderr, "app-token: "+format+"\n", args...)
	}
}

func (c *command) warnf(format string, args ...any) {
	fmt.Fprintf(c.stderr, "app-token: warning: %s\n", secret.OneLine(fmt.Sprintf(format, args...)))
}

// words renders an error from the core in the command line's words, on one line.
func words(err error) string { return secret.OneLine(setting.Render(err, setting.CLI)) }

// options gives the minting core this command's world: every secret it
// holds goes to the redactor, every retry is a note.
func (c *command) options() mint.Options {
	return mint.Options{
		Env:         c.env.Env,
		Log:         func(line string) { c.notef("%s", secret.OneLine(line)) },
		Mask:        func(s string) { c.redactor.Add(s) },
		Outstanding: c.env.Outstanding,
	}
}

// printFlags writes fs's flags as the docs write them: --name VALUE, then
// the help on its own line. A setting's placeholder is the table's: its
// help, shared with action.yml, may hold backquotes of its own.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		value, help := flag.UnquoteUsage(f)
		if id, ok := setting.ByFlag("--" + f.Name); ok {
			value, help = id.Spec().Value, f.Usage
		}
		if value != "" {
			value = " " + value
		}
		fmt.Fprintf(w, "  --%s%s\n    \t%s\n", f.Name, value, help)
	})
}

// didYouMean names the flag of fs nearest to name, the way the action
// names the input nearest to a misspelt one.
func didYouMean(fs *flag.FlagSet, name string) string {
	// The action's permission-<name> inputs: here one --permissions block.
	if p, ok := strings.CutPrefix(name, "permission-"); ok && fs.Lookup("permissions") != nil {
		if spec, known := permissions.Lookup(permissions.Normalize(p)); known {
			return " (did you mean --permissions '" + spec.Name + ": LEVEL'?)"
		}
	}
	// The action's input name for what a flag sets: --github-api-url.
	if id, ok := setting.Lookup(name); ok && strings.HasPrefix(id.Flag(), "--") && fs.Lookup(strings.TrimPrefix(id.Flag(), "--")) != nil {
		return " (did you mean " + id.Flag() + "?)"
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	// The start of flags, before the nearest spelling: --repo means
	// --repository, not --ref; --private-key has two ways in.
	if len(name) >= 3 {
		var starts []string
		for _, n := range names {
			if strings.HasPrefix(n, name) {
				starts = append(starts, "--"+n)
			}
		}
		if len(starts) > 0 && len(starts) <= 3 {
			return " (did you mean " + orList(starts) + "?)"
		}
	}
	if near := suggest.Closest(name, names, max(2, len(name)/3)); near != "" {
		return " (did you mean --" + near + "?)"
	}
	return ""
}

// orList writes "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
