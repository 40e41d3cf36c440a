package apptest

import (
	"crypto/rsa"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// SignedJWT is an App JWT as another system would sign it: iat a minute
// back, exp life after now, iss as given.
func SignedJWT(t testing.TB, key *rsa.PrivateKey, iss any, life time.Duration, edit ...func(jwt.MapClaims, *jwt.Token)) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{"iss": iss, "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(life).Unix()}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	for _, e := range edit {
		e(claims, tok)
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// JWTWorld is a step that passes jwt instead of private-key. The given JWT
// is a secret the leak check looks for everywhere.
func JWTWorld(t *testing.T, token string) *World {
	w := NewWorld(t).With("private-key", "", "jwt", token)
	w.Secrets = append(w.Secrets, token)
	return w
}
