package main

// The fault matrix of issue 3: each test injects one of GitHub's bad days
// into the emulator and runs a phase of the action against it.
// docs/fault-matrix.md lists every fault with the test that proves it.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/action"
	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

// The calls of one token's life, as the emulator records their paths.
const (
	lookupPath = "/repos/octo-org/app/installation"
	mintPath   = "/app/installations/1001/access_tokens"
	botPath    = "/users/release-bot[bot]"
	revokePath = "/installation/token"
	checkPath  = "/installation/repositories"
)

// faultClock is the runner's clock and sleeper in fault tests: real time
// plus every wait the action asked for, which returns at once. Retry
// budgets and rate-limit resets move as in a real run, the test does not
// sleep, and the waits are there to assert on.
type faultClock struct {
	mu    sync.Mutex
	slept time.Duration
	waits []time.Duration
}

func (c *faultClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.slept)
}

func (c *faultClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept += d
	c.waits = append(c.waits, d)
	return nil
}

// takeWaits returns the waits since the last call.
func (c *faultClock) takeWaits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.waits
	c.waits = nil
	return w
}

// faultWorld is a world whose emulated GitHub shares the fake clock, with
// phases run in this process.
type faultWorld struct {
	*world
	clock *faultClock
}

func newFaultWorld(t *testing.T) *faultWorld {
	t.Helper()
	clk := &faultClock{}
	return &faultWorld{world: newWorld(t, func(c *githubtest.Config) { c.Now = clk.Now }), clock: clk}
}

// deps are the fake clock and sleeper over a transport that opens a new
// connection per request. Go's transport silently resends an idempotent
// request once when a reused keep-alive connection drops; without reuse
// every injected drop reaches the action's retry logic, so counts are exact.
func (f *faultWorld) deps() action.Deps {
	base := ghtransport.NewBase(nil)
	base.DisableKeepAlives = true
	return action.Deps{Env: env.Env{Base: base, Now: f.clock.Now, Sleep: f.clock.Sleep}}
}

func (f *faultWorld) runMain() *runnertest.Result {
	f.t.Helper()
	return f.inProcess(action.Main, f.deps(), nil)
}

func (f *faultWorld) runPost(state map[string]string) *runnertest.Result {
	f.t.Helper()
	return f.inProcess(action.Post, f.deps(), state)
}

// minted runs a clean main phase and returns the state it saved for post,
// forgetting its waits.
func (f *faultWorld) minted() map[string]string {
	f.t.Helper()
	res := f.runMain()
	succeeded(f.t, res)
	// The job's other steps run before post: past the minute after
	// minting in which post retries a 401 as replication lag.
	_ = f.clock.Sleep(context.Background(), 2*time.Minute)
	f.clock.takeWaits()
	return res.State
}

// retryLines returns the log lines that announce another try of method path.
func retryLines(res *runnertest.Result, method, path string) []string {
	var out []string
	for _, line := range strings.Split(res.Log(), "\n") {
		if strings.HasPrefix(line, method+" ") && strings.Contains(line, path+": ") && strings.Contains(line, "(try ") {
			out = append(out, line)
		}
	}
	return out
}

// faultCall is one of the action's calls to GitHub, and how its failure shows.
type faultCall struct {
	name, method, path string
	post               bool   // made by the post phase
	fatal              bool   // its failure fails the step (otherwise: a warning)
	failure            string // what the error or warning says when retries run out
}

var faultCalls = []faultCall{
	{"installation lookup", "GET", lookupPath, false, true, "find the App's installation on octo-org"},
	{"token mint", "POST", mintPath, false, true, "mint a token for installation 1001"},
	{"bot lookup", "GET", botPath, false, false, "could not look up the App's bot user release-bot[bot]"},
	{"revocation", "DELETE", revokePath, true, false, "could not revoke the token"},
}

// run runs the phase that makes c, after a clean main when c is post's.
func (f *faultWorld) run(c faultCall, fault githubtest.Fault) *runnertest.Result {
	f.t.Helper()
	fault.Method, fault.Path = c.method, c.path
	if !c.post {
		f.emu.AddFault(fault)
		return f.runMain()
	}
	state := f.minted()
	f.emu.AddFault(fault)
	return f.runPost(state)
}

// transientFaults are the answers worth another try, with the reason the
// retry log line gives.
var transientFaults = []struct {
	name   string
	fault  githubtest.Fault
	reason string
}{
	{"500", githubtest.Fault{Status: 500, Body: `{"message":"Server Error"}`}, "500 Internal Server Error"},
	{"502", githubtest.Fault{Status: 502}, "502 Bad Gateway"},
	{"503", githubtest.Fault{Status: 503, Body: `{"message":"Service Unavailable"}`}, "503 Service Unavailable"},
	{"504", githubtest.Fault{Status: 504}, "504 Gateway Timeout"},
	{"dropped connection", githubtest.Fault{Drop: true}, "EOF"},
}

