package e2e_test

// GitHub's bad days through the built binary: a clock that disagrees, a
// GitHub that hangs, an ambiguous failure of the mint. The fault matrix, in
// process on a fake clock, is internal/action's faults_test.go;
// docs/fault-matrix.md lists every fault with the test that proves it.

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/githubtest"
)

// A runner clock that disagrees with GitHub's (apptest.ClockSkews): within
// GitHub's tolerance nothing happens; beyond it the action re-signs with
// GitHub's time, says so, and goes on with exactly one extra App JWT
// request. Through the built binary here; in process in internal/action's
// test of the same name.
func TestClockSkew(t *testing.T) {
	t.Parallel()
	for _, cs := range apptest.ClockSkews {
		t.Run(cs.Name+"/binary", func(t *testing.T) {
			w := apptest.NewWorld(t)
			w.Emu.SetClockOffset(cs.Offset)
			w.CheckClockSkew(t, cs, w.Main(), w.Post)
		})
	}
}

// A GitHub that is slow or hangs: request-timeout-seconds ends each try, the
// try is retried, and a GitHub that never answers fails the step within
// seconds with a message saying so, instead of hanging the job: the built
// binary here; the retries, in process, in internal/action's test of the
// same name. These wait for real (about a second per timed-out try).
func TestSlowGitHub(t *testing.T) {
	t.Parallel()
	hang := githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Delay: time.Hour}
	t.Run("the binary does not hang either", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t).With("request-timeout-seconds", "1", "retry-attempts", "1")
		hang := hang
		hang.Times = -1
		w.Emu.AddFault(hang)
		res := w.Main()
		apptest.FailedWith(t, res, "could not reach GitHub", "no answer within 1s")
		if res.Wall > 5*time.Second {
			t.Errorf("took %v", res.Wall)
		}
	})
}

// A server whose clock is a year ahead cannot make the action or the
// command line sign a JWT for its time: the correction is bounded
// (ghtransport.MaxClockCorrection), the run fails with a message about the
// clock, and no JWT the server was sent expires more than GitHub's ten
// minutes after the real now.
func TestClockFarAheadIsNotFollowed(t *testing.T) {
	t.Parallel()
	const year = 365 * 24 * time.Hour
	for _, door := range []string{"action", "command line"} {
		t.Run(door, func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t)
			w.Emu.SetClockOffset(year)
			start := time.Now()
			var msg string
			if door == "action" {
				res := w.Main()
				apptest.FailedWith(t, res, "365 days ahead of the runner's", "runner's clock")
				msg = res.Errors[0]
			} else {
				code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octo-org")
				if code != 1 || stdout != "" || !strings.Contains(stderr, "365 days ahead of this machine's") || strings.Contains(stderr, "runner") {
					t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 naming the clock", code, stdout, stderr)
				}
				msg = stderr
			}
			if !strings.Contains(msg, "more than the 10m0s") {
				t.Errorf("message %q does not give the bound", msg)
			}
			jwts := w.Emu.JWTs()
			if len(jwts) == 0 {
				t.Fatal("no App JWT reached the server")
			}
			latest := time.Now().Add(10 * time.Minute)
			for _, jwt := range jwts {
				exp := jwtExpiry(t, jwt)
				if exp.After(latest) || exp.Before(start) {
					t.Errorf("a JWT expiring at %s was sent; now is %s", exp.UTC(), start.UTC())
				}
			}
			if len(w.Emu.Tokens()) != 0 {
				t.Error("a token was minted")
			}
		})
	}
	if ghtransport.MaxClockCorrection != 10*time.Minute {
		t.Errorf("MaxClockCorrection = %v; docs/fault-matrix.md says 10 minutes", ghtransport.MaxClockCorrection)
	}
}

// jwtExpiry reads a JWT's exp claim.
func jwtExpiry(t *testing.T, jwt string) time.Time {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return time.Unix(claims.Exp, 0)
}

// The mint is the one POST that is sent again after an ambiguous failure
// (docs/fault-matrix.md says why): the command succeeds, GitHub holds a
// second token scoped exactly as asked, and only the delivered one is
// printed.
func TestMintIsRepeatedAfterAnAmbiguousFailure(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Emu.AddFault(githubtest.Fault{Method: "POST", Path: "/app/installations/*", Status: http.StatusBadGateway,
		Body: `{"message":"Bad Gateway"}`, AfterHandling: true})
	code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octo-org", "--repositories", "app", "--permissions", "contents: read")
	toks := w.Emu.Tokens()
	if code != 0 || len(toks) != 2 {
		t.Fatalf("exit %d, %d tokens minted, stderr %q; want exit 0 after a second mint", code, len(toks), stderr)
	}
	if stdout != toks[1].Token+"\n" {
		t.Errorf("stdout %q is not the second, delivered token", stdout)
	}
	for _, tok := range toks {
		if len(tok.Repositories) != 1 || len(tok.Permissions) != 1 || tok.Permissions["contents"] != "read" {
			t.Errorf("token %+v: the repeated mint must be scoped exactly as asked", tok)
		}
	}
}
