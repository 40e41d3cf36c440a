package ghtransport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// jwtPrefix starts every JWT the fake signer makes; it must never be logged.
const jwtPrefix = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0"

// fakeSource numbers its JWTs and records the clock offsets and contexts
// it is given.
type fakeSource struct {
	mu      sync.Mutex
	signs   int
	offsets []time.Duration
	ctxs    []context.Context
	err     error
}

func (s *fakeSource) Sign(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signs++
	s.ctxs = append(s.ctxs, ctx)
	if s.err != nil {
		return "", s.err
	}
	return fmt.Sprintf("%s.%d", jwtPrefix, s.signs), nil
}

func (s *fakeSource) SetClockOffset(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offsets = append(s.offsets, d)
}

func jwt(n int) string { return fmt.Sprintf("Bearer %s.%d", jwtPrefix, n) }

const (
	iatMessage = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued."
	expMessage = "'Expiration time' claim ('exp') is too far in the future"
)

// skewed answers 401 with message and a Date header at GitHub's time.
func skewed(message string, githubNow time.Time) http.HandlerFunc {
	return reply(401, message, "Date", githubNow.UTC().Format(http.TimeFormat))
}

func newAppJWT(t *testing.T, signer *fakeSource, clock *fakeClock, log *lines) *AppJWT {
	return &AppJWT{Base: newBase(t), Source: signer, Now: clock.Now, Log: log.Log}
}

// Each request carries a fresh JWT, signed with the request's context
// (a KMS call ends with it).
func TestAppJWTSignsEachRequest(t *testing.T) {
	t.Parallel()
	srv, script := serve(t, ok())
	signer := &fakeSource{}
	rt := newAppJWT(t, signer, newFakeClock(), &lines{})
	type key struct{}
	req, _ := http.NewRequestWithContext(context.WithValue(context.Background(), key{}, "request"), "GET", srv.URL+"/app", nil)

	for range 2 {
		roundTripClosed(t, rt, req)
	}
	got := script.Requests()
	if len(got) != 2 || got[0].Auth != jwt(1) || got[1].Auth != jwt(2) {
		t.Errorf("server saw %+v, want a fresh JWT on each request", got)
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("the caller's request was modified")
	}
	if len(signer.ctxs) != 2 {
		t.Fatalf("%d signings, want 2", len(signer.ctxs))
	}
	for i, ctx := range signer.ctxs {
		if ctx.Value(key{}) != "request" {
			t.Errorf("signing %d did not get the request's context", i+1)
		}
	}
}

func TestAppJWTRecoversFromClockSkew(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		message string
		skew    time.Duration // GitHub's clock minus the runner's
		wantLog string
	}{
		{"runner ahead", iatMessage, -4 * time.Minute,
			"local clock is 4m0s ahead of GitHub's; signed a new App JWT with GitHub's time"},
		{"runner behind", expMessage, 4 * time.Minute,
			"local clock is 4m0s behind GitHub's; signed a new App JWT with GitHub's time"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock, log, signer := newFakeClock(), &lines{}, &fakeSource{}
			srv, script := serve(t, skewed(tc.message, epoch.Add(tc.skew)), reply(201, "created"))
			rt := newAppJWT(t, signer, clock, log)
			body := `{"repositories":["app"]}`
			req, _ := http.NewRequest("POST", srv.URL+"/app/installations/1/access_tokens", strings.NewReader(body))

			resp := roundTripClosed(t, rt, req)
			got := script.Requests()
			if resp.StatusCode != 201 || len(got) != 2 {
				t.Fatalf("status %d after %d requests, want 201 after 2", resp.StatusCode, len(got))
			}
			if got[1].Auth != jwt(2) || got[1].Body != body {
				t.Errorf("second request %+v, want a new JWT and the same body", got[1])
			}
			if signer.signs != 2 || !slices.Equal(signer.offsets, []time.Duration{tc.skew}) {
				t.Errorf("%d signs with offsets %v, want 2 and [%v]", signer.signs, signer.offsets, tc.skew)
			}
			if l := log.Lines(); !slices.Equal(l, []string{tc.wantLog}) {
				t.Errorf("log %q, want %q", l, tc.wantLog)
			}
		})
	}
}

// TestAppJWTUnauthorizedOutcomes covers the 401s that must not be retried,
// or retried no more than once.
func TestAppJWTUnauthorizedOutcomes(t *testing.T) {
	t.Parallel()
	noDate := func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Date"] = nil // the server adds none
		reply(401, iatMessage)(w, r)
	}
	cases := []struct {
		name        string
		answer      http.HandlerFunc
		body        io.Reader
		wantHits    int // also the number of JWTs signed
		wantOffsets int
	}{
		{"second clock complaint is given back", skewed(iatMessage, epoch.Add(5*time.Minute)), nil, 2, 1},
		{"key does not belong to the App", skewed("A JSON web token could not be decoded", epoch.Add(time.Hour)), nil, 1, 0},
		{"no Date header", noDate, nil, 1, 0},
		{"body cannot be replayed", skewed(iatMessage, epoch.Add(time.Hour)), io.NopCloser(strings.NewReader("{}")), 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			signer := &fakeSource{}
			srv, script := serve(t, tc.answer)
			rt := newAppJWT(t, signer, newFakeClock(), &lines{})
			req, _ := http.NewRequest("POST", srv.URL+"/app/installations/1/access_tokens", tc.body)

			resp := roundTrip(t, rt, req)
			if resp.StatusCode != 401 || !strings.Contains(readBody(t, resp), `"message"`) {
				t.Errorf("status %d, want the 401 with GitHub's message", resp.StatusCode)
			}
			if script.Hits() != tc.wantHits || signer.signs != tc.wantHits || len(signer.offsets) != tc.wantOffsets {
				t.Errorf("%d requests, %d signs, %d offsets; want %d, %d, %d", script.Hits(), signer.signs,
					len(signer.offsets), tc.wantHits, tc.wantHits, tc.wantOffsets)
			}
		})
	}
}

func TestAppJWTSourceFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	srv, script := serve(t, ok())
	signer := &fakeSource{err: errors.New("key is not RSA")}
	clock := newFakeClock()
	rt := &Retry{
		Base:  &AppJWT{Base: newBase(t), Source: signer},
		Sleep: clock.Sleep, Now: clock.Now,
	}
	req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL+"/app", nil)

	_, err := rt.RoundTrip(req)
	if err == nil || !strings.Contains(err.Error(), "sign App JWT: key is not RSA") {
		t.Errorf("error %v, want the signing failure", err)
	}
	if script.Hits() != 0 || signer.signs != 1 || len(clock.Slept()) != 0 {
		t.Errorf("%d requests, %d signs, %d waits; want 0, 1, 0", script.Hits(), signer.signs, len(clock.Slept()))
	}
}

func TestAppJWTUnderRetryNeverLogsTheJWT(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, reply(502, "oops"), skewed(iatMessage, epoch.Add(-time.Minute)), ok())
	clock, log, signer := newFakeClock(), &lines{}, &fakeSource{}
	rt := newRetry(t, clock, log, Policy{})
	rt.Base = newAppJWT(t, signer, clock, log)
	req, _ := http.NewRequest("GET", srv.URL+"/app", nil)

	resp := roundTripClosed(t, rt, req)
	if resp.StatusCode != 200 || signer.signs != 3 || len(log.Lines()) != 2 {
		t.Errorf("status %d, %d signs, log %q; want 200, 3 signs (one per try plus the re-sign), 2 lines",
			resp.StatusCode, signer.signs, log.Lines())
	}
	for _, l := range log.Lines() {
		if strings.Contains(l, jwtPrefix) {
			t.Errorf("log line leaks the JWT: %q", l)
		}
	}
}

func TestAppJWTNeedsBaseAndSource(t *testing.T) {
	t.Parallel()
	req, _ := http.NewRequest("GET", "http://api.github.test/app", nil)
	if _, err := (&AppJWT{Base: http.DefaultTransport}).RoundTrip(req); err == nil {
		t.Error("want an error for an AppJWT without Source")
	}
}

// A Date beyond MaxClockCorrection is not believed: no JWT is signed for
// the server's time, the call fails at once with a *ClockSkewError that
// speaks of the clock, and Retry does not try again.
func TestAppJWTRefusesAClockFarAway(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		skew time.Duration
		want string
	}{
		{365 * 24 * time.Hour, "365 days ahead of the local clock"},
		{MaxClockCorrection + 2*time.Second, "10m2s ahead of the local clock"},
		{-MaxClockCorrection - 2*time.Second, "10m2s behind the local clock"},
		{-3 * 24 * time.Hour, "3 days behind the local clock"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			clock, log, signer := newFakeClock(), &lines{}, &fakeSource{}
			srv, script := serve(t, skewed(iatMessage, epoch.Add(tc.skew)), reply(201, "created"))
			rt := &Retry{Base: newAppJWT(t, signer, clock, log), Sleep: clock.Sleep, Now: clock.Now, Log: log.Log}
			req, _ := http.NewRequest("GET", srv.URL+"/app", nil)
			resp, err := rt.RoundTrip(req)
			var skew *ClockSkewError
			if resp != nil || !errors.As(err, &skew) || (skew.Offset-tc.skew).Abs() > time.Second {
				t.Fatalf("got %v, %v; want a *ClockSkewError of %v", resp, err, tc.skew)
			}
			for _, want := range []string{tc.want, "more than the 10m0s a JWT's clock is corrected by", "set the local clock right"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if script.Hits() != 1 || signer.signs != 1 || len(signer.offsets) != 0 || len(log.Lines()) != 0 {
				t.Errorf("%d requests, %d JWTs signed, offsets %v, log %q; want 1, 1, none, none", script.Hits(), signer.signs, signer.offsets, log.Lines())
			}
		})
	}
}

// Up to MaxClockCorrection the clock is corrected as before.
func TestAppJWTCorrectsUpToTheBound(t *testing.T) {
	t.Parallel()
	for _, skew := range []time.Duration{MaxClockCorrection, -MaxClockCorrection} {
		clock, signer := newFakeClock(), &fakeSource{}
		srv, _ := serve(t, skewed(iatMessage, epoch.Add(skew)), reply(200, "fine"))
		req, _ := http.NewRequest("GET", srv.URL+"/app", nil)
		if resp := roundTripClosed(t, newAppJWT(t, signer, clock, &lines{}), req); resp.StatusCode != 200 || !slices.Equal(signer.offsets, []time.Duration{skew}) {
			t.Errorf("skew %v: status %d, offsets %v", skew, resp.StatusCode, signer.offsets)
		}
	}
}
