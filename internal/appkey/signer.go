package appkey

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// issuedAtBackdate puts iat in the past so that a GitHub clock slightly behind ours still
	// accepts the token, as GitHub's docs advise.
	issuedAtBackdate = 60 * time.Second
	// jwtLifetime keeps exp a minute inside GitHub's ten-minute limit; with the backdate, exp is
	// ten minutes after iat.
	jwtLifetime = 9 * time.Minute
)

var (
	errNoSigningKey = errors.New("sign App JWT: no private key")
	errNoIssuer     = errors.New("sign App JWT: the issuer (the App's client ID or App ID) is empty")
)

// Signer mints App JWTs: RS256, iat = now-60s, exp = now+9m (10 minutes after iat; GitHub allows
// at most 10 minutes ahead), iss = the issuer exactly as given (client ID like "Iv23li..." or
// numeric App ID; always a JSON string). Times are whole seconds, rounded down.
//
// A Signer is safe for concurrent use; it must not be copied after first use.
type Signer struct {
	issuer string
	key    *rsa.PrivateKey
	remote SignFunc
	now    func() time.Time
	offset atomic.Int64 // GitHub's time minus local time, in nanoseconds
}

// NewSigner returns a Signer for the App identified by issuer. now supplies the local time; nil
// means time.Now. The key is used as is: pass one from Parse.
func NewSigner(issuer string, key *rsa.PrivateKey, now func() time.Time) *Signer {
	if now == nil {
		now = time.Now
	}
	return &Signer{issuer: issuer, key: key, now: now}
}

// SignFunc returns the RS256 signature (RSASSA-PKCS1-v1_5 over SHA-256) of
// a JWT's signing input, made where the key lives (a KMS). Its errors must
// not hold key material or credentials.
type SignFunc func(ctx context.Context, signingInput []byte) ([]byte, error)

// NewRemoteSigner returns a Signer for the App identified by issuer whose
// key never reaches this process: sign makes each signature. now is as for
// NewSigner.
func NewRemoteSigner(issuer string, sign SignFunc, now func() time.Time) *Signer {
	s := NewSigner(issuer, nil, now)
	s.remote = sign
	return s
}

// Sign returns a fresh App JWT, valid for GitHub's clock if the clock offset is right. The token is
// a secret: the caller must mask it before anything could print it. Errors never contain it.
func (s *Signer) Sign() (string, error) {
	return s.SignContext(context.Background())
}

// SignContext is Sign for a request whose context bounds a remote signer's
// call.
func (s *Signer) SignContext(ctx context.Context) (string, error) {
	if s.key == nil && s.remote == nil {
		return "", errNoSigningKey
	}
	if s.issuer == "" {
		return "", errNoIssuer
	}
	now := s.now().Add(s.ClockOffset())
	claims := jwt.RegisteredClaims{
		Issuer:    s.issuer,
		IssuedAt:  jwt.NewNumericDate(now.Add(-issuedAtBackdate)),
		ExpiresAt: jwt.NewNumericDate(now.Add(jwtLifetime)),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	if s.remote != nil {
		return s.signRemote(ctx, tok)
	}
	signed, err := tok.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("sign App JWT: %w", err)
	}
	return signed, nil
}

// signRemote assembles the JWT around a signature made elsewhere, exactly
// as SignedString would around a local one.
func (s *Signer) signRemote(ctx context.Context, tok *jwt.Token) (string, error) {
	input, err := tok.SigningString()
	if err != nil {
		return "", fmt.Errorf("sign App JWT: %w", err)
	}
	sig, err := s.remote(ctx, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// SetClockOffset corrects for a runner clock that disagrees with GitHub's: d = GitHub's time -
// local time; later JWTs use now+d. Safe for concurrent use.
func (s *Signer) SetClockOffset(d time.Duration) {
	s.offset.Store(int64(d))
}

// ClockOffset returns the offset last set with SetClockOffset, zero before that.
func (s *Signer) ClockOffset() time.Duration {
	return time.Duration(s.offset.Load())
}
