package action_test

// The fault matrix: each test injects one of GitHub's bad days into the
// emulator and runs a phase of the action against it in this process, on a
// fake clock (faultWorld), so that retries take no time and their waits are
// counted exactly. docs/fault-matrix.md lists every fault with the test that
// proves it; the built binary's share is e2e's faults_test.go.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/action"
	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
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
	*apptest.World
	clock *faultClock
}

func newFaultWorld(t *testing.T) *faultWorld {
	t.Helper()
	clk := &faultClock{}
	return &faultWorld{World: apptest.NewWorld(t, func(c *githubtest.Config) { c.Now = clk.Now }), clock: clk}
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
	f.T.Helper()
	return f.InProcess(action.Main, f.deps(), nil)
}

func (f *faultWorld) runPost(state map[string]string) *runnertest.Result {
	f.T.Helper()
	return f.InProcess(action.Post, f.deps(), state)
}

// minted runs a clean main phase and returns the state it saved for post,
// forgetting its waits.
func (f *faultWorld) minted() map[string]string {
	f.T.Helper()
	res := f.runMain()
	apptest.Succeeded(f.T, res)
	// The job's other steps run before post: past the minute after
	// minting in which post retries a 401 as replication lag.
	_ = f.clock.Sleep(context.Background(), 2*time.Minute)
	f.clock.takeWaits()
	return res.State
}

