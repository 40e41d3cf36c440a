package serve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/broker"
)

// Each refusal of the core has its status, its message as the core said
// it (one line, no credential), and Retry-After where trying later helps.
func TestRefusalStatuses(t *testing.T) {
	t.Parallel()
	w := start(t, Config{RequestTimeout: 300 * time.Millisecond})
	for _, c := range []struct {
		err        error
		status     int
		message    string
		retryAfter string
	}{
		{&broker.Error{Kind: broker.BadRequest, Rule: "scope", Message: "scope is OWNER/REPO or OWNER"}, 400, "scope is OWNER/REPO or OWNER", ""},
		{&broker.Error{Kind: broker.BadToken, Rule: "expired", Message: "the OIDC token has expired; request a new one"}, 401, "the OIDC token has expired; request a new one", ""},
		{&broker.Error{Kind: broker.Denied, Rule: "subject", Message: "the token's subject (sub) does not match subject_pattern \"repo:o/r:.*\""}, 403, "the token's subject (sub) does not match subject_pattern \"repo:o/r:.*\"", ""},
		{&broker.Error{Kind: broker.NoPolicy, Rule: "policy_missing", Message: "no policy deploy in octo/app"}, 404, "no policy deploy in octo/app", ""},
		{&broker.Error{Kind: broker.RateLimited, Rule: "primary", Message: "GitHub rate-limits the App", RetryAfter: 1500 * time.Millisecond}, 429, "GitHub rate-limits the App", "2"},
		{&broker.Error{Kind: broker.RateLimited, Message: "GitHub rate-limits the App"}, 429, "GitHub rate-limits the App", "1"},
		{&broker.Error{Kind: broker.RateLimited, Message: "for hours", RetryAfter: 50 * time.Hour}, 429, "for hours", "3600"},
		{&broker.Error{Kind: broker.GitHubFailed, Message: "GitHub answered 500"}, 502, "GitHub answered 500", ""},
		{&broker.Error{Kind: broker.IssuerUnavailable, Message: "could not get the keys", RetryAfter: 30 * time.Second}, 503, "could not get the keys", "30"},
		{fmt.Errorf("wrapped: %w", &broker.Error{Kind: broker.Denied, Message: "denied"}), 403, "denied", ""},
		{&broker.Error{Kind: broker.Denied}, 403, "refused: denied", ""},
		{&broker.Error{Kind: 0, Message: "no kind"}, 500, internalError, ""},
		{&broker.Error{Kind: 99, Message: "unknown kind"}, 500, internalError, ""},
		{errors.New("a bug"), 500, internalError, ""},
		{nil, 500, internalError, ""}, // no grant and no error
		{context.DeadlineExceeded, 503, tookTooLong, "1"},
	} {
		w.fake.answer = func(ctx context.Context, req broker.Request) (*broker.Grant, error) {
			if c.err == context.DeadlineExceeded {
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return nil, c.err
		}
		a := w.do(t, "GET", "/sts/exchange?scope=o/r&identity=i", bearer(), nil)
		if a.status != c.status || a.message(t) != c.message || a.header.Get("Retry-After") != c.retryAfter {
			t.Errorf("%v: %d %q Retry-After %q, want %d %q %q", c.err, a.status, a.body, a.header.Get("Retry-After"), c.status, c.message, c.retryAfter)
		}
		if c.status == 401 && a.header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("401 without WWW-Authenticate")
		}
	}
	if !strings.Contains(w.log.String(), `"error":"a bug"`) || !strings.Contains(w.log.String(), "no token and no error") {
		t.Errorf("the unexpected failures are not in the log: %s", w.log)
	}
}

// A panicking exchanger is a 500 with a log line of its value, never its
// stack; the server goes on.
func TestExchangePanics(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	w.fake.answer = func(context.Context, broker.Request) (*broker.Grant, error) { panic("boom in the core") }
	a := w.do(t, "GET", "/sts/exchange?scope=o/r&identity=i", bearer(), nil)
	if a.status != 500 || a.message(t) != internalError {
		t.Errorf("%d %s", a.status, a.body)
	}
	log := w.log.String()
	if !strings.Contains(log, "boom in the core") || strings.Contains(log, "goroutine") || strings.Contains(log, ".go:") {
		t.Errorf("log: %s", log)
	}
	w.fake.answer = nil
	if a := w.do(t, "GET", "/sts/exchange?scope=o/r&identity=i", bearer(), nil); a.status != 200 {
		t.Errorf("after the panic: %d", a.status)
	}
}

// Every endpoint answers its methods only (405 with Allow); an unknown
// path is a JSON 404; /healthz answers GET and HEAD.
func TestEndpointsAndMethods(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"POST", "/sts/exchange?scope=o/r&identity=i", 405, "GET"},
		{"HEAD", "/sts/exchange?scope=o/r&identity=i", 405, "GET"},
		{"PUT", "/sts/exchange", 405, "GET"},
		{"GET", "/token", 405, "POST"},
		{"DELETE", "/token", 405, "POST"},
		{"POST", "/healthz", 405, "GET, HEAD"},
		{"POST", "/metrics", 405, "GET"},
		{"GET", "/", 404, ""},
		{"GET", "/sts/exchange/", 404, ""},
		{"GET", "/sts/Exchange", 404, ""},
		{"GET", "/hooks/github", 404, ""}, // no hooks configured
		{"GET", "/healthz", 200, ""},
		{"GET", "/metrics", 200, ""},
	} {
		a := w.do(t, c.method, c.path, bearer(), nil)
		if a.status != c.status || a.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d Allow %q, want %d %q", c.method, c.path, a.status, a.header.Get("Allow"), c.status, c.allow)
		}
		if c.status >= 400 && c.method != "HEAD" {
			a.message(t)
		}
	}
	if a := w.do(t, "GET", "/healthz", nil, nil); a.body != `{"status":"ok"}`+"\n" {
		t.Errorf("healthz: %q", a.body)
	}
	if a := w.do(t, "HEAD", "/healthz", nil, nil); a.status != 200 {
		t.Errorf("HEAD healthz: %d", a.status)
	}
	if a := w.do(t, "GET", "/metrics", nil, nil); !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Errorf("metrics Content-Type %q", a.header.Get("Content-Type"))
	}
	if n := len(w.fake.seen()); n != 0 {
		t.Errorf("the exchanger was asked %d times", n)
	}
}