// A 5xx answer or a dropped connection on any call is retried with
// exponential, jittered backoff, one log line per retry, and the step
// succeeds as if nothing happened.
func TestTransientFaultsAreRetried(t *testing.T) {
	t.Parallel()
	for _, c := range faultCalls {
		for _, tf := range transientFaults {
			t.Run(c.name+"/"+tf.name, func(t *testing.T) {
				f := newFaultWorld(t)
				fault := tf.fault
				fault.Times = 2
				res := f.run(c, fault)
				succeeded(t, res)
				if w := unexpectedWarnings(res); len(w) > 0 {
					t.Errorf("warnings = %q", w)
				}
				if got := f.emu.Count(c.method, c.path); got != 3 {
					t.Errorf("GitHub saw %d tries of %s %s, want 3", got, c.method, c.path)
				}
				lines := retryLines(res, c.method, c.path)
				if len(lines) != 2 || !strings.Contains(lines[0], tf.reason) || !strings.Contains(lines[0], "(try 2 of 4)") || !strings.Contains(lines[1], "(try 3 of 4)") {
					t.Errorf("retry log lines = %q, want two naming %q", lines, tf.reason)
				}
				assertBackoff(t, f.clock.takeWaits(), 2)
				if c.post && !f.onlyToken().Revoked {
					t.Error("token not revoked after the retries")
				}
				if !c.post && (res.Outputs["token"] != f.onlyToken().Token || res.Outputs["bot-user-id"] == "") {
					t.Errorf("outputs = %v", res.Outputs)
				}
			})
		}
	}
}

// assertBackoff checks n waits, each jittered below an exponentially
// growing cap: [0, 1s), [0, 2s), [0, 4s) ... at most 15s.
func assertBackoff(t *testing.T, waits []time.Duration, n int) {
	t.Helper()
	if len(waits) != n {
		t.Fatalf("waits = %v, want %d", waits, n)
	}
	for i, w := range waits {
		if limit := min(time.Second<<i, 15*time.Second); w < 0 || w >= limit {
			t.Errorf("wait %d = %v, want within [0, %v)", i+1, w, limit)
		}
	}
}

// When every try fails, the retrying stops at the bound: retry-attempts
// tries (4 by default), then one clear error (main) or warning (bot
// lookup, post). The post phase keeps its own bound of 4 tries.
func TestTransientFaultsStopAtTheBound(t *testing.T) {
	t.Parallel()
	for _, c := range faultCalls {
		for _, tt := range []struct {
			attempts  string
			wantTries int
		}{{"", 4}, {"2", 2}, {"6", 6}, {"1", 1}} {
			if c.post && tt.attempts != "" {
				continue
			}
			t.Run(fmt.Sprintf("%s/retry-attempts=%q", c.name, tt.attempts), func(t *testing.T) {
				f := newFaultWorld(t)
				f.with("retry-attempts", tt.attempts)
				res := f.run(c, githubtest.Fault{Status: 502, Times: -1})
				if got := f.emu.Count(c.method, c.path); got != tt.wantTries {
					t.Errorf("GitHub saw %d tries, want %d", got, tt.wantTries)
				}
				if got := len(retryLines(res, c.method, c.path)); got != tt.wantTries-1 {
					t.Errorf("%d retry log lines, want %d", got, tt.wantTries-1)
				}
				assertBackoff(t, f.clock.takeWaits(), tt.wantTries-1)
				if c.fatal {
					failedWith(t, res, c.failure, "502 Bad Gateway")
					return
				}
				succeeded(t, res)
				if !slices.ContainsFunc(res.Warnings, func(w string) bool { return containsAll(w, c.failure, "502 Bad Gateway") }) {
					t.Errorf("warnings = %q, want one with %q", res.Warnings, c.failure)
				}
			})
		}
	}
}

// A dropped connection that never recovers fails with the try count and
// the network reason, not GitHub's status.
func TestDroppedConnectionsStopAtTheBound(t *testing.T) {
	t.Parallel()
	f := newFaultWorld(t)
	f.emu.AddFault(githubtest.Fault{Method: "POST", Path: mintPath, Times: -1, Drop: true})
	res := f.runMain()
	failedWith(t, res, "mint a token for installation 1001", "could not reach GitHub", "gave up after 4 tries", "EOF")
	if got := f.emu.Count("POST", mintPath); got != 4 {
		t.Errorf("GitHub saw %d tries, want 4", got)
	}
	if len(f.emu.Tokens()) != 0 || len(res.State) != 0 {
		t.Error("nothing may be minted or saved")
	}
}