// run runs the phase that makes c, after a clean main when c is post's.
func (f *faultWorld) run(c apptest.FaultCall, fault githubtest.Fault) *runnertest.Result {
	f.T.Helper()
	fault.Method, fault.Path = c.Method, c.Path
	if !c.Post {
		f.Emu.AddFault(fault)
		return f.runMain()
	}
	state := f.minted()
	f.Emu.AddFault(fault)
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
	for _, c := range apptest.FaultCalls {
		for _, tf := range transientFaults {
			t.Run(c.Name+"/"+tf.name, func(t *testing.T) {
				f := newFaultWorld(t)
				fault := tf.fault
				fault.Times = 2
				res := f.run(c, fault)
				apptest.Succeeded(t, res)
				if w := apptest.UnexpectedWarnings(res); len(w) > 0 {
					t.Errorf("warnings = %q", w)
				}
				if got := f.Emu.Count(c.Method, c.Path); got != 3 {
					t.Errorf("GitHub saw %d tries of %s %s, want 3", got, c.Method, c.Path)
				}
				lines := apptest.RetryLines(res, c.Method, c.Path)
				if len(lines) != 2 || !strings.Contains(lines[0], tf.reason) || !strings.Contains(lines[0], "(try 2 of 4)") || !strings.Contains(lines[1], "(try 3 of 4)") {
					t.Errorf("retry log lines = %q, want two naming %q", lines, tf.reason)
				}
				assertBackoff(t, f.clock.takeWaits(), 2)
				if c.Post && !f.OnlyToken().Revoked {
					t.Error("token not revoked after the retries")
				}
				if !c.Post && (res.Outputs["token"] != f.OnlyToken().Token || res.Outputs["bot-user-id"] == "") {
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
	for _, c := range apptest.FaultCalls {
		for _, tt := range []struct {
			attempts  string
			wantTries int
		}{{"", 4}, {"2", 2}, {"6", 6}, {"1", 1}} {
			if c.Post && tt.attempts != "" {
				continue
			}
			t.Run(fmt.Sprintf("%s/retry-attempts=%q", c.Name, tt.attempts), func(t *testing.T) {
				f := newFaultWorld(t)
				f.With("retry-attempts", tt.attempts)
				res := f.run(c, githubtest.Fault{Status: 502, Times: -1})
				if got := f.Emu.Count(c.Method, c.Path); got != tt.wantTries {
					t.Errorf("GitHub saw %d tries, want %d", got, tt.wantTries)
				}
				if got := len(apptest.RetryLines(res, c.Method, c.Path)); got != tt.wantTries-1 {
					t.Errorf("%d retry log lines, want %d", got, tt.wantTries-1)
				}
				assertBackoff(t, f.clock.takeWaits(), tt.wantTries-1)
				if c.Fatal {
					apptest.FailedWith(t, res, c.Failure, "502 Bad Gateway")
					return
				}
				apptest.Succeeded(t, res)
				if !slices.ContainsFunc(res.Warnings, func(w string) bool { return apptest.ContainsAll(w, c.Failure, "502 Bad Gateway") }) {
					t.Errorf("warnings = %q, want one with %q", res.Warnings, c.Failure)
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
	f.Emu.AddFault(githubtest.Fault{Method: "POST", Path: apptest.MintPath, Times: -1, Drop: true})
	res := f.runMain()
	apptest.FailedWith(t, res, "mint a token for installation 1001", "could not reach GitHub", "gave up after 4 tries", "EOF")
	if got := f.Emu.Count("POST", apptest.MintPath); got != 4 {
		t.Errorf("GitHub saw %d tries, want 4", got)
	}
	if len(f.Emu.Tokens()) != 0 || len(res.State) != 0 {
		t.Error("nothing may be minted or saved")
	}
}

// retry-max-seconds bounds the waits of one call: with a small budget the
// action stops early instead of waiting past it.
func TestRetryBudgetBoundsTheWaits(t *testing.T) {
	t.Parallel()
	f := newFaultWorld(t)
	f.With("retry-attempts", "10", "retry-max-seconds", "3")
	f.Emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Times: -1, Status: 503})
	res := f.runMain()
	apptest.FailedWith(t, res, "find the App's installation on octo-org", "503 Service Unavailable")
	var total time.Duration
	for _, w := range f.clock.takeWaits() {
		total += w
	}
	if total >= 3*time.Second {
		t.Errorf("waited %v in all, beyond the 3s budget", total)
	}
	if got := f.Emu.Count("GET", apptest.LookupPath); got < 1 || got >= 10 {
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
		call     apptest.FaultCall
		with     []string
		fault    func(now time.Time) githubtest.Fault
		wantWait [2]time.Duration // the one wait, between these; zero when the step fails at once
		wantLog  string
		wantErr  func(now time.Time) []string
	}{
		{name: "secondary 403 with retry-after", call: apptest.FaultCalls[0],
			fault:    func(time.Time) githubtest.Fault { return secondaryLimit(403, "7") },
			wantWait: [2]time.Duration{7 * time.Second, 7 * time.Second}, wantLog: "secondary rate limit; GitHub asks to wait 7s"},
		{name: "secondary 429 with retry-after", call: apptest.FaultCalls[1],
			fault:    func(time.Time) githubtest.Fault { return secondaryLimit(429, "3") },
			wantWait: [2]time.Duration{3 * time.Second, 3 * time.Second}, wantLog: "secondary rate limit; GitHub asks to wait 3s"},
		{name: "secondary on the bot lookup", call: apptest.FaultCalls[2],
			fault:    func(time.Time) githubtest.Fault { return secondaryLimit(429, "2") },
			wantWait: [2]time.Duration{2 * time.Second, 2 * time.Second}, wantLog: "GitHub asks to wait 2s"},
		{name: "secondary on the revocation", call: apptest.FaultCalls[3],
			fault:    func(time.Time) githubtest.Fault { return secondaryLimit(403, "5") },
			wantWait: [2]time.Duration{5 * time.Second, 5 * time.Second}, wantLog: "GitHub asks to wait 5s"},
		{name: "primary 403 resets within the budget", call: apptest.FaultCalls[0],
			fault:    func(now time.Time) githubtest.Fault { return primaryLimit(403, now.Add(20*time.Second)) },
			wantWait: [2]time.Duration{19 * time.Second, 22 * time.Second}, wantLog: "rate limit exhausted; waiting"},
		{name: "primary 429 resets within the budget", call: apptest.FaultCalls[1],
			fault:    func(now time.Time) githubtest.Fault { return primaryLimit(429, now.Add(10*time.Second)) },
			wantWait: [2]time.Duration{9 * time.Second, 12 * time.Second}, wantLog: "rate limit exhausted; waiting"},
		{name: "primary resets after the budget", call: apptest.FaultCalls[0],
			fault: func(now time.Time) githubtest.Fault { return primaryLimit(403, now.Add(10*time.Minute)) },
			wantErr: func(now time.Time) []string {
				reset := time.Unix(now.Add(10*time.Minute).Unix(), 0).UTC()
				return []string{"rate limit for this App is exhausted", "retry after " + reset.Format("15:04:05") + " UTC"}
			}},
		{name: "retry-after beyond the budget", call: apptest.FaultCalls[0],
			fault:   func(time.Time) githubtest.Fault { return secondaryLimit(403, "120") },
			wantErr: func(time.Time) []string { return []string{"rate limit for this App is exhausted", "retry in 2m0s"} }},
		{name: "plain 429 with retry-after beyond the budget", call: apptest.FaultCalls[1],
			fault: func(time.Time) githubtest.Fault {
				return githubtest.Fault{Status: 429, Header: http.Header{"Retry-After": {"120"}}, Body: `{"message":"Too many requests"}`}
			},
			wantErr: func(time.Time) []string { return []string{"rate limit for this App is exhausted", "retry in 2m0s"} }},
		{name: "retry-after beyond a configured budget", call: apptest.FaultCalls[1], with: []string{"retry-max-seconds", "5"},
			fault:   func(time.Time) githubtest.Fault { return secondaryLimit(403, "7") },
			wantErr: func(time.Time) []string { return []string{"mint a token for installation 1001", "retry in 7s"} }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFaultWorld(t)
			f.With(tt.with...)
			fault := tt.fault(f.clock.Now())
			fault.Times = 1
			now := f.clock.Now()
			res := f.run(tt.call, fault)
			tries := f.Emu.Count(tt.call.Method, tt.call.Path)
			waits := f.clock.takeWaits()
			if tt.wantErr != nil {
				apptest.FailedWith(t, res, tt.wantErr(now)...)
				if tries != 1 || len(waits) != 0 {
					t.Errorf("%d tries and waits %v; a wait beyond the budget must not be started", tries, waits)
				}
				return
			}
			apptest.Succeeded(t, res)
			lo, hi := tt.wantWait[0], tt.wantWait[1]
			if len(waits) != 1 || waits[0] < lo || waits[0] > hi {
				t.Errorf("waits = %v, want one in [%v, %v]", waits, lo, hi)
			}
			if tries != 2 {
				t.Errorf("GitHub saw %d tries, want 2: the wait must end in a real retry", tries)
			}
			if lines := apptest.RetryLines(res, tt.call.Method, tt.call.Path); len(lines) != 1 || !strings.Contains(lines[0], tt.wantLog) {
				t.Errorf("retry log lines = %q, want one with %q", lines, tt.wantLog)
			}
			if tt.call.Post && !f.OnlyToken().Revoked {
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
		call  apptest.FaultCall
		with  []string
		fault githubtest.Fault
		want  []string // in the error, or in a warning when the step succeeds
	}{
		{"401 undecodable JWT on the lookup", apptest.FaultCalls[0], nil, status(401, "A JSON web token could not be decoded"),
			[]string{"could not verify the App JWT", "does the private key belong to App Iv23liEmuLaToR0000?"}},
		{"401 bad credentials on the lookup", apptest.FaultCalls[0], nil, status(401, "Bad credentials"),
			[]string{"find the App's installation on octo-org: GitHub answered 401 Unauthorized: Bad credentials"}},
		{"404 on the lookup", apptest.FaultCalls[0], nil, status(404, "Not Found"),
			[]string{"installation 1001 on octo-org cannot reach repository octo-org/app"}},
		{"401 on the mint", apptest.FaultCalls[1], nil, status(401, "Bad credentials"),
			[]string{"mint a token for installation 1001: GitHub answered 401 Unauthorized: Bad credentials"}},
		{"404 on the mint with installation-id", apptest.FaultCalls[1], []string{"installation-id", "1001"}, status(404, "Not Found"),
			[]string{"mint a token for installation 1001: GitHub answered 404 Not Found"}},
		{"422 permissions on the mint", apptest.FaultCalls[1], []string{"permissions", "issues: write"},
			status(422, "The permissions requested are not granted to this installation."),
			[]string{"GitHub refused the permissions (issues:write)"}},
		{"422 repositories on the mint", apptest.FaultCalls[1], nil,
			status(422, "There is at least one repository that does not exist or is not accessible to the parent installation."),
			[]string{"installation 1001 cannot reach"}},
		{"403 suspended on the mint", apptest.FaultCalls[1], nil, status(403, "This installation has been suspended"),
			[]string{"installation 1001 on octo-org is suspended"}},
		{"403 forbidden on the mint", apptest.FaultCalls[1], nil, status(403, "Resource not accessible by integration"),
			[]string{"GitHub answered 403 Forbidden: Resource not accessible by integration"}},
		{"404 on the bot lookup", apptest.FaultCalls[2], nil, status(404, "Not Found"),
			[]string{"could not look up the App's bot user", "404 Not Found"}},
		{"404 on the revocation", apptest.FaultCalls[3], nil, status(404, "Not Found"),
			[]string{"could not revoke the token", "404 Not Found"}},
		{"422 on the revocation", apptest.FaultCalls[3], nil, status(422, "Validation Failed"),
			[]string{"could not revoke the token", "422 Unprocessable Entity"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFaultWorld(t)
			f.With(tt.with...)
			fault := tt.fault
			fault.Times = -1
			res := f.run(tt.call, fault)
			if got := f.Emu.Count(tt.call.Method, tt.call.Path); got != 1 {
				t.Errorf("GitHub saw %d tries of %s %s, want exactly 1", got, tt.call.Method, tt.call.Path)
			}
			if waits := f.clock.takeWaits(); len(waits) != 0 {
				t.Errorf("waited %v before a retry that must not happen", waits)
			}
			if lines := apptest.RetryLines(res, tt.call.Method, tt.call.Path); len(lines) != 0 {
				t.Errorf("retry log lines %q", lines)
			}
			if tt.call.Fatal {
				apptest.FailedWith(t, res, tt.want...)
				return
			}
			apptest.Succeeded(t, res)
			if !slices.ContainsFunc(res.Warnings, func(w string) bool { return apptest.ContainsAll(w, tt.want...) }) {
				t.Errorf("warnings = %q, want one with %q", res.Warnings, tt.want)
			}
		})
	}
}

// A runner clock that disagrees with GitHub's (apptest.ClockSkews): within
// GitHub's tolerance nothing happens; beyond it the action re-signs with
// GitHub's time, says so, and goes on with exactly one extra App JWT
// request. In process here, post too; through the built binary in e2e's
// test of the same name.
func TestClockSkew(t *testing.T) {
	t.Parallel()
	for _, cs := range apptest.ClockSkews {
		t.Run(cs.Name+"/in-process", func(t *testing.T) {
			w := apptest.NewWorld(t)
			w.Emu.SetClockOffset(cs.Offset)
			post := func(state map[string]string) *runnertest.Result {
				return w.InProcess(action.Post, action.Deps{Env: env.Env{Sleep: noSleep(t)}}, state)
			}
			w.CheckClockSkew(t, cs, w.InProcess(action.Main, action.Deps{Env: env.Env{Sleep: noSleep(t)}}, nil), post)
		})
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
	f.Emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Times: -1, Status: 401,
		Body: `{"message":"'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued."}`})
	res := f.runMain()
	apptest.FailedWith(t, res, "rejected the App JWT's time even after correcting for its clock", "check the runner's clock")
	if got := f.Emu.Count("GET", apptest.LookupPath); got != 2 {
		t.Errorf("GitHub saw %d tries, want 2 (the first and one re-signed)", got)
	}
}

// A GitHub that is slow or hangs: request-timeout-seconds ends each try, the
// try is retried, and a GitHub that never answers fails the step within
// seconds with a message saying so, instead of hanging the job (the built
// binary too: e2e's test of the same name). These are the only tests here
// that wait for real (about a second per timed-out try), so they run in
// parallel.
func TestSlowGitHub(t *testing.T) {
	t.Parallel()
	hang := githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Delay: time.Hour}
	t.Run("one slow answer is retried", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		f.With("request-timeout-seconds", "1")
		hang := hang
		hang.Times = 1
		f.Emu.AddFault(hang)
		res := f.runMain()
		apptest.Succeeded(t, res)
		if got := f.Emu.Count("GET", apptest.LookupPath); got != 2 {
			t.Errorf("GitHub saw %d tries, want 2", got)
		}
		if lines := apptest.RetryLines(res, "GET", apptest.LookupPath); len(lines) != 1 || !strings.Contains(lines[0], "no answer within 1s") {
			t.Errorf("retry log lines = %q", lines)
		}
	})
	t.Run("hanging on every try fails within the bound", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		f.With("request-timeout-seconds", "1", "retry-attempts", "2")
		hang := hang
		hang.Times = -1
		f.Emu.AddFault(hang)
		res := f.runMain()
		apptest.FailedWith(t, res, "find the App's installation on octo-org", "could not reach GitHub", "gave up after 2 tries", "no answer within 1s")
		if strings.Contains(res.Errors[0], "deadline of") {
			t.Errorf("error blames the step's deadline, but each try timed out: %q", res.Errors[0])
		}
		if got := f.Emu.Count("GET", apptest.LookupPath); got != 2 {
			t.Errorf("GitHub saw %d tries, want 2", got)
		}
		if res.Wall > 5*time.Second {
			t.Errorf("took %v", res.Wall)
		}
	})
}

// Replication lag: a brand-new token may briefly be unknown to the server
// that answers (401 Bad credentials). The main phase checks the token with
// one call made with it (the bot lookup), retrying 401 with a short
// backoff within token-ready-seconds, before handing it over. Post's 401 is not lag (the
// token was checked): it means already revoked, at once.
func TestReplicationLag(t *testing.T) {
	t.Parallel()
	badCredentials := githubtest.Fault{Method: "GET", Path: apptest.CheckPath, Status: 401, Body: `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`}
	for _, times := range []int{1, 3, 6} { // 6 waits stay below 10s whatever the jitter
		t.Run(fmt.Sprintf("check refused %d times", times), func(t *testing.T) {
			t.Parallel()
			f := newFaultWorld(t)
			fault := badCredentials
			fault.Times = times
			f.Emu.AddFault(fault)
			res := f.runMain()
			apptest.Succeeded(t, res)
			if got := f.Emu.Count("GET", apptest.CheckPath); got != times+1 {
				t.Errorf("GitHub saw %d checks, want %d", got, times+1)
			}
			lines := apptest.RetryLines(res, "GET", apptest.CheckPath)
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
			if res.Outputs["token"] != f.OnlyToken().Token || f.OnlyToken().Revoked || len(apptest.UnexpectedWarnings(res)) > 0 {
				t.Errorf("outputs %v, revoked %v, warnings %q", res.Outputs, f.OnlyToken().Revoked, res.Warnings)
			}
		})
	}
	t.Run("refused for the whole bound", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		f.With("token-ready-seconds", "3")
		fault := badCredentials
		fault.Times = -1
		f.Emu.AddFault(fault)
		res := f.runMain()
		apptest.FailedWith(t, res, "GitHub minted the token but kept refusing it (401 Bad credentials)", "token-ready-seconds allows 3s", "The token was revoked at once")
		var total time.Duration
		for _, w := range f.clock.takeWaits() {
			total += w
		}
		if total >= 3*time.Second || f.Emu.Count("GET", apptest.CheckPath) < 3 {
			t.Errorf("waited %v over %d checks; want several within 3s", total, f.Emu.Count("GET", apptest.CheckPath))
		}
		if !f.OnlyToken().Revoked || res.Outputs["token"] != "" {
			t.Errorf("the useless token: revoked %v, output %v", f.OnlyToken().Revoked, res.Outputs["token"] != "")
		}
	})
	t.Run("check off", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		f.With("token-ready-seconds", "0")
		fault := badCredentials
		fault.Times = 1
		f.Emu.AddFault(fault)
		res := f.runMain()
		apptest.Succeeded(t, res)
		// The bot lookup alone, asked once: nothing says its 401 is lag.
		if got := f.Emu.Count("GET", apptest.CheckPath); got != 1 || len(apptest.RetryLines(res, "GET", apptest.CheckPath)) != 0 {
			t.Errorf("GitHub saw %d bot lookups with token-ready-seconds 0, want 1 and no retry", got)
		}
		if res.Outputs["token"] != f.OnlyToken().Token || !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, apptest.FaultCalls[2].Failure) }) {
			t.Errorf("outputs %v, warnings %q", res.Outputs, res.Warnings)
		}
	})
	t.Run("check cannot finish", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		f.Emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.CheckPath, Status: 502, Times: -1})
		res := f.runMain()
		apptest.Succeeded(t, res)
		if res.Outputs["token"] != f.OnlyToken().Token || !slices.ContainsFunc(res.Warnings, func(w string) bool {
			return apptest.ContainsAll(w, "could not check that GitHub accepts the new token, so it is handed over unchecked", "502 Bad Gateway")
		}) {
			t.Errorf("outputs %v, warnings %q", res.Outputs, res.Warnings)
		}
	})
	t.Run("revocation refused", func(t *testing.T) {
		t.Parallel()
		f := newFaultWorld(t)
		state := f.minted()
		fault := badCredentials
		fault.Method, fault.Path = "DELETE", apptest.RevokePath
		f.Emu.AddFault(fault)
		res := f.runPost(state)
		apptest.Succeeded(t, res)
		if got := f.Emu.Count("DELETE", apptest.RevokePath); got != 1 || !strings.Contains(res.Log(), "GitHub no longer accepts the token") || len(apptest.UnexpectedWarnings(res)) > 0 {
			t.Errorf("GitHub saw %d revocations, want 1; warnings %q; log:\n%s", got, res.Warnings, res.Log())
		}
	})
}

