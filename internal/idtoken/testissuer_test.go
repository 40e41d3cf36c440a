package idtoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// A minimal OIDC issuer for this package's tests: discovery and a JWKS
// over a loopback server, RSA and EC keys, tokens signed with any header.
// Private to these tests (internal/githubtest grows a shared one).

const (
	testAudience = "https://broker.example"
	testSubject  = "repo:octo-org/app:ref:refs/heads/main"
)

// Keys are made once per test binary: RSA generation is slow on a busy
// machine.
var (
	keysOnce sync.Once
	rsaKeys  [3]*rsa.PrivateKey
	ecKeys   [3]*ecdsa.PrivateKey
	p384Key  *ecdsa.PrivateKey
)

func testKeys() {
	keysOnce.Do(func() {
		for i := range rsaKeys {
			rsaKeys[i], _ = rsa.GenerateKey(rand.Reader, 2048)
			ecKeys[i], _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}
		p384Key, _ = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	})
}

func rsaKey(i int) *rsa.PrivateKey  { testKeys(); return rsaKeys[i] }
func ecKey(i int) *ecdsa.PrivateKey { testKeys(); return ecKeys[i] }

type testIssuer struct {
	t   testing.TB
	srv *httptest.Server
	URL string

	mu      sync.Mutex
	keys    []json.RawMessage
	signers map[string]crypto.Signer
	// claimedIssuer is the issuer discovery names; "" means URL.
	claimedIssuer string
	// jwksURI is what discovery names; "" means URL+"/keys".
	jwksURI string
	// before, when set, sees every request first; true means it answered.
	before func(w http.ResponseWriter, r *http.Request) bool

	discoveries, jwksFetches, requests atomic.Int32
}

func newTestIssuer(t testing.TB) *testIssuer {
	t.Helper()
	testKeys()
	ti := &testIssuer{t: t, signers: map[string]crypto.Signer{}}
	ti.srv = httptest.NewServer(http.HandlerFunc(ti.serve))
	t.Cleanup(ti.srv.Close)
	ti.URL = ti.srv.URL
	return ti
}

func (ti *testIssuer) serve(w http.ResponseWriter, r *http.Request) {
	ti.requests.Add(1)
	ti.mu.Lock()
	before := ti.before
	ti.mu.Unlock()
	if before != nil && before(w, r) {
		return
	}
	ti.mu.Lock()
	defer ti.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		ti.discoveries.Add(1)
		iss, jwks := ti.claimedIssuer, ti.jwksURI
		if iss == "" {
			iss = ti.URL
		}
		if jwks == "" {
			jwks = ti.URL + "/keys"
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss, "jwks_uri": jwks,
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		})
	case "/keys":
		ti.jwksFetches.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": ti.keys})
	default:
		http.NotFound(w, r)
	}
}

// setBefore installs a hook seeing every request first.
func (ti *testIssuer) setBefore(f func(w http.ResponseWriter, r *http.Request) bool) {
	ti.mu.Lock()
	ti.before = f
	ti.mu.Unlock()
}

// publish serves pub under kid with the given alg and use ("" leaves them
// out) and signs with priv under that kid.
func (ti *testIssuer) publish(kid string, priv crypto.Signer, alg, use string) {
	ti.t.Helper()
	b, err := jose.JSONWebKey{Key: priv.Public(), KeyID: kid, Algorithm: alg, Use: use}.MarshalJSON()
	if err != nil {
		ti.t.Fatal(err)
	}
	ti.publishRaw(b)
	ti.mu.Lock()
	ti.signers[kid] = priv
	ti.mu.Unlock()
}

func (ti *testIssuer) publishRaw(jwk []byte) {
	ti.mu.Lock()
	ti.keys = append(ti.keys, jwk)
	ti.mu.Unlock()
}

// withdraw stops serving every key (signing with them still works).
func (ti *testIssuer) withdraw() {
	ti.mu.Lock()
	ti.keys = nil
	ti.mu.Unlock()
}

