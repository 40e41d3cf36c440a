package idtoken

import (
	"fmt"
	"time"
)

// Reason names the check a token failed, in words stable enough for an
// audit line's reason and a metric's label: they never hold token text.
type Reason string

// The reasons. Every one but IssuerUnreachable is the caller's fault (a
// door answers 401); IssuerUnreachable is the issuer's (503, try later).
const (
	TooLarge            Reason = "token_too_large"
	Malformed           Reason = "token_malformed"
	AlgorithmNotAllowed Reason = "alg_not_allowed"
	UnknownIssuer       Reason = "unknown_issuer"
	UnknownKey          Reason = "unknown_kid"
	BadSignature        Reason = "bad_signature"
	WrongAudience       Reason = "wrong_audience"
	Expired             Reason = "expired"
	NotYetValid         Reason = "not_yet_valid"
	IssuedInFuture      Reason = "issued_in_future"
	InvalidClaims       Reason = "invalid_claims"
	IssuerUnreachable   Reason = "issuer_unreachable"
)

// Error is why a token was refused. Its sentence is built from this
// package's words and the broker's own settings (the configured audience,
// an allowlisted issuer), never from the token or an issuer's answer, so a
// door may show it to the caller and write it to the audit line as is.
type Error struct {
	Reason Reason
	// RetryAfter, for IssuerUnreachable, is how long until the issuer will
	// be asked again: a door's Retry-After.
	RetryAfter time.Duration
	msg        string
}

func (e *Error) Error() string { return e.msg }

// Unavailable reports whether the fault is the issuer's, not the token's:
// the caller should try again later (503) rather than fix its token (401).
func (e *Error) Unavailable() bool { return e.Reason == IssuerUnreachable }

func refuse(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, msg: fmt.Sprintf(format, args...)}
}

// The refusals whose sentence never changes.
var (
	errTooLarge   = refuse(TooLarge, "the OIDC token is longer than %d KiB", MaxTokenBytes>>10)
	errMalformed  = refuse(Malformed, "the OIDC token is not a signed JWT (three base64url parts: header, claims, signature)")
	errAlgorithm  = refuse(AlgorithmNotAllowed, "the OIDC token is not signed with RS256 or ES256, the only algorithms accepted")
	errIssuer     = refuse(UnknownIssuer, "the OIDC token's issuer (iss) is not one this broker trusts")
	errNoKid      = refuse(UnknownKey, "the OIDC token's header names no signing key (kid)")
	errUnknownKid = refuse(UnknownKey, "the OIDC token is signed with a key (kid) its issuer does not publish")
	errSignature  = refuse(BadSignature, "the OIDC token's signature does not verify")
	errExpired    = refuse(Expired, "the OIDC token has expired; request a new one")
	errNotYet     = refuse(NotYetValid, "the OIDC token is not valid yet (nbf more than %d s ahead); check the clock of the machine that issued it", Leeway/time.Second)
	errFuture     = refuse(IssuedInFuture, "the OIDC token was issued in the future (iat more than %d s ahead); check the clock of the machine that issued it", Leeway/time.Second)
)

func invalidClaims(what string) *Error {
	return refuse(InvalidClaims, "the OIDC token's claims are not valid: %s", what)
}

func unreachable(issuer, why string, retry time.Duration) *Error {
	e := refuse(IssuerUnreachable, "could not get the signing keys of OIDC issuer %s: %s; try again later", issuer, why)
	e.RetryAfter = retry
	return e
}
