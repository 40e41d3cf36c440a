package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/ghtransport"
)

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
			w := NewWorld(t)
			w.Emu.SetClockOffset(year)
			start := time.Now()
			var msg string
			if door == "action" {
				res := w.Main()
				FailedWith(t, res, "365 days ahead of the runner's", "runner's clock")
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