// retry-max-seconds bounds the waits of one call: with a small budget the
// action stops early instead of waiting past it.
func TestRetryBudgetBoundsTheWaits(t *testing.T) {
	t.Parallel()
	f := newFaultWorld(t)
	f.with("retry-attempts", "10", "retry-max-seconds", "3")
	f.emu.AddFault(githubtest.Fault{Method: "GET", Path: lookupPath, Times: -1, Status: 503})
	res := f.runMain()
	failedWith(t, res, "find the App's installation on octo-org", "503 Service Unavailable")
	var total time.Duration
	for _, w := range f.clock.takeWaits() {
		total += w
	}
	if total >= 3*time.Second {
		t.Errorf("waited %v in all, beyond the 3s budget", total)
	}
	if got := f.emu.Count("GET", lookupPath); got < 1 || got >= 10 {
		t.Errorf("GitHub saw %d tries; the budget must end the call before 10", got)
	}
}

// secondaryLimit is GitHub's answer to too many requests in a short time.
func secondaryLimit(status int, retryAfter string) githubtest.Fault {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return githubtest.Fault{Status: status, Header: h,
		Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}
}

// primaryLimit is GitHub's answer once the hourly quota is used up.
func primaryLimit(status int, reset time.Time) githubtest.Fault {
	return githubtest.Fault{Status: status,
		Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {fmt.Sprint(reset.Unix())}},
		Body:   `{"message":"API rate limit exceeded for installation ID 1001.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`}
}

// Rate limits: the action waits what GitHub asks (retry-after, or until the
// primary limit resets) when that fits the budget, then really asks again;
// otherwise it fails at once and says when to retry.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		call     faultCall
		with     []string
		fault    func(now time.Time) githubtest.Fault
		wantWait [2]time.Duration // the one wait, between these; zero when the step fails at once
		wantLog  string
		wantErr  func(now time.Time) []string
	}{
		{name: "secondary 403 with retry-after", call: faultCalls[0],
			fault:    func(time.Time) githubtest.Fault { return secondaryLimit(403, "7") },
			wantWait: [2]time.Duration{7 * time.Second, 7 * time.Second}, wantLog: "secondary rate limit; GitHub asks to wait 7s"},
		{name: "secondary 429 with retry-after", call: faultCalls[1],
			fault:    func(time.Time) githubtest.Fault { return secondaryLimit(429, "3") },
			wantWait: [2]time.Duration{3 * time.Second, 3 * time.Second}, wantLog: "secondary rate limit; GitHub asks to wait 3s"},
		{name: "secondary on the bot lookup", call: faultCalls[2],
			fault:    func(time.Time) githubtest.Fault { return secondaryLimit(429, "2") },
			wantWait: [2]time.Duration{2 * time.Second, 2 * time.Second}, wantLog: "GitHub asks to wait 2s"},
		{name: "secondary on the revocation", call: faultCalls[3],
			fault:    func(time.Time) githubtest.Fault { return secondaryLimit(403, "5") },
			wantWait: [2]time.Duration{5 * time.Second, 5 * time.Second}, wantLog: "GitHub asks to wait 5s"},
		{name: "primary 403 resets within the budget", call: faultCalls[0],
			fault:    func(now time.Time) githubtest.Fault { return primaryLimit(403, now.Add(20*time.Second)) },
			wantWait: [2]time.Duration{19 * time.Second, 22 * time.Second}, wantLog: "rate limit exhausted; waiting"},
		{name: "primary 429 resets within the budget", call: faultCalls[1],
			fault:    func(now time.Time) githubtest.Fault { return primaryLimit(429, now.Add(10*time.Second)) },
			wantWait: [2]time.Duration{9 * time.Second, 12 * time.Second}, wantLog: "rate limit exhausted; waiting"},
		{name: "primary resets after the budget", call: faultCalls[0],
			fault: func(now time.Time) githubtest.Fault { return primaryLimit(403, now.Add(10*time.Minute)) },
			wantErr: func(now time.Time) []string {
				reset := time.Unix(now.Add(10*time.Minute).Unix(), 0).UTC()
				return []string{"rate limit for this App is exhausted", "retry after " + reset.Format("15:04:05") + " UTC"}
			}},
		{name: "retry-after beyond the budget", call: faultCalls[0],
			fault:   func(time.Time) githubtest.Fault { return secondaryLimit(403, "120") },
			wantErr: func(time.Time) []string { return []string{"rate limit for this App is exhausted", "retry in 2m0s"} }},
		{name: "plain 429 with retry-after beyond the budget", call: faultCalls[1],
			fault: func(time.Time) githubtest.Fault {
				return githubtest.Fault{Status: 429, Header: http.Header{"Retry-After": {"120"}}, Body: `{"message":"Too many requests"}`}
			},
			wantErr: func(time.Time) []string { return []string{"rate limit for this App is exhausted", "retry in 2m0s"} }},
		{name: "retry-after beyond a configured budget", call: faultCalls[1], with: []string{"retry-max-seconds", "5"},
			fault:   func(time.Time) githubtest.Fault { return secondaryLimit(403, "7") },
			wantErr: func(time.Time) []string { return []string{"mint a token for installation 1001", "retry in 7s"} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFaultWorld(t)
			f.with(tt.with...)
			fault := tt.fault(f.clock.Now())
			fault.Times = 1
			now := f.clock.Now()
			res := f.run(tt.call, fault)
			tries := f.emu.Count(tt.call.method, tt.call.path)
			waits := f.clock.takeWaits()
			if tt.wantErr != nil {
				failedWith(t, res, tt.wantErr(now)...)
				if tries != 1 || len(waits) != 0 {
					t.Errorf("%d tries and waits %v; a wait beyond the budget must not be started", tries, waits)
				}
				return
			}
			succeeded(t, res)
			lo, hi := tt.wantWait[0], tt.wantWait[1]
			if len(waits) != 1 || waits[0] < lo || waits[0] > hi {
				t.Errorf("waits = %v, want one in [%v, %v]", waits, lo, hi)
			}
			if tries != 2 {
				t.Errorf("GitHub saw %d tries, want 2: the wait must end in a real retry", tries)
			}
			if lines := retryLines(res, tt.call.method, tt.call.path); len(lines) != 1 || !strings.Contains(lines[0], tt.wantLog) {
				t.Errorf("retry log lines = %q, want one with %q", lines, tt.wantLog)
			}
			if tt.call.post && !f.onlyToken().Revoked {
				t.Error("token not revoked")
			}
		})
	}
}

