package action_test

// Masks, read in process: every App JWT masked before its first use, one
// App JWT per run, and the key's body lines known to the scrubber.

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
	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghtransport"
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
	w := apptest.NewWorld(t)
	w.Emu.SetClockOffset(9*time.Minute + 30*time.Second) // one JWT refused, one re-signed
	res := w.InProcess(func(ctx context.Context, a *githubactions.Action, d action.Deps) error {
		d.Base = requestMarker{a, ghtransport.NewBase(nil)}
		return action.Main(ctx, a, d)
	}, action.Deps{}, nil)
	apptest.Succeeded(t, res)
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
	if jwts := w.Emu.JWTs(); sent < 3 || len(jwts) < 2 {
		t.Errorf("%d requests with %d distinct JWTs: want the refused JWT, its re-signed one, and a later call", sent, len(jwts))
	}
}

// A scoped mint signs one App JWT, which every App call of the run carries
// (find the installation, mint) and which is masked once. In process, the
// runner's clock ticks a second at each reading, so that JWTs signed for
// different calls would differ. (Through the built binary: e2e's test of
// the same name.)
func TestOneAppJWTPerRun(t *testing.T) {
	t.Parallel()
	t.Run("in process", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t).With(apptest.Scoped...)
		var mu sync.Mutex
		clock := time.Now()
		tick := func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Second)
			return clock
		}
		w.CheckOneAppJWT(t, w.InProcess(action.Main, action.Deps{Env: env.Env{Now: tick}}, nil))
	})
}

// The key's body lines are added to the scrubber: after the main phase,
// the log writer's redactor hides every line of the key's body (and any
// 20-character piece of one), although the runner masks the input only as
// given and the action registered no mask of its own for a clean PEM.
func TestKeyBodyLinesReachTheScrubber(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	r := &secret.Redactor{}
	res := w.InProcess(action.Main, action.Deps{Redactor: r}, nil)
	apptest.Succeeded(t, res)
	if len(w.Secrets) < 20 {
		t.Fatalf("%d key lines", len(w.Secrets))
	}
	for _, line := range w.Secrets {
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
