package ghtransport

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
)

// newRetry returns a Retry on a fake clock with a fixed jitter of 0.5.
func newRetry(t *testing.T, clock *fakeClock, log *lines, p Policy) *Retry {
	return &Retry{
		Base:   newBase(t),
		Policy: p,
		Sleep:  clock.Sleep,
		Now:    clock.Now,
		Jitter: func() float64 { return 0.5 },
		Log:    log.Log,
	}
}

func TestRetryServerErrorsThenSuccess(t *testing.T) {
	t.Parallel()
	for _, code := range []int{500, 502, 503, 504} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			srv, script := serve(t, reply(code, "oops"), reply(code, "oops"), ok())
			clock, log := newFakeClock(), &lines{}
			rt := newRetry(t, clock, log, Policy{})

			resp := roundTrip(t, rt, request(t, context.Background(), "GET", srv.URL+"/app", ""))
			if resp.StatusCode != 200 || readBody(t, resp) != "{\"message\":\"fine\"}\n" {
				t.Errorf("status %d, want the final 200 and its body", resp.StatusCode)
			}
			if got := script.Hits(); got != 3 {
				t.Errorf("server saw %d requests, want 3", got)
			}
			// Jitter 0.5 of a base of 1s doubling: 0.5s, then 1s.
			if got, want := clock.Slept(), []time.Duration{500 * time.Millisecond, time.Second}; !slices.Equal(got, want) {
				t.Errorf("slept %v, want %v", got, want)
			}
			if got := len(log.Lines()); got != 2 {
				t.Errorf("%d log lines, want one per retry (2)", got)
			}
		})
	}
}

func TestRetryRandomJitterStaysWithinDoublingBounds(t *testing.T) {
	t.Parallel()
	srv, script := serve(t, reply(502, "oops"))
	clock := newFakeClock()
	rt := &Retry{Base: newBase(t), Policy: Policy{MaxTries: 6, MaxElapsed: time.Hour},
		Sleep: clock.Sleep, Now: clock.Now}

	roundTripClosed(t, rt, request(t, context.Background(), "GET", srv.URL+"/app", ""))
	if script.Hits() != 6 {
		t.Fatalf("server saw %d requests, want 6", script.Hits())
	}
	bounds := []time.Duration{1, 2, 4, 8, 15} // seconds: doubling, capped at MaxDelay
	slept := clock.Slept()
	if len(slept) != len(bounds) {
		t.Fatalf("slept %v, want %d waits", slept, len(bounds))
	}
	for i, d := range slept {
		if d < 0 || d >= bounds[i]*time.Second {
			t.Errorf("wait %d = %v, want within [0, %v)", i+1, d, bounds[i]*time.Second)
		}
	}
}

func TestRetryDroppedConnectionThenSuccess(t *testing.T) {
	t.Parallel()
	srv, script := serve(t, hangUp, ok())
	clock, log := newFakeClock(), &lines{}
	rt := newRetry(t, clock, log, Policy{})

	resp := roundTripClosed(t, rt, request(t, context.Background(), "GET", srv.URL+"/app", ""))
	if resp.StatusCode != 200 || script.Hits() != 2 {
		t.Errorf("status %d after %d requests, want 200 after 2", resp.StatusCode, script.Hits())
	}
	if got := log.Lines(); len(got) != 1 || !strings.Contains(got[0], "EOF") {
		t.Errorf("log %q, want one line naming the dropped connection", got)
	}
}

func TestRetryExhaustedTriesReturnsLastAnswer(t *testing.T) {
	t.Parallel()
	srv, script := serve(t, reply(502, "first"), reply(503, "Service Unavailable, last"))
	clock := newFakeClock()
	rt := newRetry(t, clock, &lines{}, Policy{MaxTries: 3})

	resp, err := rt.RoundTrip(request(t, context.Background(), "GET", srv.URL+"/app", ""))
	if err != nil {
		t.Fatalf("want GitHub's last answer, not an error: %v", err)
	}
	if resp.StatusCode != 503 || !strings.Contains(readBody(t, resp), "last") {
		t.Errorf("status %d, want the last 503 with its message", resp.StatusCode)
	}
	if script.Hits() != 3 || len(clock.Slept()) != 2 {
		t.Errorf("%d requests and %d waits, want 3 and 2", script.Hits(), len(clock.Slept()))
	}
}

