package githubtest

import (
	"net/http"
	"strings"
	"time"
)

// Fault replaces or delays the answer to matching requests, to test how a
// client copes with GitHub misbehaving. Faults are tried in the order added;
// the first that matches and has uses left applies.
//
// A dropped connection on a reused keep-alive connection makes Go's
// http.Transport silently retry an idempotent request (GET, DELETE, ...)
// once; to make a drop observable use a POST, Times > 1, or a fresh
// connection.
type Fault struct {
	Method string // "" matches any
	// Path is matched against the path after the optional /api/v3 prefix;
	// "" matches any; a trailing "*" is a prefix match.
	Path   string
	Times  int // how many matching requests it hits; 0 means 1; negative means every one
	Status int // answer with this status (and Header, Body) instead of the normal handler
	Header http.Header
	// Body is the answer's body; AuthPlaceholder in it becomes the
	// request's Authorization header, written as Echo returns it when Echo
	// is set (a server or proxy that mangles what it echoes).
	Body string
	Echo func(authorization string) string
	// BodyBytes, when positive, sends Body over and over until that many
	// bytes are sent, streamed, so a test can send a gigabyte.
	BodyBytes int64
	// Gzip sends the body gzip-encoded (Content-Encoding: gzip); GzipBomb
	// sends GzipBomb() instead of Body.
	Gzip, GzipBomb bool
	Drop           bool // close the connection without answering
	// AfterHandling lets the normal handler do its work first (a dispatch
	// is recorded, a token minted) and throws its answer away: Status or
	// Drop goes back instead, as from a front end that failed on the way
	// back. The client cannot tell that GitHub acted.
	AfterHandling bool
	// Delay waits this long (or until the request's context ends) before
	// answering or dropping; with Status 0 and Drop false, the normal
	// handler answers after the wait.
	Delay time.Duration
}

type faultState struct {
	Fault
	left int // < 0: unlimited
}

// AddFault appends f to the faults tried on each request.
func (s *Server) AddFault(f Fault) {
	st := newFaultState(f)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, st)
}

// newFaultState is f with its hits to go: Times, 0 meaning 1.
func newFaultState(f Fault) *faultState {
	st := &faultState{Fault: f, left: f.Times}
	if f.Times == 0 {
		st.left = 1
	}
	st.Header = f.Header.Clone()
	return st
}

func (f *Fault) matches(method, path string) bool {
	if f.Method != "" && !strings.EqualFold(f.Method, method) {
		return false
	}
	if p, ok := strings.CutSuffix(f.Path, "*"); ok {
		return strings.HasPrefix(path, p)
	}
	return f.Path == "" || f.Path == path
}

// takeFaultLocked returns the fault for this request, using up one of its hits.
func (s *Server) takeFaultLocked(method, path string) *Fault {
	return takeFault(s.faults, method, path)
}

// takeFault returns the first fault of faults for this request, using up
// one of its hits; the caller holds the lock that guards faults.
func takeFault(faults []*faultState, method, path string) *Fault {
	for _, f := range faults {
		if f.left == 0 || !f.matches(method, path) {
			continue
		}
		if f.left > 0 {
			f.left--
		}
		c := f.Fault
		return &c
	}
	return nil
}

// applyFault carries out f and reports whether it answered the request (or
// gave up on it), so the normal handler must not run.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	return serveFault(s.after, w, r, f)
}

// serveFault is applyFault for any handler: after is how a delay waits.
func serveFault(after func(time.Duration) <-chan time.Time, w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f.Delay > 0 {
		select {
		case <-after(f.Delay):
		case <-r.Context().Done():
			markUnlike(r, "a delay the client did not wait out")
			return true // the client is gone; nobody would read an answer
		}
	}
	if f.Drop || f.Status != 0 {
		markUnlike(r, "an injected fault")
	}
	switch {
	case f.Drop:
		drop(w)
		return true
	case f.Status != 0:
		h := w.Header()
		for k, v := range f.Header {
			h[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
		}
		if h.Get("Content-Type") == "" && strings.HasPrefix(strings.TrimSpace(f.Body), "{") {
			h.Set("Content-Type", "application/json; charset=utf-8")
		}
		writeFaultBody(w, r, f)
		return true
	}
	return false
}

// drop closes the connection without writing a response. Where the
// connection cannot be taken over (HTTP/2, a ResponseRecorder), it aborts the
// handler, which net/http turns into a reset stream or closed connection.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
