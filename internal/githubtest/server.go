package githubtest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is one request as the emulator saw it. It never holds the
// Authorization value, only which kind of credential was offered.
type Request struct {
	Method string
	Path   string // without the optional "/api/v3" prefix, as Fault.Path matches
	// FullPath is the path as received, so a test can check that a client
	// kept its GitHub Enterprise Server prefix.
	FullPath string
	Auth     string // "jwt", "token" (an installation token, "ghs_..."), or "none"
	Body     []byte
	Query    string
}

// IssuedToken is an installation token the emulator minted, with its scope.
type IssuedToken struct {
	Token          string
	InstallationID int64
	Repositories   []string // nil = all the installation reaches
	Permissions    map[string]string
	ExpiresAt      time.Time
	Revoked        bool
	RevokedAt      time.Time // server clock; zero while not revoked
	IssuedAt       time.Time // server clock
	// Lagged counts the calls with it answered 401 for replication lag
	// (Config.TokenLag, Config.TokenLagCalls).
	Lagged int
}

// Dispatch is a recorded repository_dispatch or workflow_dispatch event.
type Dispatch struct {
	Kind           string // "repository_dispatch" | "workflow_dispatch"
	Owner, Repo    string // as the repository is named, not as the request spelt it
	EventType      string // repository_dispatch only
	Workflow, Ref  string // workflow_dispatch only
	ClientPayload  json.RawMessage
	Inputs         json.RawMessage // workflow_dispatch only
	InstallationID int64
}

// Server emulates GitHub's App API. It implements http.Handler; all methods
// are safe for concurrent use.
type Server struct {
	credentialLog
	world *world
	now   func() time.Time
	ttl   time.Duration
	long  bool
	lag   lag
	after func(time.Duration) <-chan time.Time
	mux   *http.ServeMux

	// platform is Config.Platform; tb, set by Start, is the test a
	// contract mismatch fails; checks are the contract checks under way.
	platform string
	tb       testing.TB
	checks   sync.WaitGroup

	mu          sync.Mutex
	offset      time.Duration
	faults      []*faultState
	requests    []Request
	tokens      []*IssuedToken
	tokenIndex  map[string]*IssuedToken
	dispatches  []Dispatch
	rateUsed    int
	rateResetAt time.Time
	requestSeq  int64

	// contentReads are the contents API's requests with a live token.
	contentReads []ContentRead
}

// maxBody bounds what the emulator reads and records of a request body.
const maxBody = 1 << 20

// New returns a Server for cfg. Zero fields take the defaults documented on
// Config.
func New(cfg Config) *Server {
	s := &Server{
		now:        cfg.Now,
		ttl:        cfg.TokenTTL,
		long:       cfg.LongTokens,
		platform:   cfg.Platform,
		lag:        lag{window: cfg.TokenLag, calls: cfg.TokenLagCalls},
		after:      cfg.After,
		tokenIndex: map[string]*IssuedToken{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl <= 0 {
		s.ttl = time.Hour
	}
	if s.after == nil {
		s.after = time.After
	}
	s.world = newWorld(cfg, s.now())
	s.mux = s.routes()
	return s
}

// SetClockOffset emulates GitHub's clock being d ahead (negative: behind) of
// the local one. It affects JWT checks, token expiry, and the Date header.
func (s *Server) SetClockOffset(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset = d
}

// clock is the server's current time: Config.Now()+offset.
func (s *Server) clock() time.Time {
	s.mu.Lock()
	off := s.offset
	s.mu.Unlock()
	return s.now().Add(off)
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// Count is how many requests with method and path the server received.
func (s *Server) Count(method, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// Tokens returns every token issued so far, in order, with its revocation
// state at the time of the call.
func (s *Server) Tokens() []IssuedToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]IssuedToken, len(s.tokens))
	for i, t := range s.tokens {
		c := *t
		c.Repositories = slices.Clone(t.Repositories)
		c.Permissions = maps.Clone(t.Permissions)
		out[i] = c
	}
	return out
}

// Dispatches returns the recorded dispatch events, in order.
func (s *Server) Dispatches() []Dispatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Dispatch, len(s.dispatches))
	for i, d := range s.dispatches {
		d.ClientPayload = bytes.Clone(d.ClientPayload)
		d.Inputs = bytes.Clone(d.Inputs)
		out[i] = d
	}
	return out
}

