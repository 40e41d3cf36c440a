package broker_test

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/githubtest"
)

// The calls an exchange makes besides the mint.
const (
	lookupCall = "GET /users/octo-org/installation"
	policyCall = "GET /repos/octo-org/app/contents/.github/chainguard/deploy.sts.yaml"
	mintCall   = "POST /app/installations/1001/access_tokens"
)

// A second identical exchange within the cache's lifetime asks GitHub
// for the mint only: the installation and the policy are remembered.
func TestSecondExchangeIsCached(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy})
	if _, err := w.exchange(w.token(nil), "octo-org/app", "deploy"); err != nil {
		t.Fatal(err)
	}
	first := w.calls()
	if first[lookupCall] != 1 || first[policyCall] != 1 || first[mintCall] != 2 {
		t.Fatalf("first exchange called %v", first)
	}
	before := len(w.emu.Requests())
	w.clock.advance(broker.MaxCacheTTL - time.Second)
	if _, err := w.exchange(w.token(nil), "octo-org/app", "deploy"); err != nil {
		t.Fatal(err)
	}
	second := w.calls()
	if second[lookupCall] != 1 || second[policyCall] != 1 || second[mintCall] != 3 || len(w.emu.Requests()) != before+1 {
		t.Errorf("second exchange called %v after %v, want one mint more", second, first)
	}
	if jwts := len(w.emu.JWTs()); jwts != 1 {
		t.Errorf("GitHub saw %d App JWTs, want one reused while valid", jwts)
	}
	if w.obs.count(broker.PolicyCache, true) != 1 || w.obs.count(broker.PolicyCache, false) != 1 {
		t.Errorf("policy cache: %d hits, %d misses; want 1 and 1", w.obs.count(broker.PolicyCache, true), w.obs.count(broker.PolicyCache, false))
	}
}

// A remembered policy, or its absence, is read again once the cache's
// lifetime has passed on the broker's clock, so a changed policy takes
// effect within it.
func TestCacheExpires(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy}, func(c *broker.Config) { c.CacheTTL = time.Minute })
	for range 2 {
		if _, err := w.exchange(w.token(nil), "octo-org/app", "deploy"); err != nil {
			t.Fatal(err)
		}
		bearer := w.token(nil)
		_, err := w.exchange(bearer, "octo-org/app", "absent")
		w.refusal(err, bearer, broker.NoPolicy, "policy_missing")
	}
	if c := w.calls(); c[lookupCall] != 1 || c[policyCall] != 1 || len(w.emu.ContentReads()) != 2 {
		t.Fatalf("within the lifetime: %v, %d policy reads; want one lookup and one read of each", c, len(w.emu.ContentReads()))
	}
	w.clock.advance(time.Minute)
	if _, err := w.exchange(w.token(nil), "octo-org/app", "deploy"); err != nil {
		t.Fatal(err)
	}
	bearer := w.token(nil)
	_, err := w.exchange(bearer, "octo-org/app", "absent")
	w.refusal(err, bearer, broker.NoPolicy, "policy_missing")
	if c := w.calls(); c[lookupCall] != 2 || c[policyCall] != 2 || len(w.emu.ContentReads()) != 4 {
		t.Errorf("after the lifetime: %v, %d policy reads; want each read again", c, len(w.emu.ContentReads()))
	}
}

// Concurrent identical exchanges on a cold cache read GitHub once: one
// installation lookup, one policy read.
func TestConcurrentMissesReadOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy})
	// The policy's answer waits, so the exchanges meet while it is read.
	w.emu.AddFault(githubtest.Fault{Method: "GET", Path: githubtest.ContentsPath("octo-org", "app", ".github/chainguard/deploy.sts.yaml"), Delay: 200 * time.Millisecond})
	const n = 20
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = w.token(nil)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.exchange(tokens[i], "octo-org/app", "deploy")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if c := w.calls(); c[lookupCall] != 1 || c[policyCall] != 1 || c[mintCall] != n+1 {
		t.Errorf("%d concurrent exchanges called %v; want one lookup, one policy read, %d mints", n, c, n+1)
	}
}

