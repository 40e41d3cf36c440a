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
	Revoke502 = githubtest.Fault{Method: "DELETE", Path: RevokePath, Status: 502, Times: -1}
	Revoke401 = githubtest.Fault{Method: "DELETE", Path: RevokePath, Status: 401, Body: `{"message":"Bad credentials"}`}
)

const lagReason = "401 Unauthorized (a new token may not have reached every GitHub server yet)"

// The post phase right after main (no other step in between: the token is
// seconds old), in process on the fault clock.
func TestYoungTokenPostKeepsRetryAttempts(t *testing.T) {
	t.Parallel()
	young := func(t *testing.T, faults ...githubtest.Fault) (*faultWorld, []string, []time.Duration) {
		f := newFaultWorld(t)
		f.With("retry-attempts", "3")
		res := f.runMain()
		Succeeded(t, res)
		f.clock.takeWaits()
		for _, fault := range faults {
			f.Emu.AddFault(fault)
		}
		post := f.runPost(res.State)
		Succeeded(t, post)
		return f, RetryLines(post, "DELETE", RevokePath), f.clock.takeWaits()
	}
	t.Run("502 stops at retry-attempts", func(t *testing.T) {
		t.Parallel()
		f, lines, waits := young(t, Revoke502)
		if got := f.Emu.Count("DELETE", RevokePath); got != 3 {
			t.Errorf("GitHub saw %d revocations, want 3 (retry-attempts)", got)
		}
		if len(lines) != 2 || !strings.Contains(lines[0], "502 Bad Gateway") || !strings.Contains(lines[0], "(try 2 of 3)") || !strings.Contains(lines[1], "(try 3 of 3)") {
			t.Errorf("retry lines %q", lines)
		}
		assertBackoff(t, waits, 2)
		if f.OnlyToken().Revoked {
			t.Error("revoked through a 502")
		}
	})
	t.Run("401 is the lag, within its own bound", func(t *testing.T) {
		t.Parallel()
		lag := Revoke401
		lag.Times = 3
		f, lines, waits := young(t, lag)
		if got := f.Emu.Count("DELETE", RevokePath); got != 4 || !f.OnlyToken().Revoked {
			t.Errorf("GitHub saw %d revocations, revoked %t; want 4, revoked (3 refusals spend none of retry-attempts)", got, f.OnlyToken().Revoked)
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
		lag := Revoke401
		lag.Times = 2
		f, lines, _ := young(t, lag, Revoke502)
		if got := f.Emu.Count("DELETE", RevokePath); got != 5 {
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
		w := NewWorld(t).With("retry-attempts", "3")
		res := w.Main()
		Succeeded(t, res)
		w.Emu.AddFault(Revoke502)
		post := w.Post(res.State)
		Succeeded(t, post)
		if got := w.Emu.Count("DELETE", RevokePath); got != 3 || len(post.Warnings) != 1 || !strings.Contains(post.Warnings[0], "could not revoke the token") {
			t.Errorf("GitHub saw %d revocations, want 3; warnings %q", got, post.Warnings)
		}
	})
	t.Run("revoke", func(t *testing.T) {
		t.Parallel()
		w := NewWorld(t)
		_, tok, _ := w.CLI("", nil, "token", "--owner", "octocat")
		w.Emu.AddFault(Revoke502)
		code, _, stderr := w.CLI(tok, nil, "revoke", "--retry-attempts", "3")
		if got := w.Emu.Count("DELETE", RevokePath); got != 3 || code != 1 || strings.Count(stderr, "(try ") != 2 {
			t.Errorf("GitHub saw %d revocations, want 3; exit %d, stderr %q", got, code, stderr)
		}
	})
	dispatch := []string{"dispatch", "--repository", "octo-org/app", "--event-type", "rebuild", "--retry-attempts", "3"}
	t.Run("dispatch", func(t *testing.T) {
		t.Parallel()
		w := NewWorld(t)
		w.Emu.AddFault(Revoke502)
		code, _, stderr := w.CLI("", nil, dispatch...)
		if got := w.Emu.Count("DELETE", RevokePath); got != 3 || code != 0 || !strings.Contains(stderr, "app-token: warning: could not revoke the token") {
			t.Errorf("GitHub saw %d revocations, want 3; exit %d, stderr %q", got, code, stderr)
		}
	})
	t.Run("dispatch meets the lag", func(t *testing.T) {
		t.Parallel()
		w := NewWorld(t)
		lag := Revoke401
		lag.Times = 2
		w.Emu.AddFault(lag)
		code, _, stderr := w.CLI("", nil, dispatch...)
		if got := w.Emu.Count("DELETE", RevokePath); got != 3 || code != 0 || !w.OnlyToken().Revoked || !strings.Contains(stderr, "; token revoked") {
			t.Errorf("GitHub saw %d revocations, want 3; exit %d, revoked %t, stderr %q", got, code, w.OnlyToken().Revoked, stderr)
		}
	})
}
