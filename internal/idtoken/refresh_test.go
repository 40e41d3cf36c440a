package idtoken

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// verifyAll verifies n tokens with random kids, concurrently or one after
// another, and checks each is refused for its kid.
func verifyAll(t *testing.T, v *Verifier, ti *testIssuer, c *clock, n int, concurrent bool) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		raw := signJWT(t, map[string]any{"alg": "ES256", "kid": fmt.Sprintf("random-%d-%d", i, time.Now().UnixNano())}, ti.claims(c.now()), ecKey(0))
		run := func() {
			defer wg.Done()
			_, err := v.Verify(context.Background(), raw)
			errs <- err
		}
		wg.Add(1)
		if concurrent {
			go run()
		} else {
			run()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		refusal(t, err, UnknownKey, "")
	}
}

// Tokens with random kids make at most one JWKS fetch per interval per
// issuer, however many and however concurrent; discovery happens once.
func TestUnknownKidRefreshIsBounded(t *testing.T) {
	t.Parallel()
	c, ti, v := oneIssuer(t, ecKey(0), Config{RefreshInterval: 30 * time.Second})
	// Cold, 100 at once: one discovery, one JWKS fetch, shared by all.
	ti.setBefore(func(w http.ResponseWriter, r *http.Request) bool {
		time.Sleep(50 * time.Millisecond) // so the burst piles up on one fetch
		return false
	})
	verifyAll(t, v, ti, c, 100, true)
	ti.setBefore(nil)
	want := func(step string, jwks int32) {
		t.Helper()
		if d, j := ti.discoveries.Load(), ti.jwksFetches.Load(); d != 1 || j != jwks {
			t.Fatalf("%s: %d discoveries and %d JWKS fetches, want 1 and %d", step, d, j, jwks)
		}
	}
	want("cold burst", 1)
	verifyAll(t, v, ti, c, 100, false)
	want("100 more within the interval", 1)
	c.add(29 * time.Second)
	verifyAll(t, v, ti, c, 100, true)
	want("29 s later", 1)
	c.add(time.Second)
	verifyAll(t, v, ti, c, 100, true)
	want("30 s later, 100 at once", 2)
	verifyAll(t, v, ti, c, 100, false)
	want("then 100 one by one", 2)
	c.add(30 * time.Second)
	verifyAll(t, v, ti, c, 1, false)
	want("another 30 s later", 3)
	// The known key still verifies throughout, without a fetch.
	if _, err := v.Verify(context.Background(), ti.token("k1", ti.claims(c.now()))); err != nil {
		t.Fatal(err)
	}
	want("the known key", 3)
}

// A new key is picked up on its first use once the interval has passed
// since the last fetch; a withdrawn key stops verifying once the keys are
// older than KeysMaxAge; while the issuer is down, the keys held stay in
// use.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	c := newClock()
	ti := newTestIssuer(t)
	ti.publish("old", rsaKey(0), "", "")
	v := newVerifier(t, c, Config{RefreshInterval: 30 * time.Second, KeysMaxAge: time.Hour}, ti)
	ctx := context.Background()
	if _, err := v.Verify(ctx, ti.token("old", ti.claims(c.now()))); err != nil {
		t.Fatal(err)
	}
	ti.publish("new", ecKey(1), "", "")
	c.add(10 * time.Second)
	raw := ti.token("new", ti.claims(c.now()))
	_, err := v.Verify(ctx, raw)
	refusal(t, err, UnknownKey, raw) // fetched 10 s ago: not yet
	c.add(20 * time.Second)
	if _, err := v.Verify(ctx, ti.token("new", ti.claims(c.now()))); err != nil {
		t.Fatalf("the new key 30 s after the last fetch: %v", err)
	}
	if n := ti.jwksFetches.Load(); n != 2 {
		t.Fatalf("%d JWKS fetches, want 2", n)
	}

	// The issuer goes down; an hour on, the keys held still verify.
	ti.setBefore(func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "down", http.StatusBadGateway)
		return true
	})
	c.add(time.Hour)
	if _, err := v.Verify(ctx, ti.token("old", ti.claims(c.now()))); err != nil {
		t.Fatalf("old keys while the issuer is down: %v", err)
	}
	// Back up, without the old key: after the interval it is gone, and
	// discovery was asked again after the failed JWKS fetch.
	ti.setBefore(nil)
	ti.withdraw()
	ti.publish("new", ecKey(1), "", "")
	c.add(30 * time.Second)
	raw = ti.token("old", ti.claims(c.now()))
	_, err = v.Verify(ctx, raw)
	refusal(t, err, UnknownKey, raw)
	if _, err := v.Verify(ctx, ti.token("new", ti.claims(c.now()))); err != nil {
		t.Fatal(err)
	}
	if n := ti.discoveries.Load(); n != 2 {
		t.Errorf("%d discoveries, want 2 (again after the failed JWKS fetch)", n)
	}
}

