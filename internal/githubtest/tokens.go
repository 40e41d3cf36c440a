package githubtest

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newTokenValue returns a fresh installation token: "ghs_" and 36 base62
// characters, or with long set the newer JWT-shaped form of about 520
// characters (header.payload.signature, base64url), which clients must treat
// as opaque.
func newTokenValue(long bool) string {
	if !long {
		return "ghs_" + randomBase62(36)
	}
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	payload := make([]byte, 102)
	sig := make([]byte, 256) // an RS256 signature under a 2048-bit key
	_, _ = rand.Read(payload)
	_, _ = rand.Read(sig)
	return "ghs_" + header + "." + enc.EncodeToString(payload) + "." + enc.EncodeToString(sig)
}

// randomBase62 returns n characters drawn uniformly from base62, rejecting
// bytes that would bias the draw.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			if b < 248 && len(out) < n { // 248 = 4*62
				out = append(out, base62[b%62])
			}
		}
	}
	return string(out)
}

// tokenFor returns the live installation token the request authenticates
// with, or nil when it is missing, unknown, revoked, or expired on the
// server clock.
func (s *Server) tokenFor(r *http.Request) *IssuedToken {
	scheme, v := credential(r.Header.Get("Authorization"))
	if (scheme != "bearer" && scheme != "token") || !strings.HasPrefix(v, "ghs_") {
		return nil
	}
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokenIndex[v]
	if t == nil || t.Revoked || !now.Before(t.ExpiresAt) {
		return nil
	}
	c := *t
	return &c
}

// requireToken answers 401 "Bad credentials" unless the request carries a
// live installation token, which it returns.
func (s *Server) requireToken(w http.ResponseWriter, r *http.Request) (*IssuedToken, bool) {
	t := s.tokenFor(r)
	if t == nil {
		writeError(w, http.StatusUnauthorized, msgBadCredentials)
		return nil, false
	}
	return t, true
}

// tokenReach returns the repositories t may use.
func (s *Server) tokenReach(t *IssuedToken) []*repo {
	in := s.world.byID[t.InstallationID]
	if t.Repositories == nil {
		return in.reach
	}
	var out []*repo
	for _, n := range t.Repositories {
		if r := s.world.findRepo(in.account.login, n); r != nil {
			out = append(out, r)
		}
	}
	return out
}
