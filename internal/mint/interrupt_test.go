package mint_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/setting"
)

const revokePath = "/installation/token"

// lagging is a Minter on the emulator that logs its retries and records
// what is outstanding; its waits take no time.
type lagging struct {
	*core
	m   *mint.Minter
	cfg *config.Config
	out *mint.Outstanding

	mu  sync.Mutex
	log []string
}

func newLagging(t *testing.T, world func(*githubtest.Config)) *lagging {
	t.Helper()
	l := &lagging{core: newCore(t, config.Config{Request: config.Request{Owner: "octocat"}}, world, nil), out: &mint.Outstanding{}}
	l.cfg = &config.Config{App: config.App{Issuer: githubtest.DefaultClientID, APIURL: l.url, PrivateKey: appPEM, Retry: config.Retry{Attempts: 2, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second, TokenReady: 10 * time.Second}}, Request: config.Request{Owner: "octocat"}}
	m, err := mint.New(context.Background(), l.cfg, l.options())
	if err != nil {
		t.Fatal(err)
	}
	l.m = m
	return l
}

func (l *lagging) options() mint.Options {
	return mint.Options{
		Env: env.Env{Base: http.DefaultTransport, Now: time.Now,
			Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }},
		Outstanding: l.out,
		Log:         func(line string) { l.mu.Lock(); l.log = append(l.log, line); l.mu.Unlock() },
	}
}

func (l *lagging) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.log...)
}

func (l *lagging) mintOne() *mint.Token {
	l.t.Helper()
	tok, err := l.m.Mint(context.Background())
	if err != nil {
		l.t.Fatal(err)
	}
	return tok
}

// interruptedBy is a context a signal cancelled.
func interruptedBy(sig string) context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(mint.Interrupt(sig))
	return ctx
}

// At both doors an interruption reads as one: no network advice, the
// signal named when known, and still a cancellation to errors.Is.
func TestExplainSaysInterrupted(t *testing.T) {
	t.Parallel()
	cfg := config.App{}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		ctx  context.Context
		want string
	}{
		{interruptedBy("SIGINT"), "find the App's installation on octocat: interrupted (SIGINT)"},
		{interruptedBy("SIGTERM"), "find the App's installation on octocat: interrupted (SIGTERM)"},
		{cancelled, "find the App's installation on octocat: interrupted"},
	} {
		err := mint.Explain(tc.ctx, "find the App's installation on octocat", context.Canceled, cfg)
		var i *mint.Interrupted
		if !errors.As(err, &i) || !errors.Is(err, context.Canceled) {
			t.Errorf("%v: %T, want *mint.Interrupted that is context.Canceled", tc.want, err)
		}
		for _, d := range []setting.Door{setting.Action, setting.CLI} {
			if got := setting.Render(err, d); got != tc.want {
				t.Errorf("door %d: %q, want %q", d, got, tc.want)
			}
		}
	}
	timedOut, cancel := context.WithDeadline(context.Background(), time.Now())
	defer cancel()
	var i *mint.Interrupted
	if err := mint.Explain(timedOut, "op", context.DeadlineExceeded, config.App{}); errors.As(err, &i) || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("a deadline is no interruption: %v", err)
	}
	if mint.Interruption(context.Background(), "op") != nil || mint.Interruption(timedOut, "op") != nil {
		t.Error("Interruption without an interruption")
	}
	if err := mint.Interruption(interruptedBy("SIGINT"), "sign"); err == nil || err.Error() != "sign: interrupted (SIGINT)" {
		t.Errorf("Interruption = %v", err)
	}
}

// Interrupted during the check: the token is revoked through GitHub's lag
// (its first refusals of the revocation are lag too), without a retry
// line, and the error says so; nothing is left outstanding.
func TestReadyInterruptedRevokesQuietly(t *testing.T) {
	t.Parallel()
	l := newLagging(t, func(c *githubtest.Config) { c.TokenLagCalls = 3 })
	tok := l.mintOne()
	_, err := l.m.Ready(interruptedBy("SIGINT"), tok)
	want := "check that GitHub accepts the new token: interrupted (SIGINT); the token was revoked"
	if err == nil || err.Error() != want || !l.emu.Tokens()[0].Revoked {
		t.Fatalf("error %v, revoked %t; want %q", err, l.emu.Tokens()[0].Revoked, want)
	}
	if got := l.emu.Count("DELETE", revokePath); got != 4 || len(l.lines()) != 0 {
		t.Errorf("%d revocations, log %q; want 4 (3 refused as lag), no line", got, l.lines())
	}
	if got := l.out.Abandoned(mint.Interrupt("SIGINT")).Error(); got != "interrupted again (SIGINT): stopped at once" {
		t.Errorf("Abandoned = %q: the revoked token is still outstanding", got)
	}
}

