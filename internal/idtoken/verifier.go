// Package idtoken verifies the OIDC ID tokens a workload presents to the
// broker (`app-token serve`): a GitHub Actions job's, or another CI's or
// cloud's, built on github.com/coreos/go-oidc/v3.
//
// What a token must be, checked in this order so that a bad one costs as
// little as possible:
//
//   - at most MaxTokenBytes long, refused before any parsing;
//   - a compact JWS whose header says RS256 or ES256 (never none, HS*, RS512,
//     PS*: an HS256 token keyed with the issuer's public key, the classic alg
//     confusion, is refused by name before a key is looked at) and names a
//     key (kid);
//   - from an issuer on the allowlist: the iss claim equal, byte for byte,
//     to a configured issuer, decided before any network call, so a token
//     from an unlisted issuer costs no request;
//   - signed by the key its kid names, among the keys that issuer publishes
//     (discovery, then its jwks_uri), of the type its alg needs;
//   - for the broker: aud, a string or an array, includes the audience;
//   - in its lifetime: exp, nbf and iat checked with Leeway (60 s) for
//     clock skew, exp required.
//
// The issuer is compared exactly, trailing slash included: OpenID Connect
// Discovery requires the discovery document's issuer and every token's iss
// to be the very string the issuer is known by, and go-oidc holds
// discovery to it. Normalising would make "https://x/" and "https://x" one
// issuer, which multi-tenant issuers (a path per tenant) must not be; an
// operator who adds a stray slash gets a clear "discovery names another
// issuer" instead of a quiet widening. GitHub's issuer has no trailing
// slash; Auth0's, for one, has.
//
// There is no replay guard: a token may be presented again until it
// expires, as octo-sts allows, because a job's retries rely on it. A token
// lives minutes, and what it can get is bounded by the trust policy.
//
// Discovery and keys are fetched lazily, per issuer, and kept; a token
// naming a kid the issuer does not publish makes the keys be fetched again,
// but at most once per RefreshInterval per issuer, and concurrent misses
// share that one fetch: tokens with random kids cannot make the broker
// hammer an issuer. Keys older than KeysMaxAge are fetched again on use,
// so a key the issuer withdraws stops verifying; when the issuer cannot be
// reached the keys last fetched stay in use. Every answer is bounded
// (MaxAnswerBytes, MaxAnswerHeaderBytes, FetchTimeout), and one issuer's
// trouble never holds up another's tokens.
//
// Nothing here asks GitHub's API anything.
package idtoken

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/app-token/app-token/internal/loopback"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
	"github.com/coreos/go-oidc/v3/oidc"
)

// Limits and defaults.
const (
	// MaxTokenBytes bounds a raw token. GitHub's are about 1 KiB; 16 KiB
	// leaves room for other issuers' larger claim sets.
	MaxTokenBytes = 16 << 10
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway = 60 * time.Second
	// GitHubActions is the issuer of GitHub Actions' tokens on github.com,
	// the allowlist when none is given.
	GitHubActions = "https://token.actions.githubusercontent.com"
	// DefaultRefreshInterval is the least time between two fetches of one
	// issuer's keys (or discovery).
	DefaultRefreshInterval = 30 * time.Second
	// DefaultKeysMaxAge is how long fetched keys are used before they are
	// fetched again on use.
	DefaultKeysMaxAge = time.Hour
	// DefaultFetchTimeout bounds one fetch of discovery and keys.
	DefaultFetchTimeout = 10 * time.Second
	// MaxAnswerBytes bounds the body of a discovery or JWKS answer;
	// GitHub's are under 2 KiB, those with certificate chains about 10.
	MaxAnswerBytes = 64 << 10
	// MaxAnswerHeaderBytes bounds an answer's status line and headers
	// when this package builds the transport (or is given an
	// *http.Transport with a larger bound).
	MaxAnswerHeaderBytes = 16 << 10
)

// The algorithms accepted: what GitHub, GitLab, CircleCI, Buildkite and the
// clouds sign ID tokens with.
var algorithms = []string{oidc.RS256, oidc.ES256}

// Config is what a Verifier checks against, and how it reaches issuers.
type Config struct {
	// Audience is the broker's: every token's aud must include it.
	// Required.
	Audience string
	// Issuers is the allowlist of issuer URLs, each https, or http to a
	// loopback host (a local test issuer). Empty means GitHubActions.
	Issuers []string
	// Transport carries discovery and JWKS requests. Nil means one of
	// this package's (no proxy, headers bounded).
	Transport http.RoundTripper
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RefreshInterval, KeysMaxAge and FetchTimeout: zero means the
	// defaults above.
	RefreshInterval time.Duration
	KeysMaxAge      time.Duration
	FetchTimeout    time.Duration
}

// Verifier verifies tokens; it is safe for concurrent use and meant to live
// as long as the broker, as it holds each issuer's keys.
type Verifier struct {
	audience string
	now      func() time.Time
	issuers  map[string]*issuer
}

// Token is what a verified token says.
type Token struct {
	Issuer   string
	Subject  string
	Audience []string
	Expiry   time.Time
	// IssuedAt is zero when the token has no iat.
	IssuedAt time.Time
	// Claims holds every claim, numbers as json.Number, so that a trust
	// policy can tell a number from a string and refuse it.
	Claims map[string]any
}

// The broker's settings, in each door's words: serve is a command-line
// door; the action never configures a verifier.
var (
	audienceSetting = setting.Words{Action: "the broker's audience", CLI: "--audience"}
	issuerSetting   = setting.Words{Action: "the broker's issuer", CLI: "--issuer"}
)

