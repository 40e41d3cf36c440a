package ghtransport

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"time"
)

// ReuseJWT is a JWTSource that hands out the JWT its Source made last for as
// long as GitHub will accept it for Margin more, and asks for a new one
// only then: one run's App calls (find the installation, mint, list a
// page) share one JWT, so one RSA signature, one KMS round trip and one
// mask instead of one per call.
//
// A caller may assume: a JWT it gets has more than Margin left before its
// exp on GitHub's clock as last corrected; SetClockOffset drops the JWT, so
// every JWT handed out after it is signed with the corrected clock;
// callers asking at once while none is held wait for one signing instead
// of each making their own, and a caller whose context ends stops
// waiting; a failed signing is not kept, the next caller signs again. A
// JWT whose exp cannot be read is never reused.
//
// Put it outside anything that must see each new JWT once (a mask), and
// give clock offsets to it, not to the Source it wraps: it reads a JWT's
// life against the offset it passed on last.
type ReuseJWT struct {
	// Source makes the JWTs; it must be set.
	Source JWTSource
	// Margin is how much life a JWT must have left to be handed out again;
	// 0 means Policy{}.JWTMargin().
	Margin time.Duration
	// Now is the local clock without any offset; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	jwt     string
	exp     time.Time     // jwt's exp claim, on GitHub's clock
	offset  time.Duration // last passed to Source.SetClockOffset
	clock   uint64        // counts the offsets set, so a JWT signed before one is not kept
	signing chan struct{} // closed when the signing under way ends
}

// JWTMargin is the life an App JWT must have left to be sent once more
// under p. Each try of a call asks for its JWT as it starts (AppJWT sits
// under Retry), so the JWT must outlive one try, whose longest is
// TryTimeout: waits between tries and earlier tries do not count. A
// minute more is the clock drift GitHub's docs ask to allow for.
func (p Policy) JWTMargin() time.Duration {
	return p.withDefaults().TryTimeout + time.Minute
}

// Sign implements JWTSource: a signing it starts (a KMS call) ends with
// ctx, and so does a wait for another caller's.
func (s *ReuseJWT) Sign(ctx context.Context) (string, error) {
	s.mu.Lock()
	for {
		if s.jwt != "" && s.now().Add(s.offset+s.margin()).Before(s.exp) {
			jwt := s.jwt
			s.mu.Unlock()
			return jwt, nil
		}
		if s.signing == nil {
			break
		}
		wait := s.signing
		s.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		s.mu.Lock()
	}
	done := make(chan struct{})
	s.signing, s.jwt = done, ""
	clock := s.clock
	s.mu.Unlock()

	jwt, err := s.Source.Sign(ctx)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.signing = nil
	close(done)
	if err == nil && clock == s.clock {
		if exp, ok := expiry(jwt); ok {
			s.jwt, s.exp = jwt, exp
		}
	}
	return jwt, err
}

// SetClockOffset passes d on to the Source and drops the JWT held, which
// was signed with the old clock.
func (s *ReuseJWT) SetClockOffset(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Source.SetClockOffset(d)
	s.offset, s.jwt = d, ""
	s.clock++
}

func (s *ReuseJWT) margin() time.Duration {
	if s.Margin > 0 {
		return s.Margin
	}
	return Policy{}.JWTMargin()
}

func (s *ReuseJWT) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// expiry reads a JWT's exp claim, unverified: the JWT is the Source's own.
func expiry(jwt string) (time.Time, bool) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *float64 `json:"exp"`
	}
	if json.Unmarshal(b, &claims) != nil || claims.Exp == nil || math.Abs(*claims.Exp) > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(math.Floor(*claims.Exp)), 0), true
}