// An issuer that fails is asked again only after the interval; until then
// its tokens are refused at once as unavailable, with the time to wait.
func TestFailingIssuerIsNotHammered(t *testing.T) {
	t.Parallel()
	c, ti, v := oneIssuer(t, rsaKey(0), Config{RefreshInterval: 30 * time.Second})
	ti.setBefore(func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("internal detail SECRET-BODY-TEXT"))
		return true
	})
	raw := ti.token("k1", ti.claims(c.now()))
	_, err := v.Verify(context.Background(), raw)
	e := refusal(t, err, IssuerUnreachable, raw)
	if !e.Unavailable() || e.RetryAfter != 30*time.Second {
		t.Errorf("unavailable %v, retry after %v", e.Unavailable(), e.RetryAfter)
	}
	if want := "could not get the signing keys of OIDC issuer " + ti.URL + ": it answered HTTP 500; try again later"; e.Error() != want {
		t.Errorf("%q\nwant %q", e.Error(), want)
	}
	c.add(12 * time.Second)
	for range 50 {
		_, err = v.Verify(context.Background(), raw)
	}
	e = refusal(t, err, IssuerUnreachable, raw)
	if e.RetryAfter != 18*time.Second {
		t.Errorf("retry after %v, want 18s", e.RetryAfter)
	}
	if n := ti.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	ti.setBefore(nil)
	c.add(18 * time.Second)
	if _, err := v.Verify(context.Background(), ti.token("k1", ti.claims(c.now()))); err != nil {
		t.Fatalf("after the interval: %v", err)
	}
}

// A fetch still under way when the interval has passed is shared, not
// doubled: tokens arriving then wait for it.
func TestFetchUnderWayIsShared(t *testing.T) {
	t.Parallel()
	c, ti, v := oneIssuer(t, ecKey(0), Config{RefreshInterval: 30 * time.Second})
	release := make(chan struct{})
	second := make(chan struct{}, 100)
	ti.setBefore(func(w http.ResponseWriter, r *http.Request) bool {
		if ti.requests.Load() > 1 {
			second <- struct{}{}
		}
		<-release
		return false
	})
	var wg sync.WaitGroup
	verify := func() {
		defer wg.Done()
		if _, err := v.Verify(context.Background(), ti.token("k1", ti.claims(c.now()))); err != nil {
			t.Error(err)
		}
	}
	wg.Add(1)
	go verify()
	for ti.requests.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.add(31 * time.Second)
	for range 10 {
		wg.Add(1)
		go verify()
	}
	select {
	case <-second:
		t.Error("a second fetch started while the first was under way")
	case <-time.After(300 * time.Millisecond):
	}
	ti.setBefore(nil)
	close(release)
	wg.Wait()
	if d, j := ti.discoveries.Load(), ti.jwksFetches.Load(); d != 1 || j != 1 {
		t.Errorf("%d discoveries and %d JWKS fetches, want 1 each", d, j)
	}
}
