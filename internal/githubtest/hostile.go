package githubtest

// Hostile answers: what a broken GitHub, a misconfigured proxy or an
// attacker on the path might send, for tests of what the action reads,
// follows and prints. None of it is GitHub's behaviour.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// AuthPlaceholder in a Fault's Body is replaced by the request's
// Authorization header, as a server that echoes what it was sent would.
const AuthPlaceholder = "{{authorization}}"

// Bomb sizes: BombSize bytes of JSON whitespace from about a
// thousandth of that on the wire.
const (
	bombMember = 1 << 20
	BombSize   = 1 << 30
)

// GzipBomb returns a gzip stream of BombSize spaces, about 1 MiB long. It
// is made once per process from one compressed MiB repeated (gzip allows
// concatenated members, and Go's reader joins them), so making it takes
// milliseconds. Spaces rather than zeros: JSON allows whitespace before a
// value, so a decoder reads all of it instead of failing at the first byte.
var GzipBomb = sync.OnceValue(func() []byte {
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	_, _ = zw.Write(bytes.Repeat([]byte{' '}, bombMember))
	_ = zw.Close()
	return bytes.Repeat(member.Bytes(), BombSize/bombMember)
})

// writeFaultBody writes f's body for r: the bomb, or Body with the
// placeholder replaced, repeated up to BodyBytes, gzip-encoded if asked.
// It streams, so a gigabyte is never held; it stops when the client goes.
func writeFaultBody(w http.ResponseWriter, r *http.Request, f *Fault) {
	if f.GzipBomb {
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(f.Status)
		_, _ = w.Write(GzipBomb())
		return
	}
	auth := r.Header.Get("Authorization")
	if f.Echo != nil {
		auth = f.Echo(auth)
	}
	body := strings.ReplaceAll(f.Body, AuthPlaceholder, auth)
	var src io.Reader = strings.NewReader(body)
	if f.BodyBytes > 0 {
		if body == "" {
			body = " "
		}
		src = io.LimitReader(&repeated{s: body}, f.BodyBytes)
	}
	if !f.Gzip {
		w.WriteHeader(f.Status)
		_, _ = io.Copy(w, src)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	w.WriteHeader(f.Status)
	zw := gzip.NewWriter(w)
	if _, err := io.Copy(zw, src); err == nil {
		_ = zw.Close()
	}
}

// repeated reads s over and over, without end.
type repeated struct {
	s   string
	off int
}

func (r *repeated) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.s[r.off:])
		n += c
		r.off = (r.off + c) % len(r.s)
	}
	return n, nil
}

// credentialLog keeps every distinct App JWT a server was sent, so a test
// can look for each of them wherever the action writes.
type credentialLog struct {
	mu   sync.Mutex
	jwts []string
}

func (l *credentialLog) note(authorization string) {
	if AuthKind(authorization) != "jwt" {
		return
	}
	_, v := credential(authorization)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, seen := range l.jwts {
		if seen == v {
			return
		}
	}
	l.jwts = append(l.jwts, v)
}

// JWTs returns every distinct App JWT presented so far, in order. They are
// kept only so a test can check none of them leaked.
func (l *credentialLog) JWTs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.jwts...)
}

// Recorder is where a hostile redirect points: it records what reaches it
// and answers 404. A test passes when it saw nothing.
type Recorder struct {
	credentialLog
	mu       sync.Mutex
	requests []Request
	// Authorizations are the Authorization values received, kept only so
	// a test can check none of them leaked.
	authorizations []string
}

// ServeHTTP implements http.Handler.
func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	auth := r.Header.Get("Authorization")
	rec.note(auth)
	rec.mu.Lock()
	rec.requests = append(rec.requests, Request{Method: r.Method, Path: r.URL.Path, FullPath: r.URL.Path,
		Auth: AuthKind(auth), Body: body, Query: r.URL.RawQuery})
	rec.authorizations = append(rec.authorizations, auth)
	rec.mu.Unlock()
	writeError(w, http.StatusNotFound, msgNotFound)
}

// Requests returns what reached the recorder, in order.
func (rec *Recorder) Requests() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Request(nil), rec.requests...)
}

// Authorizations returns the Authorization header of each request, in order.
func (rec *Recorder) Authorizations() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.authorizations...)
}

// MalformedAPI is an "API" on raw TCP that answers every request with a
// status line made of the request's credential (say "HTTP/1.1 eyJ..."):
// Go's client then quotes the credential in its error.
type MalformedAPI struct {
	credentialLog
	ln   net.Listener
	wg   sync.WaitGroup
	once sync.Once
}

// StartMalformedAPI listens on a loopback port until Close.
func StartMalformedAPI() (*MalformedAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m := &MalformedAPI{ln: ln}
	m.wg.Add(1)
	go m.serve()
	return m, nil
}

// URL is the API base to point a client at.
func (m *MalformedAPI) URL() string { return "http://" + m.ln.Addr().String() }

// Close stops listening and waits for the connections being answered.
func (m *MalformedAPI) Close() {
	m.once.Do(func() { _ = m.ln.Close() })
	m.wg.Wait()
}

func (m *MalformedAPI) serve() {
	defer m.wg.Done()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			return
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			defer c.Close()
			req, err := http.ReadRequest(bufio.NewReader(c))
			if err != nil {
				return
			}
			auth := req.Header.Get("Authorization")
			m.note(auth)
			_, v := credential(auth)
			_, _ = io.WriteString(c, "HTTP/1.1 "+v+"\r\n\r\n")
		}()
	}
}

// FloodHeaders wraps h so that every answer carries about n bytes of
// headers before h's own: a hostile endpoint's or proxy's way to make a
// client buffer megabytes before a byte of body. Go's client accepts up to
// 10 MiB of them unless told otherwise.
func FloodHeaders(h http.Handler, n int) http.Handler {
	const line = 64 << 10
	value := strings.Repeat("a", line)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i*line < n; i++ {
			w.Header()["X-Flood-"+strconv.Itoa(i)] = []string{value}
		}
		h.ServeHTTP(w, r)
	})
}
