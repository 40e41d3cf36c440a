package githubtest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestStatusFaults(t *testing.T) {
	t.Parallel()
	const mintPath = "/app/installations/1001/access_tokens"
	tests := []struct {
		name  string
		fault Fault
		calls []struct{ method, path string }
		want  []int
	}{
		{"times counts matching requests", Fault{Method: "POST", Path: "/app/installations/*", Times: 2, Status: 502},
			reqs("POST "+mintPath, "POST "+mintPath, "POST "+mintPath), []int{502, 502, 201}},
		{"zero times is one", Fault{Path: mintPath, Status: 500},
			reqs("POST "+mintPath, "POST "+mintPath), []int{500, 201}},
		{"negative times is every", Fault{Path: "/app", Times: -1, Status: 503},
			reqs("GET /app", "GET /app", "GET /api/v3/app"), []int{503, 503, 503}},
		{"method must match", Fault{Method: "GET", Path: mintPath, Status: 500},
			reqs("POST "+mintPath, "GET /app"), []int{201, 200}},
		{"exact path does not prefix-match", Fault{Path: "/app", Times: -1, Status: 500},
			reqs("GET /app/installations", "GET /app"), []int{200, 500}},
		{"prefix path after /api/v3", Fault{Path: "/app/*", Times: -1, Status: 429},
			reqs("GET /api/v3/app/installations", "GET /app"), []int{429, 200}},
		{"empty matches everything", Fault{Times: 2, Status: 500},
			reqs("GET /app", "GET /users/octocat", "GET /app"), []int{500, 500, 200}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := newTestServer(t, nil)
			s.AddFault(tc.fault)
			for i, c := range tc.calls {
				a := call(t, ts, c.method, c.path, "Bearer "+appJWT(t), "")
				if a.status != tc.want[i] {
					t.Errorf("call %d %s %s: %d, want %d", i, c.method, c.path, a.status, tc.want[i])
				}
			}
			if n := len(s.Requests()); n != len(tc.calls) {
				t.Errorf("recorded %d requests, want %d (faulted ones too)", n, len(tc.calls))
			}
		})
	}
}

func reqs(specs ...string) []struct{ method, path string } {
	var out []struct{ method, path string }
	for _, s := range specs {
		m, p, _ := strings.Cut(s, " ")
		out = append(out, struct{ method, path string }{m, p})
	}
	return out
}

func TestFaultAnswerCarriesHeaderBodyAndGitHubHeaders(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	s.AddFault(Fault{Path: "/app", Status: 403, Header: http.Header{"Retry-After": {"30"}, "x-ratelimit-remaining": {"0"}},
		Body: `{"message":"You have exceeded a secondary rate limit."}`})
	a := call(t, ts, "GET", "/app", "Bearer "+appJWT(t), "")
	if a.status != 403 || a.message(t) != "You have exceeded a secondary rate limit." {
		t.Fatalf("%d %s", a.status, a.body)
	}
	h := a.header
	if h.Get("Retry-After") != "30" || h.Get("X-Ratelimit-Remaining") != "0" || h.Get("X-Ratelimit-Limit") != "5000" ||
		h.Get("Date") == "" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("headers %v", h)
	}
	// The next one is answered normally.
	if b := call(t, ts, "GET", "/app", "Bearer "+appJWT(t), ""); b.status != 200 || b.header.Get("Retry-After") != "" {
		t.Errorf("after the fault: %d %v", b.status, b.header)
	}
}

func TestFaultsApplyInOrderAdded(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	s.AddFault(Fault{Path: "/app", Status: 500})
	s.AddFault(Fault{Path: "/app", Status: 502})
	for i, want := range []int{500, 502, 200} {
		if a := call(t, ts, "GET", "/app", "Bearer "+appJWT(t), ""); a.status != want {
			t.Errorf("call %d: %d, want %d", i, a.status, want)
		}
	}
}

func TestDropFaultIsAClientError(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	s.AddFault(Fault{Method: "POST", Path: "/app/installations/*", Drop: true})
	req, _ := http.NewRequest("POST", ts.URL+"/app/installations/1001/access_tokens", nil)
	req.Header.Set("Authorization", "Bearer "+appJWT(t))
	resp, err := ts.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}
	if len(s.Tokens()) != 0 || len(s.Requests()) != 1 {
		t.Errorf("tokens %d requests %d", len(s.Tokens()), len(s.Requests()))
	}
	// Used up: the retry is answered.
	if a := call(t, ts, "POST", "/app/installations/1001/access_tokens", "Bearer "+appJWT(t), ""); a.status != 201 {
		t.Errorf("after the drop: %d", a.status)
	}
}

func TestDropWithoutHijackAbortsTheHandler(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	s := New(DefaultConfig(&k.PublicKey))
	s.AddFault(Fault{Drop: true})
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", r)
		}
	}()
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/app", nil))
	t.Error("ServeHTTP returned normally")
}

func TestDelayThenAnswerNormally(t *testing.T) {
	t.Parallel()
	waited := make(chan time.Duration, 10)
	s, ts := newTestServer(t, func(c *Config) {
		c.After = func(d time.Duration) <-chan time.Time {
			waited <- d
			ch := make(chan time.Time, 1)
			ch <- t0
			return ch
		}
	})
	s.AddFault(Fault{Path: "/app", Delay: 3 * time.Second})
	if a := call(t, ts, "GET", "/app", "Bearer "+appJWT(t), ""); a.status != 200 {
		t.Fatalf("status %d", a.status)
	}
	if len(waited) != 1 || <-waited != 3*time.Second {
		t.Error("the fault did not wait its Delay once")
	}
}

func TestDelayThenStatus(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, func(c *Config) {
		c.After = func(time.Duration) <-chan time.Time { ch := make(chan time.Time, 1); ch <- t0; return ch }
	})
	s.AddFault(Fault{Path: "/app", Delay: time.Minute, Status: 504})
	if a := call(t, ts, "GET", "/app", "Bearer "+appJWT(t), ""); a.status != 504 {
		t.Errorf("status %d", a.status)
	}
}

func TestDelayHonoursTheClientsContext(t *testing.T) {
	t.Parallel()
	waiting := make(chan struct{})
	handlerDone := make(chan struct{})
	s, _ := newTestServer(t, func(c *Config) {
		c.After = func(time.Duration) <-chan time.Time { close(waiting); return nil } // never fires
	})
	s.AddFault(Fault{Path: "/app", Delay: time.Hour})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		s.ServeHTTP(w, r)
	}))
	defer ts.Close()

	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-waiting; cancel() }()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/app", nil)
	resp, err := ts.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d despite the cancelled context", resp.StatusCode)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	<-handlerDone // the handler gave up instead of waiting an hour
}
