package trust

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/permissions"
)

const broker = "https://broker.example"

// token is a verified token's claims as a broker decodes them: JSON, with
// or without UseNumber. Values a message must never show hold "EVIL".
func token(t *testing.T, useNumber bool, edits map[string]any) Claims {
	t.Helper()
	c := map[string]any{
		"iss":           issuer,
		"sub":           "repo:org/app:ref:refs/heads/main",
		"aud":           broker,
		"ref":           "refs/heads/main",
		"ref_protected": true,
		"run_attempt":   "1",
		"repository_id": 123456,
		"context":       map[string]any{"a": "EVIL"},
		"groups":        []string{"EVIL"},
		"nothing":       nil,
		"fork":          false,
	}
	for k, v := range edits {
		if v == deleted {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if useNumber {
		dec.UseNumber()
	}
	var out Claims
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// deleted, as a claim's value in token's edits, removes the claim.
var deleted = &struct{}{}

func compiled(t *testing.T, p Policy) *Compiled {
	t.Helper()
	if p.Permissions == nil {
		p.Permissions = permissions.Set{"contents": "read"}
	}
	c, err := p.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCheck(t *testing.T) {
	lit := Policy{Issuer: issuer, Subject: "repo:org/app:ref:refs/heads/main"}
	with := func(edit func(p *Policy)) Policy {
		p := lit
		edit(&p)
		return p
	}
	const (
		mainOrDevelop = "refs/heads/main|refs/heads/develop"
		appOrLibMain  = "repo:org/app:.*|repo:org/lib:ref:refs/heads/main"
	)
	cases := []struct {
		name   string
		policy Policy
		claims map[string]any
		want   *Denied
	}{
		{name: "literals match", policy: lit},
		{name: "aud as a list", policy: lit, claims: map[string]any{"aud": []string{"other", broker}}},
		{"aud without the broker", lit, map[string]any{"aud": "https://EVIL.example"}, &Denied{Field: "aud", Reason: NoMatch, Want: broker}},
		{"aud list without the broker", lit, map[string]any{"aud": []string{"EVIL", "x"}}, &Denied{Field: "aud", Reason: NoMatch, Want: broker}},
		{"aud as an empty list", lit, map[string]any{"aud": []string{}}, &Denied{Field: "aud", Reason: NoMatch, Want: broker}},
		{"no aud", lit, map[string]any{"aud": deleted}, &Denied{Field: "aud", Reason: NotText}},
		{"aud a number", lit, map[string]any{"aud": 7}, &Denied{Field: "aud", Reason: NotText}},
		{"aud list with a number", lit, map[string]any{"aud": []any{broker, 7}}, &Denied{Field: "aud", Reason: NotText}},
		{"aud an object", lit, map[string]any{"aud": map[string]any{"EVIL": broker}}, &Denied{Field: "aud", Reason: NotText}},

		{"issuer differs", lit, map[string]any{"iss": "https://EVIL.example"}, &Denied{Field: "issuer", Reason: NoMatch, Want: issuer}},
		{"issuer a prefix", lit, map[string]any{"iss": issuer + ".EVIL"}, &Denied{Field: "issuer", Reason: NoMatch, Want: issuer}},
		{"no iss", lit, map[string]any{"iss": deleted}, &Denied{Field: "issuer", Reason: Missing}},
		{"iss empty", lit, map[string]any{"iss": ""}, &Denied{Field: "issuer", Reason: Missing}},
		{"iss a number", lit, map[string]any{"iss": 1}, &Denied{Field: "issuer", Reason: Missing}},
		{"issuer_pattern is whole", with(func(p *Policy) { p.Issuer, p.IssuerPattern = "", `https://token\.actions\.githubusercontent\.com` }),
			map[string]any{"iss": issuer + ".EVIL.example"}, &Denied{Field: "issuer_pattern", Reason: NoMatch, Want: `https://token\.actions\.githubusercontent\.com`}},
		{name: "issuer_pattern matches", policy: with(func(p *Policy) { p.Issuer, p.IssuerPattern = "", `https://token\.actions\.githubusercontent\.com` })},

		{"subject differs", lit, map[string]any{"sub": "repo:org/app:ref:refs/heads/EVIL"}, &Denied{Field: "subject", Reason: NoMatch, Want: lit.Subject}},
		{"no sub", lit, map[string]any{"sub": deleted}, &Denied{Field: "subject", Reason: Missing}},
		{"sub a list", lit, map[string]any{"sub": []string{"EVIL"}}, &Denied{Field: "subject", Reason: Missing}},
		// GHSA-mwqh-2vg8-rhj3: ^a|b$ matched any value that starts with a.
		{"alternation stays whole (subject)", with(func(p *Policy) {
			p.Subject, p.SubjectPattern = "", "repo:org/app:ref:refs/heads/main|repo:org/app:ref:refs/heads/develop"
		}), map[string]any{"sub": "repo:org/app:ref:refs/heads/main-EVIL"}, &Denied{Field: "subject_pattern", Reason: NoMatch, Want: "repo:org/app:ref:refs/heads/main|repo:org/app:ref:refs/heads/develop"}},
		{"alternation stays whole at the start", with(func(p *Policy) {
			p.Subject, p.SubjectPattern = "", "repo:org/app:ref:refs/heads/main|repo:org/app:ref:refs/heads/develop"
		}), map[string]any{"sub": "EVIL-repo:org/app:ref:refs/heads/develop"}, &Denied{Field: "subject_pattern", Reason: NoMatch, Want: "repo:org/app:ref:refs/heads/main|repo:org/app:ref:refs/heads/develop"}},
		{name: "alternation matches either", policy: with(func(p *Policy) {
			p.Subject, p.SubjectPattern = "", "repo:org/app:ref:refs/heads/main|repo:org/app:ref:refs/heads/develop"
		}), claims: map[string]any{"sub": "repo:org/app:ref:refs/heads/develop"}},
		{".* inside an alternation", with(func(p *Policy) { p.Subject, p.SubjectPattern = "", appOrLibMain }),
			map[string]any{"sub": "repo:org/lib:ref:refs/heads/main-EVIL"}, &Denied{Field: "subject_pattern", Reason: NoMatch, Want: appOrLibMain}},
		{name: ".* inside an alternation matches its branch", policy: with(func(p *Policy) { p.Subject, p.SubjectPattern = "", appOrLibMain }),
			claims: map[string]any{"sub": "repo:org/app:environment:prod"}},
		{"a multi-line flag stays inside", with(func(p *Policy) { p.Subject, p.SubjectPattern = "", "(?m)repo:org/app:ref:refs/heads/main$" }),
			map[string]any{"sub": "repo:org/app:ref:refs/heads/main\nEVIL"}, &Denied{Field: "subject_pattern", Reason: NoMatch, Want: "(?m)repo:org/app:ref:refs/heads/main$"}},

		{name: "audience one of the token's", policy: with(func(p *Policy) { p.Audience = "sts" }), claims: map[string]any{"aud": []string{broker, "sts"}}},
		{"audience not among the token's", with(func(p *Policy) { p.Audience = "sts" }), map[string]any{"aud": []string{broker, "EVIL"}}, &Denied{Field: "audience", Reason: NoMatch, Want: "sts"}},
		// The broker's audience is required even when the policy names another.
		{"audience without the broker's", with(func(p *Policy) { p.Audience = "sts" }), map[string]any{"aud": "sts"}, &Denied{Field: "aud", Reason: NoMatch, Want: broker}},
		{name: "audience_pattern matches one", policy: with(func(p *Policy) { p.AudiencePattern = "sts-[0-9]+" }), claims: map[string]any{"aud": []string{broker, "sts-12"}}},
		{"audience_pattern is whole", with(func(p *Policy) { p.AudiencePattern = "sts-[0-9]+" }), map[string]any{"aud": []string{broker, "sts-12EVIL"}}, &Denied{Field: "audience_pattern", Reason: NoMatch, Want: "sts-[0-9]+"}},

		{name: "claim matches", policy: with(func(p *Policy) { p.ClaimPattern = map[string]string{"ref": mainOrDevelop, "run_attempt": "[0-9]+"} })},
		{"claim alternation stays whole", with(func(p *Policy) { p.ClaimPattern = map[string]string{"ref": mainOrDevelop} }),
			map[string]any{"ref": "refs/heads/main-EVIL"}, &Denied{Field: "claim_pattern", Claim: "ref", Reason: NoMatch, Want: mainOrDevelop}},
		{"claim missing", with(func(p *Policy) { p.ClaimPattern = map[string]string{"environment": "prod"} }),
			nil, &Denied{Field: "claim_pattern", Claim: "environment", Reason: Missing}},
		{"claim missing even for .*", with(func(p *Policy) { p.ClaimPattern = map[string]string{"environment": ".*"} }),
			nil, &Denied{Field: "claim_pattern", Claim: "environment", Reason: Missing}},
		{name: "a boolean true", policy: with(func(p *Policy) { p.ClaimPattern = map[string]string{"ref_protected": "true"} })},
		{name: "a boolean false", policy: with(func(p *Policy) { p.ClaimPattern = map[string]string{"fork": "false"} })},
		{"a boolean is its word", with(func(p *Policy) { p.ClaimPattern = map[string]string{"ref_protected": "false"} }),
			nil, &Denied{Field: "claim_pattern", Claim: "ref_protected", Reason: NoMatch, Want: "false"}},
		{"false is not true", with(func(p *Policy) { p.ClaimPattern = map[string]string{"fork": "true"} }),
			nil, &Denied{Field: "claim_pattern", Claim: "fork", Reason: NoMatch, Want: "true"}},
		{"a number", with(func(p *Policy) { p.ClaimPattern = map[string]string{"repository_id": ".*"} }),
			nil, &Denied{Field: "claim_pattern", Claim: "repository_id", Reason: NotText, Got: "a number"}},
		{"an object", with(func(p *Policy) { p.ClaimPattern = map[string]string{"context": ".*"} }),
			nil, &Denied{Field: "claim_pattern", Claim: "context", Reason: NotText, Got: "an object"}},
		{"a list", with(func(p *Policy) { p.ClaimPattern = map[string]string{"groups": ".*"} }),
			nil, &Denied{Field: "claim_pattern", Claim: "groups", Reason: NotText, Got: "a list"}},
		{"null", with(func(p *Policy) { p.ClaimPattern = map[string]string{"nothing": ".*"} }),
			nil, &Denied{Field: "claim_pattern", Claim: "nothing", Reason: NotText, Got: "null"}},
		{"claims in order", with(func(p *Policy) { p.ClaimPattern = map[string]string{"b": "x", "a": "x"} }),
			nil, &Denied{Field: "claim_pattern", Claim: "a", Reason: Missing}},
		{"issuer before subject", lit, map[string]any{"iss": "EVIL", "sub": "EVIL"}, &Denied{Field: "issuer", Reason: NoMatch, Want: issuer}},
		{"the broker's audience first", lit, map[string]any{"iss": "EVIL", "aud": "EVIL"}, &Denied{Field: "aud", Reason: NoMatch, Want: broker}},
	}
	for _, c := range cases {
		for _, useNumber := range []bool{false, true} {
			t.Run(c.name, func(t *testing.T) {
				err := compiled(t, c.policy).Check(token(t, useNumber, c.claims), broker)
				if c.want == nil {
					if err != nil {
						t.Fatalf("denied: %v", err)
					}
					return
				}
				var d *Denied
				if !errors.As(err, &d) || !reflect.DeepEqual(*d, *c.want) {
					t.Fatalf("got %#v (%v)\nwant %#v", err, err, c.want)
				}
				if msg := err.Error(); strings.Contains(msg, "EVIL") || strings.ContainsAny(msg, "\r\n") {
					t.Fatalf("the message shows the token's text or breaks a line: %q", msg)
				}
			})
		}
	}
}

func TestCheckNeedsTheBrokersAudience(t *testing.T) {
	c := compiled(t, Policy{Issuer: issuer, Subject: "repo:org/app:ref:refs/heads/main"})
	claims := token(t, false, map[string]any{"aud": ""})
	if err := c.Check(claims, ""); !reflect.DeepEqual(err, &Denied{Field: "aud", Reason: NoMatch}) {
		t.Fatalf("an empty broker audience matched an empty aud: %v", err)
	}
	// As go-oidc's IDToken.Audience gives it.
	claims["aud"] = []string{"x", broker}
	if err := c.Check(claims, broker); err != nil {
		t.Fatal(err)
	}
	claims["aud"] = []string{"x"}
	if err := c.Check(claims, broker); !reflect.DeepEqual(err, &Denied{Field: "aud", Reason: NoMatch, Want: broker}) {
		t.Fatalf("got %v", err)
	}
}

func TestCheckClaimTypes(t *testing.T) {
	c := compiled(t, Policy{Issuer: issuer, Subject: "repo:org/app:ref:refs/heads/main", ClaimPattern: map[string]string{"x": ".*"}})
	base := token(t, false, nil)
	for v, want := range map[any]string{int(1): "a number", int64(1): "a number", json.Number("1"): "a number", 1.5: "a number", struct{}{}: "not text"} {
		claims := Claims{}
		for k, val := range base {
			claims[k] = val
		}
		claims["x"] = v
		var d *Denied
		if err := c.Check(claims, broker); !errors.As(err, &d) || d.Got != want || d.Reason != NotText {
			t.Errorf("%T: got %v, want %q", v, err, want)
		}
	}
}

func TestUncompiledTrustsNobody(t *testing.T) {
	err := new(Compiled).Check(token(t, false, nil), broker)
	if !reflect.DeepEqual(err, &Denied{}) || err.Error() != "trust policy: not compiled" {
		t.Fatalf("got %v", err)
	}
}

func TestDeniedMessages(t *testing.T) {
	for _, c := range []struct {
		d    Denied
		want string
	}{
		{Denied{Field: "aud", Reason: NotText}, "trust policy: the token's aud is not a string or a list of strings"},
		{Denied{Field: "aud", Reason: NoMatch, Want: broker}, `trust policy: the token's aud does not include the broker's audience "https://broker.example"`},
		{Denied{Field: "issuer", Reason: NoMatch, Want: issuer}, `trust policy: the token's issuer (iss) does not match issuer "https://token.actions.githubusercontent.com"`},
		{Denied{Field: "issuer_pattern", Reason: NoMatch, Want: "a|b"}, `trust policy: the token's issuer (iss) does not match issuer_pattern "a|b"`},
		{Denied{Field: "issuer", Reason: Missing}, "trust policy: the token's issuer (iss) is missing or not a string"},
		{Denied{Field: "subject_pattern", Reason: NoMatch, Want: "x"}, `trust policy: the token's subject (sub) does not match subject_pattern "x"`},
		{Denied{Field: "subject", Reason: Missing}, "trust policy: the token's subject (sub) is missing or not a string"},
		{Denied{Field: "audience", Reason: NoMatch, Want: "x"}, `trust policy: the token's audience (aud) does not match audience "x"`},
		{Denied{Field: "audience_pattern", Reason: NoMatch, Want: "x"}, `trust policy: the token's audience (aud) does not match audience_pattern "x"`},
		{Denied{Field: "claim_pattern", Claim: "ref", Reason: Missing}, `trust policy: the token has no claim "ref", which claim_pattern requires`},
		{Denied{Field: "claim_pattern", Claim: "ref", Reason: NotText, Got: "a number"}, `trust policy: the token's claim "ref" is a number; claim_pattern matches strings and booleans only`},
		{Denied{Field: "claim_pattern", Claim: "ref", Reason: NoMatch, Want: "main\n"}, `trust policy: the token's claim "ref" does not match claim_pattern "main\n"`},
	} {
		if got := c.d.Error(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}
