package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/action"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
	"github.com/app-token/app-token/internal/secret"
	"github.com/sethvargo/go-githubactions"
)

// sentMarker is the log line requestMarker writes for each request that
// carries an App JWT: a digest of the JWT, never the JWT.
const sentMarker = "test: sending a request with App JWT "

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// requestMarker writes sentMarker into the phase's own log at the moment a
// request carrying an App JWT leaves, so the order of masks and uses can be
// read back from the log.
type requestMarker struct {
	a    *githubactions.Action
	base http.RoundTripper
}

func (m requestMarker) RoundTrip(r *http.Request) (*http.Response, error) {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && strings.HasPrefix(v, "eyJ") {
		m.a.Infof("%s%s", sentMarker, digest(v))
	}
	return m.base.RoundTrip(r)
}

// Every App JWT is masked before its first use: the ::add-mask:: line for
// each JWT comes before the request that carries it, for every JWT of the
// run (with a clock correction, so a re-signed JWT too). Read from the
// masks the runner receives, not from the log, which the scrubber would
// keep clean anyway.
func TestEveryAppJWTIsMaskedBeforeItsFirstUse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.emu.SetClockOffset(9*time.Minute + 30*time.Second) // one JWT refused, one re-signed
	res := w.inProcess(func(ctx context.Context, a *githubactions.Action, d action.Deps) error {
		d.Base = requestMarker{a, ghtransport.NewBase(nil)}
		return action.Main(ctx, a, d)
	}, action.Deps{}, nil)
	succeeded(t, res)
	masked := map[string]bool{}
	sent := 0
	for _, line := range strings.Split(res.Stdout, "\n") {
		if m, ok := strings.CutPrefix(line, "::add-mask::"); ok {
			masked[digest(m)] = true
		}
		if _, d, ok := strings.Cut(line, sentMarker); ok {
			sent++
			if !masked[d] {
				t.Errorf("request %d carried an App JWT not masked before it (%s)", sent, d)
			}
		}
	}
	if jwts := w.emu.JWTs(); sent < 3 || len(jwts) < 2 {
		t.Errorf("%d requests with %d distinct JWTs: want the refused JWT, its re-signed one, and a later call", sent, len(jwts))
	}
}

// A scoped mint signs one App JWT, which every App call of the run carries
// (find the installation, mint) and which is masked once. In process, the
// runner's clock ticks a second at each reading, so that JWTs signed for
// different calls would differ; through the built binary, the first App
// call's answer is delayed past a second's turn, since PKCS#1 v1.5
// signatures are deterministic (the KMS tests count signatures exactly).
func TestOneAppJWTPerRun(t *testing.T) {
	t.Parallel()
	scoped := []string{"repositories", "app, infra", "permissions", "contents: write"}
	check := func(t *testing.T, w *world, res *runnertest.Result) {
		t.Helper()
		succeeded(t, res)
		appCalls := w.jwtCalls()
		jwts := w.emu.JWTs()
		if len(jwts) != 1 || appCalls < 2 {
			t.Fatalf("%d App calls with %d JWTs, want one JWT for every call", appCalls, len(jwts))
		}
		masked := 0
		for _, m := range res.Masks {
			if m == jwts[0] {
				masked++
			}
		}
		if masked != 1 {
			t.Errorf("the JWT was masked %d times, want once", masked)
		}
	}
	t.Run("in process", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t).with(scoped...)
		var mu sync.Mutex
		clock := time.Now()
		tick := func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Second)
			return clock
		}
		check(t, w, w.inProcess(action.Main, action.Deps{Env: env.Env{Now: tick}}, nil))
	})
	t.Run("built binary", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t).with(scoped...)
		// The lookup's answer takes past the next second, so a JWT signed
		// for the mint would carry another iat, and differ.
		w.emu.AddFault(githubtest.Fault{Method: "GET", Path: "/repos/octo-org/app/installation", Delay: 1100 * time.Millisecond})
		check(t, w, w.main())
	})
}

// Through the built binary too, every JWT the emulator received was
// registered with ::add-mask::.
func TestEveryAppJWTIsMaskedByTheBinary(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.emu.SetClockOffset(-3 * time.Minute)
	res := w.main()
	succeeded(t, res)
	jwts := w.emu.JWTs()
	if len(jwts) < 2 {
		t.Fatalf("%d JWTs, want the refused and the re-signed one", len(jwts))
	}
	for _, jwt := range jwts {
		if !slices.Contains(res.Masks, jwt) {
			t.Errorf("an App JWT the server received was never masked")
		}
	}
}

// The key's body lines are added to the scrubber: after the main phase,
// the log writer's redactor hides every line of the key's body (and any
// 20-character piece of one), although the runner masks the input only as
// given and the action registered no mask of its own for a clean PEM.
func TestKeyBodyLinesReachTheScrubber(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := &secret.Redactor{}
	res := w.inProcess(action.Main, action.Deps{Redactor: r}, nil)
	succeeded(t, res)
	if len(w.secrets) < 20 {
		t.Fatalf("%d key lines", len(w.secrets))
	}
	for _, line := range w.secrets {
		if slices.Contains(res.Masks, line) {
			t.Fatalf("a clean PEM's line was masked: this test needs the scrubber alone")
		}
		for _, text := range []string{line, "echo " + line[10:40] + " end"} {
			if got := r.Redact(text); strings.Contains(got, line[10:40]) {
				t.Errorf("the scrubber does not know key line %.12q…: %q", line, got)
			}
		}
	}
}

// The whole phase has a deadline of three calls' budget (plus the wait for
// a new token to work, 0 here): a GitHub that keeps a call retrying (here
// a rate limit asking for no wait, with a clock that never moves, so no
// call's own budget ever runs out) fails the step after
// 3 × retry-max-seconds, saying so, instead of hanging the job.
func TestWholePhaseDeadline(t *testing.T) {
	t.Parallel()
	w := newWorld(t).with("retry-attempts", "10", "retry-max-seconds", "1", "request-timeout-seconds", "1", "token-ready-seconds", "0")
	w.emu.AddFault(githubtest.Fault{Method: "GET", Path: lookupPath, Times: -1, Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {"0"}}, Body: `{"message":"You have exceeded a secondary rate limit"}`})
	frozen := time.Now()
	start := time.Now()
	res := w.inProcess(action.Main, action.Deps{Env: env.Env{
		Now: func() time.Time { return frozen },
		// Each wait takes 600ms of real time: ten tries would take 5.4s.
		Sleep: func(ctx context.Context, _ time.Duration) error {
			select {
			case <-time.After(600 * time.Millisecond):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	}}, nil)
	failedWith(t, res, "did not answer within the step's deadline of 3s")
	if took := time.Since(start); took < 2500*time.Millisecond {
		t.Errorf("the phase ended after %v, before its deadline of 3s", took)
	}
}