// A failure to ask GitHub is not remembered: rate limits say when to try
// again, and the next exchange asks again.
func TestGitHubFailuresAreNotRemembered(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy})
	reset := strconv.FormatInt(time.Now().Add(90*time.Second).Unix(), 10)
	w.emu.AddFault(githubtest.Fault{Method: "GET", Path: "/users/octo-org/installation", Status: http.StatusForbidden,
		Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset}, "X-Ratelimit-Limit": {"5000"}},
		Body:   `{"message":"API rate limit exceeded for installation ID 1001."}`})
	bearer := w.token(nil)
	_, err := w.exchange(bearer, "octo-org/app", "deploy")
	e := w.refusal(err, bearer, broker.RateLimited, "rate_limited")
	if e.RetryAfter < 60*time.Second || e.RetryAfter > 91*time.Second {
		t.Errorf("retry after %s, want about 90s", e.RetryAfter)
	}
	w.emu.AddFault(githubtest.Fault{Method: "GET", Path: "/users/octo-org/installation", Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {"30"}}, Body: `{"message":"You have exceeded a secondary rate limit."}`})
	_, err = w.exchange(bearer, "octo-org/app", "deploy")
	if e := w.refusal(err, bearer, broker.RateLimited, "rate_limited"); e.RetryAfter != 30*time.Second {
		t.Errorf("retry after %s, want 30s", e.RetryAfter)
	}
	for _, f := range []githubtest.Fault{
		{Method: "GET", Path: "/users/octo-org/installation", Status: http.StatusBadGateway},
		{Method: "POST", Path: "/app/installations/1001/access_tokens", Status: http.StatusBadGateway},
		{Method: "GET", Path: githubtest.ContentsPath("octo-org", "app", ".github/chainguard/deploy.sts.yaml"), Status: http.StatusBadGateway},
	} {
		w.emu.AddFault(f)
		_, err = w.exchange(bearer, "octo-org/app", "deploy")
		w.refusal(err, bearer, broker.GitHubFailed, "github")
	}
	if _, err := w.exchange(bearer, "octo-org/app", "deploy"); err != nil {
		t.Fatalf("after GitHub recovered: %v", err)
	}
	if c := w.calls(); c[lookupCall] != 4 || c[policyCall] != 2 {
		t.Errorf("%d installation lookups and %d policy reads; want each failure asked again (4 and 2)", c[lookupCall], c[policyCall])
	}
}

// Exchanges that share one refused read each get their own refusal, with
// their own token's audit.
func TestSharedRefusalsKeepTheirAudit(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	w.emu.AddFault(githubtest.Fault{Method: "GET", Path: githubtest.ContentsPath("octo-org", "app", ".github/chainguard/absent.sts.yaml"), Delay: 200 * time.Millisecond})
	const n = 20
	var wg sync.WaitGroup
	refusals := make([]*broker.Error, n)
	for i := range n {
		bearer := w.token(func(c githubtest.Claims) githubtest.Claims { return c.With("run_id", strconv.Itoa(i)) })
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.exchange(bearer, "octo-org/app", "absent")
			errors.As(err, &refusals[i])
		}()
	}
	wg.Wait()
	for i, e := range refusals {
		if e == nil || e.RunID != strconv.Itoa(i) {
			t.Fatalf("exchange %d's refusal is %+v, want its own run's", i, e)
		}
	}
	if reads := len(w.emu.ContentReads()); reads != 1 {
		t.Errorf("%d policy reads, want 1", reads)
	}
}

// A caller whose context ends while a shared read is under way gets its
// context's error at once (the door answers a timeout), not a refusal;
// the read goes on for the others and is remembered.
func TestCallerLeavingEarly(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{deployPath: repoPolicy})
	w.emu.AddFault(githubtest.Fault{Method: "GET", Path: githubtest.ContentsPath("octo-org", "app", ".github/chainguard/deploy.sts.yaml"), Delay: time.Second})
	w.leaveWhen("GET", githubtest.ContentsPath("octo-org", "app", ".github/chainguard/deploy.sts.yaml"))
	if reads := len(w.emu.ContentReads()); reads != 0 {
		t.Fatalf("the exchange waited for the policy's read (%d) after its context ended", reads)
	}
	if _, err := w.exchange(w.token(nil), "octo-org/app", "deploy"); err != nil {
		t.Fatal(err)
	}
	if c := w.calls(); c[policyCall] != 1 {
		t.Errorf("the policy was asked for %d times, want once: the read the first caller left went on", c[policyCall])
	}
}
