package trust

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Claims is a verified OIDC token's payload, as encoding/json decodes it
// (with or without UseNumber): "iss", "sub", "aud" and the rest.
type Claims map[string]any

// Reason is why a rule did not match.
type Reason uint8

const (
	// NoMatch: the token's value does not match the policy's.
	NoMatch Reason = iota + 1
	// Missing: the token lacks the claim.
	Missing
	// NotText: the claim is not a string (nor, for claim_pattern, a
	// boolean).
	NotText
)

// Denied says which rule of a policy a token did not meet, in words a
// broker can answer with (403): the policy's field and the policy's text,
// never the token's values.
type Denied struct {
	// Field is the policy's field whose rule failed ("issuer_pattern",
	// "subject", "audience", "claim_pattern"), or "aud" for the broker's
	// own rule that the token be meant for it.
	Field string
	// Claim is the claim claim_pattern names, for Field "claim_pattern".
	Claim string
	// Reason is why.
	Reason Reason
	// Want is the policy's literal or pattern, or the broker's audience
	// for Field "aud".
	Want string
	// Got says what kind of value the claim held, for NotText: "a number",
	// "a list", "an object", "null". Never the value.
	Got string
}

func (d *Denied) Error() string {
	// An if chain, not a switch: mutation testing sees its conditions.
	if d.Field == "" {
		return "trust policy: not compiled"
	}
	if d.Field == "aud" {
		if d.Reason == NotText {
			return "trust policy: the token's aud is not a string or a list of strings"
		}
		return fmt.Sprintf("trust policy: the token's aud does not include the broker's audience %s", shown(d.Want))
	}
	if d.Claim != "" {
		if d.Reason == Missing {
			return fmt.Sprintf("trust policy: the token has no claim %s, which claim_pattern requires", shown(d.Claim))
		}
		if d.Reason == NotText {
			return fmt.Sprintf("trust policy: the token's claim %s is %s; claim_pattern matches strings and booleans only", shown(d.Claim), d.Got)
		}
		return fmt.Sprintf("trust policy: the token's claim %s does not match claim_pattern %s", shown(d.Claim), shown(d.Want))
	}
	if d.Reason == NoMatch {
		return fmt.Sprintf("trust policy: the token's %s does not match %s %s", claimOf(d.Field), d.Field, shown(d.Want))
	}
	return fmt.Sprintf("trust policy: the token's %s is missing or not a string", claimOf(d.Field))
}

// claimOf names the claim a policy field holds to.
func claimOf(field string) string {
	switch field {
	case "issuer", "issuer_pattern":
		return "issuer (iss)"
	case "subject", "subject_pattern":
		return "subject (sub)"
	}
	return "audience (aud)"
}

// Check holds a verified token's claims to the policy, as octo-sts's
// CheckToken does: the token's aud (a string or a list) must include the
// broker's audience; the issuer and the subject must match; when the policy
// gives audience or audience_pattern, one of the token's audiences must
// match it; every claim_pattern claim must be present and match, a boolean
// compared as "true" or "false", and a number or any other value refused.
// It returns nil or a *Denied naming the first rule that failed.
func (c *Compiled) Check(claims Claims, brokerAudience string) error {
	if c.issuer == nil || c.subject == nil {
		return &Denied{} // not from Compile: trusts nobody
	}
	auds, ok := audiences(claims["aud"])
	if !ok {
		return &Denied{Field: "aud", Reason: NotText}
	}
	if brokerAudience == "" || !slices.Contains(auds, brokerAudience) {
		return &Denied{Field: "aud", Reason: NoMatch, Want: brokerAudience}
	}
	for _, r := range []struct {
		m     *matcher
		claim string
	}{{c.issuer, "iss"}, {c.subject, "sub"}} {
		s, ok := claims[r.claim].(string)
		if !ok || s == "" {
			return &Denied{Field: r.m.field, Reason: Missing}
		}
		if !r.m.match(s) {
			return &Denied{Field: r.m.field, Reason: NoMatch, Want: r.m.text}
		}
	}
	if c.audience != nil && !slices.ContainsFunc(auds, c.audience.match) {
		return &Denied{Field: c.audience.field, Reason: NoMatch, Want: c.audience.text}
	}
	for _, cm := range c.claims {
		raw, ok := claims[cm.name]
		if !ok {
			return &Denied{Field: "claim_pattern", Claim: cm.name, Reason: Missing}
		}
		s, got := claimText(raw)
		if got != "" {
			return &Denied{Field: "claim_pattern", Claim: cm.name, Reason: NotText, Got: got}
		}
		if !cm.match(s) {
			return &Denied{Field: "claim_pattern", Claim: cm.name, Reason: NoMatch, Want: cm.text}
		}
	}
	return nil
}

// audiences reads aud: a string, or a list of strings.
func audiences(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []string:
		return v, true
	case []any:
		out := make([]string, len(v))
		for i, a := range v {
			s, ok := a.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// claimText reads a claim for claim_pattern: a string as it is, a boolean
// as "true" or "false". Anything else returns what it is instead.
func claimText(v any) (string, string) {
	switch v := v.(type) {
	case string:
		return v, ""
	case bool:
		if v {
			return "true", ""
		}
		return "false", ""
	case float64, json.Number, int, int64:
		return "", "a number"
	case []any:
		return "", "a list"
	case map[string]any:
		return "", "an object"
	case nil:
		return "", "null"
	}
	return "", "not text"
}
