// Package ghapi knows what GitHub's answers mean: which error messages say
// what (a suspended installation, a JWT GitHub cannot verify, a secondary
// rate limit ...) and how its rate-limit headers are read. The transports
// decide retries with it and ghclient classifies errors with it, so each
// piece of GitHub's wording is matched in one place.
package ghapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Kind is what a refusal from GitHub means, as far as the action acts on it.
type Kind int

const (
	// Other is any refusal the action has no special advice for.
	Other Kind = iota
	// Suspended: the installation is suspended (403).
	Suspended
	// JWTUndecodable: GitHub could not verify the App JWT, usually a key
	// of another App (401).
	JWTUndecodable
	// JWTTime: GitHub rejected the JWT's iat or exp, a runner clock that
	// disagrees with GitHub's (401).
	JWTTime
	// SecondaryLimit: a secondary rate limit, by its wording (403/429).
	SecondaryLimit
	// RepositoriesUnreachable: a token was asked for repositories the
	// installation does not reach (422).
	RepositoriesUnreachable
	// PermissionsNotGranted: a token was asked for permissions the
	// installation was not granted (422).
	PermissionsNotGranted
	// NotFound: what was asked for does not exist, or the credential may
	// not see it (404). Set by ghclient from the status alone.
	NotFound
	// Unauthorized: GitHub does not accept the credential (401), for a
	// token: revoked or expired. Set by ghclient from the status alone.
	Unauthorized
	// ServerError: GitHub failed (5xx), and may or may not have acted on
	// the request. Set by ghclient from the status alone.
	ServerError
)

// Classify reads GitHub's status and message.
func Classify(status int, message string) Kind {
	msg := strings.ToLower(message)
	has := func(s string) bool { return strings.Contains(msg, s) }
	switch {
	case status == http.StatusUnauthorized && (has("'issued at' claim ('iat')") || has("'expiration time' claim ('exp')")):
		return JWTTime
	case status == http.StatusUnauthorized && has("could not be decoded"):
		return JWTUndecodable
	case (status == http.StatusForbidden || status == http.StatusTooManyRequests) &&
		(has("secondary rate limit") || has("abuse detection")): // older GHES wording
		return SecondaryLimit
	case status == http.StatusForbidden && has("suspend"):
		return Suspended
	case status == http.StatusUnprocessableEntity && has("repositor"):
		return RepositoriesUnreachable
	case status == http.StatusUnprocessableEntity && has("permission"):
		return PermissionsNotGranted
	}
	return Other
}

// RateLimit is what an answer's headers say about GitHub's rate limits.
type RateLimit struct {
	// RetryAfter is how long GitHub asks to wait, when it says so.
	RetryAfter    time.Duration
	HasRetryAfter bool
	// Exhausted: x-ratelimit-remaining is 0; Reset is when the limit resets
	// (zero if GitHub did not say).
	Exhausted bool
	Reset     time.Time
}

// ReadRateLimit reads the rate-limit headers of an answer. now turns a
// Retry-After given as an HTTP date into a wait.
func ReadRateLimit(h http.Header, now time.Time) RateLimit {
	var rl RateLimit
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			rl.RetryAfter, rl.HasRetryAfter = time.Duration(secs)*time.Second, true
		} else if at, err := http.ParseTime(v); err == nil {
			rl.RetryAfter, rl.HasRetryAfter = max(at.Sub(now), 0), true
		}
	}
	if h.Get("X-Ratelimit-Remaining") == "0" {
		rl.Exhausted = true
		if reset, err := strconv.ParseInt(h.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			rl.Reset = time.Unix(reset, 0)
		}
	}
	return rl
}