// New checks cfg and returns a Verifier. It asks no issuer anything: each
// is asked on the first token that names it.
func New(cfg Config) (*Verifier, error) {
	if strings.TrimSpace(cfg.Audience) == "" {
		return nil, setting.Errorf("%s is required: the audience every OIDC token must carry", audienceSetting)
	}
	list := cfg.Issuers
	if len(list) == 0 {
		list = []string{GitHubActions}
	}
	f := newFetcher(cfg)
	v := &Verifier{audience: cfg.Audience, now: f.now, issuers: make(map[string]*issuer, len(list))}
	for _, raw := range list {
		if err := checkIssuerURL(raw); err != nil {
			return nil, setting.Errorf("%s %s %s", issuerSetting, showURL(raw), err)
		}
		is := newIssuer(raw, f)
		is.oidc = oidc.NewVerifier(raw, is, &oidc.Config{
			ClientID:             cfg.Audience,
			SupportedSigningAlgs: algorithms,
			// exp, nbf and iat are checked in Verify, with one leeway:
			// go-oidc checks exp with none, nbf with five minutes, iat
			// not at all.
			SkipExpiryCheck: true,
			Now:             f.now,
		})
		v.issuers[raw] = is
	}
	return v, nil
}

// checkIssuerURL holds an issuer to https, or http to a loopback host, with
// nothing a URL should not carry for it. The error completes a sentence.
func checkIssuerURL(raw string) *setting.Error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return setting.Errorf("is not an issuer URL like %s", GitHubActions)
	}
	if !secureURL(u) {
		return setting.Errorf("must be an https URL (plain http only to a loopback host): the keys that prove tokens would travel unprotected")
	}
	return nil
}

// showURL quotes a configured URL for an error, unless it carries a
// password.
func showURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return "(a URL with a user name or password, not shown)"
	}
	return secret.Quote(raw)
}

// secureURL: https, or http to a loopback host (the program's one rule,
// internal/loopback).
func secureURL(u *url.URL) bool {
	return u.Scheme == "https" || u.Scheme == "http" && loopback.Host(u.Hostname())
}

// Verify checks raw (the bearer, without "Bearer ") and returns what it
// says. Every refusal is an *Error.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Token, error) {
	iss, err := peek(raw)
	if err != nil {
		return nil, err
	}
	is := v.issuers[iss]
	if is == nil {
		return nil, errIssuer
	}
	check := &attempt{}
	t, verr := is.oidc.Verify(context.WithValue(ctx, attemptKey{}, check), raw)
	if check.err != nil {
		return nil, check.err
	}
	if check.payload == nil {
		return nil, errMalformed // go-jose refused the JWS before asking for a key
	}
	claims, cerr := decodeClaims(check.payload)
	if cerr != nil {
		return nil, cerr
	}
	if verr != nil {
		// Signed by the issuer, refused by go-oidc's claim checks: the
		// audience, or claims of the wrong type.
		if !hasAudience(claims["aud"], v.audience) {
			return nil, refuse(WrongAudience, "the OIDC token's audience (aud) does not include this broker's, %s", secret.Quote(v.audience))
		}
		return nil, invalidClaims("a registered claim has the wrong type")
	}
	if t.Subject == "" {
		return nil, invalidClaims("no subject (sub)")
	}
	// go-oidc matches claim names as encoding/json does, ignoring case;
	// the map does not. Both must read the same issuer and subject.
	if claims["iss"] != t.Issuer || claims["sub"] != t.Subject {
		return nil, invalidClaims("iss or sub is given twice")
	}
	tok := &Token{Issuer: t.Issuer, Subject: t.Subject, Audience: t.Audience, Claims: claims}
	if err := v.checkTimes(tok); err != nil {
		return nil, err
	}
	return tok, nil
}

// checkTimes holds the token to its lifetime, Leeway either side.
func (v *Verifier) checkTimes(t *Token) *Error {
	now := v.now()
	exp, ok, err := numericDate(t.Claims, "exp")
	if err != nil {
		return err
	}
	if !ok {
		return invalidClaims("no expiry (exp)")
	}
	t.Expiry = exp
	if !now.Before(exp.Add(Leeway)) {
		return errExpired
	}
	nbf, ok, err := numericDate(t.Claims, "nbf")
	if err != nil {
		return err
	}
	if ok && nbf.After(now.Add(Leeway)) {
		return errNotYet
	}
	iat, ok, err := numericDate(t.Claims, "iat")
	if err != nil {
		return err
	}
	if ok && iat.After(now.Add(Leeway)) {
		return errFuture
	}
	t.IssuedAt = iat
	return nil
}

// maxDate keeps a NumericDate within what time.Time holds as Unix seconds
// (year 5138), so no conversion overflows.
const maxDate = 1e11

// numericDate reads claim name as a NumericDate (seconds since 1970, maybe
// fractional): ok false when it is absent.
func numericDate(claims map[string]any, name string) (time.Time, bool, *Error) {
	v, present := claims[name]
	if !present {
		return time.Time{}, false, nil
	}
	n, isNum := v.(json.Number)
	f, err := n.Float64()
	if !isNum || err != nil || f < 0 || f >= maxDate {
		return time.Time{}, false, invalidClaims(name + " is not a date in seconds")
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true, nil
}

// hasAudience: aud, a string or an array of strings, includes want.
func hasAudience(aud any, want string) bool {
	if s, ok := aud.(string); ok {
		return s == want
	}
	list, _ := aud.([]any)
	for _, a := range list {
		if a == want {
			return true
		}
	}
	return false
}

// decodeClaims reads a verified payload, numbers kept as json.Number. (peek
// has read it as a JSON object already; this holds on its own.)
func decodeClaims(payload []byte) (map[string]any, *Error) {
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	var claims map[string]any
	if d.Decode(&claims) != nil || claims == nil || d.More() {
		return nil, invalidClaims("the claims are not a JSON object")
	}
	return claims, nil
}
