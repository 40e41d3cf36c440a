// Package broker is the token broker's exchange: an OIDC token and a
// request in, an installation token out, granted by the trust policy of the
// repository it reaches (internal/trust), or a typed refusal. No HTTP and no
// door words here: the door (internal/serve) maps a Kind to a status and
// writes the audit line and the metrics from the data these types carry.
//
// This file holds only the types the door and the core share; the exchange
// itself (Broker, Config, Exchange) lives beside it.
package broker

import (
	"fmt"
	"time"

	"github.com/app-token/app-token/internal/permissions"
)

// Request is one exchange as a caller asks for it.
type Request struct {
	// Bearer is the caller's OIDC token, as presented. It is a credential:
	// never logged, never echoed, never part of String.
	Bearer string
	// Scope is "OWNER/REPO" or "OWNER".
	Scope string
	// Identity names the trust policy: .github/chainguard/{Identity}.sts.yaml.
	Identity string
	// Repositories, when not empty, narrows the policy's repositories (names
	// of the scope owner's repositories, no owner).
	Repositories []string
	// Permissions, when not empty, narrows the policy's permissions
	// (GitHub's permission name → level).
	Permissions permissions.Set
}

// String shows the request without its bearer, so that a request printed
// by mistake (%v, %+v, %#v) carries no credential.
func (r Request) String() string {
	return fmt.Sprintf("broker.Request{Scope: %q, Identity: %q, Repositories: %q, Permissions: %v}",
		r.Scope, r.Identity, r.Repositories, r.Permissions)
}

// GoString is String, for %#v.
func (r Request) GoString() string { return r.String() }

// Audit is what an audit line says about an exchange besides its outcome.
// Identity and Scope are the request's, as given; the rest comes from the
// OIDC token once it verified (empty before that, and when the token does
// not carry the claim). None of it is a credential.
type Audit struct {
	Identity string
	Scope    string
	// Issuer and Subject are the verified token's iss and sub.
	Issuer  string
	Subject string
	// Repository is the token's repository claim (GitHub Actions' OWNER/REPO).
	Repository string
	// WorkflowRef is the token's job_workflow_ref (the reusable workflow
	// actually running), or its workflow_ref when it has no job_workflow_ref.
	WorkflowRef string
	// RunID is the token's run_id.
	RunID string
}

// Grant is a minted installation token and what GitHub granted it.
type Grant struct {
	// Token is the installation token: a credential, never part of String.
	Token     string
	ExpiresAt time.Time
	// InstallationID and AppSlug are the installation's, from GitHub.
	InstallationID int64
	AppSlug        string
	// Permissions are those GitHub's answer granted (never wider than the
	// policy's, narrowed by the request).
	Permissions permissions.Set
	// Repositories are the repositories GitHub's answer names.
	Repositories []string
	// AllRepositories: the token reaches every repository of the
	// installation (an owner's policy without `repositories:`, not narrowed);
	// Repositories is then empty.
	AllRepositories bool
	// Reason is the decision's machine word for the audit line and the
	// metrics: which kind of policy granted it ("repository_policy",
	// "owner_policy").
	Reason string
	Audit
}

// String shows the grant without its token.
func (g Grant) String() string {
	return fmt.Sprintf("broker.Grant{InstallationID: %d, AppSlug: %q, Permissions: %v, Repositories: %q, AllRepositories: %t, Reason: %q, ExpiresAt: %s}",
		g.InstallationID, g.AppSlug, g.Permissions, g.Repositories, g.AllRepositories, g.Reason, g.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String, for %#v.
func (g Grant) GoString() string { return g.String() }

// Kind is the class of a refusal; a door maps it to its own answer (an
// HTTP status: see each constant).
type Kind uint8

// The kinds of refusal.
const (
	// BadRequest: the request is malformed (a scope that is neither
	// OWNER/REPO nor OWNER, an identity that is not a name, a permission
	// that is not one). HTTP 400.
	BadRequest Kind = iota + 1
	// BadToken: the OIDC token does not verify (signature, issuer,
	// audience, lifetime, size). HTTP 401.
	BadToken
	// Denied: the policy does not let this token have this: Rule names the
	// rule. HTTP 403.
	Denied
	// NoPolicy: there is no policy to apply: the App is not installed on
	// the owner, the installation cannot reach the repository, or the
	// policy file is missing or invalid. HTTP 404.
	NoPolicy
	// RateLimited: GitHub rate-limits the App; RetryAfter says when to try
	// again. HTTP 429 with Retry-After.
	RateLimited
	// GitHubFailed: GitHub failed or answered something unusable. HTTP 502.
	GitHubFailed
	// IssuerUnavailable: the token's issuer could not be asked for its
	// keys; RetryAfter says when it will be asked again. HTTP 503 with
	// Retry-After.
	IssuerUnavailable
)

var kindWords = [...]string{
	BadRequest:        "bad_request",
	BadToken:          "bad_token",
	Denied:            "denied",
	NoPolicy:          "no_policy",
	RateLimited:       "rate_limited",
	GitHubFailed:      "github_failed",
	IssuerUnavailable: "issuer_unavailable",
}

// String is the kind's machine word, for audit lines and metric labels.
func (k Kind) String() string {
	if int(k) < len(kindWords) && kindWords[k] != "" {
		return kindWords[k]
	}
	return "unknown"
}

// Error is every refusal of Exchange.
type Error struct {
	Kind Kind
	// Rule is the machine word of the check that refused, for the audit
	// line and (up to its first ':') a metric label: for Denied the policy
	// rule that did not match ("issuer", "subject", "audience",
	// "claim:NAME", "permission:NAME", "repository:NAME"); for BadToken the
	// token's fault (idtoken's Reason: "expired", "wrong_audience", ...);
	// for NoPolicy which lookup failed ("not_installed", "installation_suspended",
	// "installation_permissions", "repository_unreachable", "policy_missing",
	// "policy_invalid"). Never token text.
	Rule string
	// Message is one line the caller may see: what is wrong and what to
	// change. It never echoes the token, and quotes outside text by the
	// project's one rule (secret.Printable).
	Message string
	// RetryAfter is when to try again, for RateLimited and
	// IssuerUnavailable (0: not said).
	RetryAfter time.Duration
	// Audit holds what was known when the exchange was refused.
	Audit
}

func (e *Error) Error() string { return e.Message }

// Cache names one of the exchange's caches, for Observer.
type Cache string

// The exchange's caches.
const (
	// InstallationCache holds installation lookups (owner or repository →
	// installation).
	InstallationCache Cache = "installation"
	// PolicyCache holds trust policies read, and those found missing or
	// invalid.
	PolicyCache Cache = "policy"
)

// Observer hears what the exchange's caches do, so that a door can count
// hits and misses; its methods must be cheap and safe for concurrent use.
// GitHub calls are not reported here: the door counts them with a tap on
// the base transport.
type Observer interface {
	CacheLookup(c Cache, hit bool)
}
