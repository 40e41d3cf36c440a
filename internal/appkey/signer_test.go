package appkey

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// verifyJWT checks token's RS256 signature against pub and returns its header and its claims as
// JSON numbers and strings, exactly as GitHub would read them.
func verifyJWT(t *testing.T, token string, pub *rsa.PublicKey) (map[string]any, map[string]any) {
	t.Helper()
	parsed, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	if err != nil {
		t.Fatalf("verify JWT: %v", err)
	}
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		t.Fatalf("payload JSON: %v", err)
	}
	return parsed.Header, claims
}

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestSignClaims(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	whole := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		issuer  string
		now     time.Time
		offset  time.Duration
		wantIat int64
		wantExp int64
	}{
		{"client ID", "Iv23liAbCdEf01234567", whole, 0, whole.Unix() - 60, whole.Unix() + 540},
		{"numeric App ID stays a string", "123456", whole, 0, whole.Unix() - 60, whole.Unix() + 540},
		{"fraction of a second rounds down", "123456", whole.Add(900 * time.Millisecond), 0, whole.Unix() - 60, whole.Unix() + 540},
		{"GitHub ahead of the runner", "123456", whole, 90 * time.Second, whole.Unix() + 30, whole.Unix() + 630},
		{"GitHub behind the runner", "123456", whole, -5 * time.Minute, whole.Unix() - 360, whole.Unix() + 240},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewJWTSigner(tc.issuer, local(k), fixedClock(tc.now))
			s.SetClockOffset(tc.offset)
			if got := s.ClockOffset(); got != tc.offset {
				t.Fatalf("ClockOffset = %v, want %v", got, tc.offset)
			}
			token, err := s.Sign(context.Background())
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			header, claims := verifyJWT(t, token, &k.PublicKey)
			if header["alg"] != "RS256" || header["typ"] != "JWT" {
				t.Errorf("header = %v, want alg RS256, typ JWT", header)
			}
			if iss, ok := claims["iss"].(string); !ok || iss != tc.issuer {
				t.Errorf("iss = %#v, want the string %q", claims["iss"], tc.issuer)
			}
			if got := claims["iat"]; got != jsonInt(tc.wantIat) {
				t.Errorf("iat = %v, want %d", got, tc.wantIat)
			}
			if got := claims["exp"]; got != jsonInt(tc.wantExp) {
				t.Errorf("exp = %v, want %d", got, tc.wantExp)
			}
			if len(claims) != 3 {
				t.Errorf("claims = %v, want only iss, iat and exp", claims)
			}
		})
	}
}

func jsonInt(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

func TestSignUsesTheGivenKey(t *testing.T) {
	t.Parallel()
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	token, err := NewJWTSigner("1", local(testKey(t)), nil).Sign(context.Background())
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if _, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return &other.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation()); err == nil {
		t.Fatal("token verified with an unrelated key")
	}
}

func TestNewJWTSignerDefaultsToTheSystemClock(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	before := time.Now()
	token, err := NewJWTSigner("1", local(k), nil).Sign(context.Background())
	after := time.Now()
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	_, claims := verifyJWT(t, token, &k.PublicKey)
	iat, err := claims["iat"].(json.Number).Int64()
	if err != nil {
		t.Fatalf("iat: %v", err)
	}
	if lo, hi := before.Add(-61*time.Second).Unix(), after.Add(-60*time.Second).Unix(); iat < lo || iat > hi {
		t.Errorf("iat = %d, want within [%d, %d]", iat, lo, hi)
	}
}

func TestSignErrorsKeepSecretsOut(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	weak := weakKey(t)
	cases := []struct {
		name    string
		signer  *JWTSigner
		mention string
	}{
		{"no key", NewJWTSigner("1", nil, nil), "no private key"},
		{"no parsed key", NewJWTSigner("1", (*PrivateKey)(nil), nil), "no private key"},
		{"a key without its RSA half", NewJWTSigner("1", &PrivateKey{}, nil), "no private key"},
		{"no issuer", NewJWTSigner("", local(k), nil), "issuer"},
		{"key crypto/rsa refuses", NewJWTSigner("1", local(weak), nil), "sign App JWT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			token, err := tc.signer.Sign(context.Background())
			if err == nil || token != "" {
				t.Fatalf("Sign = %q, %v; want an error and no token", token, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.mention) {
				t.Errorf("error %q does not mention %q", msg, tc.mention)
			}
			for _, secret := range []string{k.D.String(), weak.D.String(), pemPKCS1(weak)} {
				if strings.Contains(msg, secret[:16]) {
					t.Errorf("error %q contains key material", msg)
				}
			}
		})
	}
}

// Run with -race: Sign reads the offset while SetClockOffset writes it.
func TestSignConcurrentWithSetClockOffset(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := NewJWTSigner("Iv23liRace", local(k), fixedClock(now))
	offsets := []time.Duration{0, 30 * time.Second, -2 * time.Minute}
	wantIat := map[json.Number]bool{}
	for _, o := range offsets {
		wantIat[jsonInt(now.Add(o-60*time.Second).Unix())] = true
	}

	var wg sync.WaitGroup
	tokens := make(chan string, 40)
	for i := range 40 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			s.SetClockOffset(offsets[i%len(offsets)])
		}()
		go func() {
			defer wg.Done()
			token, err := s.Sign(context.Background())
			if err != nil {
				t.Errorf("Sign: %v", err)
			}
			tokens <- token
		}()
	}
	wg.Wait()
	close(tokens)
	for token := range tokens {
		_, claims := verifyJWT(t, token, &k.PublicKey)
		if !wantIat[claims["iat"].(json.Number)] {
			t.Errorf("iat %v matches none of the offsets set", claims["iat"])
		}
	}
}

// local is the Key that signs in this process.
func local(k *rsa.PrivateKey) Key { return &PrivateKey{RSA: k} }

// remoteKey signs elsewhere (a KMS): it records the signing inputs and the
// contexts it is given.
type remoteKey struct {
	key    *rsa.PrivateKey
	err    error
	inputs []string
	ctxs   []context.Context
}

func (r *remoteKey) Sign(ctx context.Context, input []byte) ([]byte, error) {
	r.inputs, r.ctxs = append(r.inputs, string(input)), append(r.ctxs, ctx)
	if r.err != nil {
		return nil, r.err
	}
	return local(r.key).Sign(ctx, input)
}

// A Key that signs elsewhere gets the JWT's signing input and the caller's
// context, and its signature makes the same JWT a local key makes; its
// error comes back as it is (a KMS error already says what to do).
func TestJWTSignerOverAKeyElsewhere(t *testing.T) {
	t.Parallel()
	k := testKey(t)
	now := fixedClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	remote := &remoteKey{key: k}
	type ctxKey struct{}
	ctx := context.WithValue(context.Background(), ctxKey{}, "request")
	token, err := NewJWTSigner("Iv23liRemote", remote, now).Sign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := NewJWTSigner("Iv23liRemote", local(k), now).Sign(context.Background())
	if err != nil || token != want {
		t.Errorf("remote JWT %q, local %q (%v): want the same", token, want, err)
	}
	if len(remote.inputs) != 1 || remote.inputs[0]+"." != token[:len(remote.inputs[0])+1] || remote.ctxs[0].Value(ctxKey{}) != "request" {
		t.Errorf("the key got inputs %q and not the caller's context", remote.inputs)
	}
	failing := &remoteKey{key: k, err: errors.New("KMS said no")}
	if token, err := NewJWTSigner("1", failing, now).Sign(ctx); token != "" || err != failing.err {
		t.Errorf("Sign = %q, %v; want the key's error as it is", token, err)
	}
}
