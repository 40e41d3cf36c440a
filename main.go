// Command app-token is a GitHub Action that turns a GitHub App's credentials
// into an installation access token scoped to the repositories and
// permissions a step needs, and revokes it when the job ends.
//
// One binary serves both phases. The runner passes the same args to every
// phase and starts each with `docker run --entrypoint PATH`, so the phase is
// told by the name the binary was started as: app-token for main,
// app-token-post for post (see Dockerfile and action.yml).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/app-token/app-token/internal/action"
	"github.com/app-token/app-token/internal/secret"
	"github.com/sethvargo/go-githubactions"
)

func main() {
	os.Exit(run(os.Args[0]))
}

// run executes the phase named by argv0 and returns the exit code. A failure
// is reported as one ::error:: line; a panic is reported the same way, without
// its stack (which could hold a secret's bytes).
//
// Everything the phase prints passes through a secret.Writer: one line per
// write, and no secret the phase masked (nor anything shaped like a key,
// JWT or token) reaches the log, whichever code printed it.
func run(argv0 string) (code int) {
	redactor := &secret.Redactor{}
	a := githubactions.New(githubactions.WithWriter(&secret.Writer{W: os.Stdout, Redactor: redactor}))
	defer func() {
		if r := recover(); r != nil {
			a.Errorf("app-token crashed: %v. Please report this at the action's repository.", shorten(fmt.Sprint(r)))
			code = 1
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	phase := action.Main
	if strings.HasSuffix(filepath.Base(argv0), "-post") {
		phase = action.Post
	}
	if err := phase(ctx, a, action.Deps{Redactor: redactor}); err != nil {
		a.Errorf("%v", err)
		return 1
	}
	return 0
}

// shorten keeps a panic value short: its message names what failed, and a
// long value is more likely to carry data than explanation.
func shorten(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
