package githubtest

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// testIssuer serves an issuer at t0 for the rest of t.
func testIssuer(t *testing.T, cfg IssuerConfig) *Issuer {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return t0 }
	}
	return StartIssuer(t, cfg)
}

// verifier is what a broker builds with go-oidc: discovery, then a
// verifier for audience with the clock at t0. client reaches the issuer.
func verifier(t *testing.T, iss *Issuer, client *http.Client, audience string) *oidc.IDTokenVerifier {
	t.Helper()
	ctx := oidc.ClientContext(context.Background(), client)
	p, err := oidc.NewProvider(ctx, iss.URL())
	if err != nil {
		t.Fatalf("discovery of %s: %v", iss.URL(), err)
	}
	return p.Verifier(&oidc.Config{ClientID: audience, Now: func() time.Time { return t0 }})
}

// verify checks tok as a broker would and returns its claims.
func verify(v *oidc.IDTokenVerifier, client *http.Client, tok string) (map[string]any, error) {
	idt, err := v.Verify(oidc.ClientContext(context.Background(), client), tok)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	err = idt.Claims(&claims)
	return claims, err
}

// parts decodes a token's header and payload, and returns its signature.
func parts(t *testing.T, tok string) (header, payload map[string]any, sig string) {
	t.Helper()
	p := strings.Split(tok, ".")
	if len(p) != 3 {
		t.Fatalf("token has %d parts", len(p))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		b, err := base64.RawURLEncoding.DecodeString(p[i])
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		decode(t, b, dst)
	}
	return header, payload, p[2]
}

func getJSON(t *testing.T, client *http.Client, url string, v any) int {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

// Discovery (OpenID Connect Discovery 1.0) names the issuer and its JWKS;
// the JWKS (RFC 7517) holds an RSA and an EC P-256 key, each with its RFC
// 7638 thumbprint as kid, use sig and its alg; every fetch is counted,
// and nothing else is served.
func TestIssuerDiscoveryAndJWKS(t *testing.T) {
	t.Parallel()
	iss := testIssuer(t, IssuerConfig{})
	c := http.DefaultClient
	var doc map[string]any
	if code := getJSON(t, c, iss.URL()+DiscoveryPath, &doc); code != http.StatusOK {
		t.Fatalf("discovery: %d", code)
	}
	if doc["issuer"] != iss.URL() || doc["jwks_uri"] != iss.URL()+"/.well-known/jwks" {
		t.Errorf("discovery %v", doc)
	}
	for member, want := range map[string][]any{
		"id_token_signing_alg_values_supported": {"ES256", "RS256"},
		"response_types_supported":              {"id_token"},
		"subject_types_supported":               {"public", "pairwise"},
	} {
		if got, _ := doc[member].([]any); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", member, got, want)
		}
	}
	var set jose.JSONWebKeySet
	if code := getJSON(t, c, doc["jwks_uri"].(string), &set); code != http.StatusOK || len(set.Keys) != 2 {
		t.Fatalf("JWKS: %d, %d keys", code, len(set.Keys))
	}
	for i, want := range []struct{ alg, kty string }{{RS256, "RSA"}, {ES256, "EC"}} {
		k := set.Keys[i]
		thumb, _ := k.Thumbprint(crypto.SHA256)
		if k.Algorithm != want.alg || k.Use != "sig" || k.KeyID != base64.RawURLEncoding.EncodeToString(thumb) ||
			k.KeyID != iss.Key(want.alg).KID || !k.Valid() || !k.IsPublic() {
			t.Errorf("key %d: alg %s use %s kid %s, want %s", i, k.Algorithm, k.Use, k.KeyID, want.alg)
		}
	}
	var raw struct{ Keys []map[string]any }
	getJSON(t, c, iss.URL()+JWKSPath, &raw)
	if raw.Keys[0]["kty"] != "RSA" || raw.Keys[1]["kty"] != "EC" || raw.Keys[1]["crv"] != "P-256" {
		t.Errorf("JWKS members %v", raw.Keys)
	}
	if code := getJSON(t, c, iss.URL()+"/.well-known/other", nil); code != http.StatusNotFound {
		t.Errorf("another path: %d", code)
	}
	resp, err := c.Post(iss.URL()+JWKSPath, "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to the JWKS: %v %v", resp, err)
	}
	if iss.DiscoveryFetches() != 1 || iss.JWKSFetches() != 2 || len(iss.JWKSFetchTimes()) != 2 || !iss.JWKSFetchTimes()[0].Equal(t0) {
		t.Errorf("fetches: discovery %d, JWKS %d %v; want 1, 2 at t0", iss.DiscoveryFetches(), iss.JWKSFetches(), iss.JWKSFetchTimes())
	}
}