func TestRetryStopsWhenBudgetIsSpent(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	slowFailure := func(w http.ResponseWriter, r *http.Request) {
		clock.Advance(time.Second) // GitHub takes a second to fail
		reply(503, "busy")(w, r)
	}
	srv, script := serve(t, slowFailure)
	rt := newRetry(t, clock, &lines{}, Policy{MaxTries: 10, MaxElapsed: 3 * time.Second})
	rt.Jitter = func() float64 { return 0.99 }

	resp := roundTripClosed(t, rt, request(t, context.Background(), "GET", srv.URL+"/app", ""))
	// 1s try, 0.99s wait (2s left), 1s try, then a 1.98s wait would end
	// after the budget: give up with the answer in hand.
	if resp.StatusCode != 503 || script.Hits() != 2 {
		t.Errorf("status %d after %d requests, want 503 after 2", resp.StatusCode, script.Hits())
	}
	if got, want := clock.Slept(), []time.Duration{990 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("slept %v, want %v", got, want)
	}
}

// A wait that overruns the budget (a busy machine's sleep ends late) starts
// no try without time: the last answer stands, as when the budget is spent.
// Waking exactly at the budget's end is overrunning it too.
func TestRetryWaitThatOverrunsTheBudgetTriesNoMore(t *testing.T) {
	t.Parallel()
	for _, late := range []time.Duration{0, 3 * time.Second} {
		clock := newFakeClock()
		srv, script := serve(t, reply(503, "busy"))
		rt := newRetry(t, clock, &lines{}, Policy{MaxTries: 10, MaxElapsed: 3 * time.Second, TryTimeout: time.Second})
		rt.Sleep = func(ctx context.Context, d time.Duration) error {
			clock.Advance(epoch.Add(3*time.Second + late).Sub(clock.Now())) // asked for d, woken at the end or later
			return nil
		}
		resp := roundTripClosed(t, rt, request(t, context.Background(), "GET", srv.URL+"/app", ""))
		if resp.StatusCode != 503 || script.Hits() != 1 {
			t.Errorf("woken %s after the budget: status %d after %d requests, want the first 503 and no try after the overrun", late, resp.StatusCode, script.Hits())
		}
	}
}

// refusedURL is an address where nothing listens.
func refusedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestRetryNetworkErrorGivesUpAfterTries(t *testing.T) {
	t.Parallel()
	clock, log := newFakeClock(), &lines{}
	rt := newRetry(t, clock, log, Policy{})
	rt.Jitter = func() float64 { return 0.6 }

	_, err := rt.RoundTrip(request(t, context.Background(), "GET", refusedURL(t)+"/app", ""))
	if err == nil {
		t.Fatal("want an error")
	}
	// Waits 0.6s, 1.2s and 2.4s.
	if !strings.HasPrefix(err.Error(), "gave up after 4 tries in 4.2s: ") || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %q, want the tries, the time and the refused connection", err)
	}
	if len(log.Lines()) != 3 {
		t.Errorf("log %q, want 3 lines", log.Lines())
	}
	assertNoSecret(t, "error", err.Error())
}

func TestRetryNetworkErrorGivesUpWhenBudgetIsSpent(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	rt := newRetry(t, clock, &lines{}, Policy{MaxTries: 10, MaxElapsed: 3 * time.Second})
	rt.Jitter = func() float64 { return 0.99 }

	_, err := rt.RoundTrip(request(t, context.Background(), "GET", refusedURL(t)+"/app", ""))
	// Waits 0.99s and 1.98s; a 3.96s wait no longer fits.
	if err == nil || !strings.HasPrefix(err.Error(), "gave up after 3 tries in 3s: ") {
		t.Errorf("error %v, want it to give up after 3 tries in 3s", err)
	}
}

func TestRetryPerTryTimeout(t *testing.T) {
	t.Parallel()
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	srv, script := serve(t, hang, ok())
	clock, log := newFakeClock(), &lines{}
	// Spare tries: on a loaded machine even a prompt answer may miss 50ms.
	rt := newRetry(t, clock, log, Policy{TryTimeout: 50 * time.Millisecond, MaxTries: 10})

	resp := roundTripClosed(t, rt, request(t, context.Background(), "GET", srv.URL+"/app", ""))
	if resp.StatusCode != 200 || script.Hits() < 2 {
		t.Errorf("status %d after %d requests, want 200 after a second request", resp.StatusCode, script.Hits())
	}
	got := log.Lines()
	if len(got) == 0 {
		t.Fatal("no log line for the timed-out try")
	}
	for _, l := range got {
		if !strings.Contains(l, "no answer within 50ms") {
			t.Errorf("log line %q, want it to name the timeout", l)
		}
	}
}

