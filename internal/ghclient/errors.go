package ghclient

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghtext"
	"github.com/google/go-github/v62/github"
)

// APIError is GitHub's answer to a request that did not succeed. It carries
// what a caller needs to explain the failure to a user; never a header or a body
// beyond GitHub's message.
type APIError struct {
	// Status is the HTTP status GitHub answered with.
	Status int
	// Message is GitHub's "message" field, e.g. "Not Found", made fit to
	// print by ghtext.Message: one line, at most ghtext.MaxMessage bytes,
	// anything shaped like a credential hidden (a server may echo the
	// Authorization header it was sent).
	Message string
	// RateLimitReset is when the primary rate limit resets, if GitHub said it
	// is exhausted.
	RateLimitReset time.Time
	// RetryAfter is GitHub's retry-after for a secondary rate limit.
	RetryAfter time.Duration
	// Kind is what GitHub meant, read from Status and the message as GitHub
	// wrote it (before it was made fit to print).
	Kind ghapi.Kind
}

func (e *APIError) Error() string {
	text := http.StatusText(e.Status)
	if e.Message != "" && e.Message != text {
		return fmt.Sprintf("GitHub answered %d %s: %s", e.Status, text, e.Message)
	}
	return fmt.Sprintf("GitHub answered %d %s", e.Status, text)
}

// RateLimited reports whether GitHub refused the call for a rate limit.
func (e *APIError) RateLimited() bool {
	return !e.RateLimitReset.IsZero() || e.RetryAfter > 0
}

// KindOf returns what GitHub meant by an *APIError in err's chain
// (ghapi.Other when there is none): doors ask what GitHub meant, not which
// number it answered.
func KindOf(err error) ghapi.Kind {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Kind
	}
	return ghapi.Other
}

// StatusOf returns the HTTP status of an *APIError in err's chain, or 0.
func StatusOf(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status
	}
	return 0
}

// apiError converts the errors of github.CheckResponse. Any other error is
// kept, with its text bounded and scrubbed.
func apiError(err error) error {
	if err == nil {
		return nil
	}
	var (
		rateErr  *github.RateLimitError
		abuseErr *github.AbuseRateLimitError
		respErr  *github.ErrorResponse
		otpErr   *github.TwoFactorAuthError
	)
	if errors.As(err, &otpErr) {
		respErr = (*github.ErrorResponse)(otpErr)
	}
	switch {
	case errors.As(err, &rateErr):
		return newAPIError(rateErr.Response, http.StatusForbidden, rateErr.Message)
	case errors.As(err, &abuseErr):
		return newAPIError(abuseErr.Response, http.StatusForbidden, abuseErr.Message)
	case respErr != nil || errors.As(err, &respErr):
		return newAPIError(respErr.Response, 0, respErr.Message)
	}
	return &transportError{err}
}

// newAPIError classifies GitHub's answer r (fallback is the status when r
// is missing) and reads its rate-limit headers: go-github types only some
// rate limits (a 403 with remaining 0, a secondary limit's documentation
// URL), while GitHub also answers 429, so the headers are what counts.
func newAPIError(r *http.Response, fallback int, message string) *APIError {
	e := &APIError{Status: statusOf(r, fallback), Message: ghtext.Message(message)}
	e.Kind = ghapi.Classify(e.Status, message)
	switch {
	case e.Kind != ghapi.Other:
	case e.Status == http.StatusNotFound:
		e.Kind = ghapi.NotFound
	case e.Status == http.StatusUnauthorized:
		e.Kind = ghapi.Unauthorized
	case e.Status >= 500:
		e.Kind = ghapi.ServerError
	}
	if r != nil && (e.Status == http.StatusTooManyRequests || e.Status == http.StatusForbidden) {
		rl := ghapi.ReadRateLimit(datedByServer(r.Header))
		if rl.HasRetryAfter && rl.RetryAfter > 0 {
			e.RetryAfter = rl.RetryAfter
		}
		if rl.Exhausted {
			e.RateLimitReset = rl.Reset
		}
	}
	return e
}

func statusOf(r *http.Response, fallback int) int {
	if r == nil {
		return fallback
	}
	return r.StatusCode
}

// datedByServer returns the answer's headers and the server's own time
// (its Date header), which dates a Retry-After given as a date: the local
// clock may be off, which is why the transports correct for skew. Without a
// Date, such a Retry-After cannot be read and is left out.
func datedByServer(h http.Header) (http.Header, time.Time) {
	date, err := http.ParseTime(h.Get("Date"))
	if err == nil {
		return h, date
	}
	if _, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err != nil {
		h = h.Clone()
		h.Del("Retry-After")
	}
	return h, time.Time{}
}
