package apptest

// Checks of tests that run twice, through the built binary (e2e) and in
// process (internal/action), under one name in each.

import (
	"testing"
	"time"

	"github.com/app-token/app-token/internal/runnertest"
)

// Scoped are the inputs of a scoped mint: two repositories, one permission.
var Scoped = []string{"repositories", "app, infra", "permissions", "contents: write"}

// CheckOneAppJWT fails the test unless the main phase res succeeded and
// made every App call of the run with one App JWT, masked once.
func (w *World) CheckOneAppJWT(t *testing.T, res *runnertest.Result) {
	t.Helper()
	Succeeded(t, res)
	appCalls := w.JWTCalls()
	jwts := w.Emu.JWTs()
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

// ClockSkew is a runner's clock that disagrees with GitHub's.
type ClockSkew struct {
	Name      string
	Offset    time.Duration // GitHub's clock minus the runner's
	WantExtra int           // App JWT requests beyond a clean run's two
	WantSide  string        // how the log line places the runner's clock
}

// ClockSkews are the clocks TestClockSkew tries: within GitHub's tolerance
// (iat is back-dated a minute, exp 9 minutes ahead, GitHub allows 10)
// nothing happens; beyond it the first App call gets GitHub's 401, the
// action re-signs with the time from GitHub's Date header, says so, and
// goes on with exactly one extra App JWT request.
var ClockSkews = []ClockSkew{
	{"runner 5m behind (tolerated)", 5 * time.Minute, 0, ""},
	{"runner 9m30s behind", 9*time.Minute + 30*time.Second, 1, "behind"},
	{"runner 2m ahead", -2 * time.Minute, 1, "ahead of"},
	{"runner 8m ahead", -8 * time.Minute, 1, "ahead of"},
}

// CheckClockSkew fails the test unless the main phase res, run on a
// GitHub whose clock is cs.Offset away (Emu.SetClockOffset), succeeded as
// ClockSkews says, and post, given its state, revoked the token.
func (w *World) CheckClockSkew(t *testing.T, cs ClockSkew, res *runnertest.Result, post func(state map[string]string) *runnertest.Result) {
	t.Helper()
	Succeeded(t, res)
	if want := 2 + cs.WantExtra; w.JWTCalls() != want {
		t.Errorf("%d App JWT requests (%q), want %d", w.JWTCalls(), w.Calls(), want)
	}
	m := ClockLine.FindStringSubmatch(res.Log())
	switch {
	case cs.WantExtra == 0 && m != nil:
		t.Errorf("log claims a clock correction within GitHub's tolerance: %q", m[0])
	case cs.WantExtra == 1 && m == nil:
		t.Errorf("log lacks the clock correction line:\n%s", res.Log())
	case cs.WantExtra == 1:
		by, err := time.ParseDuration(m[1])
		if err != nil || m[2] != cs.WantSide || (by-cs.Offset.Abs()).Abs() > 2*time.Second {
			t.Errorf("log says %q, want about %v %s", m[0], cs.Offset.Abs(), cs.WantSide)
		}
	}
	Succeeded(t, post(res.State))
	if !w.OnlyToken().Revoked {
		t.Error("token not revoked")
	}
}
