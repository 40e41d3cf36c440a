package githubtest

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGitHubHeadersOnEveryAnswer(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	s.SetClockOffset(-5 * time.Minute)
	server := t0.Add(-5 * time.Minute)
	for i, p := range []string{"/app", "/nothing", "/users/octocat"} {
		a := call(t, ts, "GET", p, "", "", offContract("headers on any answer, a path no endpoint has too"))
		h := a.header
		if h.Get("Date") != server.Format(http.TimeFormat) {
			t.Errorf("%s: Date %q", p, h.Get("Date"))
		}
		if h.Get("X-Ratelimit-Limit") != "5000" || h.Get("X-Ratelimit-Remaining") != strconv.Itoa(4999-i) ||
			h.Get("X-Ratelimit-Used") != strconv.Itoa(i+1) || h.Get("X-Ratelimit-Resource") != "core" ||
			h.Get("X-Ratelimit-Reset") != strconv.FormatInt(server.Add(time.Hour).Unix(), 10) {
			t.Errorf("%s: rate-limit headers %v", p, h)
		}
		if a.status >= 400 && a.json(t)["documentation_url"] != docURL {
			t.Errorf("%s: error body %s", p, a.body)
		}
	}
}

func TestRequestsAreRecordedWithoutCredentials(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	jwtValue := appJWT(t)
	tok := mint(t, ts, "1001", `{"repositories":["app"]}`)
	call(t, ts, "GET", "/api/v3/installation/repositories?per_page=5", "token "+tok, "")
	call(t, ts, "GET", "/users/octocat", "", "")
	got := s.Requests()
	want := []Request{
		{Method: "POST", Path: "/app/installations/1001/access_tokens", FullPath: "/app/installations/1001/access_tokens", Auth: "jwt", Body: []byte(`{"repositories":["app"]}`)},
		{Method: "GET", Path: "/installation/repositories", FullPath: "/api/v3/installation/repositories", Auth: "token", Query: "per_page=5"},
		{Method: "GET", Path: "/users/octocat", FullPath: "/users/octocat", Auth: "none"},
	}
	if len(got) != len(want) {
		t.Fatalf("recorded %d requests", len(got))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Method != w.Method || g.Path != w.Path || g.FullPath != w.FullPath || g.Auth != w.Auth ||
			string(g.Body) != string(w.Body) || g.Query != w.Query {
			t.Errorf("request %d: %+v, want %+v", i, g, w)
		}
		dump := []byte(fmt.Sprintf("%+v", g))
		mustNotContain(t, "recorded request", dump, tok)
		mustNotContain(t, "recorded request", dump, jwtValue)
	}
	// Copies: changing what was returned changes nothing inside.
	got[0].Body[0] = 'X'
	if s.Requests()[0].Body[0] != '{' {
		t.Error("Requests returned shared memory")
	}
	toks := s.Tokens()
	toks[0].Repositories[0] = "changed"
	toks[0].Permissions["contents"] = "admin"
	if again := s.Tokens()[0]; again.Repositories[0] != "app" || again.Permissions["contents"] != "write" {
		t.Error("Tokens returned shared memory")
	}
}

func TestConfigIsCopied(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	cfg := DefaultConfig(&k.PublicKey)
	cfg.Now = func() time.Time { return t0 }
	s := New(cfg)
	cfg.Installations[0].Permissions["administration"] = "write"
	cfg.Installations[0].Repositories[0] = "website"
	ts := newHTTPServer(t, s)
	if a := call(t, ts, "POST", "/app/installations/1001/access_tokens", "Bearer "+appJWT(t), `{"permissions":{"administration":"write"}}`); a.status != 422 {
		t.Errorf("edit after New widened permissions: %d", a.status)
	}
	if a := call(t, ts, "GET", "/repos/octo-org/app/installation", "Bearer "+appJWT(t), ""); a.status != 200 {
		t.Errorf("edit after New changed reach: %d", a.status)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	s, ts := newTestServer(t, nil)
	const workers = 16
	jwtValue := appJWT(t)
	var wg sync.WaitGroup
	tokens := make(chan string, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.AddFault(Fault{Path: "/never/" + strconv.Itoa(i)})
			s.SetClockOffset(0)
			a, err := send(ts, "POST", "/app/installations/1001/access_tokens", "Bearer "+jwtValue, `{"repositories":["app"]}`)
			if err != nil || a.status != 201 {
				t.Errorf("mint: %v %d", err, a.status)
				return
			}
			var minted struct{ Token string }
			_ = json.Unmarshal(a.body, &minted)
			tok := minted.Token
			if a, err := send(ts, "POST", "/repos/octo-org/app/dispatches", "token "+tok, `{"event_type":"e`+strconv.Itoa(i)+`"}`); err != nil || a.status != 204 {
				t.Errorf("dispatch: %v %d", err, a.status)
			}
			if a, err := send(ts, "DELETE", "/installation/token", "token "+tok, ""); err != nil || a.status != 204 {
				t.Errorf("revoke: %v %d", err, a.status)
			}
			_, _, _ = s.Requests(), s.Tokens(), s.Dispatches()
			tokens <- tok
		}()
	}
	wg.Wait()
	close(tokens)
	seen := map[string]bool{}
	for tok := range tokens {
		seen[tok] = true
	}
	toks := s.Tokens()
	if len(seen) != workers || len(toks) != workers || len(s.Dispatches()) != workers || len(s.Requests()) != 3*workers {
		t.Fatalf("unique %d, tokens %d, dispatches %d, requests %d", len(seen), len(toks), len(s.Dispatches()), len(s.Requests()))
	}
	for _, tk := range toks {
		if !tk.Revoked || !seen[tk.Token] {
			t.Errorf("token revoked=%v known=%v", tk.Revoked, seen[tk.Token])
		}
	}
	if !strings.HasPrefix(s.Dispatches()[0].EventType, "e") {
		t.Errorf("dispatch %+v", s.Dispatches()[0])
	}
}

func TestAuthKind(t *testing.T) {
	t.Parallel()
	for h, want := range map[string]string{
		"":                          "none",
		"Bearer":                    "none",
		"Basic dXNlcjpwYXNz":        "none",
		"Bearer eyJhbGciOi.x.y":     "jwt",
		"token eyJhbGciOi.x.y":      "jwt",
		"Bearer ghs_abc":            "token",
		"token ghs_abc":             "token",
		"TOKEN   ghs_abc":           "token",
		"bearer ghs_header.body.sg": "token",
	} {
		if got := AuthKind(h); got != want {
			t.Errorf("AuthKind(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestNewAppKeyIsTrustedAsGitHubHandsItOut(t *testing.T) {
	t.Parallel()
	key, pemText, err := NewAppKey()
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode([]byte(pemText))
	if block == nil || block.Type != "RSA PRIVATE KEY" || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("PEM = %q", pemText)
	}
	parsed, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil || !parsed.Equal(key) {
		t.Fatalf("the PEM does not hold the returned key: %v", err)
	}
}
