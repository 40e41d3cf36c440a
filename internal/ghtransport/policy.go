package ghtransport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghtext"
)

// Policy bounds the retrying of one API call. The zero value is a sensible
// policy for a release pipeline: up to 4 tries within a minute. These are
// the package's own defaults for callers that set no policy; the action
// always sets MaxTries, MaxElapsed and TryTimeout from its inputs, whose
// defaults internal/config declares.
type Policy struct {
	// MaxTries counts attempts including the first; 0 means 4.
	MaxTries int
	// MaxElapsed is the budget for the whole call including waits; 0 means
	// 60s. A wait that would not end before the budget runs out is not
	// started: the last answer is returned at once instead.
	MaxElapsed time.Duration
	// TryTimeout bounds one attempt (a hanging GitHub); 0 means 20s. It
	// covers reading the answer's body too.
	TryTimeout time.Duration
	// BaseDelay is the first backoff; 0 means 1s. It doubles each retry, is
	// capped at MaxDelay and then fully jittered (a uniform pick in [0, d)).
	BaseDelay time.Duration
	// MaxDelay caps one backoff; 0 means 15s.
	MaxDelay time.Duration
	// Lag retries 401 answers, for a freshly minted token that has not yet
	// reached every GitHub server; the zero value never retries a 401.
	Lag Lag
}

// Lag is the retrying of a new token's 401 answers (GitHub's replication
// lag), on a bound of its own: those retries count against neither
// MaxTries nor MaxElapsed, which keep bounding every other failure of the
// call, so a young token's revocation that meets a 502 is tried
// retry-attempts times, not as often as the lag allows.
type Lag struct {
	// Tries is how many 401 answers may be retried; 0 retries none.
	Tries int
	// Within bounds them in time: a 401 is retried only when the wait ends
	// within Within of the call's start; 0 means MaxElapsed.
	Within time.Duration
	// BaseDelay and MaxDelay shape their backoff as Policy's shape the
	// others' (doubled, capped, jittered); 0 means Policy's.
	BaseDelay, MaxDelay time.Duration
}

// withDefaults fills the zero fields with the documented defaults.
func (p Policy) withDefaults() Policy {
	if p.MaxTries <= 0 {
		p.MaxTries = 4
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = 60 * time.Second
	}
	if p.TryTimeout <= 0 {
		p.TryTimeout = 20 * time.Second
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = time.Second
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 15 * time.Second
	}
	if p.Lag.Tries < 0 {
		p.Lag.Tries = 0
	}
	if p.Lag.Within <= 0 {
		p.Lag.Within = p.MaxElapsed
	}
	if p.Lag.BaseDelay <= 0 {
		p.Lag.BaseDelay = p.BaseDelay
	}
	if p.Lag.MaxDelay <= 0 {
		p.Lag.MaxDelay = p.MaxDelay
	}
	return p
}

// budget is how long the whole call may run: the longer of the two bounds.
func (p Policy) budget() time.Duration {
	if p.Lag.Tries > 0 {
		return max(p.MaxElapsed, p.Lag.Within)
	}
	return p.MaxElapsed
}

// backoff is the jittered delay before retry n (1, 2, ...) of one kind,
// given a jitter in [0, 1): base, doubled each retry, capped at most.
func backoff(base, most time.Duration, n int, jitter float64) time.Duration {
	d := base
	for i := 1; i < n && d < most; i++ {
		d *= 2
	}
	d = min(d, most)
	return time.Duration(jitter * float64(d))
}

// What is retried, and after what wait: the loop (retry.go) asks judge after
// every try.

// next is what to do after one try: wait and try again, or stop.
type next struct {
	retry  bool
	wait   time.Duration
	reason string // why another try may help, for the log
	plan   string // what happens next, for the log
	// uncertain: another try could help, but GitHub may have acted on
	// this one, and the call must not act twice.
	uncertain bool
	// lag: a 401 retried as replication lag, on Policy.Lag's bound.
	lag bool
}

// judge decides whether the outcome of try is worth another try, and after
// what wait; written says whether the request went out (see send).
func (c *call) judge(resp *http.Response, err error, try int, written bool) next {
	again := func(reason string) next {
		wait := backoff(c.p.BaseDelay, c.p.MaxDelay, try-c.lagRetries, c.t.jitter())
		return next{retry: true, wait: wait, reason: reason, plan: "retrying in " + forLog(wait)}
	}
	if err != nil {
		if !transientError(err) {
			return next{}
		}
		// A network error can quote what the server sent (a malformed
		// status line echoing the Authorization header, say).
		reason := ghtext.Message(err.Error())
		if written && !c.repeatable {
			return next{uncertain: true, reason: reason}
		}
		return again(reason)
	}
	switch code := resp.StatusCode; code {
	case http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if !c.repeatable {
			return next{uncertain: true, reason: statusReason(code)}
		}
		return again(statusReason(code))
	case http.StatusUnauthorized:
		if c.lagRetries >= c.p.Lag.Tries {
			return next{}
		}
		c.lagRetries++
		wait := backoff(c.p.Lag.BaseDelay, c.p.Lag.MaxDelay, c.lagRetries, c.t.jitter())
		return next{retry: true, lag: true, wait: wait, plan: "retrying in " + forLog(wait),
			reason: statusReason(code) + " (a new token may not have reached every GitHub server yet)"}
	case http.StatusForbidden, http.StatusTooManyRequests:
		return c.rateLimited(resp)
	}
	return next{}
}

