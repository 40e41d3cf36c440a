// Command app-token is a GitHub Action that turns a GitHub App's credentials
// into an installation access token scoped to the repositories and
// permissions a step needs, and revokes it when the job ends; and the same
// thing as a command line (internal/cli) for everywhere else.
//
// One binary serves both phases. The runner passes the same args to every
// phase and starts each with `docker run --entrypoint PATH`, so the phase is
// told by the name the binary was started as: app-token for main,
// app-token-post for post (see Dockerfile and action.yml). Started with no
// arguments under the runner (GITHUB_ACTIONS=true) it is the action, exactly
// as before; with a subcommand it is the command line. The native action's
// entry (native/entry.js) names the phase instead: `app-token action main`
// or `app-token action post`, as node starts every file under one name.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/app-token/app-token/internal/action"
	"github.com/app-token/app-token/internal/cli"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/secret"
	"github.com/sethvargo/go-githubactions"
)

// version is set at release build time (-ldflags "-X main.version=v1.2.3");
// otherwise the module version `go install` recorded is used.
var version = ""

func main() {
	args := os.Args[1:]
	phase, isAction := actionPhase(os.Args[0], args, os.Getenv("GITHUB_ACTIONS") == "true")
	if !isAction {
		os.Exit(runCLI(args))
	}
	os.Exit(run(phases[phase], os.Stdout))
}

// phases are the action's phases by name; run takes one, so a test can
// hand it a phase that panics.
var phases = map[string]func(context.Context, *githubactions.Action, action.Deps) error{
	"main": action.Main,
	"post": action.Post,
}

// actionPhase tells whether the process is the action, and which phase:
// no arguments under the runner (the container action, phase by argv0), or
// `action main|post` under the runner (the native action).
func actionPhase(argv0 string, args []string, underRunner bool) (phase string, ok bool) {
	switch {
	case !underRunner:
		return "", false
	case len(args) == 0 && strings.HasSuffix(filepath.Base(argv0), "-post"):
		return "post", true
	case len(args) == 0:
		return "main", true
	case len(args) == 2 && args[0] == "action" && (args[1] == "main" || args[1] == "post"):
		return args[1], true
	}
	return "", false
}

// runCLI runs the command line with the real world.
func runCLI(args []string) int {
	env := cli.Env{
		Env:   env.Env{Getenv: os.Getenv},
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv,
		Version: buildVersion(), Outstanding: &mint.Outstanding{},
	}
	ctx, stop := interruptible(func(cause error) { cli.Abandoned(env, cause) })
	defer stop()
	// A closed stdout must be a write error, not death by SIGPIPE (Go's
	// default for fd 1): `token` then revokes the token it could not deliver.
	signal.Ignore(syscall.SIGPIPE)
	return cli.Run(ctx, args, env)
}

// interruptible returns the run's context. The first SIGINT (Ctrl-C, the
// runner cancelling the job) or SIGTERM cancels it with a mint.Interrupt
// naming the signal: the run stops, revokes within seconds what it minted
// and not yet handed over, and says it was interrupted. The second ends
// the process at once, after last has said what stays valid, with the
// exit code a shell gives a process that signal killed (130, 143). stop
// restores the signals' default behaviour.
func interruptible(last func(cause error)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for n := 0; ; n++ {
			select {
			case <-done:
				return
			case s := <-signals:
				cause := mint.Interrupt(signalName(s))
				if n == 0 {
					cancel(cause)
					continue
				}
				last(cause)
				code := 130
				if s == syscall.SIGTERM {
					code = 143
				}
				os.Exit(code)
			}
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel(nil)
	}
}

func signalName(s os.Signal) string {
	if s == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// run executes one of the action's phases and returns the exit code. A failure
// is reported as one ::error:: line; a panic is reported the same way, without
// its stack (which could hold a secret's bytes).
//
// Everything the phase prints passes through a secret.Writer: one line per
// write, and no secret the phase masked (nor anything shaped like a key,
// JWT or token) reaches the log, whichever code printed it.
func run(phase func(context.Context, *githubactions.Action, action.Deps) error, stdout io.Writer) (code int) {
	redactor := &secret.Redactor{}
	out := &secret.Writer{W: stdout, Redactor: redactor}
	// Deferred first, so it runs last: after the panic report below.
	defer out.Close()
	a := githubactions.New(githubactions.WithWriter(out))
	defer func() {
		if r := recover(); r != nil {
			a.Errorf("app-token crashed: %s. Please report this at the action's repository.", ghtext.Panic(r))
			code = 1
		}
	}()
	outstanding := &mint.Outstanding{}
	ctx, stop := interruptible(func(cause error) {
		a.Errorf("%s", action.Words(outstanding.Abandoned(cause)))
		_ = out.Flush()
	})
	defer stop()

	if err := phase(ctx, a, action.Deps{Redactor: redactor, Environ: os.Environ, Outstanding: outstanding}); err != nil {
		a.Errorf("%s", action.Words(err))
		return 1
	}
	return 0
}
