package ghtransport

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lifeSource makes JWTs whose exp is its clock plus its offset plus nine
// minutes, as appkey's do, numbered so that each signing is told apart.
type lifeSource struct {
	now func() time.Time
	// gate, when set, holds every signing until it is closed; entered
	// gets a value as each signing reaches it.
	gate    chan struct{}
	entered chan struct{}

	mu      sync.Mutex
	offset  time.Duration
	signs   int
	offsets []time.Duration // the offset each JWT was signed with
	errs    []error         // given back by the next signings, in order
	ctxs    []context.Context
}

func (s *lifeSource) Sign(ctx context.Context) (string, error) {
	if gate := s.gate; gate != nil {
		s.entered <- struct{}{}
		select {
		case <-gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signs++
	s.ctxs = append(s.ctxs, ctx)
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return "", err
	}
	s.offsets = append(s.offsets, s.offset)
	return lifeJWT(s.now().Add(s.offset+9*time.Minute), s.signs), nil
}

func (s *lifeSource) SetClockOffset(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset = d
}

func (s *lifeSource) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signs
}

// lifeJWT is JWT number n, expiring at exp.
func lifeJWT(exp time.Time, n int) string {
	claims := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"iss":"Iv1","exp":%d,"n":%d}`, exp.Unix(), n))
	header, sig, _ := strings.Cut(jwtPrefix, ".")
	return header + "." + claims + "." + sig
}

func newReuse(clock *fakeClock) (*ReuseJWT, *lifeSource) {
	signer := &lifeSource{now: clock.Now}
	return &ReuseJWT{Source: signer, Margin: 2 * time.Minute, Now: clock.Now}, signer
}

func mustSign(t *testing.T, s JWTSource) string {
	t.Helper()
	jwt, err := s.Sign(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

// One JWT serves every request while it has more than Margin to live,
// and not a second longer.
func TestReuseJWTUntilTheMargin(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reuse, signer := newReuse(clock)
	first := mustSign(t, reuse)
	clock.Advance(7*time.Minute - time.Second) // 2m1s left
	if got := mustSign(t, reuse); got != first || signer.count() != 1 {
		t.Fatalf("%d signs; want the first JWT again with 2m1s left", signer.count())
	}
	clock.Advance(time.Second) // exactly the margin left: not enough
	if got := mustSign(t, reuse); got == first || signer.count() != 2 {
		t.Fatalf("%d signs; want a new JWT with only the margin left", signer.count())
	}
}

// Life is read on GitHub's clock: with GitHub 5 minutes ahead, a JWT
// signed for it (exp 14 minutes ahead of the runner) has 9 minutes, not
// 14, and is dropped 7 minutes on.
func TestReuseJWTReadsLifeOnGitHubsClock(t *testing.T) {
	t.Parallel()
	for _, offset := range []time.Duration{5 * time.Minute, -5 * time.Minute} {
		clock := newFakeClock()
		reuse, signer := newReuse(clock)
		reuse.SetClockOffset(offset)
		first := mustSign(t, reuse)
		clock.Advance(7*time.Minute - time.Second)
		if got := mustSign(t, reuse); got != first {
			t.Errorf("offset %v: a new JWT with 2m1s left", offset)
		}
		clock.Advance(time.Second)
		if got := mustSign(t, reuse); got == first || signer.count() != 2 {
			t.Errorf("offset %v: %d signs; want a new JWT with only the margin left on GitHub's clock", offset, signer.count())
		}
	}
}

// A clock correction drops the JWT held: the next one is signed with the
// corrected clock, and is then reused.
func TestReuseJWTClockOffsetDropsTheJWT(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reuse, signer := newReuse(clock)
	first := mustSign(t, reuse)
	reuse.SetClockOffset(-3 * time.Minute)
	second := mustSign(t, reuse)
	if second == first || signer.count() != 2 || signer.offsets[1] != -3*time.Minute {
		t.Fatalf("%d signs with offsets %v; want a second JWT signed at -3m", signer.count(), signer.offsets)
	}
	if mustSign(t, reuse) != second || signer.count() != 2 {
		t.Errorf("%d signs; want the corrected JWT reused", signer.count())
	}
	// The same offset again still drops it: AppJWT re-sends only after a
	// rejection, which the JWT held must not meet twice.
	reuse.SetClockOffset(-3 * time.Minute)
	if mustSign(t, reuse) == second || signer.count() != 3 {
		t.Errorf("%d signs; want a new JWT after every correction", signer.count())
	}
}

// Through AppJWT: calls share the JWT; GitHub's rejection of its time
// makes the re-sent request carry a JWT signed with GitHub's clock, which
// later calls share in turn.
func TestReuseJWTUnderAppJWTRecoversFromClockSkew(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reuse, signer := newReuse(clock)
	srv, script := serve(t, ok(), skewed(expMessage, epoch.Add(4*time.Minute)), ok(), ok())
	rt := &AppJWT{Base: newBase(t), Source: reuse, Now: clock.Now}
	for range 3 {
		req, _ := http.NewRequest("GET", srv.URL+"/app", nil)
		roundTripClosed(t, rt, req)
	}
	got := script.Requests()
	if len(got) != 4 {
		t.Fatalf("%d requests, want 4", len(got))
	}
	if got[1].Auth != got[0].Auth || got[2].Auth == got[1].Auth || got[3].Auth != got[2].Auth {
		t.Errorf("JWTs sent: %v; want the first twice (the second refused), then the re-signed one twice", authOf(got))
	}
	if signer.count() != 2 || signer.offsets[1] != 4*time.Minute {
		t.Errorf("%d signs with offsets %v; want 2, the second with GitHub's 4m", signer.count(), signer.offsets)
	}
}

func authOf(reqs []seen) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, strings.Split(r.Auth, ".")[1])
	}
	return out
}

// A 401 that is not about time (another App's key) is given back once:
// no correction, no second request, no loop.
func TestReuseJWTUnderAppJWTOtherUnauthorized(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reuse, signer := newReuse(clock)
	srv, script := serve(t, skewed("A JSON web token could not be decoded", epoch.Add(time.Hour)))
	rt := &Retry{Base: &AppJWT{Base: newBase(t), Source: reuse, Now: clock.Now}, Sleep: clock.Sleep, Now: clock.Now}
	req, _ := http.NewRequest("GET", srv.URL+"/app", nil)
	if resp := roundTripClosed(t, rt, req); resp.StatusCode != 401 {
		t.Errorf("status %d, want 401", resp.StatusCode)
	}
	if script.Hits() != 1 || signer.count() != 1 || len(signer.offsets) != 1 || signer.offsets[0] != 0 {
		t.Errorf("%d requests, %d signs, offsets %v; want 1, 1, [0]", script.Hits(), signer.count(), signer.offsets)
	}
}

// signingHeld starts a signing that signer holds until signer.gate is
// closed, and returns once the signer holds it; done gets its JWT.
func signingHeld(t *testing.T, reuse *ReuseJWT, signer *lifeSource) (done <-chan string) {
	signer.gate, signer.entered = make(chan struct{}), make(chan struct{}, 2)
	jwt := make(chan string)
	go func() { jwt <- mustSign(t, reuse) }()
	<-signer.entered
	return jwt
}

// Callers asking at once while no JWT is held wait for one signing.
func TestReuseJWTConcurrentFirstCallsSignOnce(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reuse, signer := newReuse(clock)
	signer.gate, signer.entered = make(chan struct{}), make(chan struct{}, 8)
	const callers = 8
	jwts := make(chan string, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			jwt, err := reuse.Sign(context.Background())
			if err != nil {
				t.Error(err)
			}
			jwts <- jwt
		})
	}
	<-signer.entered
	time.Sleep(20 * time.Millisecond) // the others reach the wait
	close(signer.gate)
	wg.Wait()
	close(jwts)
	first := ""
	for jwt := range jwts {
		if first == "" {
			first = jwt
		}
		if jwt != first {
			t.Error("callers got different JWTs")
		}
	}
	if signer.count() != 1 {
		t.Errorf("%d signs for %d callers at once, want 1", signer.count(), callers)
	}
}

// A JWT signed while the clock was corrected is given to its caller but
// not kept: it may carry the old clock.
func TestReuseJWTSignedAcrossACorrectionIsNotKept(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reuse, signer := newReuse(clock)
	done := signingHeld(t, reuse, signer)
	reuse.SetClockOffset(time.Minute)
	gate := signer.gate
	signer.gate = nil
	close(gate)
	old := <-done
	if got := mustSign(t, reuse); got == old || signer.count() != 2 {
		t.Errorf("%d signs; want the JWT signed across the correction dropped", signer.count())
	}
}

// A failed signing is given back and not kept: the next caller signs.
func TestReuseJWTSigningFailureIsNotKept(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reuse, signer := newReuse(clock)
	signer.errs = []error{errors.New("KMS throttled")}
	if _, err := reuse.Sign(context.Background()); err == nil || err.Error() != "KMS throttled" {
		t.Fatalf("error %v, want the signer's", err)
	}
	first := mustSign(t, reuse)
	if mustSign(t, reuse) != first || signer.count() != 2 {
		t.Errorf("%d signs, want 2: the failure, then one JWT reused", signer.count())
	}
}

// A caller waiting for another's signing stops when its context ends;
// the signing goes on for the one who started it.
func TestReuseJWTWaitEndsWithTheContext(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reuse, signer := newReuse(clock)
	done := signingHeld(t, reuse, signer)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	waited := make(chan error)
	go func() {
		_, err := reuse.Sign(ctx)
		waited <- err
	}()
	select {
	case err := <-waited:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want the context's", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the wait went on after its context ended")
	}
	close(signer.gate)
	if <-done == "" || signer.count() != 1 {
		t.Errorf("%d signs, want the first caller's one", signer.count())
	}
}

// The caller's context reaches the source it wraps, whose signing may be a
// call of its own (a KMS).
func TestReuseJWTPassesTheContext(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reuse, signer := newReuse(clock)
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "request")
	if _, err := reuse.Sign(ctx); err != nil {
		t.Fatal(err)
	}
	if len(signer.ctxs) != 1 || signer.ctxs[0].Value(key{}) != "request" {
		t.Error("the signer did not get the request's context")
	}
}

// A JWT whose exp cannot be read is never reused.
func TestReuseJWTWithoutExpIsNotReused(t *testing.T) {
	t.Parallel()
	signer := &fakeSource{} // JWTs without claims
	reuse := &ReuseJWT{Source: signer}
	if mustSign(t, reuse) == mustSign(t, reuse) || signer.signs != 2 {
		t.Errorf("%d signs, want 2", signer.signs)
	}
	for _, jwt := range []string{
		"a.b",
		"a.!!!.c",
		"a." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"Iv1"}`)) + ".c",
		"a." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":"soon"}`)) + ".c",
		"a." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":1e12}`)) + ".c",
		"a." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":-1e12}`)) + ".c",
	} {
		if exp, ok := expiry(jwt); ok {
			t.Errorf("expiry(%q) = %v, want none", jwt, exp)
		}
	}
	if exp, ok := expiry("a." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":1700000000.7}`)) + ".c"); !ok || exp.Unix() != 1700000000 {
		t.Errorf("expiry of a fractional exp = %v, %v", exp, ok)
	}
}

