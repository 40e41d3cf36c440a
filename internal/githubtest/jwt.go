package githubtest

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// maxJWTLifetime is how far in the future GitHub accepts an App JWT's exp.
const maxJWTLifetime = 10 * time.Minute

// jwtError is a rejected App JWT; msg is GitHub's text for it. It never
// carries the token.
type jwtError struct{ msg string }

func (e *jwtError) Error() string { return e.msg }

// checkAppJWT verifies the App JWT in the Authorization header the way
// GitHub does: RS256 under the App's key, iss naming the App, then iat and
// exp against the server clock now.
func (s *Server) checkAppJWT(r *http.Request, now time.Time) error {
	scheme, raw := credential(r.Header.Get("Authorization"))
	if scheme != "bearer" || raw == "" || s.world.app.PublicKey == nil {
		return &jwtError{msgJWTUndecodable}
	}
	tok, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return s.world.app.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation(), jwt.WithJSONNumber())
	if err != nil {
		return &jwtError{msgJWTUndecodable}
	}
	claims, _ := tok.Claims.(jwt.MapClaims)
	if !s.issuerMatches(claims["iss"]) {
		return &jwtError{msgJWTUndecodable}
	}
	iat, ok := unixClaim(claims["iat"])
	if !ok || iat > now.Unix() {
		return &jwtError{msgIATInvalid}
	}
	exp, ok := unixClaim(claims["exp"])
	switch {
	case !ok || exp <= now.Unix():
		return &jwtError{msgEXPInvalid}
	case exp > now.Add(maxJWTLifetime).Unix():
		return &jwtError{msgEXPTooFar}
	}
	return nil
}

func (s *Server) issuerMatches(iss any) bool {
	var v string
	switch x := iss.(type) {
	case string:
		v = x
	case json.Number:
		v = x.String()
	default:
		return false
	}
	return v == strconv.FormatInt(s.world.app.ID, 10) || (s.world.app.ClientID != "" && v == s.world.app.ClientID)
}

// unixClaim reads a NumericDate claim; fractions are cut off like GitHub's
// integer comparison.
func unixClaim(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return int64(math.Floor(f)), true
}

// requireJWT answers 401 with GitHub's text unless the request carries a
// valid App JWT.
func (s *Server) requireJWT(w http.ResponseWriter, r *http.Request) bool {
	err := s.checkAppJWT(r, s.clock())
	var je *jwtError
	if errors.As(err, &je) {
		writeError(w, http.StatusUnauthorized, je.msg)
		return false
	}
	return err == nil
}
