package ghtransport

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

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