// A minted token verifies with go-oidc, as the broker will use it, for
// RS256 and ES256, over HTTP and over TLS from a private CA, at GitHub
// Enterprise Server's issuer path; Mint fills in iss, iat, nbf, exp and
// jti and keeps the preset's claims.
func TestMintedTokensVerifyWithGoOIDC(t *testing.T) {
	t.Parallel()
	ca, err := NewPrivateCA("emulated issuer CA")
	if err != nil {
		t.Fatal(err)
	}
	tlsClient := ca.Client()
	for _, tc := range []struct {
		name   string
		cfg    IssuerConfig
		client *http.Client
	}{
		{"http", IssuerConfig{}, http.DefaultClient},
		{"tls at /_services/token", IssuerConfig{Path: "/_services/token", CA: ca}, tlsClient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			iss := testIssuer(t, tc.cfg)
			if tc.cfg.CA != nil && (!strings.HasPrefix(iss.URL(), "https://127.0.0.1:") || !strings.HasSuffix(iss.URL(), "/_services/token")) {
				t.Errorf("URL %s", iss.URL())
			}
			v := verifier(t, iss, tc.client, "https://broker.example")
			want := iss.GitHubActions("octo-org/app").With("aud", "https://broker.example")
			for _, alg := range []string{RS256, ES256} {
				tok := iss.Mint(want, WithAlg(alg))
				header, _, _ := parts(t, tok)
				if header["alg"] != alg || header["kid"] != iss.Key(alg).KID || header["typ"] != "JWT" {
					t.Errorf("%s header %v", alg, header)
				}
				got, err := verify(v, tc.client, tok)
				if err != nil {
					t.Fatalf("%s: go-oidc refused a minted token: %v", alg, err)
				}
				for k, w := range want {
					if got[k] != w {
						t.Errorf("%s: claim %s = %v, want %v", alg, k, got[k], w)
					}
				}
				if got["iat"] != float64(t0.Unix()) || got["nbf"] != float64(t0.Unix()) ||
					got["exp"] != float64(t0.Add(5*time.Minute).Unix()) || len(got["jti"].(string)) != 36 {
					t.Errorf("%s: filled claims iat %v nbf %v exp %v jti %v", alg, got["iat"], got["nbf"], got["exp"], got["jti"])
				}
			}
			if m := iss.Minted(); len(m) != 2 {
				t.Errorf("Minted lists %d tokens, want 2", len(m))
			}
		})
	}
}

// Each hostile token is valid but for one thing, and go-oidc refuses it
// for that thing: so a broker test that sees it refused proves the check
// that refuses it.
func TestHostileTokens(t *testing.T) {
	t.Parallel()
	iss, other := testIssuer(t, IssuerConfig{}), testIssuer(t, IssuerConfig{})
	const aud = "https://broker.example"
	c := http.DefaultClient
	v := verifier(t, iss, c, aud)
	claims := iss.GitHubActions("octo-org/app").With("aud", aud)
	stray, err := NewIssuerKey(RS256)
	if err != nil {
		t.Fatal(err)
	}
	rsaPub := iss.Key(RS256).Public()

	for _, tc := range []struct {
		name  string
		tok   string
		valid func(t *testing.T, tok string) // what makes it otherwise valid
		err   string                         // in go-oidc's refusal
	}{
		{"alg none", iss.Mint(claims, Unsigned()), func(t *testing.T, tok string) {
			h, p, sig := parts(t, tok)
			if h["alg"] != "none" || sig != "" || p["sub"] != claims["sub"] {
				t.Errorf("header %v, signature %q", h, sig)
			}
		}, "malformed jwt"},
		{"HS256 keyed with the RSA public key", iss.Mint(claims, AlgConfusion()), func(t *testing.T, tok string) {
			der, _ := x509.MarshalPKIXPublicKey(rsaPub)
			secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
			// A verifier that lets the token pick its algorithm accepts it.
			if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return secret, nil }, jwt.WithTimeFunc(func() time.Time { return t0 })); err != nil {
				t.Errorf("the confusion token does not verify as HS256 under the public key's PEM: %v", err)
			}
		}, "malformed jwt"},
		{"a kid no JWKS holds", iss.Mint(claims, WithKey(stray)), func(t *testing.T, tok string) {
			validRS256(t, tok, stray)
			if h, _, _ := parts(t, tok); h["kid"] != stray.KID {
				t.Errorf("kid %v", h["kid"])
			}
		}, "failed to verify signature"},
		{"a kid of another issuer", other.Mint(claims), func(t *testing.T, tok string) {
			validRS256(t, tok, other.Key(RS256))
			if h, p, _ := parts(t, tok); h["kid"] != other.Key(RS256).KID || p["iss"] != iss.URL() {
				t.Errorf("header %v, iss %v", h, p["iss"])
			}
		}, "failed to verify signature"},
		{"a published kid with another key's signature", iss.Mint(claims, WithKey(stray), WithKID(iss.Key(RS256).KID)), nil, "failed to verify signature"},
		{"expired", iss.Mint(claims, Expired(time.Minute)), func(t *testing.T, tok string) {
			validRS256(t, tok, iss.Key(RS256))
			if _, p, _ := parts(t, tok); p["exp"] != float64(t0.Add(-time.Minute).Unix()) {
				t.Errorf("exp %v", p["exp"])
			}
		}, "token is expired"},
		{"not yet valid", iss.Mint(claims, NotYetValid(10*time.Minute)), func(t *testing.T, tok string) {
			validRS256(t, tok, iss.Key(RS256))
			if _, p, _ := parts(t, tok); p["nbf"] != float64(t0.Add(10*time.Minute).Unix()) {
				t.Errorf("nbf %v", p["nbf"])
			}
		}, "before the nbf"},
		{"another audience", iss.Mint(claims.With("aud", "sts.amazonaws.com")), nil, "expected audience"},
		{"another issuer named", iss.Mint(claims.With("iss", "https://token.actions.githubusercontent.com")), nil, "id token issued by a different provider"},
		{"no exp", iss.Mint(claims.Without("exp")), func(t *testing.T, tok string) {
			if _, p, _ := parts(t, tok); p["exp"] != nil || p["iat"] == nil {
				t.Errorf("payload %v", p)
			}
		}, "token is expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.valid != nil {
				tc.valid(t, tc.tok)
			}
			_, err := verify(v, c, tc.tok)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("go-oidc: %v, want %q", err, tc.err)
			}
		})
	}

	big := iss.Mint(claims, Padded(20_000))
	if len(big) < 20_000 || len(big) > 20_100 {
		t.Errorf("padded token of %d bytes, want about 20000", len(big))
	}
	if _, err := verify(v, c, big); err != nil {
		t.Errorf("a padded token is well signed, only a size limit refuses it: %v", err)
	}
}