// 401 (other than the clock), 404, 422 and a non-rate-limit 403 will not
// change on another try: each is sent exactly once and explained.
func TestPermanentAnswersAreNotRetried(t *testing.T) {
	t.Parallel()
	status := func(code int, msg string) githubtest.Fault {
		return githubtest.Fault{Status: code, Body: fmt.Sprintf(`{"message":%q}`, msg)}
	}
	for _, tt := range []struct {
		name  string
		call  faultCall
		with  []string
		fault githubtest.Fault
		want  []string // in the error, or in a warning when the step succeeds
	}{
		{"401 undecodable JWT on the lookup", faultCalls[0], nil, status(401, "A JSON web token could not be decoded"),
			[]string{"could not verify the App JWT", "does the private key belong to App Iv23liEmuLaToR0000?"}},
		{"401 bad credentials on the lookup", faultCalls[0], nil, status(401, "Bad credentials"),
			[]string{"find the App's installation on octo-org: GitHub answered 401 Unauthorized: Bad credentials"}},
		{"404 on the lookup", faultCalls[0], nil, status(404, "Not Found"),
			[]string{"installation 1001 on octo-org cannot reach repository octo-org/app"}},
		{"401 on the mint", faultCalls[1], nil, status(401, "Bad credentials"),
			[]string{"mint a token for installation 1001: GitHub answered 401 Unauthorized: Bad credentials"}},
		{"404 on the mint with installation-id", faultCalls[1], []string{"installation-id", "1001"}, status(404, "Not Found"),
			[]string{"mint a token for installation 1001: GitHub answered 404 Not Found"}},
		{"422 permissions on the mint", faultCalls[1], []string{"permissions", "issues: write"},
			status(422, "The permissions requested are not granted to this installation."),
			[]string{"GitHub refused the permissions (issues:write)"}},
		{"422 repositories on the mint", faultCalls[1], nil,
			status(422, "There is at least one repository that does not exist or is not accessible to the parent installation."),
			[]string{"installation 1001 cannot reach"}},
		{"403 suspended on the mint", faultCalls[1], nil, status(403, "This installation has been suspended"),
			[]string{"installation 1001 on octo-org is suspended"}},
		{"403 forbidden on the mint", faultCalls[1], nil, status(403, "Resource not accessible by integration"),
			[]string{"GitHub answered 403 Forbidden: Resource not accessible by integration"}},
		{"404 on the bot lookup", faultCalls[2], nil, status(404, "Not Found"),
			[]string{"could not look up the App's bot user", "404 Not Found"}},
		{"404 on the revocation", faultCalls[3], nil, status(404, "Not Found"),
			[]string{"could not revoke the token", "404 Not Found"}},
		{"422 on the revocation", faultCalls[3], nil, status(422, "Validation Failed"),
			[]string{"could not revoke the token", "422 Unprocessable Entity"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFaultWorld(t)
			f.with(tt.with...)
			fault := tt.fault
			fault.Times = -1
			res := f.run(tt.call, fault)
			if got := f.emu.Count(tt.call.method, tt.call.path); got != 1 {
				t.Errorf("GitHub saw %d tries of %s %s, want exactly 1", got, tt.call.method, tt.call.path)
			}
			if waits := f.clock.takeWaits(); len(waits) != 0 {
				t.Errorf("waited %v before a retry that must not happen", waits)
			}
			if lines := retryLines(res, tt.call.method, tt.call.path); len(lines) != 0 {
				t.Errorf("retry log lines %q", lines)
			}
			if tt.call.fatal {
				failedWith(t, res, tt.want...)
				return
			}
			succeeded(t, res)
			if !slices.ContainsFunc(res.Warnings, func(w string) bool { return containsAll(w, tt.want...) }) {
				t.Errorf("warnings = %q, want one with %q", res.Warnings, tt.want)
			}
		})
	}
}