func TestRetryLeavesClientErrorsAlone(t *testing.T) {
	t.Parallel()
	for _, code := range []int{400, 401, 403, 404, 422, 409} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			srv, script := serve(t, reply(code, "no"), ok())
			clock := newFakeClock()
			rt := newRetry(t, clock, &lines{}, Policy{})

			resp := roundTrip(t, rt, request(t, context.Background(), "GET", srv.URL+"/app", ""))
			if resp.StatusCode != code || !strings.Contains(readBody(t, resp), "no") {
				t.Errorf("status %d, want %d with GitHub's message", resp.StatusCode, code)
			}
			if script.Hits() != 1 || len(clock.Slept()) != 0 {
				t.Errorf("%d requests and %d waits, want 1 and 0", script.Hits(), len(clock.Slept()))
			}
		})
	}
}

func TestRetryUnauthorizedWhenAllowed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		policy   Policy
		answers  []http.HandlerFunc
		wantCode int
		wantHits int
	}{
		{"retried twice then given back", Policy{Lag: Lag{Tries: 2}}, []http.HandlerFunc{reply(401, "Bad credentials")}, 401, 3},
		{"token arrives on the third try", Policy{Lag: Lag{Tries: 2}}, []http.HandlerFunc{reply(401, "Bad credentials"), reply(401, "Bad credentials"), ok()}, 200, 3},
		{"not bounded by MaxTries", Policy{Lag: Lag{Tries: 5}, MaxTries: 2}, []http.HandlerFunc{reply(401, "Bad credentials")}, 401, 6},
		{"beyond MaxElapsed, within Within", Policy{MaxElapsed: time.Second, Lag: Lag{Tries: 5, Within: 10 * time.Second, BaseDelay: time.Second, MaxDelay: time.Second}}, []http.HandlerFunc{reply(401, "Bad credentials")}, 401, 6},
		{"bounded by Within", Policy{Lag: Lag{Tries: 50, Within: 2 * time.Second, BaseDelay: time.Second, MaxDelay: time.Second}}, []http.HandlerFunc{reply(401, "Bad credentials")}, 401, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, script := serve(t, tc.answers...)
			log := &lines{}
			rt := newRetry(t, newFakeClock(), log, tc.policy)

			resp := roundTripClosed(t, rt, request(t, context.Background(), "GET", srv.URL+"/installation/repositories", ""))
			if resp.StatusCode != tc.wantCode || script.Hits() != tc.wantHits {
				t.Errorf("status %d after %d requests, want %d after %d", resp.StatusCode, script.Hits(), tc.wantCode, tc.wantHits)
			}
			for _, l := range log.Lines() {
				if !strings.Contains(l, "401 Unauthorized") {
					t.Errorf("log line %q does not name the 401", l)
				}
				assertNoSecret(t, "log line", l)
			}
		})
	}
}

// A young token's revocation (issue 23): its 401s are retried on the lag's
// bound, but every other failure keeps MaxTries and MaxElapsed, however
// wide the lag's bound is; the 401s spend none of them.
func TestRetryLagKeepsItsOwnBound(t *testing.T) {
	t.Parallel()
	lag := Lag{Tries: 19, Within: 10 * time.Second, BaseDelay: 250 * time.Millisecond, MaxDelay: 2 * time.Second}
	bad, gateway := reply(401, "Bad credentials"), reply(502, "oops")
	for _, tc := range []struct {
		name     string
		policy   Policy
		answers  []http.HandlerFunc
		wantCode int
		wantHits int
		wantLog  []string
	}{
		{"502s stop at MaxTries", Policy{MaxTries: 3, Lag: lag}, []http.HandlerFunc{gateway}, 502, 3,
			[]string{"502 Bad Gateway; retrying in 500ms (try 2 of 3)", "502 Bad Gateway; retrying in 1s (try 3 of 3)"}},
		{"502s stop at MaxElapsed", Policy{MaxTries: 9, MaxElapsed: 2 * time.Second, Lag: lag}, []http.HandlerFunc{gateway}, 502, 3, nil},
		{"401s spend no MaxTries", Policy{MaxTries: 3, Lag: lag}, []http.HandlerFunc{bad, bad, gateway}, 502, 5,
			[]string{"(try 2 of 20)", "(try 3 of 20)", "502 Bad Gateway; retrying in 500ms (try 4 of 5)", "(try 5 of 5)"}},
		{"a 502 spends no lag try", Policy{MaxTries: 3, Lag: Lag{Tries: 2}}, []http.HandlerFunc{gateway, bad, bad, bad}, 401, 4, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, script := serve(t, tc.answers...)
			log := &lines{}
			rt := newRetry(t, newFakeClock(), log, tc.policy)
			resp := roundTripClosed(t, rt, request(t, context.Background(), "DELETE", srv.URL+"/installation/token", ""))
			if resp.StatusCode != tc.wantCode || script.Hits() != tc.wantHits {
				t.Errorf("status %d after %d requests, want %d after %d", resp.StatusCode, script.Hits(), tc.wantCode, tc.wantHits)
			}
			got := log.Lines()
			if tc.wantLog != nil && len(got) != len(tc.wantLog) {
				t.Fatalf("log %q, want %d lines", got, len(tc.wantLog))
			}
			for i, want := range tc.wantLog {
				if !strings.Contains(got[i], want) {
					t.Errorf("log line %d = %q, want %q in it", i+1, got[i], want)
				}
			}
		})
	}
}