// validRS256 checks tok's signature under k's public half alone.
func validRS256(t *testing.T, tok string, k *IssuerKey) {
	t.Helper()
	_, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return k.Public(), nil },
		jwt.WithValidMethods([]string{RS256}), jwt.WithoutClaimsValidation())
	if err != nil {
		t.Errorf("not signed by the key it names: %v", err)
	}
}

// A rotation: a new key signs, the verifier fetches the JWKS again once to
// find it; an unpublished key's tokens fail after another fetch. The
// counts are what a broker test bounds.
func TestKeyRotationIsCounted(t *testing.T) {
	t.Parallel()
	iss := testIssuer(t, IssuerConfig{Algs: []string{RS256}})
	const aud = "broker"
	c := http.DefaultClient
	v := verifier(t, iss, c, aud)
	claims := iss.GitHubActions("octo-org/app").With("aud", aud)
	old := iss.Key(RS256)
	if _, err := verify(v, c, iss.Mint(claims)); err != nil {
		t.Fatal(err)
	}
	if iss.JWKSFetches() != 1 {
		t.Fatalf("JWKS fetched %d times for the first token", iss.JWKSFetches())
	}
	if _, err := verify(v, c, iss.Mint(claims)); err != nil || iss.JWKSFetches() != 1 {
		t.Errorf("second token with the cached key: %v, %d fetches", err, iss.JWKSFetches())
	}
	fresh := iss.AddKey(t, RS256)
	tok := iss.Mint(claims)
	if h, _, _ := parts(t, tok); h["kid"] != fresh.KID || iss.Key(RS256) != fresh {
		t.Fatalf("after AddKey the token's kid is %v, want the new key's", h["kid"])
	}
	if _, err := verify(v, c, tok); err != nil || iss.JWKSFetches() != 2 {
		t.Errorf("token of the new key: %v, %d fetches (want 2)", err, iss.JWKSFetches())
	}
	// The verifier still holds the old key from its last fetch; a kid it
	// does not know makes it fetch again, and then the old key is gone.
	iss.Unpublish(old.KID)
	if got := iss.Keys(); len(got) != 1 || got[0] != fresh {
		t.Errorf("keys after Unpublish: %v", got)
	}
	stray, _ := NewIssuerKey(RS256)
	if _, err := verify(v, c, iss.Mint(claims, WithKey(stray))); err == nil || iss.JWKSFetches() != 3 {
		t.Errorf("token of a key never published: %v, %d fetches (want refused after a 3rd)", err, iss.JWKSFetches())
	}
	if _, err := verify(v, c, iss.Mint(claims, WithKey(old))); err == nil || iss.JWKSFetches() != 4 {
		t.Errorf("token of the unpublished key: %v, %d fetches (want refused after a 4th)", err, iss.JWKSFetches())
	}
	iss.Publish(old)
	if _, err := verify(v, c, iss.Mint(claims, WithKey(old))); err != nil || iss.JWKSFetches() != 5 {
		t.Errorf("republished key: %v, %d fetches", err, iss.JWKSFetches())
	}
}

