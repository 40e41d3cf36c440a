package githubtest

import (
	"crypto/rand"
	"net/http"
	"strings"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// StatelessHeader is the request header GitHub reads on a mint to force
// one token form for testing: "enabled" gives the newer long stateless
// form, "disabled" the classic one; absent, Config.LongTokens decides.
const StatelessHeader = "X-GitHub-Stateless-S2S-Token"

// wantsLong decides the form of the token a mint request gets.
func (s *Server) wantsLong(r *http.Request) bool {
	switch strings.ToLower(strings.TrimSpace(r.Header.Get(StatelessHeader))) {
	case "enabled":
		return true
	case "disabled":
		return false
	}
	return s.long
}

// jwtHeader is base64url of {"alg":"RS256","typ":"JWT"}: the long form
// starts like a JWT, as GitHub's does.
const jwtHeader = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"

// newTokenValue returns a fresh installation token: "ghs_" and 36 base62
// characters, or with long set the newer stateless form of 520 characters
// of [A-Za-z0-9._] (three dotted parts, like a JWT), which clients must
// treat as opaque. Both match GitHub's published ghs_[A-Za-z0-9._]{36,}.
func newTokenValue(long bool) string {
	if !long {
		return "ghs_" + randomBase62(36)
	}
	return "ghs_" + jwtHeader + "." + randomWord(136) + "." + randomWord(342)
}

// randomWord returns n characters of [A-Za-z0-9_].
func randomWord(n int) string {
	b := []byte(randomBase62(n))
	for i, r := range randomBase62(n) {
		if r == 'z' { // about one in 62 becomes '_'
			b[i] = '_'
		}
	}
	return string(b)
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
	if t == nil || t.Revoked || !now.Before(t.ExpiresAt) || s.lag.refuses(t, now) {
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
