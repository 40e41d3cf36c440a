package ghtransport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestPolicyBackoffDoublesUpToMaxDelay(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]time.Duration{1: 1, 2: 2, 3: 4, 4: 5, 8: 5} {
		if got := backoff(time.Second, 5*time.Second, n, 1); got != want*time.Second {
			t.Errorf("backoff before retry %d with full jitter = %v, want %v", n, got, want*time.Second)
		}
		if got := backoff(time.Second, 5*time.Second, n, 0); got != 0 {
			t.Errorf("backoff before retry %d with zero jitter = %v, want 0", n, got)
		}
	}
}

func TestTransientError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"EOF", io.EOF, true},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"temporary DNS failure", &net.DNSError{Err: "server misbehaving", Name: "api.github.com", IsTemporary: true}, true},
		{"unknown host", &net.DNSError{Err: "no such host", Name: "ghes.invalid", IsNotFound: true}, false},
		{"unknown certificate authority", fmt.Errorf("tls: %w", x509.UnknownAuthorityError{}), false},
		{"certificate for another name", x509.HostnameError{Host: "api.github.com"}, false},
		{"our own failure", &permanentError{errors.New("sign App JWT: bad key")}, false},
	}
	for _, tc := range cases {
		if got := transientError(tc.err); got != tc.want {
			t.Errorf("%s: transientError = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRetryFailsFastOnAnUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	srv.StartTLS()
	defer srv.Close()
	clock := newFakeClock()
	rt := newRetry(t, clock, &lines{}, Policy{}) // its base does not trust the test certificate

	_, err := rt.RoundTrip(request(t, context.Background(), "GET", srv.URL+"/app", ""))
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Fatalf("error %v, want a certificate error", err)
	}
	if conns.Load() != 1 || len(clock.Slept()) != 0 {
		t.Errorf("%d connections and %d waits, want 1 and none", conns.Load(), len(clock.Slept()))
	}
}

const secondaryMessage = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."

// resetIn is an x-ratelimit-reset value d after the fake epoch.
func resetIn(d time.Duration) string { return strconv.FormatInt(epoch.Add(d).Unix(), 10) }

func TestRetryRateLimits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		policy    Policy
		answers   []http.HandlerFunc
		wantCode  int
		wantHits  int
		wantSlept []time.Duration
		wantLog   []string
	}{{
		name:      "retry-after on 429 is honoured exactly",
		answers:   []http.HandlerFunc{reply(429, secondaryMessage, "Retry-After", "3"), ok()},
		wantCode:  200,
		wantHits:  2,
		wantSlept: []time.Duration{3 * time.Second},
		wantLog:   []string{"GET /app: secondary rate limit; GitHub asks to wait 3s (try 2 of 4)"},
	}, {
		name:      "retry-after on 403 is honoured exactly",
		answers:   []http.HandlerFunc{reply(403, "slow down", "Retry-After", "7"), ok()},
		wantCode:  200,
		wantHits:  2,
		wantSlept: []time.Duration{7 * time.Second},
		wantLog:   []string{"GET /app: secondary rate limit; GitHub asks to wait 7s (try 2 of 4)"},
	}, {
		name:     "retry-after beyond the budget returns the answer",
		answers:  []http.HandlerFunc{reply(403, secondaryMessage, "Retry-After", "120"), ok()},
		wantCode: 403,
		wantHits: 1,
	}, {
		name:      "secondary limit without retry-after backs off a minute, then two",
		policy:    Policy{MaxElapsed: 5 * time.Minute},
		answers:   []http.HandlerFunc{reply(403, secondaryMessage), reply(403, secondaryMessage), ok()},
		wantCode:  200,
		wantHits:  3,
		wantSlept: []time.Duration{time.Minute, 2 * time.Minute},
		wantLog: []string{
			"GET /app: secondary rate limit; backing off 1m0s as GitHub advises (try 2 of 4)",
			"GET /app: secondary rate limit; backing off 2m0s as GitHub advises (try 3 of 4)",
		},
	}, {
		name:   "a secondary limit with retry-after doubles a later one's back-off",
		policy: Policy{MaxElapsed: 5 * time.Minute},
		answers: []http.HandlerFunc{
			reply(429, secondaryMessage, "Retry-After", "3"), reply(403, secondaryMessage), ok(),
		},
		wantCode:  200,
		wantHits:  3,
		wantSlept: []time.Duration{3 * time.Second, 2 * time.Minute},
		wantLog: []string{
			"GET /app: secondary rate limit; GitHub asks to wait 3s (try 2 of 4)",
			"GET /app: secondary rate limit; backing off 2m0s as GitHub advises (try 3 of 4)",
		},
	}, {
		name:   "an exhausted limit with retry-after is no secondary one",
		policy: Policy{MaxElapsed: 5 * time.Minute},
		answers: []http.HandlerFunc{
			reply(429, "API rate limit exceeded", "Retry-After", "5", "X-Ratelimit-Remaining", "0"),
			reply(403, secondaryMessage), ok(),
		},
		wantCode:  200,
		wantHits:  3,
		wantSlept: []time.Duration{5 * time.Second, time.Minute},
		wantLog: []string{
			"GET /app: rate limit exhausted; GitHub asks to wait 5s (try 2 of 4)",
			"GET /app: secondary rate limit; backing off 1m0s as GitHub advises (try 3 of 4)",
		},
	}, {
		name:      "older abuse-detection wording counts as a secondary limit",
		policy:    Policy{MaxElapsed: 5 * time.Minute},
		answers:   []http.HandlerFunc{reply(403, "You have triggered an abuse detection mechanism."), ok()},
		wantCode:  200,
		wantHits:  2,
		wantSlept: []time.Duration{time.Minute},
		wantLog:   []string{"GET /app: secondary rate limit; backing off 1m0s as GitHub advises (try 2 of 4)"},
	}, {
		name:     "secondary limit without retry-after does not fit the default budget",
		answers:  []http.HandlerFunc{reply(429, secondaryMessage), ok()},
		wantCode: 429,
		wantHits: 1,
	}, {
		name: "primary limit resetting within the budget waits until the reset",
		answers: []http.HandlerFunc{
			reply(403, "API rate limit exceeded for installation ID 1.",
				"X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", resetIn(30*time.Second)),
			ok(),
		},
		wantCode:  200,
		wantHits:  2,
		wantSlept: []time.Duration{31 * time.Second},
		wantLog:   []string{"GET /app: rate limit exhausted; waiting 31s until it resets at 12:00:31 UTC (try 2 of 4)"},
	}, {
		name: "primary limit on 429 likewise",
		answers: []http.HandlerFunc{
			reply(429, "API rate limit exceeded", "X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", resetIn(9*time.Second)),
			ok(),
		},
		wantCode:  200,
		wantHits:  2,
		wantSlept: []time.Duration{10 * time.Second},
		wantLog:   []string{"GET /app: rate limit exhausted; waiting 10s until it resets at 12:00:10 UTC (try 2 of 4)"},
	}, {
		name: "primary limit beyond the budget returns at once",
		answers: []http.HandlerFunc{
			reply(403, "API rate limit exceeded for installation ID 1.",
				"X-Ratelimit-Remaining", "0", "X-Ratelimit-Reset", resetIn(2*time.Hour)),
			ok(),
		},
		wantCode: 403,
		wantHits: 1,
	}, {
		name:     "a 403 that is no rate limit is not retried",
		answers:  []http.HandlerFunc{reply(403, "This installation has been suspended", "X-Ratelimit-Remaining", "4999"), ok()},
		wantCode: 403,
		wantHits: 1,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, script := serve(t, tc.answers...)
			clock, log := newFakeClock(), &lines{}
			rt := newRetry(t, clock, log, tc.policy)

			resp := roundTrip(t, rt, request(t, context.Background(), "GET", srv.URL+"/app", ""))
			body := readBody(t, resp)
			if resp.StatusCode != tc.wantCode || script.Hits() != tc.wantHits {
				t.Errorf("status %d after %d requests, want %d after %d", resp.StatusCode, script.Hits(), tc.wantCode, tc.wantHits)
			}
			if resp.StatusCode != 200 && !strings.Contains(body, `"message"`) {
				t.Errorf("body %q, want GitHub's whole message kept for the caller", body)
			}
			if got := clock.Slept(); !slices.Equal(got, tc.wantSlept) {
				t.Errorf("slept %v, want %v", got, tc.wantSlept)
			}
			if got := log.Lines(); !slices.Equal(got, tc.wantLog) {
				t.Errorf("log\n%q\nwant\n%q", got, tc.wantLog)
			}
		})
	}
}

