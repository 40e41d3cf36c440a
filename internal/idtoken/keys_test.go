package idtoken

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// Of a key set, only public RSA and P-256 keys with a kid, for signing,
// are kept; the rest is passed over, not fatal (RFC 7517). Two keys may
// share a kid.
func TestParseKeys(t *testing.T) {
	t.Parallel()
	testKeys()
	jwk := func(key any, kid, use string) json.RawMessage {
		b, err := jose.JSONWebKey{Key: key, KeyID: kid, Use: use}.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	set, _ := json.Marshal(map[string]any{"keys": []json.RawMessage{
		jwk(&rsaKey(0).PublicKey, "rsa", ""),
		jwk(&ecKey(0).PublicKey, "ec", "sig"),
		jwk(&ecKey(1).PublicKey, "rsa", ""), // shares a kid
		jwk(&rsaKey(1).PublicKey, "enc", "enc"),
		jwk(&rsaKey(1).PublicKey, "", ""),
		jwk(&p384Key.PublicKey, "p384", ""),
		jwk(rsaKey(2), "private", ""),
		jwk([]byte("symmetric secret"), "oct", ""),
		jwk(edKey.Public(), "ed", ""),
		json.RawMessage(`{"kty":"OKP","crv":"Ed448","kid":"ed448","x":"AA"}`),
		json.RawMessage(`42`),
	}})
	keys, err := parseKeys(set)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || len(keys["rsa"]) != 2 || len(keys["ec"]) != 1 {
		t.Fatalf("kept %v", keys)
	}
	if _, err := parseKeys([]byte(`{"keys":{}}`)); err != errNotJWKS {
		t.Errorf("keys not an array: %v", err)
	}
	if keys, err := parseKeys([]byte(`{}`)); err != nil || len(keys) != 0 {
		t.Errorf("no keys: %v %v", keys, err)
	}
}

// A key published under a kid with another key verifies (the first
// that fits does), and a private key published by mistake is not used.
func TestSharedKidAndPrivateKey(t *testing.T) {
	t.Parallel()
	c := newClock()
	ti := newTestIssuer(t)
	ti.publish("k", rsaKey(0), "", "")
	ti.publish("k", ecKey(0), "", "")
	b, _ := jose.JSONWebKey{Key: rsaKey(1), KeyID: "private"}.MarshalJSON()
	ti.publishRaw(b)
	ti.signers["private"] = rsaKey(1)
	v := newVerifier(t, c, Config{}, ti)
	ctx := context.Background()
	raw := signJWT(t, map[string]any{"alg": "RS256", "kid": "k"}, ti.claims(c.now()), rsaKey(0))
	if _, err := v.Verify(ctx, raw); err != nil {
		t.Errorf("RS256 under a shared kid: %v", err)
	}
	if _, err := v.Verify(ctx, ti.token("k", ti.claims(c.now()))); err != nil {
		t.Errorf("ES256 under a shared kid: %v", err)
	}
	raw = ti.token("private", ti.claims(c.now()))
	_, err := v.Verify(ctx, raw)
	refusal(t, err, UnknownKey, raw)
}

// The key set answers only within Verify, which carries what go-oidc's
// wrapping would lose.
func TestKeySetOutsideVerify(t *testing.T) {
	t.Parallel()
	is := newIssuer("https://issuer.example", newFetcher(Config{}))
	if _, err := is.VerifySignature(context.Background(), "a.b.c"); err == nil {
		t.Error("answered outside Verify")
	}
	a := &attempt{}
	ctx := context.WithValue(context.Background(), attemptKey{}, a)
	if _, err := is.VerifySignature(ctx, "a.b.c"); err == nil || a.err != errMalformed {
		t.Errorf("%v, %v", err, a.err)
	}
}
