// Package env is the outside world every layer takes, injected rather than
// read: the innermost HTTP transport, the clock, the sleeper and the
// environment variables. The doors (action.Deps, cli.Env) and the core
// (mint.Options, awskms.Options) embed one Env instead of copying its
// fields, so a clock or transport injected at a door is the one every call
// below it uses.
//
// The zero value is the real world, with one exception: a nil Getenv reads
// no variable at all, not the process's. Only main wires the process
// environment in, so no package reads it behind main's back and a test
// never sees the developer's shell.
package env

import (
	"context"
	"net/http"
	"time"
)

// Env is the outside world. Nil fields mean the real one (see the package
// doc for Getenv).
type Env struct {
	// Base is the innermost HTTP transport; nil means the layer's real one
	// (for GitHub, ghtransport.NewBase over Getenv, so HTTPS_PROXY and
	// NO_PROXY apply).
	Base http.RoundTripper
	// Now is the local clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Getenv reads an environment variable; nil means none is set.
	Getenv func(string) string
}

// Time is the local time: Now, or time.Now.
func (e Env) Time() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Var reads the variable key: Getenv, or "" when there is none.
func (e Env) Var(key string) string {
	if e.Getenv != nil {
		return e.Getenv(key)
	}
	return ""
}