// The margin covers one try and a minute of drift; 0 means the default
// policy's.
func TestJWTMargin(t *testing.T) {
	t.Parallel()
	if got := (Policy{}).JWTMargin(); got != 80*time.Second {
		t.Errorf("default margin %v, want 1m20s", got)
	}
	if got := (Policy{TryTimeout: 5 * time.Second}).JWTMargin(); got != 65*time.Second {
		t.Errorf("margin %v, want 1m5s", got)
	}
	clock := newFakeClock()
	reuse, signer := newReuse(clock)
	reuse.Margin = 0
	first := mustSign(t, reuse)
	clock.Advance(9*time.Minute - 81*time.Second)
	if mustSign(t, reuse) != first {
		t.Error("a new JWT with 81s left under the default margin")
	}
	clock.Advance(time.Second)
	if mustSign(t, reuse) == first || signer.count() != 2 {
		t.Error("the JWT reused with only the default margin left")
	}
}

// Without Now, the runner's real clock tells the JWT's life.
func TestReuseJWTRealClock(t *testing.T) {
	t.Parallel()
	signer := &lifeSource{now: time.Now}
	reuse := &ReuseJWT{Source: signer}
	if mustSign(t, reuse) != mustSign(t, reuse) || signer.count() != 1 {
		t.Errorf("%d signs, want 1", signer.count())
	}
}
