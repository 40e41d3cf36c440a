package githubtest

// The hook through which package contract holds every exchange to GitHub's
// published description. It lives here, dependency-free, so that only test
// binaries (which call contract.Main) link the OpenAPI library: the
// emulator's own command and the action never do.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
)

// The platforms whose description an exchange is held to.
const (
	PlatformDotcom = "api.github.com"
	PlatformGHEC   = "ghec"
	PlatformGHES   = "ghes" // the newest GitHub Enterprise Server release described
)

// Exchange is one request to the emulator and its answer, as a contract
// check sees them. Request.URL.Path has no "/api/v3" prefix.
type Exchange struct {
	Platform    string
	Route       string // the emulator's pattern that answered; "" when none did
	Request     *http.Request
	RequestBody []byte
	Status      int // 0 when the connection was dropped
	Header      http.Header
	Body        []byte
	// Unlike says why the answer is on purpose not one GitHub would give
	// (an injected fault, a hostile answer): the check skips the answer.
	Unlike string
	// OffContract is the OffContract header a test sent: the check skips
	// the request, and its answer too when no operation has the path.
	OffContract string
}

// OffContract is a request header by which a test says its request is
// on purpose not one GitHub's description allows (a malformed body, a
// level a permission lacks, a path no endpoint has), and why. Clients
// never send it.
const OffContract = "X-Githubtest-Off-Contract"

// ContractCheck is what SetContractCheck installs: it returns an error
// naming the operation and the field when ex breaks the description.
type ContractCheck func(ex Exchange) error

var (
	contractCheck atomic.Pointer[ContractCheck]
	pendingChecks sync.WaitGroup // checks still running, in every Server
)

// SetContractCheck makes every Server in this process pass each exchange
// to check (nil: none, once the checks under way have ended). Package
// contract calls it from a test binary's TestMain; a process-wide hook, so
// that every test's emulator is held to the contract without each test
// asking for it.
func SetContractCheck(check ContractCheck) {
	if check == nil {
		contractCheck.Store(nil)
		pendingChecks.Wait()
		return
	}
	contractCheck.Store(&check)
}

// maxCaptured bounds the answer kept for the check; a longer one is a
// streamed hostile answer, marked Unlike anyway.
const maxCaptured = 4 << 20

// exchangeMark is how handlers deep in the emulator tell the check that an
// answer is not GitHub's, through the request context.
type exchangeMark struct {
	unlike atomic.Pointer[string]
}

type markKey struct{}

// markUnlike records that the answer to r is on purpose not GitHub's.
func markUnlike(r *http.Request, why string) {
	if m, ok := r.Context().Value(markKey{}).(*exchangeMark); ok {
		m.unlike.Store(&why)
	}
}

type platformKey struct{}

// platformOf is the platform the request is answered as.
func platformOf(r *http.Request) string {
	p, _ := r.Context().Value(platformKey{}).(string)
	return p
}

// platformFor picks the platform of a request: Config.Platform, else GHEC
// for a world with an enterprise account (only GHEC has those), GHES for a
// "/api/v3" request (the action puts that prefix on every API URL but
// api.github.com's), and api.github.com otherwise.
func (s *Server) platformFor(r *http.Request) string {
	_, prefixed := stripPrefix(r.URL.Path)
	switch {
	case s.platform != "":
		return s.platform
	case s.world.hasEnterprise():
		return PlatformGHEC
	case prefixed:
		return PlatformGHES
	}
	return PlatformDotcom
}

// ServeHTTP answers like GitHub (serve), passing the exchange to the
// contract check when one is installed.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The handler itself counts as a check under way: httptest.Server.Close
	// does not wait for a hijacked connection (Fault.Drop), whose handler
	// may still run, and start a check, when the test's cleanup waits.
	s.checks.Add(1)
	defer s.checks.Done()
	ctx := context.WithValue(r.Context(), platformKey{}, s.platformFor(r))
	check := contractCheck.Load()
	if check == nil {
		s.serve(w, r.WithContext(ctx))
		return
	}
	mark := &exchangeMark{}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r = r.WithContext(context.WithValue(ctx, markKey{}, mark))
	r.Body = io.NopCloser(bytes.NewReader(body))
	seen := r.Clone(context.Background())
	seen.URL.Path, _ = stripPrefix(r.URL.Path)
	seen.URL.RawPath = ""
	cw := &captureWriter{ResponseWriter: w}
	s.serve(cw, r)

	ex := Exchange{
		Platform: platformOf(r), Request: seen, RequestBody: body,
		Status: cw.status, Header: cw.header, Body: cw.body.Bytes(),
	}
	if _, pattern := s.mux.Handler(seen); pattern != "" {
		ex.Route = pattern
	}
	if p := mark.unlike.Load(); p != nil {
		ex.Unlike = *p
	}
	ex.OffContract = seen.Header.Get(OffContract)
	if cw.over {
		ex.Unlike = "an answer longer than the check keeps"
	}
	// Checked after the answer is on its way: net/http finishes sending it
	// only when the handler returns, and a client's timeout must not pay
	// for the check.
	s.checks.Add(1)
	pendingChecks.Add(1)
	go func() {
		defer pendingChecks.Done()
		defer s.checks.Done()
		if err := (*check)(ex); err != nil && s.tb != nil {
			s.tb.Errorf("%v", err)
		}
	}()
}

// captureWriter keeps what the handler answered, for the check.
type captureWriter struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
	over   bool
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status, c.header = code, c.ResponseWriter.Header().Clone()
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if c.body.Len()+len(p) > maxCaptured {
		c.over = true
	} else {
		c.body.Write(p)
	}
	return c.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach Flush and Hijack (Fault.Drop).
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