// What an interrupted run's revocation comes to when GitHub refuses it.
func TestInterruptedRevocationOutcomes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		fault   githubtest.Fault
		want    string
		pending bool
	}{
		{"401 throughout", githubtest.Fault{Method: "DELETE", Path: revokePath, Status: 401, Times: -1, Body: `{"message":"Bad credentials"}`},
			"op: interrupted (SIGTERM); GitHub refused to revoke the token (401 Bad credentials); should it ever work, it expires at ", false},
		{"502 throughout", githubtest.Fault{Method: "DELETE", Path: revokePath, Status: 502, Times: -1},
			"op: interrupted (SIGTERM); revoking the token failed (revoke the token: GitHub answered 502 Bad Gateway); it stays valid until it expires at ", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := newLagging(t, nil)
			tok := l.mintOne()
			l.emu.AddFault(tc.fault)
			expires := tok.ExpiresAt.UTC().Format(time.RFC3339)
			err := l.m.Abandon(interruptedBy("SIGTERM"), tok.Token, "op")
			if err == nil || err.Error() != tc.want+expires {
				t.Errorf("error %v, want %q", err, tc.want+expires)
			}
			abandoned := l.out.Abandoned(mint.Interrupt("SIGTERM")).Error()
			if still := strings.HasSuffix(abandoned, "it stays valid until it expires at "+expires); still != tc.pending {
				t.Errorf("Abandoned = %q, outstanding %t, want %t", abandoned, still, tc.pending)
			}
		})
	}
}

// A door hands the token over only when the run goes on; an interrupted
// one revokes it instead. Abandon leaves a running run's token alone.
func TestHandOver(t *testing.T) {
	t.Parallel()
	l := newLagging(t, nil)
	tok := l.mintOne()
	abandoned := l.out.Abandoned(mint.Interrupt("SIGINT")).Error()
	if want := "interrupted again (SIGINT): stopped at once, without revoking the token: it stays valid until it expires at " + tok.ExpiresAt.UTC().Format(time.RFC3339); abandoned != want {
		t.Errorf("outstanding after minting: %q, want %q", abandoned, want)
	}
	if err := l.m.Abandon(context.Background(), tok.Token, "op"); err != nil || l.emu.Tokens()[0].Revoked {
		t.Errorf("Abandon while running: %v, revoked %t", err, l.emu.Tokens()[0].Revoked)
	}
	if err := l.m.HandOver(context.Background(), tok.Token, "op"); err != nil || l.emu.Tokens()[0].Revoked {
		t.Errorf("HandOver while running: %v, revoked %t", err, l.emu.Tokens()[0].Revoked)
	}
	if got := l.out.Abandoned(nil).Error(); got != "interrupted again: stopped at once" {
		t.Errorf("after the hand-over: %q", got)
	}
	tok = l.mintOne()
	if err := l.m.HandOver(interruptedBy("SIGINT"), tok.Token, "set the outputs"); err == nil ||
		err.Error() != "set the outputs: interrupted (SIGINT); the token was revoked" || !l.emu.Tokens()[1].Revoked {
		t.Errorf("HandOver interrupted: %v, revoked %t", err, l.emu.Tokens()[1].Revoked)
	}
	var none *mint.Outstanding
	none.Settle(tok.Token)
	if got := none.Abandoned(mint.Interrupt("SIGINT")).Error(); got != "interrupted again (SIGINT): stopped at once" {
		t.Errorf("nil Outstanding: %q", got)
	}
}

