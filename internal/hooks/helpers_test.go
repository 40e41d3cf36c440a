package hooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// epoch is the tests' clock unless a test moves it: the time of the
// Contentful and Ghost vectors.
var epoch = time.UnixMilli(1765432100000)

// clock is a clock a test moves, safe to read from the handler's
// goroutines.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// getenv serves a map as the environment.
func getenv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// recorder is a Dispatcher that records every event; result, when set,
// decides each call's error; gate, when set, holds each call until it is
// closed.
type recorder struct {
	mu     sync.Mutex
	events []Event
	ctxs   []context.Context
	result func(n int) error
	gate   chan struct{}
}

func (r *recorder) Dispatch(ctx context.Context, e Event) error {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.ctxs = append(r.ctxs, ctx)
	n := len(r.events)
	r.mu.Unlock()
	if r.gate != nil {
		<-r.gate
	}
	if r.result != nil {
		return r.result(n)
	}
	return nil
}

func (r *recorder) calls() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// world is a Handler over a hook file, with its dispatcher, clock and
// audit.
type world struct {
	t     *testing.T
	h     *Handler
	rec   *recorder
	clock *clock
	// audit is written by the handler under its own lock, and read by
	// tests once the requests have returned.
	audit *bytes.Buffer
	// secrets are every secret of the file: no answer or audit line
	// holds one.
	secrets []string
	// sent are the proofs sent: no answer or audit line holds one.
	mu   sync.Mutex
	sent []string
}

func newWorld(t *testing.T, file string, env map[string]string, o Options) *world {
	t.Helper()
	set, err := Parse([]byte(file), getenv(env))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	w := &world{t: t, rec: &recorder{}, clock: newClock(epoch), audit: &bytes.Buffer{}}
	set.Mask(func(s string) { w.secrets = append(w.secrets, s) })
	o.Now, o.Audit = w.clock.Now, w.audit
	w.h = NewHandler(set, w.rec, o)
	t.Cleanup(w.checkLeaks)
	return w
}

// reply is one answer as a sender sees it.
type reply struct {
	status int
	body   map[string]any
	raw    string
}

// post sends a delivery through the handler as the door routes it.
func (w *world) post(path string, header map[string]string, body string) reply {
	w.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
		if strings.Contains(strings.ToLower(k), "signature") || strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "X-Webhook-Secret") {
			w.mu.Lock()
			w.sent = append(w.sent, v)
			w.mu.Unlock()
		}
	}
	return w.do(req)
}

func (w *world) do(req *http.Request) reply {
	w.t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/hooks/{name}", w.h)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	r := reply{status: rec.Code, raw: rec.Body.String()}
	for _, s := range w.shown() {
		if s != "" && strings.Contains(r.raw, s) {
			w.t.Errorf("the answer holds a secret or a proof %q: %s", s, r.raw)
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &r.body); err != nil {
		w.t.Fatalf("answer %d is not JSON: %q", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		w.t.Errorf("answer's Content-Type = %q", ct)
	}
	return r
}

// lines returns the audit lines written so far.
func (w *world) lines() []map[string]any {
	w.t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(w.audit.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			w.t.Fatalf("audit line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// last is the last audit line.
func (w *world) last() map[string]any {
	w.t.Helper()
	ls := w.lines()
	if len(ls) == 0 {
		w.t.Fatal("no audit line")
	}
	return ls[len(ls)-1]
}

// shown is what no answer or audit line may hold: the secrets, the proofs
// sent.
func (w *world) shown() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append(append([]string(nil), w.secrets...), w.sent...)
}

// checkLeaks holds the audit to the rule: no secret, no proof sent.
func (w *world) checkLeaks() {
	out := w.audit.String()
	for _, s := range w.shown() {
		if s != "" && strings.Contains(out, s) {
			w.t.Errorf("the audit holds a secret or a proof %q:\n%s", s, out)
		}
	}
}

// noDispatch fails unless the dispatcher was never called.
func (w *world) noDispatch() {
	w.t.Helper()
	if n := len(w.rec.calls()); n != 0 {
		w.t.Fatalf("%d dispatches; want none", n)
	}
}

// Test signers: each scheme's signature as its description gives it,
// held to the published vectors by TestSignersMatchVectors.

func hmacOf(alg func() hash.Hash, secret string, parts ...string) []byte {
	m := hmac.New(alg, []byte(secret))
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

func signHub(secret, body string) string {
	return "sha256=" + hex.EncodeToString(hmacOf(sha256.New, secret, body))
}

func signSanity(secret, body string, at time.Time) string {
	t := strconv.FormatInt(at.UnixMilli(), 10)
	return "t=" + t + ",v1=" + base64.RawURLEncoding.EncodeToString(hmacOf(sha256.New, secret, t+".", body))
}

func signGhost(secret, body string, at time.Time) string {
	t := strconv.FormatInt(at.UnixMilli(), 10)
	return "sha256=" + hex.EncodeToString(hmacOf(sha256.New, secret, body, t)) + ", t=" + t
}

func signStoryblok(secret, body string) string {
	return hex.EncodeToString(hmacOf(sha1.New, secret, body))
}

func signWP(secret, body string) string {
	return base64.StdEncoding.EncodeToString(hmacOf(sha256.New, secret, body))
}

// signContentful adds Contentful's three headers to header, signing the
// headers it names (lower-cased) and its own two, as the toolkit's
// signRequest does.
func signContentful(secret, method, path, body string, header map[string]string, signed []string, at time.Time) {
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	picked := map[string]string{}
	for k, v := range header {
		for _, s := range signed {
			if strings.EqualFold(k, s) {
				picked[strings.ToLower(k)] = strings.TrimSpace(v)
			}
		}
	}
	picked["x-contentful-timestamp"] = ts
	picked["x-contentful-signed-headers"] = ""
	var names []string
	for k := range picked {
		names = append(names, k)
	}
	sort.Strings(names)
	picked["x-contentful-signed-headers"] = strings.Join(names, ",")
	var parts []string
	for _, k := range names {
		parts = append(parts, k+":"+picked[k])
	}
	canonical := method + "\n" + path + "\n" + strings.Join(parts, ";") + "\n" + body
	header["X-Contentful-Timestamp"] = ts
	header["X-Contentful-Signed-Headers"] = picked["x-contentful-signed-headers"]
	header["X-Contentful-Signature"] = hex.EncodeToString(hmacOf(sha256.New, secret, canonical))
}

// vector is one entry of testdata/vectors.json.
type vector struct {
	Source    string            `json:"source"`
	Secret    string            `json:"secret"`
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Body      string            `json:"body"`
	Timestamp int64             `json:"timestamp_ms"`
	Headers   map[string]string `json:"headers"`
}

func vectors(t *testing.T) map[string]vector {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	out := map[string]vector{}
	for k, raw := range all {
		if strings.HasPrefix(k, "_") {
			continue
		}
		var v vector
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(k, err)
		}
		out[k] = v
	}
	return out
}