// A POST its caller marked Repeatable is sent again, body and all.
func TestRetryReplaysPostBody(t *testing.T) {
	t.Parallel()
	srv, script := serve(t, reply(502, "oops"), reply(201, "created"))
	rt := newRetry(t, newFakeClock(), &lines{}, Policy{})
	body := `{"repositories":["app"],"permissions":{"contents":"write"}}`

	resp := roundTripClosed(t, rt, request(t, Repeatable(context.Background()), "POST", srv.URL+"/app/installations/1/access_tokens", body))
	got := script.Requests()
	if resp.StatusCode != 201 || len(got) != 2 {
		t.Fatalf("status %d after %d requests, want 201 after 2", resp.StatusCode, len(got))
	}
	for i, r := range got {
		if r.Body != body || r.Method != "POST" {
			t.Errorf("request %d: %s with body %q, want POST with %q", i+1, r.Method, r.Body, body)
		}
	}
}

func TestRetryDoesNotRepeatABodyItCannotReplay(t *testing.T) {
	t.Parallel()
	srv, script := serve(t, reply(502, "oops"), ok())
	rt := newRetry(t, newFakeClock(), &lines{}, Policy{})
	req := request(t, context.Background(), "POST", srv.URL+"/app/installations/1/access_tokens", "")
	req.Body = io.NopCloser(strings.NewReader(`{"a":1}`)) // no GetBody
	req.ContentLength = -1

	resp := roundTripClosed(t, rt, req)
	if resp.StatusCode != 502 || script.Hits() != 1 {
		t.Errorf("status %d after %d requests, want the 502 after 1", resp.StatusCode, script.Hits())
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	t.Run("during the wait", func(t *testing.T) {
		srv, script := serve(t, reply(503, "busy"))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rt := newRetry(t, newFakeClock(), &lines{}, Policy{})
		rt.Sleep = func(ctx context.Context, d time.Duration) error {
			cancel() // the job is cancelled while we wait
			return ctx.Err()
		}

		_, err := rt.RoundTrip(request(t, ctx, "GET", srv.URL+"/app", ""))
		if !errors.Is(err, context.Canceled) || script.Hits() != 1 {
			t.Errorf("error %v after %d requests, want context.Canceled after 1", err, script.Hits())
		}
	})
	t.Run("during a try", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		hang := func(w http.ResponseWriter, r *http.Request) {
			cancel()
			<-r.Context().Done()
		}
		srv, script := serve(t, hang)
		clock := newFakeClock()
		rt := newRetry(t, clock, &lines{}, Policy{})

		_, err := rt.RoundTrip(request(t, ctx, "GET", srv.URL+"/app", ""))
		if !errors.Is(err, context.Canceled) || script.Hits() != 1 || len(clock.Slept()) != 0 {
			t.Errorf("error %v after %d requests and %d waits, want context.Canceled after 1 and none",
				err, script.Hits(), len(clock.Slept()))
		}
	})
	t.Run("after an answer worth another try", func(t *testing.T) {
		// Interrupted while GitHub answered a 503: a retry line would
		// follow the user's Ctrl-C and read as more to come.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv, script := serve(t, reply(503, "busy"))
		log := &lines{}
		rt := newRetry(t, newFakeClock(), log, Policy{})
		base := rt.Base
		rt.Base = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := base.RoundTrip(r)
			cancel()
			return resp, err
		})

		_, err := rt.RoundTrip(request(t, ctx, "GET", srv.URL+"/app", ""))
		if !errors.Is(err, context.Canceled) || script.Hits() != 1 || len(log.Lines()) != 0 {
			t.Errorf("error %v after %d requests, log %q; want context.Canceled after 1, no line", err, script.Hits(), log.Lines())
		}
	})
	t.Run("real sleep returns early", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Errorf("sleepCtx = %v, want context.Canceled at once", err)
		}
	})
}