// unexpectedWarnings are the warnings other than the one every run here
// gets for its plain-http loopback emulator.
func unexpectedWarnings(res *runnertest.Result) []string {
	var out []string
	for _, w := range res.Warnings {
		if !strings.Contains(w, "plain http to a loopback host") {
			out = append(out, w)
		}
	}
	return out
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// clockLine matches AppJWT's log line about a corrected clock.
var clockLine = regexp.MustCompile(`local clock is (\S+) (behind|ahead of) GitHub's; signed a new App JWT with GitHub's time`)

// A runner clock that disagrees with GitHub's: within GitHub's tolerance
// (iat is back-dated a minute, exp 9 minutes ahead, GitHub allows 10) nothing
// happens; beyond it the first App call gets GitHub's 401, the action
// re-signs with the time from GitHub's Date header, says so, and goes on
// with exactly one extra App JWT request. Run as the real binary and in
// process alike.
func TestClockSkew(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		offset    time.Duration // GitHub's clock minus the runner's
		wantExtra int
		wantSide  string
	}{
		{"runner 5m behind (tolerated)", 5 * time.Minute, 0, ""},
		{"runner 9m30s behind", 9*time.Minute + 30*time.Second, 1, "behind"},
		{"runner 2m ahead", -2 * time.Minute, 1, "ahead of"},
		{"runner 8m ahead", -8 * time.Minute, 1, "ahead of"},
	} {
		for _, mode := range []string{"binary", "in-process"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				w := newWorld(t)
				w.emu.SetClockOffset(tt.offset)
				var res *runnertest.Result
				if mode == "binary" {
					res = w.main()
				} else {
					res = w.inProcess(action.Main, action.Deps{Env: env.Env{Sleep: noSleep(t)}}, nil)
				}
				succeeded(t, res)
				jwtCalls := 0
				for _, r := range w.emu.Requests() {
					if r.Auth == "jwt" {
						jwtCalls++
					}
				}
				if want := 2 + tt.wantExtra; jwtCalls != want {
					t.Errorf("%d App JWT requests (%q), want %d", jwtCalls, w.calls(), want)
				}
				m := clockLine.FindStringSubmatch(res.Log())
				switch {
				case tt.wantExtra == 0 && m != nil:
					t.Errorf("log claims a clock correction within GitHub's tolerance: %q", m[0])
				case tt.wantExtra == 1 && m == nil:
					t.Errorf("log lacks the clock correction line:\n%s", res.Log())
				case tt.wantExtra == 1:
					by, err := time.ParseDuration(m[1])
					if err != nil || m[2] != tt.wantSide || (by-tt.offset.Abs()).Abs() > 2*time.Second {
						t.Errorf("log says %q, want about %v %s", m[0], tt.offset.Abs(), tt.wantSide)
					}
				}
				succeeded(t, w.post(res.State))
				if !w.onlyToken().Revoked {
					t.Error("token not revoked")
				}
			})
		}
	}
}

// noSleep fails the test if the action waits: nothing here should.
func noSleep(t *testing.T) func(context.Context, time.Duration) error {
	return func(_ context.Context, d time.Duration) error {
		t.Errorf("unexpected wait of %v", d)
		return nil
	}
}

// The clock is corrected once per call: a GitHub that rejects the corrected
// JWT too gets no third JWT, and the error points at the runner's clock.
func TestClockSkewCorrectedOnlyOnce(t *testing.T) {
	t.Parallel()
	f := newFaultWorld(t)
	f.emu.AddFault(githubtest.Fault{Method: "GET", Path: lookupPath, Times: -1, Status: 401,
		Body: `{"message":"'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued."}`})
	res := f.runMain()
	failedWith(t, res, "rejected the App JWT's time even after correcting for its clock", "check the runner's clock")
	if got := f.emu.Count("GET", lookupPath); got != 2 {
		t.Errorf("GitHub saw %d tries, want 2 (the first and one re-signed)", got)
	}
}

