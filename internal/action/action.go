// Package action runs the action's two phases as the runner starts them:
// Main mints, masks and outputs the token; Post revokes it when the job ends.
//
// Everything environmental arrives through *githubactions.Action (inputs,
// environment, the log and the runner's files) and Deps (clock, sleeper, the
// innermost HTTP transport), so tests drive both phases without a process.
package action

import (
	"context"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/secret"
	"github.com/sethvargo/go-githubactions"
)

// Deps are the outside world the phases use. The zero value means the real one.
type Deps struct {
	// Base is the innermost HTTP transport; nil means ghtransport.NewBase
	// over the action's environment (so HTTPS_PROXY and NO_PROXY apply).
	Base http.RoundTripper
	// Now is the runner's clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Environ lists the process environment, where the runner's INPUT_*
	// variables are found; nil means os.Environ.
	Environ func() []string
	// Redactor learns every secret the phase masks, for the log writer that
	// scrubs them (see secret.Writer); nil means one nobody reads.
	Redactor *secret.Redactor

	// roots are the ca-certificates input's PEM certificates, trusted by
	// the default Base besides the system's roots.
	roots []byte
}

func (d Deps) environ() []string {
	if d.Environ != nil {
		return d.Environ()
	}
	return os.Environ()
}

func (d *Deps) redactor() *secret.Redactor {
	if d.Redactor == nil {
		d.Redactor = &secret.Redactor{}
	}
	return d.Redactor
}

// masker returns the one way the phase hides a secret: the runner is told
// (::add-mask::, once per value) and so is the redactor, both before the
// value can be used. Safe for concurrent use.
func (d *Deps) masker(a *githubactions.Action) func(string) {
	r := d.redactor()
	var mu sync.Mutex
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

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// State names, as saved in main and read in post (STATE_<name>).
const (
	stateToken     = "token"
	stateExpiresAt = "expires-at"
)

// replicationLagTries is how many times a brand-new token's 401 is retried:
// GitHub may not yet know the token on the server that answers.
const replicationLagTries = 2

// retryPolicy turns the retry inputs into the transports' policy.
func retryPolicy(r config.Retry) ghtransport.Policy {
	return ghtransport.Policy{MaxTries: r.Attempts, MaxElapsed: r.Budget, TryTimeout: r.RequestTimeout}
}

// deadline is the most the whole phase may take: three calls' worth of
// retry budget, so a hanging GitHub fails the step instead of the job.
func deadline(r config.Retry) time.Duration {
	return 3 * max(r.Budget, r.RequestTimeout)
}

// transports builds the two transport stacks: base → body limit → retry for
// calls with a token, and base → body limit → App JWT → retry for calls as
// the App, so every try (even one after a long rate-limit wait) carries a
// freshly signed JWT, and no answer is read past ghtransport.MaxAnswer.
func (d Deps) transports(a *githubactions.Action, p ghtransport.Policy, signer ghtransport.Signer) (app, token http.RoundTripper) {
	base := d.Base
	if base == nil {
		t := ghtransport.NewBase(a.Getenv)
		// config already checked the certificates; this cannot fail.
		_ = ghtransport.AddRoots(t, d.roots)
		base = t
	}
	base = &ghtransport.LimitBody{Base: base}
	logf := func(line string) { a.Infof("%s", oneLine(line)) }
	retry := func(base http.RoundTripper, p ghtransport.Policy) *ghtransport.Retry {
		return &ghtransport.Retry{Base: base, Policy: p, Sleep: d.Sleep, Now: d.Now, Log: logf}
	}
	tokenPolicy := p
	tokenPolicy.Unauthorized = replicationLagTries
	token = retry(base, tokenPolicy)
	if signer != nil {
		app = retry(&ghtransport.AppJWT{Base: base, Signer: signer, Now: d.Now, Log: logf}, p)
	}
	return app, token
}