// RepositoryID returns the id the emulator gave owner/name (matched
// case-insensitively), for tests that mint with repository_ids.
func (s *Server) RepositoryID(owner, name string) (int64, bool) {
	r := s.world.findRepo(owner, name)
	if r == nil {
		return 0, false
	}
	return r.id, true
}

// serve records the request, sets the headers GitHub always sends,
// applies a matching Fault if any, then answers like GitHub.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	full := r.URL.Path
	path, prefixed := stripPrefix(full)

	s.note(r.Header.Get("Authorization"))
	now := s.clock()
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: path, FullPath: full,
		Auth: AuthKind(r.Header.Get("Authorization")), Body: body, Query: r.URL.RawQuery,
	})
	s.setCommonHeadersLocked(w.Header(), now)
	f := s.takeFaultLocked(r.Method, path)
	s.mu.Unlock()

	if f != nil && f.AfterHandling {
		s.handle(httptest.NewRecorder(), r, path, prefixed)
		s.applyFault(w, r, f)
		return
	}
	if f != nil && s.applyFault(w, r, f) {
		return
	}
	s.handle(w, r, path, prefixed)
}

// handle answers r as GitHub would, for path without its /api/v3 prefix.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, path string, prefixed bool) {
	r2 := r.Clone(r.Context())
	r2.URL.Path = path
	r2.URL.RawPath = ""
	r2 = r2.WithContext(withBase(r2.Context(), baseURL(r, prefixed)))
	if _, pattern := s.mux.Handler(r2); pattern == "" {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	s.mux.ServeHTTP(w, r2)
}

// stripPrefix removes GitHub Enterprise Server's "/api/v3" API prefix.
func stripPrefix(p string) (string, bool) {
	const prefix = "/api/v3"
	switch {
	case p == prefix:
		return "/", true
	case strings.HasPrefix(p, prefix+"/"):
		return p[len(prefix):], true
	}
	return p, false
}

// setCommonHeadersLocked writes the Date and rate-limit headers GitHub sends
// on every answer. The primary limit is counted but never enforced; use a
// Fault to emulate running out.
func (s *Server) setCommonHeadersLocked(h http.Header, now time.Time) {
	const limit = 5000
	if s.rateResetAt.IsZero() || !now.Before(s.rateResetAt) {
		s.rateUsed = 0
		s.rateResetAt = now.Add(time.Hour).Truncate(time.Second)
	}
	s.rateUsed++
	s.requestSeq++
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("X-Ratelimit-Limit", itoa(limit))
	h.Set("X-Ratelimit-Remaining", itoa(int64(max(limit-s.rateUsed, 0))))
	h.Set("X-Ratelimit-Used", itoa(int64(s.rateUsed)))
	h.Set("X-Ratelimit-Reset", itoa(s.rateResetAt.Unix()))
	h.Set("X-Ratelimit-Resource", "core")
	h.Set("X-Github-Request-Id", "EMU:"+itoa(s.requestSeq))
}

// Start serves a Server for cfg on loopback for the rest of tb, the way the
// scenario and command-line tests each begin.
func Start(tb testing.TB, cfg Config) (*Server, *httptest.Server) {
	tb.Helper()
	emu := New(cfg)
	emu.tb = tb
	srv := httptest.NewServer(emu)
	tb.Cleanup(emu.checks.Wait) // after srv.Close: every exchange checked
	tb.Cleanup(srv.Close)
	return emu, srv
}