// A GitHub that is slow or hangs: request-timeout-seconds ends each try, the
// try is retried, and a GitHub that never answers fails the step within
// seconds with a message saying so, instead of hanging the job. These are
// the only tests that wait for real (about a second per timed-out try), so
// they run in parallel.
func TestSlowGitHub(t *testing.T) {
	t.Parallel()
	hang := githubtest.Fault{Method: "GET", Path: lookupPath, Delay: time.Hour}
	t.Run("one slow answer is retried", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		f.with("request-timeout-seconds", "1")
		hang := hang
		hang.Times = 1
		f.emu.AddFault(hang)
		res := f.runMain()
		succeeded(t, res)
		if got := f.emu.Count("GET", lookupPath); got != 2 {
			t.Errorf("GitHub saw %d tries, want 2", got)
		}
		if lines := retryLines(res, "GET", lookupPath); len(lines) != 1 || !strings.Contains(lines[0], "no answer within 1s") {
			t.Errorf("retry log lines = %q", lines)
		}
	})
	t.Run("hanging on every try fails within the bound", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		f.with("request-timeout-seconds", "1", "retry-attempts", "2")
		hang := hang
		hang.Times = -1
		f.emu.AddFault(hang)
		res := f.runMain()
		failedWith(t, res, "find the App's installation on octo-org", "could not reach GitHub", "gave up after 2 tries", "no answer within 1s")
		if strings.Contains(res.Errors[0], "deadline of") {
			t.Errorf("error blames the step's deadline, but each try timed out: %q", res.Errors[0])
		}
		if got := f.emu.Count("GET", lookupPath); got != 2 {
			t.Errorf("GitHub saw %d tries, want 2", got)
		}
		if res.Wall > 5*time.Second {
			t.Errorf("took %v", res.Wall)
		}
	})
	t.Run("the binary does not hang either", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t).with("request-timeout-seconds", "1", "retry-attempts", "1")
		hang := hang
		hang.Times = -1
		w.emu.AddFault(hang)
		res := w.main()
		failedWith(t, res, "could not reach GitHub", "no answer within 1s")
		if res.Wall > 5*time.Second {
			t.Errorf("took %v", res.Wall)
		}
	})
}

