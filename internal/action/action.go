// Package action is the runner's front door to the minting core
// (internal/mint): Main reads the inputs, mints, and hands the token to the
// workflow as outputs, saved state and a job summary; Post revokes it when
// the job ends. Masking happens here, before anything can print a secret.
// The core's errors are data; this door renders them with Words, naming
// settings as inputs ("input permissions") from the table in
// internal/setting.
//
// Everything environmental arrives through *githubactions.Action (inputs,
// environment, the log and the runner's files) and Deps (env.Env's clock,
// sleeper and innermost HTTP transport), so tests drive both phases
// without a process. The key source is the core's to choose: this door
// imports neither appkey nor awskms.
package action

import (
	"sync"

	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
	"github.com/sethvargo/go-githubactions"
)

// Deps are the outside world the phases use besides the runner's
// *githubactions.Action (inputs, environment, log, files): what the core
// needs is passed on as mint.Options by options; Environ and Redactor only
// this door has (see internal/mint's package doc). The zero value means
// the real one.
type Deps struct {
	// Env is the world the core calls GitHub (and AWS) through: Base (nil:
	// ghtransport.NewBase over the environment, so HTTPS_PROXY and
	// NO_PROXY apply), Now (the runner's clock), Sleep (between retries).
	// A nil Getenv means the action's own, *githubactions.Action's, which
	// main wires to the process environment.
	env.Env
	// Environ lists the process environment, where the runner's INPUT_*
	// variables are found, to refuse inputs the action does not declare;
	// nil means none (main wires os.Environ), so a developer's shell never
	// leaks into an in-process run.
	Environ func() []string
	// Redactor learns every secret the phase masks, for the log writer that
	// scrubs them (see secret.Writer); nil means one nobody reads.
	Redactor *secret.Redactor
	// Outstanding learns the token from its minting until it is revoked or
	// handed over, for main's last words on a second signal; nil keeps no
	// record.
	Outstanding *mint.Outstanding
}

func (d Deps) environ() []string {
	if d.Environ != nil {
		return d.Environ()
	}
	return nil
}

func (d *Deps) redactor() *secret.Redactor {
	if d.Redactor == nil {
		d.Redactor = &secret.Redactor{}
	}
	return d.Redactor
}

// masker returns the one way the phase hides a secret: the runner is told
// (::add-mask::, once per value) and so is the redactor, both before the
// value can be used. Safe for concurrent use: it writes under mu.
func (d *Deps) masker(a *githubactions.Action, mu *sync.Mutex) func(string) {
	r := d.redactor()
	seen := map[string]bool{}
	return func(s string) {
		mu.Lock()
		defer mu.Unlock()
		if s == "" || seen[s] {
			return
		}
		seen[s] = true
		r.Add(s)
		a.AddMask(s)
	}
}

// State names, as saved in main and read in post (STATE_<name>).
const (
	stateToken     = "token"
	stateExpiresAt = "expires-at"
)

// options gives the minting core this phase's world: the runner's
// environment for proxies, the injected clock and transport, one log line
// per retry, the masker, and the redactor for what is scrubbed without a
// mask (the private key's body in every form). Calls made at once (the
// token check and the bot lookup) log through one lock, a line at a time.
func (d *Deps) options(a *githubactions.Action) mint.Options {
	var mu sync.Mutex
	e := d.Env
	if e.Getenv == nil {
		e.Getenv = a.Getenv
	}
	r := d.redactor()
	return mint.Options{
		Env: e,
		Log: func(line string) {
			mu.Lock()
			defer mu.Unlock()
			a.Infof("%s", secret.OneLine(line))
		},
		Mask:        d.masker(a, &mu),
		Scrub:       func(s string) { r.Add(s) },
		Outstanding: d.Outstanding,
	}
}

// Words renders an error from the core in the action's words, on one line:
// a line break would let the rest of the line start a workflow command.
func Words(err error) string { return secret.OneLine(setting.Render(err, setting.Action)) }
