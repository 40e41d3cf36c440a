package idtoken

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// unreachableBecause verifies a good token of ti and wants it refused as
// unavailable for the reason given.
func unreachableBecause(t *testing.T, v *Verifier, ti *testIssuer, c *clock, because string) *Error {
	t.Helper()
	raw := ti.token("k1", ti.claims(c.now()))
	_, err := v.Verify(context.Background(), raw)
	e := refusal(t, err, IssuerUnreachable, raw)
	if !strings.Contains(e.Error(), ti.URL+": "+because+"; try again later") {
		t.Errorf("%q does not say %q", e.Error(), because)
	}
	if strings.Contains(e.Error(), "SECRET") {
		t.Errorf("%q quotes the issuer's answer", e.Error())
	}
	return e
}

// What discovery and JWKS answers must be, each fault said in this
// package's words, never the issuer's.
func TestIssuerAnswers(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("SECRET", MaxAnswerBytes/6+1)
	for _, tc := range []struct {
		name    string
		setup   func(ti *testIssuer)
		before  func(w http.ResponseWriter, r *http.Request) bool
		because string
	}{
		{name: "discovery names another issuer", setup: func(ti *testIssuer) { ti.claimedIssuer = ti.URL + "/" },
			because: "its discovery document names another issuer (issuers must match exactly, trailing slash included)"},
		{name: "jwks_uri over http off loopback", setup: func(ti *testIssuer) { ti.jwksURI = "http://keys.example/jwks" },
			because: "its discovery document's jwks_uri is not an https URL"},
		{name: "jwks_uri with a password", setup: func(ti *testIssuer) { ti.jwksURI = strings.Replace(ti.URL, "//", "//u:p@", 1) + "/keys" },
			because: "its discovery document's jwks_uri is not an https URL"},
		{name: "no jwks_uri", before: answer("/.well-known/openid-configuration", `{"issuer":"ISSUER"}`),
			because: "its discovery document has no jwks_uri"},
		{name: "discovery not JSON", before: answer("/.well-known/openid-configuration", "<html>SECRET</html>"),
			because: "its answer is not what OpenID Connect discovery describes"},
		{name: "discovery too large", before: answer("/.well-known/openid-configuration", `{"issuer":"ISSUER","x":"`+big+`"}`),
			because: "an answer is larger than 64 KiB"},
		{name: "JWKS too large", before: answer("/keys", `{"keys":[],"x":"`+big+`"}`),
			because: "an answer is larger than 64 KiB"},
		{name: "JWKS not JSON", before: answer("/keys", "SECRET"),
			because: "its jwks_uri answer is not a JSON Web Key Set"},
		{name: "JWKS 404", before: status("/keys", http.StatusNotFound),
			because: "it answered HTTP 404"},
		{name: "JWKS 304 without a place", before: status("/keys", http.StatusNotModified),
			because: "it answered HTTP 304"},
		{name: "headers too large", before: func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("X-Secret", strings.Repeat("SECRET", 20<<10/6))
			return false
		}, because: "could not connect or read its answer"},
		{name: "redirect off https", before: redirect("/.well-known/openid-configuration", "http://issuer.example/.well-known/openid-configuration"),
			because: "a redirect leaves https"},
		{name: "redirect loop", before: redirect("/.well-known/openid-configuration", "/.well-known/openid-configuration"),
			because: "too many redirects"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			ti := newTestIssuer(t)
			ti.publish("k1", rsaKey(0), "", "")
			if tc.setup != nil {
				tc.setup(ti)
			}
			if tc.before != nil {
				before := tc.before
				ti.setBefore(func(w http.ResponseWriter, r *http.Request) bool {
					return before(&issuerWriter{w, ti.URL}, r)
				})
			}
			v := newVerifier(t, c, Config{}, ti)
			unreachableBecause(t, v, ti, c, tc.because)
		})
	}
}

// issuerWriter writes ISSUER as the test issuer's URL.
type issuerWriter struct {
	http.ResponseWriter
	url string
}

