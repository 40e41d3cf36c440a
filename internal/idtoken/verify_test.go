package idtoken

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// A GitHub-shaped token signed with RS256, and one with ES256, verify; the
// claims come back with numbers as json.Number and the times read.
func TestVerifyHappyPath(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"RS256", "ES256"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			ti := newTestIssuer(t)
			if alg == "RS256" {
				ti.publish("k1", rsaKey(0), "RS256", "sig")
			} else {
				ti.publish("k1", ecKey(0), "ES256", "sig")
			}
			v := newVerifier(t, c, Config{}, ti)
			claims := ti.claims(c.now())
			claims["exp"] = float64(c.now().Add(5*time.Minute).Unix()) + 0.5
			tok, err := v.Verify(context.Background(), ti.token("k1", claims))
			if err != nil {
				t.Fatal(err)
			}
			if tok.Issuer != ti.URL || tok.Subject != testSubject || !slices.Equal(tok.Audience, []string{testAudience}) {
				t.Errorf("token %+v", tok)
			}
			if want := c.now().Add(5*time.Minute + 500*time.Millisecond); !tok.Expiry.Equal(want) {
				t.Errorf("expiry %v, want %v", tok.Expiry, want)
			}
			if !tok.IssuedAt.Equal(c.now()) {
				t.Errorf("issued at %v, want %v", tok.IssuedAt, c.now())
			}
			if n, ok := tok.Claims["run_number"].(json.Number); !ok || n != "7" {
				t.Errorf("run_number is %#v, want json.Number 7", tok.Claims["run_number"])
			}
			if tok.Claims["repository_id"] != "123" || tok.Claims["ref_protected"] != true {
				t.Errorf("claims %v", tok.Claims)
			}
			if got := ti.discoveries.Load() + ti.jwksFetches.Load(); got != 2 {
				t.Errorf("%d requests, want discovery and JWKS once each", got)
			}
			// Used again until it expires: no replay guard.
			if _, err := v.Verify(context.Background(), ti.token("k1", claims)); err != nil {
				t.Errorf("second use: %v", err)
			}
		})
	}
}

// An issuer over https works through the given transport.
func TestVerifyOverTLS(t *testing.T) {
	t.Parallel()
	c := newClock()
	ti := newTestIssuer(t)
	ti.srv.Close()
	ti.srv = httptest.NewTLSServer(http.HandlerFunc(ti.serve))
	t.Cleanup(ti.srv.Close)
	ti.URL = ti.srv.URL
	ti.publish("k1", rsaKey(0), "", "")
	v := newVerifier(t, c, Config{Transport: ti.srv.Client().Transport}, ti)
	if _, err := v.Verify(context.Background(), ti.token("k1", ti.claims(c.now()))); err != nil {
		t.Fatal(err)
	}
}

// Only RS256 and ES256: none, HS256 keyed with the issuer's public key,
// RS512, PS256 and a misspelt RS256 are refused by name before any
// request.
func TestAlgorithmsRefused(t *testing.T) {
	t.Parallel()
	c, ti, v := oneIssuer(t, rsaKey(0), Config{})
	for _, alg := range []string{"none", "HS256", "RS512", "PS256", "rs256", ""} {
		by := alg
		if alg == "rs256" || alg == "" {
			by = "RS256"
		}
		raw := signAs(t, by, map[string]any{"alg": alg, "kid": "k1"}, ti.claims(c.now()), rsaKey(0))
		_, err := v.Verify(context.Background(), raw)
		refusal(t, err, AlgorithmNotAllowed, raw)
	}
	if n := ti.requests.Load(); n != 0 {
		t.Errorf("%d requests to the issuer, want none", n)
	}
	// The alg confusion the other way: header RS256, HMAC signature.
	raw := signAs(t, "HS256", map[string]any{"alg": "RS256", "kid": "k1"}, ti.claims(c.now()), rsaKey(0))
	_, err := v.Verify(context.Background(), raw)
	refusal(t, err, BadSignature, raw)
}

