package broker

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/app-token/app-token/internal/idtoken"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/trust"
)

// with returns e carrying audit.
func (e *Error) with(audit Audit) *Error {
	e.Audit = audit
	return e
}

// checkRequest checks the request's shape before its token is looked at:
// a bearer of a sane size, a scope, an identity that is a name, and
// permissions and repositories that are ones.
func checkRequest(req Request) (trust.Scope, *Error) {
	if req.Bearer == "" {
		return trust.Scope{}, &Error{Kind: BadToken, Rule: "no_bearer", Message: "no OIDC token: send it as Authorization: Bearer TOKEN"}
	}
	if len(req.Bearer) > idtoken.MaxTokenBytes {
		return trust.Scope{}, &Error{Kind: BadToken, Rule: string(idtoken.TooLarge),
			Message: fmt.Sprintf("the OIDC token is %d bytes, more than the %d an OIDC token may have", len(req.Bearer), idtoken.MaxTokenBytes)}
	}
	scope, err := trust.ParseScope(req.Scope)
	if err != nil {
		return trust.Scope{}, badRequest("scope", err)
	}
	if err := trust.CheckIdentity(req.Identity); err != nil {
		return trust.Scope{}, badRequest("identity", err)
	}
	// Narrowing a request by itself finds only what is malformed in it.
	if _, err := trust.NarrowPermissions(req.Permissions, req.Permissions); err != nil {
		return trust.Scope{}, badRequest("permissions", err)
	}
	if _, _, err := trust.NarrowRepositories(nil, true, req.Repositories); err != nil {
		return trust.Scope{}, badRequest("repositories", err)
	}
	return scope, nil
}

func badRequest(rule string, err error) *Error {
	return &Error{Kind: BadRequest, Rule: rule, Message: "bad " + rule + ": " + err.Error()}
}

// requestRefusal is a request trust refused before any policy was read.
func requestRefusal(err error) *Error {
	return badRequest("identity", err)
}

// tokenRefusal is the OIDC token's refusal: the token's fault (401), or
// its issuer's (503, with when it will be asked again). A verifier's error
// of another type refuses the token too: fail closed.
func tokenRefusal(err error) *Error {
	var ie *idtoken.Error
	if !errors.As(err, &ie) {
		return &Error{Kind: BadToken, Rule: "unverified", Message: "the OIDC token could not be verified"}
	}
	if ie.Unavailable() {
		return &Error{Kind: IssuerUnavailable, Rule: string(ie.Reason), Message: ie.Error(), RetryAfter: ie.RetryAfter}
	}
	return &Error{Kind: BadToken, Rule: string(ie.Reason), Message: ie.Error()}
}

// deniedRefusal is a policy's rule the token did not meet; its sentence
// quotes the policy, never the token.
func deniedRefusal(err error) *Error {
	var d *trust.Denied
	if !errors.As(err, &d) {
		return &Error{Kind: Denied, Rule: "policy", Message: "the trust policy does not allow this token"}
	}
	rule := strings.TrimSuffix(d.Field, "_pattern")
	switch d.Field {
	case "aud":
		rule = "audience"
	case "claim_pattern":
		rule = "claim:" + d.Claim
	}
	return &Error{Kind: Denied, Rule: rule, Message: "the trust policy does not allow this token: " + d.Error()}
}

// grantRefusal is a request for more than the policy grants (403, naming
// the first permission or repository asked beyond it), or for a scope the
// policy cannot grant.
func grantRefusal(err error, policy *trust.Compiled, scope trust.Scope, req Request) *Error {
	var re *trust.RequestError
	if !errors.As(err, &re) || !re.Over {
		return badRequest("request", err)
	}
	return &Error{Kind: Denied, Rule: overRule(policy, scope, req), Message: "more than the trust policy grants: " + err.Error()}
}

// overRule names the first thing req asks beyond policy: "permission:NAME",
// "repository:NAME", or "scope" (a repository the owner's policy does not
// list).
func overRule(policy *trust.Compiled, scope trust.Scope, req Request) string {
	if over := permissions.Exceeds(req.Permissions, policy.Permissions()); len(over) > 0 {
		name, _, _ := strings.Cut(over[0], ":")
		return "permission:" + name
	}
	names, all := policy.Repositories()
	if scope.Repo != "" {
		names, all = []string{scope.Repo}, false
	}
	if !all {
		for _, r := range req.Repositories {
			if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, r) }) {
				return "repository:" + r
			}
		}
	}
	return "scope"
}