// The whole phase has a deadline of three calls' budget (plus the wait for
// a new token to work, 0 here): a GitHub that keeps a call retrying (here
// a rate limit asking for no wait, with a clock that never moves, so no
// call's own budget ever runs out) fails the step after
// 3 × retry-max-seconds, saying so, instead of hanging the job.
func TestWholePhaseDeadline(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t).With("retry-attempts", "10", "retry-max-seconds", "1", "request-timeout-seconds", "1", "token-ready-seconds", "0")
	w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Times: -1, Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {"0"}}, Body: `{"message":"You have exceeded a secondary rate limit"}`})
	frozen := time.Now()
	start := time.Now()
	res := w.InProcess(action.Main, action.Deps{Env: env.Env{
		Now: func() time.Time { return frozen },
		// Each wait takes 600ms of real time: ten tries would take 5.4s.
		Sleep: func(ctx context.Context, _ time.Duration) error {
			select {
			case <-time.After(600 * time.Millisecond):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	}}, nil)
	apptest.FailedWith(t, res, "did not answer within the step's deadline of 3s")
	if took := time.Since(start); took < 2500*time.Millisecond {
		t.Errorf("the phase ended after %v, before its deadline of 3s", took)
	}
}

const lagReason = "401 Unauthorized (a new token may not have reached every GitHub server yet)"

// Within a minute of minting, post retries a young token's 401 as
// replication lag, within that bound; every other failure keeps
// retry-attempts (a 502 was once retried 11 to 12 times in 10 s with
// retry-attempts 3). Here the post phase right after main (no other step
// in between: the token is seconds old), in process on the fault clock;
// every door that revokes, through the built binary, in e2e's
// TestYoungTokenRevocationKeepsRetryAttemptsAtEveryDoor.
func TestYoungTokenPostKeepsRetryAttempts(t *testing.T) {
	t.Parallel()
	young := func(t *testing.T, faults ...githubtest.Fault) (*faultWorld, []string, []time.Duration) {
		f := newFaultWorld(t)
		f.With("retry-attempts", "3")
		res := f.runMain()
		apptest.Succeeded(t, res)
		f.clock.takeWaits()
		for _, fault := range faults {
			f.Emu.AddFault(fault)
		}
		post := f.runPost(res.State)
		apptest.Succeeded(t, post)
		return f, apptest.RetryLines(post, "DELETE", apptest.RevokePath), f.clock.takeWaits()
	}
	t.Run("502 stops at retry-attempts", func(t *testing.T) {
		t.Parallel()
		f, lines, waits := young(t, apptest.Revoke502)
		if got := f.Emu.Count("DELETE", apptest.RevokePath); got != 3 {
			t.Errorf("GitHub saw %d revocations, want 3 (retry-attempts)", got)
		}
		if len(lines) != 2 || !strings.Contains(lines[0], "502 Bad Gateway") || !strings.Contains(lines[0], "(try 2 of 3)") || !strings.Contains(lines[1], "(try 3 of 3)") {
			t.Errorf("retry lines %q", lines)
		}
		assertBackoff(t, waits, 2)
		if f.OnlyToken().Revoked {
			t.Error("revoked through a 502")
		}
	})
	t.Run("401 is the lag, within its own bound", func(t *testing.T) {
		t.Parallel()
		lag := apptest.Revoke401
		lag.Times = 3
		f, lines, waits := young(t, lag)
		if got := f.Emu.Count("DELETE", apptest.RevokePath); got != 4 || !f.OnlyToken().Revoked {
			t.Errorf("GitHub saw %d revocations, revoked %t; want 4, revoked (3 refusals spend none of retry-attempts)", got, f.OnlyToken().Revoked)
		}
		if len(lines) != 3 || !strings.Contains(lines[0], lagReason) || !strings.Contains(lines[2], "(try 4 of 20)") {
			t.Errorf("retry lines %q", lines)
		}
		for i, w := range waits {
			if limit := min(250*time.Millisecond<<i, 2*time.Second); w < 0 || w >= limit {
				t.Errorf("wait %d = %v, want within [0, %v)", i+1, w, limit)
			}
		}
	})
	t.Run("lag then 502", func(t *testing.T) {
		t.Parallel()
		lag := apptest.Revoke401
		lag.Times = 2
		f, lines, _ := young(t, lag, apptest.Revoke502)
		if got := f.Emu.Count("DELETE", apptest.RevokePath); got != 5 {
			t.Errorf("GitHub saw %d revocations, want 5 (2 refusals, then retry-attempts 502s)", got)
		}
		if len(lines) != 4 || !strings.Contains(lines[3], "502 Bad Gateway") || !strings.Contains(lines[3], "(try 5 of 5)") {
			t.Errorf("retry lines %q", lines)
		}
	})
}