func (ti *testIssuer) signer(kid string) crypto.Signer {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return ti.signers[kid]
}

// claims are a token's claims for this issuer at now, valid for 5 minutes.
func (ti *testIssuer) claims(now time.Time) map[string]any {
	return map[string]any{
		"iss": ti.URL, "sub": testSubject, "aud": testAudience,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"repository": "octo-org/app", "repository_id": "123", "run_number": 7,
		"ref_protected": true,
	}
}

// token signs claims with the key kid names, by that key's algorithm.
func (ti *testIssuer) token(kid string, claims map[string]any) string {
	ti.t.Helper()
	priv := ti.signer(kid)
	alg := "RS256"
	if _, ok := priv.(*ecdsa.PrivateKey); ok {
		alg = "ES256"
	}
	return signJWT(ti.t, map[string]any{"alg": alg, "kid": kid, "typ": "JWT"}, claims, priv)
}

// signJWT builds a compact JWS with any header, signed as its alg says:
// RS256/RS512/PS256 and ES256 with key, HS256 with key's public key in
// PEM as the secret (the classic confusion), none with no signature.
// claims may be json.RawMessage, to choose the bytes.
func signJWT(t testing.TB, hdr map[string]any, claims any, key crypto.Signer) string {
	t.Helper()
	return signAs(t, hdr["alg"], hdr, claims, key)
}

// signAs signs with alg whatever the header says.
func signAs(t testing.TB, alg any, hdr map[string]any, claims any, key crypto.Signer) string {
	t.Helper()
	input := part(t, hdr) + "." + part(t, claims)
	sig, err := sign(alg, input, key)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func sign(alg any, input string, key crypto.Signer) ([]byte, error) {
	h256 := sha256.Sum256([]byte(input))
	switch alg {
	case "RS256":
		return rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, h256[:])
	case "RS512":
		h := sha512.Sum512([]byte(input))
		return rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA512, h[:])
	case "PS256":
		return rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, h256[:], nil)
	case "ES256":
		r, s, err := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), h256[:])
		if err != nil {
			return nil, err
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return sig, nil
	case "HS256":
		mac := hmac.New(sha256.New, publicPEM(key))
		mac.Write([]byte(input))
		return mac.Sum(nil), nil
	case "none":
		return nil, nil
	}
	return nil, errors.New("test: no signer for this alg")
}

// publicPEM is what an attacker who knows the public key uses as an HMAC
// secret, hoping the verifier hands the "key" to HMAC.
func publicPEM(key crypto.Signer) []byte {
	der, _ := x509.MarshalPKIXPublicKey(key.Public())
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func part(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b64(b)
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1_750_000_000, 0)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newVerifier makes a Verifier for the test audience over issuers, on c.
func newVerifier(t *testing.T, c *clock, cfg Config, issuers ...*testIssuer) *Verifier {
	t.Helper()
	if cfg.Audience == "" {
		cfg.Audience = testAudience
	}
	for _, ti := range issuers {
		cfg.Issuers = append(cfg.Issuers, ti.URL)
	}
	cfg.Now = c.now
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// oneIssuer is the usual setup: a clock, a test issuer publishing key as
// "k1", and a Verifier trusting it, configured with cfg.
func oneIssuer(t *testing.T, key crypto.Signer, cfg Config) (*clock, *testIssuer, *Verifier) {
	t.Helper()
	c := newClock()
	ti := newTestIssuer(t)
	ti.publish("k1", key, "", "")
	return c, ti, newVerifier(t, c, cfg, ti)
}

// refusal asserts err is an *Error for want, whose text quotes no part of
// the token.
func refusal(t *testing.T, err error, want Reason, token string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want an *Error %s", err, err, want)
	}
	if e.Reason != want {
		t.Fatalf("reason %s (%q), want %s", e.Reason, e.Error(), want)
	}
	for _, p := range strings.Split(token, ".") {
		if len(p) >= 8 && strings.Contains(e.Error(), p) {
			t.Fatalf("the error quotes the token: %q", e.Error())
		}
	}
	return e
}
