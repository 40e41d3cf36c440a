package main

// Issue 23, item 5: within a minute of minting, post retried a revocation
// answered 502 11 to 12 times in 10 s with retry-attempts 3, as if the
// lag's bound were the retry budget. Only a young token's 401 is retried
// as lag; every other failure keeps retry-attempts, at every door that
// revokes a token: post, `app-token revoke`, and dispatch's own revocation.

import (
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
)

var (
	revoke502 = githubtest.Fault{Method: "DELETE", Path: revokePath, Status: 502, Times: -1}
	revoke401 = githubtest.Fault{Method: "DELETE", Path: revokePath, Status: 401, Body: `{"message":"Bad credentials"}`}
)

const lagReason = "401 Unauthorized (a new token may not have reached every GitHub server yet)"

// The post phase right after main (no other step in between: the token is
// seconds old), in process on the fault clock.
func TestYoungTokenPostKeepsRetryAttempts(t *testing.T) {
	t.Parallel()
	young := func(t *testing.T, faults ...githubtest.Fault) (*faultWorld, []string, []time.Duration) {
		f := newFaultWorld(t)
		f.with("retry-attempts", "3")
		res := f.runMain()
		succeeded(t, res)
		f.clock.takeWaits()
		for _, fault := range faults {
			f.emu.AddFault(fault)
		}
		post := f.runPost(res.State)
		succeeded(t, post)
		return f, retryLines(post, "DELETE", revokePath), f.clock.takeWaits()
	}
	t.Run("502 stops at retry-attempts", func(t *testing.T) {
		t.Parallel()
		f, lines, waits := young(t, revoke502)
		if got := f.emu.Count("DELETE", revokePath); got != 3 {
			t.Errorf("GitHub saw %d revocations, want 3 (retry-attempts)", got)
		}
		if len(lines) != 2 || !strings.Contains(lines[0], "502 Bad Gateway") || !strings.Contains(lines[0], "(try 2 of 3)") || !strings.Contains(lines[1], "(try 3 of 3)") {
			t.Errorf("retry lines %q", lines)
		}
		assertBackoff(t, waits, 2)
		if f.onlyToken().Revoked {
			t.Error("revoked through a 502")
		}
	})
	t.Run("401 is the lag, within its own bound", func(t *testing.T) {
		t.Parallel()
		lag := revoke401
		lag.Times = 3
		f, lines, waits := young(t, lag)
		if got := f.emu.Count("DELETE", revokePath); got != 4 || !f.onlyToken().Revoked {
			t.Errorf("GitHub saw %d revocations, revoked %t; want 4, revoked (3 refusals spend none of retry-attempts)", got, f.onlyToken().Revoked)
		}
		if len(lines) != 3 || !strings.Contains(lines[0], lagReason) || !strings.Contains(lines[2], "(try 4 of 20)") {
			t.Errorf("retry lines %q", lines)
		}
		for i, w := range waits {
			if limit := min(250*time.Millisecond<<i, 2*time.Second); w < 0 || w >= limit {
				t.Errorf("wait %d = %v, want within [0, %v)", i+1, w, limit)
			}
		}
	})
	t.Run("lag then 502", func(t *testing.T) {
		t.Parallel()
		lag := revoke401
		lag.Times = 2
		f, lines, _ := young(t, lag, revoke502)
		if got := f.emu.Count("DELETE", revokePath); got != 5 {
			t.Errorf("GitHub saw %d revocations, want 5 (2 refusals, then retry-attempts 502s)", got)
		}
		if len(lines) != 4 || !strings.Contains(lines[3], "502 Bad Gateway") || !strings.Contains(lines[3], "(try 5 of 5)") {
			t.Errorf("retry lines %q", lines)
		}
	})
}

// The same through the built binaries: the post phase, `app-token
// revoke`, and the revocation that ends `app-token dispatch` (which now
// retries a young token's 401 as lag too).
func TestYoungTokenRevocationKeepsRetryAttemptsAtEveryDoor(t *testing.T) {
	t.Parallel()
	t.Run("post", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t).with("retry-attempts", "3")
		res := w.main()
		succeeded(t, res)
		w.emu.AddFault(revoke502)
		post := w.post(res.State)
		succeeded(t, post)
		if got := w.emu.Count("DELETE", revokePath); got != 3 || len(post.Warnings) != 1 || !strings.Contains(post.Warnings[0], "could not revoke the token") {
			t.Errorf("GitHub saw %d revocations, want 3; warnings %q", got, post.Warnings)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		_, tok, _ := w.cli("", nil, "token", "--owner", "octocat")
		w.emu.AddFault(revoke502)
		code, _, stderr := w.cli(tok, nil, "revoke", "--retry-attempts", "3")
		if got := w.emu.Count("DELETE", revokePath); got != 3 || code != 1 || strings.Count(stderr, "(try ") != 2 {
			t.Errorf("GitHub saw %d revocations, want 3; exit %d, stderr %q", got, code, stderr)
		}
	})
	dispatch := []string{"dispatch", "--repository", "octo-org/app", "--event-type", "rebuild", "--retry-attempts", "3"}
	t.Run("dispatch", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		w.emu.AddFault(revoke502)
		code, _, stderr := w.cli("", nil, dispatch...)
		if got := w.emu.Count("DELETE", revokePath); got != 3 || code != 0 || !strings.Contains(stderr, "app-token: warning: could not revoke the token") {
			t.Errorf("GitHub saw %d revocations, want 3; exit %d, stderr %q", got, code, stderr)
		}
	})
	t.Run("dispatch meets the lag", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		lag := revoke401
		lag.Times = 2
		w.emu.AddFault(lag)
		code, _, stderr := w.cli("", nil, dispatch...)
		if got := w.emu.Count("DELETE", revokePath); got != 3 || code != 0 || !w.onlyToken().Revoked || !strings.Contains(stderr, "; token revoked") {
			t.Errorf("GitHub saw %d revocations, want 3; exit %d, revoked %t, stderr %q", got, code, w.onlyToken().Revoked, stderr)
		}
	})
}
