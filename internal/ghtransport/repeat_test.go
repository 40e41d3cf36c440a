package ghtransport

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

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

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