func TestRetryWaitBeyondTheCallersDeadlineIsNotStarted(t *testing.T) {
	t.Parallel()
	srv, script := serve(t, reply(429, "slow down", "Retry-After", "120"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clock := newFakeClock()
	rt := newRetry(t, clock, &lines{}, Policy{MaxElapsed: time.Hour})

	resp := roundTripClosed(t, rt, request(t, ctx, "GET", srv.URL+"/app", ""))
	if resp.StatusCode != 429 || script.Hits() != 1 || len(clock.Slept()) != 0 {
		t.Errorf("status %d after %d requests and %d waits, want the 429 at once",
			resp.StatusCode, script.Hits(), len(clock.Slept()))
	}
}

func TestRetryBodyStaysReadableAfterReturn(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB: more than any buffer
	srv, _ := serve(t, reply(502, "oops"), func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, big)
	})
	rt := newRetry(t, newFakeClock(), &lines{}, Policy{})

	resp := roundTrip(t, rt, request(t, context.Background(), "GET", srv.URL+"/app", ""))
	if got := readBody(t, resp); got != big {
		t.Errorf("read %d bytes after RoundTrip returned, want %d", len(got), len(big))
	}
}

func TestRetryLogLines(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, reply(502, "oops"), reply(503, "oops"), ok())
	log := &lines{}
	rt := newRetry(t, newFakeClock(), log, Policy{BaseDelay: 2600 * time.Millisecond})

	resp := roundTripClosed(t, rt, request(t, context.Background(), "GET", srv.URL+"/repos/octo-org/app/installation", ""))
	if resp.StatusCode != 200 {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
	want := []string{
		"GET /repos/octo-org/app/installation: 502 Bad Gateway; retrying in 1.3s (try 2 of 4)",
		"GET /repos/octo-org/app/installation: 503 Service Unavailable; retrying in 2.6s (try 3 of 4)",
	}
	if got := log.Lines(); !slices.Equal(got, want) {
		t.Errorf("log\n%q\nwant\n%q", got, want)
	}
	for _, l := range log.Lines() {
		assertNoSecret(t, "log line", l)
	}
}

func TestRetryNeedsABase(t *testing.T) {
	t.Parallel()
	if _, err := (&Retry{}).RoundTrip(request(t, context.Background(), "GET", "http://api.github.test/app", "")); err == nil {
		t.Error("want an error for a Retry without Base")
	}
}

// A server that quotes the request's Authorization header in a malformed
// status line makes Go's error quote it too: the retry log line that gives
// the reason must not.
func TestRetryLogHidesWhatAServerQuoted(t *testing.T) {
	t.Parallel()
	api, err := githubtest.StartMalformedAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.Close)
	clock, log := newFakeClock(), &lines{}
	rt := newRetry(t, clock, log, Policy{MaxTries: 2})
	_, err = rt.RoundTrip(request(t, context.Background(), "GET", api.URL()+"/app", ""))
	if err == nil || !strings.Contains(err.Error(), "malformed HTTP") {
		t.Fatalf("error %v, want Go's malformed-answer error", err)
	}
	if got := log.Lines(); len(got) != 1 || !strings.Contains(got[0], "malformed HTTP status code") {
		t.Fatalf("log = %q, want one retry line giving the reason", got)
	}
	assertNoSecret(t, "retry log line", log.Lines()[0])
}

// One clock: the request's own deadline counts on the injected clock, like
// the budget. Waits taken on a fake clock use it up although no real time
// passes, so the retries stop there rather than at MaxTries.
func TestRetryMeasuresTheRequestDeadlineOnItsClock(t *testing.T) {
	t.Parallel()
	srv, script := serve(t, reply(502, "oops"))
	clock, log := newFakeClock(), &lines{}
	rt := newRetry(t, clock, log, Policy{MaxTries: 10, MaxElapsed: 10 * time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp := roundTrip(t, rt, request(t, ctx, "GET", srv.URL+"/app", ""))
	if resp.StatusCode != 502 {
		t.Fatalf("status %d, want the last 502", resp.StatusCode)
	}
	var slept time.Duration
	for _, d := range clock.Slept() {
		slept += d
	}
	if hits := script.Hits(); hits >= 10 || slept > 5*time.Second {
		t.Errorf("%d tries sleeping %s on the injected clock past a 5s deadline; want the deadline to end them", hits, slept)
	}
}