// tryTimeoutError says that one attempt got no answer within its time. It
// unwraps to the transport's error.
type tryTimeoutError struct {
	after time.Duration
	err   error
}

func (e *tryTimeoutError) Error() string { return "no answer within " + forLog(e.after) }
func (e *tryTimeoutError) Unwrap() error { return e.err }

// permanentError marks a failure of this package's own making (an App JWT
// that cannot be signed, a body that cannot be copied) that no further try
// would change.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// transientError reports whether another try may succeed after err, a
// transport error that is not the caller's own context ending. Dropped and
// refused connections, resets, EOFs and timeouts are worth another try; a
// certificate GitHub's name does not match, or a host name DNS does not
// know, will not change within a minute and is returned at once.
func transientError(err error) bool {
	var (
		certErr     *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidCert x509.CertificateInvalidError
		dnsErr      *net.DNSError
		permanent   *permanentError
	)
	switch {
	case errors.As(err, &permanent):
		return false
	case errors.As(err, &certErr), errors.As(err, &unknownAuth),
		errors.As(err, &hostErr), errors.As(err, &invalidCert):
		return false
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return false
	}
	return true
}

// statusReason is how a status shows in the log: "502 Bad Gateway".
func statusReason(code int) string {
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}

// Rate limits: GitHub says itself when to ask again.

// secondaryBackoff is GitHub's advice for a secondary rate limit that names
// no wait: at least a minute, growing on each repeat.
const secondaryBackoff = time.Minute

// rateLimited judges a 403 or 429 answer. One that is not a rate limit (a
// suspended installation, missing permissions) is final. GitHub's advice is
// followed in its order: retry-after, then x-ratelimit-reset when nothing
// remains, then at least a minute for a secondary limit, doubled for each
// earlier secondary limit of this call.
func (c *call) rateLimited(resp *http.Response) next {
	now := c.t.now()
	rl := ghapi.ReadRateLimit(resp.Header, now)
	if rl.HasRetryAfter {
		reason := "rate limit exhausted"
		if !rl.Exhausted {
			reason = "secondary rate limit"
			c.secondaryHits++
		}
		return next{retry: true, wait: rl.RetryAfter, reason: reason, plan: "GitHub asks to wait " + forLog(rl.RetryAfter)}
	}
	if rl.Exhausted {
		if rl.Reset.IsZero() {
			return next{}
		}
		at := rl.Reset.UTC().Add(time.Second)
		// A reset already past by our clock means our clock is off; a short
		// pause still beats asking again at once.
		wait := max(at.Sub(now), time.Second)
		plan := fmt.Sprintf("waiting %s until it resets at %s UTC", forLog(wait), at.Format("15:04:05"))
		return next{retry: true, wait: wait, reason: "rate limit exhausted", plan: plan}
	}
	if ghapi.Classify(resp.StatusCode, githubMessage(peekBody(resp))) == ghapi.SecondaryLimit {
		wait := secondaryBackoff << min(c.secondaryHits, 10)
		c.secondaryHits++
		return next{retry: true, wait: wait, reason: "secondary rate limit", plan: "backing off " + forLog(wait) + " as GitHub advises"}
	}
	return next{}
}

// githubMessage returns the "message" of a GitHub error body, or the body
// itself when it is not GitHub's JSON. It is used for matching only, never
// logged.
func githubMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return e.Message
	}
	return string(body)
}

// forLog renders a duration the way a person reads it: 50ms, 1.3s, 1m0s.
func forLog(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

// What is safe to send twice (docs/fault-matrix.md).

// repeatableKey marks a request context whose call may be sent again after
// any transient failure; see Repeatable.
type repeatableKey struct{}

// Repeatable marks the calls made with ctx as harmless to send twice, so
// Retry repeats them after an ambiguous failure (a 5xx, a dropped
// connection) as it does a GET. Only a caller that knows what a second copy
// does may say so; internal/ghclient says it for the token mint.
func Repeatable(ctx context.Context) context.Context {
	return context.WithValue(ctx, repeatableKey{}, true)
}

// repeatable reports whether req may be sent again after an ambiguous
// failure: its method is idempotent (RFC 9110, section 9.2.2) or its
// caller said so with Repeatable.
func repeatable(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	marked, _ := req.Context().Value(repeatableKey{}).(bool)
	return marked
}

// UncertainError is a call that was not sent again although another try
// might have worked: it failed after it was sent (a dropped connection, no
// answer in time), so GitHub may have acted on it, and repeating it could
// act twice (two dispatched workflow runs, say).
type UncertainError struct {
	Method, Path string
	Err          error
}

func (e *UncertainError) Error() string {
	return e.Err.Error() + " (" + e.Method + " " + e.Path + " was not sent again: GitHub may have acted on it already)"
}

func (e *UncertainError) Unwrap() error { return e.Err }