// A POST GitHub may have acted on is not sent again: a 5xx, a connection
// dropped after the request went out, or no answer in time. The answer or
// error goes back at once, with one log line that says why.
func TestRetryDoesNotRepeatAnAmbiguousPost(t *testing.T) {
	t.Parallel()
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}
	for _, tc := range []struct {
		name   string
		answer http.HandlerFunc
		status int // 0: an error
		reason string
	}{
		{"500", reply(500, "oops"), 500, "500 Internal Server Error"},
		{"502", reply(502, "oops"), 502, "502 Bad Gateway"},
		{"503", reply(503, "oops"), 503, "503 Service Unavailable"},
		{"504", reply(504, "oops"), 504, "504 Gateway Timeout"},
		{"dropped", hangUp, 0, "EOF"},
		{"no answer in time", slow, 0, "no answer within"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, script := serve(t, tc.answer, reply(204, ""))
			log := &lines{}
			rt := newRetry(t, newFakeClock(), log, Policy{TryTimeout: 200 * time.Millisecond})
			resp, err := rt.RoundTrip(request(t, context.Background(), "POST", srv.URL+"/repos/o/r/dispatches", `{"event_type":"deploy"}`))
			if script.Hits() != 1 {
				t.Fatalf("sent %d times, want once", script.Hits())
			}
			if tc.status != 0 {
				if err != nil || resp.StatusCode != tc.status {
					t.Fatalf("got %v, %v; want GitHub's %d back", resp, err, tc.status)
				}
				resp.Body.Close()
			} else {
				var u *UncertainError
				if !errors.As(err, &u) || u.Method != "POST" || u.Path != "/repos/o/r/dispatches" || !strings.Contains(err.Error(), "not sent again") {
					t.Fatalf("err = %v, want an *UncertainError naming the call", err)
				}
				assertNoSecret(t, "error", err.Error())
			}
			l := log.Lines()
			if len(l) != 1 || !strings.Contains(l[0], "POST /repos/o/r/dispatches: "+tc.reason) || !strings.Contains(l[0], "not sent again") {
				t.Errorf("log %q, want one line naming the call, %q and that it was not sent again", l, tc.reason)
			}
		})
	}
}