// Replication lag: a brand-new token may briefly be unknown to the server
// that answers (401 Bad credentials). The main phase checks the token with
// one call made with it, retrying 401 with a short backoff within
// token-ready-seconds, before handing it over; the bot lookup, made at the
// same time, asks again once the check passed. Post's 401 is not lag (the
// token was checked): it means already revoked, at once.
func TestReplicationLag(t *testing.T) {
	t.Parallel()
	badCredentials := githubtest.Fault{Method: "GET", Path: checkPath, Status: 401, Body: `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`}
	for _, times := range []int{1, 3, 6} { // 6 waits stay below 10s whatever the jitter
		t.Run(fmt.Sprintf("check refused %d times", times), func(t *testing.T) {
			t.Parallel()
			f := newFaultWorld(t)
			fault := badCredentials
			fault.Times = times
			f.emu.AddFault(fault)
			res := f.runMain()
			succeeded(t, res)
			if got := f.emu.Count("GET", checkPath); got != times+1 {
				t.Errorf("GitHub saw %d checks, want %d", got, times+1)
			}
			lines := retryLines(res, "GET", checkPath)
			if len(lines) != times || !strings.Contains(lines[0], "401 Unauthorized (a new token may not have reached every GitHub server yet)") {
				t.Errorf("retry log lines = %q", lines)
			}
			var total time.Duration
			for i, w := range f.clock.takeWaits() {
				if limit := min(250*time.Millisecond<<i, 2*time.Second); w < 0 || w >= limit {
					t.Errorf("wait %d = %v, want within [0, %v)", i+1, w, limit)
				}
				total += w
			}
			if total >= 10*time.Second {
				t.Errorf("waited %v, beyond token-ready-seconds", total)
			}
			if res.Outputs["token"] != f.onlyToken().Token || f.onlyToken().Revoked || len(unexpectedWarnings(res)) > 0 {
				t.Errorf("outputs %v, revoked %v, warnings %q", res.Outputs, f.onlyToken().Revoked, res.Warnings)
			}
		})
	}
	t.Run("refused for the whole bound", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		f.with("token-ready-seconds", "3")
		fault := badCredentials
		fault.Times = -1
		f.emu.AddFault(fault)
		res := f.runMain()
		failedWith(t, res, "GitHub minted the token but kept refusing it (401 Bad credentials)", "token-ready-seconds allows 3s", "The token was revoked at once")
		var total time.Duration
		for _, w := range f.clock.takeWaits() {
			total += w
		}
		if total >= 3*time.Second || f.emu.Count("GET", checkPath) < 3 {
			t.Errorf("waited %v over %d checks; want several within 3s", total, f.emu.Count("GET", checkPath))
		}
		if !f.onlyToken().Revoked || res.Outputs["token"] != "" {
			t.Errorf("the useless token: revoked %v, output %v", f.onlyToken().Revoked, res.Outputs["token"] != "")
		}
	})
	t.Run("check off", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		f.with("token-ready-seconds", "0")
		res := f.runMain()
		succeeded(t, res)
		if got := f.emu.Count("GET", checkPath); got != 0 {
			t.Errorf("GitHub saw %d checks with token-ready-seconds 0", got)
		}
	})
	t.Run("check cannot finish", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		f.emu.AddFault(githubtest.Fault{Method: "GET", Path: checkPath, Status: 502, Times: -1})
		res := f.runMain()
		succeeded(t, res)
		if res.Outputs["token"] != f.onlyToken().Token || !slices.ContainsFunc(res.Warnings, func(w string) bool {
			return containsAll(w, "could not check that GitHub accepts the new token, so it is handed over unchecked", "502 Bad Gateway")
		}) {
			t.Errorf("outputs %v, warnings %q", res.Outputs, res.Warnings)
		}
	})
	for _, times := range []int{1, 2} {
		t.Run(fmt.Sprintf("bot lookup refused %d times", times), func(t *testing.T) {
			t.Parallel()
			f := newFaultWorld(t)
			fault := badCredentials
			fault.Path, fault.Times = botPath, times
			f.emu.AddFault(fault)
			res := f.runMain()
			succeeded(t, res)
			if got := f.emu.Count("GET", botPath); got != 2 {
				t.Errorf("GitHub saw %d bot lookups, want 2 (asked again once the check passed)", got)
			}
			recovered := times == 1
			if recovered != (res.Outputs["bot-user-id"] == "41898283") {
				t.Errorf("bot-user-id = %q after %d refusals", res.Outputs["bot-user-id"], times)
			}
			if !recovered && !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, faultCalls[2].failure) }) {
				t.Errorf("warnings = %q", res.Warnings)
			}
		})
	}
	t.Run("revocation refused", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		state := f.minted()
		fault := badCredentials
		fault.Method, fault.Path = "DELETE", revokePath
		f.emu.AddFault(fault)
		res := f.runPost(state)
		succeeded(t, res)
		if got := f.emu.Count("DELETE", revokePath); got != 1 || !strings.Contains(res.Log(), "GitHub no longer accepts the token") || len(unexpectedWarnings(res)) > 0 {
			t.Errorf("GitHub saw %d revocations, want 1; warnings %q; log:\n%s", got, res.Warnings, res.Log())
		}
	})
}

// hostilePayloads try to smuggle a workflow command or a file-command entry
// out of an input. Each carries the marker INJECTED.
var hostilePayloads = []string{
	"x\n::set-output name=token::INJECTED",
	"x\r\n::add-mask::INJECTED",
	"x\r::warning::INJECTED",
	"x%0A::error::INJECTED",
	"x%0D%0A::save-state name=token::INJECTED",
	"x::stop-commands::INJECTED",
	"x\n##[set-output name=token;]INJECTED",
	"x<<EOF\ntoken=INJECTED\nEOF",
	"token<<ghadelimiter_INJECTED",
	"x\nghadelimiter_INJECTED\ntoken=INJECTED",
	"x\u2028::add-mask::INJECTED",
	"x\u0085::set-env name=A::INJECTED",
	"x\x00::INJECTED",
	"${{ INJECTED }}",
	"ghs_INJECTEDsecretlooking00000000000000",
}

// hostileInputs place a payload p in one input, the others staying valid.
var hostileInputs = []struct {
	name string
	with func(p string) []string
}{
	{"owner", func(p string) []string { return []string{"owner", p} }},
	{"repositories", func(p string) []string { return []string{"repositories", "app," + p} }},
	{"repositories owner/name", func(p string) []string { return []string{"repositories", p + "/app"} }},
	{"permission name", func(p string) []string { return []string{"permissions", p + ": write"} }},
	{"permission value", func(p string) []string { return []string{"permissions", "contents: " + p} }},
	{"permission input", func(p string) []string { return []string{"permission-contents", p} }},
	{"client-id", func(p string) []string { return []string{"client-id", p} }},
	{"app-id", func(p string) []string { return []string{"client-id", "", "app-id", p} }},
	{"installation-id", func(p string) []string { return []string{"installation-id", "1001" + p} }},
	{"github-api-url", func(p string) []string { return []string{"github-api-url", "https://ghes.invalid/" + p} }},
	{"retry-attempts", func(p string) []string { return []string{"retry-attempts", "2" + p} }},
	{"skip-token-revoke", func(p string) []string { return []string{"skip-token-revoke", p} }},
}

