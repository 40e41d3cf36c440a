package appkey

import (
	"context"
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

// Key signs a JWT's signing input with the App's private key, wherever that key lives: the RS256
// signature (RSASSA-PKCS1-v1_5 over SHA-256). PrivateKey signs in this process; awskms.Key asks
// AWS KMS, and each further KMS is one more Key. A signing that is a call of its own ends with
// ctx. Errors must not hold key material or credentials.
type Key interface {
	Sign(ctx context.Context, signingInput []byte) ([]byte, error)
}

// JWTSigner makes App JWTs (a ghtransport.JWTSource): RS256, iat = now-60s, exp = now+9m (10
// minutes after iat; GitHub allows at most 10 minutes ahead), iss = the issuer exactly as given
// (client ID like "Iv23li..." or numeric App ID; always a JSON string), signed by its Key. Times
// are whole seconds, rounded down.
//
// A JWTSigner is safe for concurrent use; it must not be copied after first use.
type JWTSigner struct {
	issuer string
	key    Key
	now    func() time.Time
	offset atomic.Int64 // GitHub's time minus local time, in nanoseconds
}

// NewJWTSigner returns a JWTSigner for the App identified by issuer whose JWTs key signs. now
// supplies the local time; nil means time.Now.
func NewJWTSigner(issuer string, key Key, now func() time.Time) *JWTSigner {
	if now == nil {
		now = time.Now
	}
	return &JWTSigner{issuer: issuer, key: key, now: now}
}

// Sign returns a fresh App JWT, valid for GitHub's clock if the clock offset is right; a Key
// that makes a call of its own (a KMS) makes it with ctx. The token is a secret: the caller must
// mask it before anything could print it. Errors never contain it.
func (s *JWTSigner) Sign(ctx context.Context) (string, error) {
	if s.key == nil {
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
	input, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SigningString()
	if err != nil {
		return "", fmt.Errorf("sign App JWT: %w", err)
	}
	sig, err := s.key.Sign(ctx, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// SetClockOffset corrects for a local clock that disagrees with GitHub's: d = GitHub's time -
// local time; later JWTs use now+d. Safe for concurrent use.
func (s *JWTSigner) SetClockOffset(d time.Duration) {
	s.offset.Store(int64(d))
}

// ClockOffset returns the offset last set with SetClockOffset, zero before that.
func (s *JWTSigner) ClockOffset() time.Duration {
	return time.Duration(s.offset.Load())
}
