package githubtest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// t0 is the local clock in every test; the server clock is t0 + offset.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	keyOnce             sync.Once
	appKey, strangerKey *rsa.PrivateKey
)

// keys returns the App's key and an unrelated key, generated once per run.
func keys(t *testing.T) (app, stranger *rsa.PrivateKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if appKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if strangerKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return appKey, strangerKey
}

// newTestServer starts the emulator on DefaultConfig at t0, after edit.
func newTestServer(t *testing.T, edit func(*Config)) (*Server, *httptest.Server) {
	t.Helper()
	k, _ := keys(t)
	cfg := DefaultConfig(&k.PublicKey)
	cfg.Now = func() time.Time { return t0 }
	if edit != nil {
		edit(&cfg)
	}
	return Start(t, cfg)
}

func sign(t *testing.T, key any, method jwt.SigningMethod, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatalf("sign JWT: %v", err)
	}
	return s
}

// appJWT is a JWT as a well-behaved client makes it at local time t0.
func appJWT(t *testing.T) string {
	k, _ := keys(t)
	return sign(t, k, jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": DefaultClientID, "iat": t0.Add(-time.Minute).Unix(), "exp": t0.Add(9 * time.Minute).Unix(),
	})
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", a.body, err)
	}
	return m
}

func (a answer) message(t *testing.T) string {
	m, _ := a.json(t)["message"].(string)
	return m
}

// call sends one request; auth is the whole Authorization value ("" for none).
func call(t *testing.T, ts *httptest.Server, method, path, auth, body string, hdr ...http.Header) answer {
	t.Helper()
	a, err := send(ts, method, path, auth, body, hdr...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return a
}

// send is call for goroutines other than the test's, which must not Fatal.
func send(ts *httptest.Server, method, path, auth, body string, hdr ...http.Header) (answer, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		return answer{}, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range hdr {
		for k, v := range h {
			req.Header[k] = v
		}
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}, err
}

// offContract says a request breaks GitHub's description on purpose, and
// why, so the contract check skips it (the answer is still checked).
func offContract(why string) http.Header { return http.Header{OffContract: {why}} }

// mint creates a token on installation id with body and returns it.
func mint(t *testing.T, ts *httptest.Server, id, body string) string {
	t.Helper()
	a := call(t, ts, "POST", "/app/installations/"+id+"/access_tokens", "Bearer "+appJWT(t), body)
	if a.status != http.StatusCreated {
		t.Fatalf("mint on %s with %s: %d %s", id, body, a.status, a.body)
	}
	tok, _ := a.json(t)["token"].(string)
	return tok
}

func names(t *testing.T, list any) []string {
	t.Helper()
	var out []string
	items, _ := list.([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["name"].(string))
	}
	return out
}

func mustNotContain(t *testing.T, what string, got []byte, secret string) {
	t.Helper()
	if secret != "" && bytes.Contains(got, []byte(secret)) {
		t.Errorf("%s contains a secret", what)
	}
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
}

func newHTTPServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// noWait is an After that waits for nothing and sends each delay it was
// asked for on waited.
func noWait() (after func(time.Duration) <-chan time.Time, waited chan time.Duration) {
	waited = make(chan time.Duration, 10)
	return func(d time.Duration) <-chan time.Time {
		waited <- d
		ch := make(chan time.Time, 1)
		ch <- t0
		return ch
	}, waited
}