// Hostile input cannot forge anything: whatever an input holds, GITHUB_OUTPUT
// and GITHUB_STATE hold only the action's own entries, GITHUB_ENV and
// GITHUB_PATH stay untouched, and no log line starts a workflow command
// other than the action's own masks and annotations, each one line long.
func TestHostileInputsStayInTheirPlace(t *testing.T) {
	t.Parallel()
	outputs := map[string]bool{}
	for _, o := range config.Outputs() {
		outputs[o.Name] = true
	}
	for _, in := range hostileInputs {
		for i, p := range hostilePayloads {
			t.Run(fmt.Sprintf("%s/%d", in.name, i), func(t *testing.T) {
				f := newFaultWorld(t)
				f.step.Dir = t.TempDir()
				f.with(in.with(p)...)
				res := f.runMain()
				if !(res.ExitCode == 0 && len(res.Errors) == 0) && !(res.ExitCode == 1 && len(res.Errors) == 1) {
					t.Errorf("exit %d with errors %q", res.ExitCode, res.Errors)
				}
				checkNoForgedCommands(t, res, f.secrets, f.emu.Tokens())
				for _, msg := range append(res.Errors, res.Warnings...) {
					if strings.ContainsAny(msg, "\r\n") {
						t.Errorf("annotation of more than one line: %q", msg)
					}
				}
				for k, v := range res.Outputs {
					if !outputs[k] || strings.Contains(v, "INJECTED") {
						t.Errorf("output %s = %q", k, v)
					}
				}
				for k, v := range res.State {
					if (k != "token" && k != "expires-at") || strings.Contains(v, "INJECTED") {
						t.Errorf("state %s = %q", k, v)
					}
				}
				for _, name := range []string{"env", "path"} {
					if data, _ := os.ReadFile(filepath.Join(f.step.Dir, "file_commands", name)); len(data) > 0 {
						t.Errorf("GITHUB_%s written: %q", strings.ToUpper(name), data)
					}
				}
			})
		}
	}
}

// checkNoForgedCommands fails unless every workflow command in stdout is an
// ::add-mask:: of a real secret (the key, a token, an App JWT), an ::error::,
// a ::warning:: or a ::notice::. (The runner
// unescapes %0A only inside a command, so a payload's text elsewhere in a
// line is inert.)
func checkNoForgedCommands(t *testing.T, res *runnertest.Result, secrets []string, tokens []githubtest.IssuedToken) {
	t.Helper()
	known := map[string]bool{}
	for _, s := range secrets {
		known[s] = true
	}
	for _, tok := range tokens {
		known[tok.Token] = true
	}
	for _, line := range strings.Split(res.Stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "::add-mask::"):
			if v := strings.TrimPrefix(line, "::add-mask::"); !known[v] && !isJWT(v) {
				t.Errorf("masks a value that is no secret: %q", line)
			}
		case strings.HasPrefix(line, "::error::"), strings.HasPrefix(line, "::warning::"), strings.HasPrefix(line, "::notice::"):
		case strings.HasPrefix(strings.TrimLeft(line, " \t\r"), "::"), strings.HasPrefix(strings.TrimLeft(line, " \t\r"), "##["):
			t.Errorf("forged workflow command: %q", line)
		}
	}
}

// The runner's own GITHUB_REPOSITORY and GITHUB_REPOSITORY_OWNER become
// request paths and log text like the owner and repositories inputs: a
// hostile value there is refused before any call, in one error line, and
// starts no workflow command.
func TestHostileRepositoryEnvironmentIsRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  string
		with []string
	}{
		{"GITHUB_REPOSITORY", nil},
		{"GITHUB_REPOSITORY_OWNER", []string{"repositories", "app"}},
	} {
		for i, p := range hostilePayloads[:4] {
			t.Run(fmt.Sprintf("%s/%d", tt.env, i), func(t *testing.T) {
				f := newFaultWorld(t)
				f.with(tt.with...)
				f.step.Env[tt.env] = "octo-org/" + p
				if tt.env == "GITHUB_REPOSITORY_OWNER" {
					f.step.Env[tt.env] = "octo-org" + p
				}
				res := f.runMain()
				if len(res.Errors) != 1 || !strings.Contains(res.Errors[0], tt.env+" is") {
					t.Fatalf("errors %q, want one naming %s\n%s", res.Errors, tt.env, res.Stdout)
				}
				if n := len(f.emu.Requests()); n != 0 {
					t.Errorf("GitHub saw %d requests; a malformed %s must be refused first", n, tt.env)
				}
				checkNoForgedCommands(t, res, f.secrets, f.emu.Tokens())
				if len(res.Outputs) != 0 || len(res.State) != 0 {
					t.Errorf("outputs %v, state %v", res.Outputs, res.State)
				}
			})
		}
	}
}