// Several issuers at once: two under different paths of one server, one
// on its own; each discovery names its own URL, and one's token does not
// verify at another's verifier.
func TestSeveralIssuers(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return t0 }
	a, err := NewIssuer(IssuerConfig{Path: "/a", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewIssuer(IssuerConfig{Path: "/a/b", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	srv := ServeIssuers(t, nil, a, b)
	solo := testIssuer(t, IssuerConfig{})
	if a.URL() != srv.URL+"/a" || b.URL() != srv.URL+"/a/b" || a.Path() != "/a" || solo.URL() == srv.URL {
		t.Fatalf("URLs %s %s %s", a.URL(), b.URL(), solo.URL())
	}
	c := http.DefaultClient
	for _, iss := range []*Issuer{a, b, solo} {
		v := verifier(t, iss, c, "x")
		for _, signer := range []*Issuer{a, b, solo} {
			_, err := verify(v, c, signer.Mint(iss.GitHubActions("octo-org/app").With("aud", "x")))
			if (signer == iss) != (err == nil) {
				t.Errorf("%s's token at %s's verifier: %v", signer.Path(), iss.Path(), err)
			}
		}
		if iss.DiscoveryFetches() != 1 {
			t.Errorf("%s: %d discovery fetches", iss.URL(), iss.DiscoveryFetches())
		}
	}
	if code := getJSON(t, c, srv.URL+"/c"+DiscoveryPath, nil); code != http.StatusNotFound {
		t.Errorf("no issuer at /c: %d", code)
	}
	if _, err := NewIssuer(IssuerConfig{Path: "relative"}); err == nil {
		t.Error("a path without a leading slash was taken")
	}
}

// A broken or hostile issuer: a JWKS that fails (counted all the same), a
// slow one (the delay observed, not slept), a discovery that names
// another issuer.
func TestIssuerFaultsAndEdits(t *testing.T) {
	t.Parallel()
	after, waited := noWait()
	iss := testIssuer(t, IssuerConfig{After: after})
	c := http.DefaultClient
	v := verifier(t, iss, c, "x")
	iss.AddFault(Fault{Path: JWKSPath, Status: http.StatusServiceUnavailable, Body: `{"message":"down"}`})
	tok := iss.Mint(iss.GitHubActions("octo-org/app").With("aud", "x"))
	if _, err := verify(v, c, tok); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("with the JWKS down: %v", err)
	}
	iss.AddFault(Fault{Path: JWKSPath, Delay: 3 * time.Second})
	if _, err := verify(v, c, tok); err != nil {
		t.Errorf("after a slow JWKS: %v", err)
	}
	if len(waited) != 1 || <-waited != 3*time.Second {
		t.Error("the JWKS fault did not wait its Delay once")
	}
	if iss.JWKSFetches() != 2 {
		t.Errorf("JWKS fetches %d, want 2", iss.JWKSFetches())
	}

	iss.EditDiscovery(func(doc map[string]any) { doc["issuer"] = "https://token.actions.githubusercontent.com" })
	if _, err := oidc.NewProvider(context.Background(), iss.URL()); err == nil || !strings.Contains(err.Error(), "did not match") {
		t.Errorf("a discovery naming another issuer: %v", err)
	}
	iss.EditDiscovery(nil)
	if _, err := oidc.NewProvider(context.Background(), iss.URL()); err != nil {
		t.Errorf("discovery restored: %v", err)
	}
}

// What minting costs, for a load test that mints its tokens up front:
// go test -run '^$' -bench Mint ./internal/githubtest
func BenchmarkMint(b *testing.B) {
	iss, err := NewIssuer(IssuerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	iss.SetBaseURL("http://127.0.0.1:1")
	claims := iss.GitHubActions("octo-org/app").With("aud", "broker")
	for _, alg := range []string{RS256, ES256} {
		b.Run(alg, func(b *testing.B) {
			for b.Loop() {
				iss.Mint(claims, WithAlg(alg))
			}
		})
	}
	b.Run("NewIssuer", func(b *testing.B) {
		for b.Loop() {
			if _, err := NewIssuer(IssuerConfig{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