// The kid must name a key of the token's issuer that fits its algorithm.
func TestKidMustNameAKeyOfTheIssuer(t *testing.T) {
	t.Parallel()
	c := newClock()
	a, b := newTestIssuer(t), newTestIssuer(t)
	a.publish("a1", rsaKey(0), "RS256", "sig")
	a.publish("ec", ecKey(0), "ES256", "sig")
	a.publish("ps", rsaKey(2), "PS256", "sig") // the key says it is for another algorithm
	b.publish("b1", rsaKey(1), "RS256", "sig")
	v := newVerifier(t, c, Config{}, a, b)
	ctx := context.Background()

	// Issuer a's claims, signed by b's key under b's kid.
	raw := b.token("b1", a.claims(c.now()))
	_, err := v.Verify(ctx, raw)
	refusal(t, err, UnknownKey, raw)

	// a's kid, b's key.
	raw = signJWT(t, map[string]any{"alg": "RS256", "kid": "a1"}, a.claims(c.now()), rsaKey(1))
	_, err = v.Verify(ctx, raw)
	refusal(t, err, BadSignature, raw)

	// RS256 under the kid of a's EC key.
	raw = signJWT(t, map[string]any{"alg": "RS256", "kid": "ec"}, a.claims(c.now()), rsaKey(0))
	_, err = v.Verify(ctx, raw)
	refusal(t, err, BadSignature, raw)

	// RS256 by a key published for PS256.
	raw = a.token("ps", a.claims(c.now()))
	_, err = v.Verify(ctx, raw)
	refusal(t, err, BadSignature, raw)

	// No kid.
	raw = signJWT(t, map[string]any{"alg": "RS256"}, a.claims(c.now()), rsaKey(0))
	_, err = v.Verify(ctx, raw)
	refusal(t, err, UnknownKey, raw)

	// And the right one verifies.
	if _, err := v.Verify(ctx, a.token("a1", a.claims(c.now()))); err != nil {
		t.Fatal(err)
	}
}

// aud must include the broker's audience, as a string or in an array.
func TestAudience(t *testing.T) {
	t.Parallel()
	c, ti, v := oneIssuer(t, ecKey(0), Config{})
	for _, tc := range []struct {
		aud any
		ok  bool
	}{
		{testAudience, true},
		{[]string{"sts.amazonaws.com", testAudience}, true},
		{"https://other.example", false},
		{[]string{"https://other.example"}, false},
		{testAudience + "/", false},
		{nil, false},
		{42, false},
	} {
		claims := ti.claims(c.now())
		claims["aud"] = tc.aud
		if tc.aud == nil {
			delete(claims, "aud")
		}
		raw := ti.token("k1", claims)
		_, err := v.Verify(context.Background(), raw)
		if tc.ok {
			if err != nil {
				t.Errorf("aud %v: %v", tc.aud, err)
			}
			continue
		}
		e := refusal(t, err, WrongAudience, raw)
		if !strings.Contains(e.Error(), `"`+testAudience+`"`) {
			t.Errorf("aud %v: %q does not say which audience is wanted", tc.aud, e.Error())
		}
	}
}