func (w *issuerWriter) Write(b []byte) (int, error) {
	_, err := w.ResponseWriter.Write([]byte(strings.ReplaceAll(string(b), "ISSUER", w.url)))
	return len(b), err
}

func answer(path, body string) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != path {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
		return true
	}
}

func status(path string, code int) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != path {
			return false
		}
		w.WriteHeader(code)
		return true
	}
}

func redirect(path, to string) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != path {
			return false
		}
		http.Redirect(w, r, to, http.StatusFound)
		return true
	}
}

// A redirect to another https-or-loopback place is followed, a few hops.
func TestRedirectFollowed(t *testing.T) {
	t.Parallel()
	c, ti, v := oneIssuer(t, rsaKey(0), Config{})
	ti.setBefore(func(w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.Path {
		case "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case "/b":
			http.Redirect(w, r, "/c", http.StatusFound)
		case "/c":
			http.Redirect(w, r, "/keys", http.StatusFound)
		default:
			return false
		}
		return true
	})
	ti.jwksURI = ti.URL + "/a"
	if _, err := v.Verify(context.Background(), ti.token("k1", ti.claims(c.now()))); err != nil {
		t.Fatal(err)
	}
}

// A slow issuer (headers or body) times out at FetchTimeout, and holds up
// no other issuer's tokens meanwhile; a caller whose own deadline comes
// first gets its answer then.
func TestSlowIssuer(t *testing.T) {
	t.Parallel()
	for _, where := range []string{"headers", "body"} {
		t.Run(where, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			slow, fast := newTestIssuer(t), newTestIssuer(t)
			slow.publish("k1", rsaKey(0), "", "")
			fast.publish("k1", ecKey(0), "", "")
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			slow.setBefore(func(w http.ResponseWriter, r *http.Request) bool {
				if where == "body" {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"issuer":`))
					w.(http.Flusher).Flush()
				}
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return true
			})
			timeout := 300 * time.Millisecond
			v := newVerifier(t, c, Config{FetchTimeout: timeout}, slow, fast)
			done := make(chan *Error, 1)
			start := time.Now()
			go func() {
				raw := slow.token("k1", slow.claims(c.now()))
				_, err := v.Verify(context.Background(), raw)
				done <- refusal(t, err, IssuerUnreachable, raw)
			}()
			for slow.requests.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			if _, err := v.Verify(context.Background(), fast.token("k1", fast.claims(c.now()))); err != nil {
				t.Fatal(err)
			}
			select {
			case e := <-done:
				t.Fatalf("the slow issuer's token was answered before the fast one's (%v): %q", time.Since(start), e)
			default:
			}
			e := <-done
			if took := time.Since(start); took < timeout || took > 10*timeout {
				t.Errorf("took %v, want about %v", took, timeout)
			}
			if !strings.HasSuffix(e.Error(), ": timed out; try again later") {
				t.Errorf("%q", e.Error())
			}
		})
	}
	t.Run("caller's deadline", func(t *testing.T) {
		t.Parallel()
		c := newClock()
		slow := newTestIssuer(t)
		slow.publish("k1", rsaKey(0), "", "")
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		slow.setBefore(func(w http.ResponseWriter, r *http.Request) bool {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return true
		})
		v := newVerifier(t, c, Config{FetchTimeout: time.Minute}, slow)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		raw := slow.token("k1", slow.claims(c.now()))
		_, err := v.Verify(ctx, raw)
		e := refusal(t, err, IssuerUnreachable, raw)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("took %v", took)
		}
		if !strings.HasSuffix(e.Error(), ": no answer in time; try again later") {
			t.Errorf("%q", e.Error())
		}
	})
}

// A connection refused is said as such.
func TestIssuerDown(t *testing.T) {
	t.Parallel()
	c := newClock()
	ti := newTestIssuer(t)
	ti.publish("k1", rsaKey(0), "", "")
	ti.srv.Close()
	v := newVerifier(t, c, Config{}, ti)
	unreachableBecause(t, v, ti, c, "could not connect or read its answer")
}
