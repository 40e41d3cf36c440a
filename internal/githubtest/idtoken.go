package githubtest

// Minting ID tokens: valid ones with chosen claims, alg and kid, and the
// hostile kinds a broker must refuse (an unsigned token, HS256 keyed with
// the RSA public key, a kid nobody publishes, expired, not yet valid,
// oversize). Wrong aud or iss are claims (Claims.With); a kid of another
// issuer is that issuer's Mint of this one's claims.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"strings"
	"time"
)

// Claims is an ID token's payload: claim name → JSON value (string, number,
// bool, list, object).
type Claims map[string]any

// omitted marks a claim Mint must leave out even where it fills one in.
type omitted struct{}

// With returns a copy of c with name set to value.
func (c Claims) With(name string, value any) Claims {
	out := maps.Clone(c)
	if out == nil {
		out = Claims{}
	}
	out[name] = value
	return out
}

// Without returns a copy of c without names; Mint leaves them out even
// where it fills claims in (iss, iat, nbf, exp, jti).
func (c Claims) Without(names ...string) Claims {
	out := maps.Clone(c)
	if out == nil {
		out = Claims{}
	}
	for _, n := range names {
		out[n] = omitted{}
	}
	return out
}

// TokenOption changes how Mint makes a token.
type TokenOption func(*tokenSpec)

type tokenSpec struct {
	key     *IssuerKey
	alg     string
	kid     *string
	header  map[string]any
	form    string // "" signed, "none", "confusion"
	shift   time.Duration
	expired bool
	size    int
}

// WithAlg signs with the issuer's newest published key for alg (RS256 by
// default).
func WithAlg(alg string) TokenOption { return func(s *tokenSpec) { s.alg = alg } }

// WithKey signs with k, published or not: a key made by NewIssuerKey and
// never published gives a token whose kid no JWKS holds.
func WithKey(k *IssuerKey) TokenOption { return func(s *tokenSpec) { s.key = k } }

// WithKID puts kid in the header instead of the signing key's ("" leaves
// the header without one).
func WithKID(kid string) TokenOption { return func(s *tokenSpec) { s.kid = &kid } }

// WithHeader sets a header member (nil removes it): typ, jku, x5u, crit...
func WithHeader(name string, value any) TokenOption {
	return func(s *tokenSpec) {
		if s.header == nil {
			s.header = map[string]any{}
		}
		s.header[name] = value
	}
}

// Unsigned makes an "alg": "none" token with an empty signature (RFC 7519
// section 6), which a verifier must refuse.
func Unsigned() TokenOption { return func(s *tokenSpec) { s.form = "none" } }

// AlgConfusion makes the classic RS256→HS256 confusion token: "alg":
// "HS256", the RSA key's kid, and an HMAC-SHA256 keyed with the RSA public
// key's PEM (SubjectPublicKeyInfo), which a verifier that lets the token
// choose its algorithm would accept.
func AlgConfusion() TokenOption { return func(s *tokenSpec) { s.form = "confusion" } }

// Expired makes a token whose exp passed ago before now (iat and nbf a TTL
// earlier).
func Expired(ago time.Duration) TokenOption {
	return func(s *tokenSpec) { s.expired, s.shift = true, -ago }
}

// NotYetValid makes a token issued and valid from in after now (iat and
// nbf), exp a TTL later.
func NotYetValid(in time.Duration) TokenOption {
	return func(s *tokenSpec) { s.expired, s.shift = false, in }
}

// Padded makes the token at least size bytes long, with a "pad" claim.
func Padded(size int) TokenOption { return func(s *tokenSpec) { s.size = size } }

// Mint returns an ID token of this issuer with claims, signed by its newest
// published RS256 key unless opts say otherwise. It fills in the claims
// that are absent and not removed by Claims.Without: iss (the issuer's
// URL), iat and nbf (now), exp (now + TTL) and jti (random). It panics on a
// claim that cannot be encoded as JSON, a test's mistake.
func (i *Issuer) Mint(claims Claims, opts ...TokenOption) string {
	spec := tokenSpec{alg: RS256}
	for _, o := range opts {
		o(&spec)
	}
	key := spec.key
	if key == nil {
		key = i.keyFor(spec.alg)
	}
	if key == nil {
		panic("githubtest: Mint: the issuer publishes no key; pass WithKey")
	}
	now := i.now().Add(spec.shift)
	iat, exp := now, now.Add(i.ttl)
	if spec.expired {
		iat, exp = now.Add(-i.ttl), now
	}
	payload := Claims{"iss": i.URL(), "iat": iat.Unix(), "nbf": iat.Unix(), "exp": exp.Unix(), "jti": newJTI()}
	for k, v := range claims {
		payload[k] = v
	}
	for k, v := range payload {
		if _, ok := v.(omitted); ok {
			delete(payload, k)
		}
	}

	header := map[string]any{"typ": "JWT", "alg": key.Alg, "kid": key.KID}
	switch spec.form {
	case "none":
		header["alg"] = "none"
	case "confusion":
		header["alg"] = "HS256"
	}
	if spec.kid != nil {
		header["kid"] = *spec.kid
		if *spec.kid == "" {
			delete(header, "kid")
		}
	}
	for k, v := range spec.header {
		header[k] = v
		if v == nil {
			delete(header, k)
		}
	}

	tok := signJWT(header, payload, key, spec.form)
	for tries := 0; len(tok) < spec.size && tries < 4; tries++ {
		pad, _ := payload["pad"].(string)
		payload["pad"] = pad + strings.Repeat("A", (spec.size-len(tok))*3/4+1)
		tok = signJWT(header, payload, key, spec.form)
	}
	i.mu.Lock()
	i.minted = append(i.minted, tok)
	i.mu.Unlock()
	return tok
}

// signJWT encodes header and payload and signs them with key as form says.
func signJWT(header map[string]any, payload Claims, key *IssuerKey, form string) string {
	h, err := json.Marshal(header)
	if err != nil {
		panic(fmt.Sprintf("githubtest: Mint: header: %v", err))
	}
	p, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("githubtest: Mint: claims: %v", err))
	}
	input := b64u(h) + "." + b64u(p)
	switch form {
	case "none":
		return input + "."
	case "confusion":
		der, _ := x509.MarshalPKIXPublicKey(key.Public())
		mac := hmac.New(sha256.New, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		mac.Write([]byte(input))
		return input + "." + b64u(mac.Sum(nil))
	}
	return input + "." + b64u(key.sign([]byte(input)))
}

// sign is the JWS signature of input: RSASSA-PKCS1-v1_5 with SHA-256, or
// ECDSA P-256 with SHA-256 as R||S (RFC 7518 section 3.4).
func (k *IssuerKey) sign(input []byte) []byte {
	digest := sha256.Sum256(input)
	switch key := k.signer.(type) {
	case *rsa.PrivateKey:
		sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
		if err != nil {
			panic(fmt.Sprintf("githubtest: sign RS256: %v", err))
		}
		return sig
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
		if err != nil {
			panic(fmt.Sprintf("githubtest: sign ES256: %v", err))
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	}
	panic("githubtest: an issuer key of unknown type")
}

// newJTI is a random UUID (version 4), as GitHub's jti claims are.
func newJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