// A token from an issuer not on the list costs no request, to it or to
// any listed issuer.
func TestUnlistedIssuerMakesNoRequest(t *testing.T) {
	t.Parallel()
	c := newClock()
	listed, other := newTestIssuer(t), newTestIssuer(t)
	listed.publish("k1", rsaKey(0), "", "")
	other.publish("k1", rsaKey(0), "", "")
	v := newVerifier(t, c, Config{}, listed)
	for _, iss := range []string{other.URL, listed.URL + "/", strings.ToUpper(listed.URL), ""} {
		claims := other.claims(c.now())
		claims["iss"] = iss
		raw := other.token("k1", claims)
		_, err := v.Verify(context.Background(), raw)
		refusal(t, err, UnknownIssuer, raw)
	}
	if n := listed.requests.Load() + other.requests.Load(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

// exp, nbf and iat with 60 s of leeway, at the boundaries; go-oidc alone
// would allow nbf five minutes ahead and any iat.
func TestLifetimeWithLeeway(t *testing.T) {
	t.Parallel()
	c, ti, v := oneIssuer(t, rsaKey(0), Config{})
	now := c.now().Unix()
	for _, tc := range []struct {
		name  string
		claim string
		value any
		want  Reason // "" means it verifies
	}{
		{"exp 59 s ago", "exp", now - 59, ""},
		{"exp 60 s ago", "exp", now - 60, Expired},
		{"exp 61 s ago", "exp", now - 61, Expired},
		{"exp an hour ago", "exp", now - 3600, Expired},
		{"exp fractional, in leeway", "exp", float64(now-60) + 0.25, ""},
		{"no exp", "exp", nil, InvalidClaims},
		{"exp a string", "exp", "soon", InvalidClaims},
		{"exp huge", "exp", 1e300, InvalidClaims},
		{"nbf 60 s ahead", "nbf", now + 60, ""},
		{"nbf 61 s ahead", "nbf", now + 61, NotYetValid},
		{"nbf 2 min ahead", "nbf", now + 120, NotYetValid},
		{"no nbf", "nbf", nil, ""},
		{"nbf negative", "nbf", -1, InvalidClaims},
		{"iat 60 s ahead", "iat", now + 60, ""},
		{"iat 61 s ahead", "iat", now + 61, IssuedInFuture},
		{"iat a day ahead", "iat", now + 86400, IssuedInFuture},
		{"no iat", "iat", nil, ""},
		{"iat a string", "iat", "now", InvalidClaims},
		{"iat negative", "iat", -5, InvalidClaims},
	} {
		claims := ti.claims(c.now())
		claims[tc.claim] = tc.value
		if tc.value == nil {
			delete(claims, tc.claim)
		}
		raw := ti.token("k1", claims)
		tok, err := v.Verify(context.Background(), raw)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if tc.claim == "iat" && tc.value == nil && !tok.IssuedAt.IsZero() {
				t.Errorf("%s: issued at %v", tc.name, tok.IssuedAt)
			}
			continue
		}
		e := refusal(t, err, tc.want, raw)
		if tc.want != InvalidClaims && !strings.Contains(e.Error(), tc.claim) && tc.want != Expired {
			t.Errorf("%s: %q does not name %s", tc.name, e.Error(), tc.claim)
		}
	}
}

// The bound is 16 KiB: a token of exactly 16384 bytes verifies, one byte
// more is refused before anything is parsed or asked.
func TestTokenSizeBound(t *testing.T) {
	t.Parallel()
	c, ti, v := oneIssuer(t, ecKey(0), Config{})
	var exact string
	hdr0 := map[string]any{"alg": "ES256", "kid": "k1", "x": ""}
	start := (MaxTokenBytes-len(signJWT(t, hdr0, ti.claims(c.now()), ecKey(0))))*3/4 - 32
	for pad := start; pad < start+64 && exact == ""; pad++ {
		for extra := 0; extra < 4; extra++ {
			claims := ti.claims(c.now())
			claims["pad"] = strings.Repeat("x", pad)
			hdr := map[string]any{"alg": "ES256", "kid": "k1", "x": strings.Repeat("y", extra)}
			if raw := signJWT(t, hdr, claims, ecKey(0)); len(raw) == MaxTokenBytes {
				exact = raw
				break
			}
		}
	}
	if exact == "" {
		t.Fatal("could not build a token of exactly 16 KiB")
	}
	if _, err := v.Verify(context.Background(), exact); err != nil {
		t.Fatalf("16384 bytes: %v", err)
	}
	before := ti.requests.Load()
	for _, raw := range []string{exact + "A", strings.Repeat("A", 1<<20)} {
		_, err := v.Verify(context.Background(), raw)
		e := refusal(t, err, TooLarge, raw)
		if !strings.Contains(e.Error(), "16 KiB") {
			t.Errorf("%q does not give the bound", e.Error())
		}
	}
	if ti.requests.Load() != before {
		t.Error("a token over the bound made a request")
	}
}

// Shapes that are no compact JWS are refused as malformed, before any
// request.
func TestMalformed(t *testing.T) {
	t.Parallel()
	c, ti, v := oneIssuer(t, rsaKey(0), Config{})
	good := ti.token("k1", ti.claims(c.now()))
	p := strings.Split(good, ".")
	for _, raw := range []string{
		"", "a.b", good + ".x", p[0] + "." + p[1], p[0] + "." + p[1] + ".",
		p[0] + "=." + p[1] + "." + p[2], p[0] + "." + p[1] + "=." + p[2], p[0] + "." + p[1] + "." + p[2] + "=",
		p[0] + ".!!!." + p[2], "!!!." + p[1] + "." + p[2],
		b64([]byte(`["RS256"]`)) + "." + p[1] + "." + p[2],
		p[0] + "." + b64([]byte(`{"iss":42}`)) + "." + p[2],
		`{"payload":"` + p[1] + `","signatures":[]}`,
	} {
		_, err := v.Verify(context.Background(), raw)
		refusal(t, err, Malformed, raw)
	}
	if n := ti.requests.Load(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
	// Headers go-jose refuses after the front end let them by: an
	// extension it must understand (it will not verify the signature),
	// a jwk of its own.
	raw := signJWT(t, map[string]any{"alg": "RS256", "kid": "k1", "crit": []string{"exp"}, "exp": 1}, ti.claims(c.now()), rsaKey(0))
	_, err := v.Verify(context.Background(), raw)
	refusal(t, err, BadSignature, raw)
	raw = signJWT(t, map[string]any{"alg": "RS256", "kid": "k1", "jwk": "not a key"}, ti.claims(c.now()), rsaKey(0))
	_, err = v.Verify(context.Background(), raw)
	refusal(t, err, Malformed, raw)
}

// What a verified token must also be: a subject, claims of the registered
// types, and one sub however encoding/json matches names (it ignores case,
// and go-oidc reads sub through it; the claims map does not).
func TestClaimsMustBeConsistent(t *testing.T) {
	t.Parallel()
	c, ti, v := oneIssuer(t, rsaKey(0), Config{})
	now := c.now().Unix()
	rest := fmt.Sprintf(`"iss":%q,"aud":%q,"exp":%d`, ti.URL, testAudience, now+300)
	for name, claims := range map[string]string{
		"no sub":       `{` + rest + `}`,
		"sub a number": `{` + rest + `,"sub":5}`,
		"sub empty":    `{` + rest + `,"sub":""}`,
		"sub and SUB":  `{` + rest + `,"sub":"repo:octo-org/app:ref:refs/heads/main","SUB":"repo:evil/x:ref:refs/heads/main"}`,
	} {
		raw := signJWT(t, map[string]any{"alg": "RS256", "kid": "k1"}, json.RawMessage(claims), rsaKey(0))
		_, err := v.Verify(context.Background(), raw)
		e := refusal(t, err, InvalidClaims, raw)
		if !strings.HasPrefix(e.Error(), "the OIDC token's claims are not valid: ") {
			t.Errorf("%s: %q", name, e.Error())
		}
	}
	// iss twice: the one encoding/json reads last must be listed.
	raw := signJWT(t, map[string]any{"alg": "RS256", "kid": "k1"}, json.RawMessage(`{`+rest+`,"sub":"s","ISS":"https://elsewhere.example"}`), rsaKey(0))
	_, err := v.Verify(context.Background(), raw)
	refusal(t, err, UnknownIssuer, raw)
}

// The helpers Verify reaches only with what peek and go-oidc let by.
func TestClaimHelpers(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{`null`, `[]`, `{} {}`, `{`, `"x"`} {
		if _, err := decodeClaims([]byte(bad)); err == nil || err.Reason != InvalidClaims {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if m, err := decodeClaims([]byte(`{"n":1.50}`)); err != nil || m["n"] != json.Number("1.50") {
		t.Errorf("%v %v", m, err)
	}
	for aud, want := range map[string]bool{
		`"a"`: true, `["b","a"]`: true, `["a"]`: true, `"b"`: false, `["b"]`: false, `[]`: false, `null`: false, `1`: false, `{"a":1}`: false,
	} {
		var v any
		_ = json.Unmarshal([]byte(aud), &v)
		if got := hasAudience(v, "a"); got != want {
			t.Errorf("aud %s: %v", aud, got)
		}
	}
}