// A token revoked within a minute of its minting: its 401 is retried as
// lag, every other failure within the retry settings (issue 23, item 5);
// an older token's 401 means revoked.
func TestRevokeClientYoungToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		age     time.Duration
		fault   githubtest.Fault
		tries   int
		revoked bool
	}{
		{"young, 502", 0, githubtest.Fault{Status: 502, Times: -1}, 3, false},
		{"young, lag", 0, githubtest.Fault{Status: 401, Times: 4}, 5, true},
		{"young, lag then 502", 0, githubtest.Fault{Status: 401, Times: 2}, 5, false},
		{"old, 401", 2 * time.Minute, githubtest.Fault{Status: 401, Times: 4}, 1, false},
		{"old, 502", 2 * time.Minute, githubtest.Fault{Status: 502, Times: -1}, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := newLagging(t, nil)
			tok := l.mintOne()
			tc.fault.Method, tc.fault.Path = "DELETE", revokePath
			l.emu.AddFault(tc.fault)
			if tc.name == "young, lag then 502" {
				l.emu.AddFault(githubtest.Fault{Method: "DELETE", Path: revokePath, Status: 502, Times: -1})
			}
			cfg := *l.cfg
			cfg.Retry.Attempts = 3
			err := mint.RevokeClient(cfg.App, l.options(), tok.ExpiresAt, time.Now().Add(tc.age)).RevokeToken(context.Background(), tok.Token.Token)
			if got := l.emu.Count("DELETE", revokePath); got != tc.tries || l.emu.Tokens()[0].Revoked != tc.revoked || (err == nil) != tc.revoked {
				t.Errorf("%d tries, revoked %t, error %v; want %d, %t", got, l.emu.Tokens()[0].Revoked, err, tc.tries, tc.revoked)
			}
		})
	}
}

// Interrupted while the answer was held to the request: the wider token
// is still revoked (briefly), and the error says why first.
func TestWiderAnswerInterruptedIsRevoked(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	c := newCore(t, config.Config{Request: config.Request{Owner: "octo-org", Repositories: []string{"app"}}}, nil, func(path string, a map[string]any) {
		if strings.HasSuffix(path, "/access_tokens") {
			a["repository_selection"] = "all"
			cancel(mint.Interrupt("SIGINT"))
		}
	})
	tok, err := c.m.Mint(ctx)
	if tok != nil || err == nil || !strings.Contains(err.Error(), "every repository") ||
		!strings.HasSuffix(err.Error(), ". Meanwhile: interrupted (SIGINT); the token was revoked") || !c.emu.Tokens()[0].Revoked {
		t.Errorf("token %v, error %v, revoked %t", tok, err, c.emu.Tokens()[0].Revoked)
	}
}

// RevokeYoung (dispatch's own revocation): through the lag, and what a
// revocation that failed leaves outstanding.
func TestRevokeYoung(t *testing.T) {
	t.Parallel()
	if got := mint.Interrupt("SIGINT").Error(); got != "SIGINT received" {
		t.Errorf("Interrupt.Error = %q", got)
	}
	l := newLagging(t, func(c *githubtest.Config) { c.TokenLagCalls = 2 })
	tok := l.mintOne()
	if err := l.m.RevokeYoung(context.Background(), tok.Token); err != nil || l.emu.Count("DELETE", revokePath) != 3 || !l.emu.Tokens()[0].Revoked {
		t.Errorf("through the lag: %v after %d tries", err, l.emu.Count("DELETE", revokePath))
	}
	if got := l.out.Abandoned(nil).Error(); got != "interrupted again: stopped at once" {
		t.Errorf("revoked, yet outstanding: %q", got)
	}
	tok = l.mintOne()
	l.emu.AddFault(githubtest.Fault{Method: "DELETE", Path: revokePath, Status: 502, Times: -1})
	if err := l.m.RevokeYoung(context.Background(), tok.Token); err == nil || l.emu.Count("DELETE", revokePath) != 5 {
		t.Errorf("502s: %v after %d tries in all, want 2 more (retry-attempts)", err, l.emu.Count("DELETE", revokePath))
	}
	if got := l.out.Abandoned(nil).Error(); !strings.HasSuffix(got, tok.ExpiresAt.UTC().Format(time.RFC3339)) {
		t.Errorf("not revoked, yet not outstanding: %q", got)
	}
}
