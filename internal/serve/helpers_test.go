package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/permissions"
)

// oidcToken is a JWT-shaped bearer: what a workload presents. grantToken is
// an installation token's shape. Both are what the leak checks look for.
const (
	oidcToken  = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJodHRwczovL3Rva2VuLmV4YW1wbGUiLCJzdWIiOiJyZXBvOm9jdG8vYXBwIn0.c2lnbmF0dXJlLW9mLXRoZS1vaWRjLXRva2VuLWZvci10ZXN0cy0xMjM0NTY3ODkw"
	grantToken = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
)

// fake is an Exchanger whose answer a test chooses; it records requests.
type fake struct {
	mu       sync.Mutex
	requests []broker.Request
	answer   func(ctx context.Context, req broker.Request) (*broker.Grant, error)
}

func (f *fake) Exchange(ctx context.Context, req broker.Request) (*broker.Grant, error) {
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	if f.answer == nil {
		return grant(req), nil
	}
	return f.answer(ctx, req)
}

func (f *fake) seen() []broker.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]broker.Request(nil), f.requests...)
}

// grant is what a fake grants: the request's narrowing or contents:read
// on the scope's repository, with the claims an audit line shows.
func grant(req broker.Request) *broker.Grant {
	perms := req.Permissions
	if len(perms) == 0 {
		perms = permissions.Set{"contents": "read", "metadata": "read"}
	}
	repos := req.Repositories
	if len(repos) == 0 {
		_, repo, _ := strings.Cut(req.Scope, "/")
		repos = []string{repo}
	}
	return &broker.Grant{
		Token: grantToken, ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		InstallationID: 42, AppSlug: "octo-broker", Permissions: perms, Repositories: repos,
		Reason: "repository_policy",
		Audit: broker.Audit{
			Identity: req.Identity, Scope: req.Scope, Issuer: "https://token.actions.githubusercontent.com",
			Subject: "repo:octo/app:ref:refs/heads/main", Repository: "octo/app",
			WorkflowRef: "octo/app/.github/workflows/release.yml@refs/heads/main", RunID: "1234567890",
		},
	}
}

// buffer is a concurrency-safe bytes.Buffer: the audit and log streams.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// lines are the JSON lines written so far, decoded.
func (b *buffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// world is a server on loopback with a fake exchanger.
type world struct {
	url      string
	fake     *fake
	audit    *buffer
	log      *buffer
	server   *Server
	stop     context.CancelFunc
	done     chan error
	listener net.Listener
}

// start serves cfg (its Exchanger a fake when nil) on a loopback port until
// the test ends.
func start(t *testing.T, cfg Config) *world {
	t.Helper()
	w := &world{fake: &fake{}, audit: &buffer{}, log: &buffer{}, done: make(chan error, 1)}
	if cfg.Exchanger == nil {
		cfg.Exchanger = w.fake
	}
	cfg.Audit, cfg.Log = NewAudit(w.audit), w.log
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.server, w.listener, w.url = s, ln, "http://"+ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	w.stop = stop
	go func() { w.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-w.done:
		case <-time.After(15 * time.Second):
			t.Error("the server did not stop")
		}
	})
	return w
}

// decodeStrict decodes one JSON value of s into v, refusing unknown fields.
func decodeStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// dial opens a raw connection to the server, closed when the test ends.
func (w *world) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", w.listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// answer is one HTTP answer, read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) message(t *testing.T) string {
	t.Helper()
	var m struct {
		Message string `json:"message"`
	}
	if err := decodeStrict(a.body, &m); err != nil || m.Message == "" {
		t.Fatalf("not an error answer {\"message\": ...}: %q (%v)", a.body, err)
	}
	if a.header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", a.header.Get("Content-Type"))
	}
	return m.Message
}

var client = &http.Client{Timeout: 20 * time.Second}

func (w *world) do(t *testing.T, method, path string, header http.Header, body io.Reader) answer {
	t.Helper()
	a, err := w.try(method, path, header, body)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// try is do for another goroutine than the test's: the error is returned.
func (w *world) try(method, path string, header http.Header, body io.Reader) (answer, error) {
	req, err := http.NewRequest(method, w.url+path, body)
	if err != nil {
		return answer{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}, err
}

// bearer is the header of a well-formed exchange.
func bearer() http.Header { return http.Header{"Authorization": {"Bearer " + oidcToken}} }

// jsonBearer adds the JSON content type.
func jsonBearer() http.Header {
	h := bearer()
	h.Set("Content-Type", "application/json")
	return h
}
