package idtoken

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Whatever the bearer, Verify answers without panicking, refuses with an
// *Error that quotes none of it, and accepts only what the issuer signed:
// the claims of a token it verifies are those of a seed.
func FuzzVerifyFrontEnd(f *testing.F) {
	c := newClock()
	ti := newTestIssuer(f)
	ti.publish("rsa", rsaKey(0), "", "")
	ti.publish("ec", ecKey(0), "", "")
	v, err := New(Config{Audience: testAudience, Issuers: []string{ti.URL}, Now: c.now})
	if err != nil {
		f.Fatal(err)
	}
	claims := ti.claims(c.now())
	seeds := []string{ti.token("rsa", claims), ti.token("ec", claims)}
	for _, s := range seeds {
		f.Add(s)
	}
	for _, alg := range []string{"none", "HS256", "RS512"} {
		f.Add(signAs(f, alg, map[string]any{"alg": alg, "kid": "rsa"}, claims, rsaKey(0)))
	}
	f.Add("")
	f.Add("..")
	f.Add("e30.e30.")
	f.Add(strings.Repeat("A", MaxTokenBytes+1))
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := v.Verify(context.Background(), raw)
		if err == nil {
			if tok.Subject != testSubject || tok.Issuer != ti.URL || tok.Claims["repository_id"] != "123" {
				t.Fatalf("verified claims no seed holds: %+v", tok)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Reason == "" {
			t.Fatalf("%v (%T) is no *Error", err, err)
		}
		for _, p := range strings.FieldsFunc(raw, func(r rune) bool { return !isB64URLRune(r) }) {
			if len(p) >= 16 && strings.Contains(e.Error(), p) {
				t.Fatalf("%q quotes the token", e.Error())
			}
		}
	})
}

func isB64URLRune(r rune) bool {
	return r == '-' || r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}
