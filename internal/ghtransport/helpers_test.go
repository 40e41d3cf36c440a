package ghtransport

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// epoch is the fake "now" every test starts from.
var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeClock stands in for time: Sleep records the wait and moves Now on
// instead of sleeping.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// lines collects log lines.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) Log(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, line)
}

func (l *lines) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

// seen is what a scripted server received, one entry per request.
type seen struct {
	Method, Path, Auth, Body string
}

// script serves its answers in order, repeating the last one, and records
// every request it sees.
type script struct {
	mu       sync.Mutex
	answers  []http.HandlerFunc
	requests []seen
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, seen{r.Method, r.URL.Path, r.Header.Get("Authorization"), string(body)})
	answer := s.answers[min(len(s.requests), len(s.answers))-1]
	s.mu.Unlock()
	answer(w, r)
}

func (s *script) Requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.requests...)
}

func (s *script) Hits() int { return len(s.Requests()) }

// serve starts a server that gives answers in order.
func serve(t *testing.T, answers ...http.HandlerFunc) (*httptest.Server, *script) {
	t.Helper()
	s := &script{answers: answers}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, s
}

// reply answers with code, a GitHub-style JSON message, and headers given as
// name, value pairs.
func reply(code int, message string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header()[http.CanonicalHeaderKey(header[i])] = []string{header[i+1]}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
	}
}

func ok() http.HandlerFunc { return reply(http.StatusOK, "fine") }

// hangUp drops the connection without answering.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// newBase returns a fresh base transport whose idle connections close with
// the test.
func newBase(t *testing.T) *http.Transport {
	base := NewBase(nil)
	t.Cleanup(base.CloseIdleConnections)
	return base
}

// request builds a request with a token in the header and a secret-looking
// query, neither of which may ever show in a log line or error.
func request(t *testing.T, ctx context.Context, method, url, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url+"?per_page=1&state="+secret, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	return req
}

// secret stands for an installation token.
const secret = "ghs_S3cr3tT0k3nThatMustNeverBeLogged"

// readBody returns the whole body and closes it.
func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

// assertNoSecret fails when text carries the token.
func assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	if strings.Contains(text, secret) || strings.Contains(text, "S3cr3t") {
		t.Errorf("%s leaks the token: %q", what, text)
	}
}

// roundTrip sends req through rt and fails the test on an error; the caller
// reads or closes the body.
func roundTrip(t *testing.T, rt http.RoundTripper, req *http.Request) *http.Response {
	t.Helper()
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// roundTripClosed is roundTrip for callers that need only the status and
// headers.
func roundTripClosed(t *testing.T, rt http.RoundTripper, req *http.Request) *http.Response {
	t.Helper()
	resp := roundTrip(t, rt, req)
	resp.Body.Close()
	return resp
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
