package ghclient

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

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
		e := &APIError{Status: statusOf(rateErr.Response, http.StatusForbidden), Message: ghtext.Message(rateErr.Message), RateLimitReset: rateErr.Rate.Reset.Time}
		return e
	case errors.As(err, &abuseErr):
		e := &APIError{Status: statusOf(abuseErr.Response, http.StatusForbidden), Message: ghtext.Message(abuseErr.Message)}
		if abuseErr.RetryAfter != nil {
			e.RetryAfter = *abuseErr.RetryAfter
		}
		return e
	case respErr != nil || errors.As(err, &respErr):
		e := &APIError{Status: statusOf(respErr.Response, 0), Message: ghtext.Message(respErr.Message)}
		if r := respErr.Response; r != nil && (r.StatusCode == http.StatusTooManyRequests || r.StatusCode == http.StatusForbidden) {
			// go-github only types a 403 with "remaining: 0" or a secondary
			// limit's documentation URL; GitHub also answers 429, so read the
			// headers GitHub documents for both.
			if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err == nil && secs > 0 {
				e.RetryAfter = time.Duration(secs) * time.Second
			}
			if r.Header.Get("X-RateLimit-Remaining") == "0" {
				if reset, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
					e.RateLimitReset = time.Unix(reset, 0)
				}
			}
		}
		return e
	}
	return &transportError{err}
}

func statusOf(r *http.Response, fallback int) int {
	if r == nil {
		return fallback
	}
	return r.StatusCode
}