// A POST GitHub certainly did not act on is retried: nothing was written
// (the connection was refused), or GitHub refused it with a rate limit or a
// 401.
func TestRetryRepeatsAPostGitHubRefused(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		var tries atomic.Int32
		rt := newRetry(t, newFakeClock(), &lines{}, Policy{MaxTries: 3})
		base := rt.Base
		rt.Base = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			tries.Add(1)
			return base.RoundTrip(r)
		})
		_, err = rt.RoundTrip(request(t, context.Background(), "POST", "http://"+addr+"/repos/o/r/dispatches", `{}`))
		var u *UncertainError
		if tries.Load() != 3 || err == nil || errors.As(err, &u) {
			t.Fatalf("%d tries, err %v; want 3 tries and a plain network error", tries.Load(), err)
		}
	})
	for _, tc := range []struct {
		name   string
		first  http.HandlerFunc
		policy Policy
	}{
		{"secondary rate limit", reply(429, "You have exceeded a secondary rate limit", "retry-after", "3"), Policy{}},
		{"403 secondary rate limit", reply(403, "You have exceeded a secondary rate limit", "retry-after", "3"), Policy{}},
		{"401 of a new token", reply(401, "Bad credentials"), Policy{Lag: Lag{Tries: 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, script := serve(t, tc.first, reply(204, ""))
			rt := newRetry(t, newFakeClock(), &lines{}, tc.policy)
			resp := roundTripClosed(t, rt, request(t, context.Background(), "POST", srv.URL+"/repos/o/r/dispatches", `{}`))
			if resp.StatusCode != 204 || script.Hits() != 2 {
				t.Errorf("status %d after %d requests, want 204 after 2", resp.StatusCode, script.Hits())
			}
		})
	}
}

// Idempotent calls, and POSTs their caller marked Repeatable, keep
// retrying an ambiguous failure.
func TestRetryRepeatsWhatIsSafeToRepeat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method string
		ctx    context.Context
	}{
		{"GET", context.Background()},
		{"DELETE", context.Background()},
		{"PUT", context.Background()},
		{"POST", Repeatable(context.Background())},
	} {
		for name, answer := range map[string]http.HandlerFunc{"502": reply(502, "oops"), "dropped": hangUp} {
			t.Run(tc.method+" "+name, func(t *testing.T) {
				t.Parallel()
				srv, script := serve(t, answer, answer, reply(200, "fine"))
				rt := newRetry(t, newFakeClock(), &lines{}, Policy{})
				resp := roundTripClosed(t, rt, request(t, tc.ctx, tc.method, srv.URL+"/x", ""))
				if resp.StatusCode != 200 || script.Hits() < 3 {
					t.Errorf("status %d after %d requests, want 200 after 3", resp.StatusCode, script.Hits())
				}
			})
		}
	}
}

func TestRepeatableMethods(t *testing.T) {
	t.Parallel()
	for method, want := range map[string]bool{"GET": true, "": true, "HEAD": true, "OPTIONS": true, "PUT": true, "DELETE": true, "POST": false, "PATCH": false} {
		req, _ := http.NewRequest(method, "http://x/", nil)
		if got := repeatable(req); got != want {
			t.Errorf("repeatable(%s) = %t", method, got)
		}
	}
	req, _ := http.NewRequestWithContext(Repeatable(context.Background()), "PATCH", "http://x/", nil)
	if !repeatable(req) {
		t.Error("a PATCH marked Repeatable is not repeatable")
	}
}
