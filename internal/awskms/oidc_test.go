package awskms

import (
	"errors"
	"github.com/app-token/app-token/internal/env"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The runner's answer is hostile until shown otherwise: anything but a
// JWT-shaped value is refused, neither masked nor passed on, and no error
// quotes it.
func TestOIDCTokenRefusesHostileAnswers(t *testing.T) {
	const bearer = "request-token-0123456789"
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"refused", http.StatusForbidden, `{"message":"no id-token: write"}`, "HTTP 403"},
		{"not JSON", http.StatusOK, `<html>::stop-commands::x</html>`, "holds no OIDC token"},
		{"workflow command in value", http.StatusOK, `{"value":"a.b.c\n::set-env name=X::y"}`, "holds no OIDC token"},
		{"huge", http.StatusOK, `{"value":"` + strings.Repeat("a", maxTokenAnswer) + `"}`, "could not be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("audience") != Audience || r.Header.Get("Authorization") != "Bearer "+bearer {
					t.Errorf("request %s with auth %q", r.URL, r.Header.Get("Authorization"))
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			vars := map[string]string{envTokenURL: srv.URL + "/token?api-version=2.0", envTokenValue: bearer}
			o := Options{Env: env.Env{Getenv: func(k string) string { return vars[k] }}, Mask: func(s string) { got = append(got, s) }}
			_, err := (&oidcToken{o: o, client: srv.Client()}).GetIdentityToken()
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want an *Error with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "stop-commands") || strings.Contains(err.Error(), "set-env") {
				t.Errorf("the error quotes the answer: %v", err)
			}
			if len(got) != 1 || got[0] != bearer {
				t.Errorf("masked %d values, want only the request token", len(got))
			}
		})
	}
	t.Run("no id-token permission", func(t *testing.T) {
		_, err := (&oidcToken{o: Options{}, client: http.DefaultClient}).GetIdentityToken()
		if err == nil || !strings.Contains(err.Error(), "id-token: write") {
			t.Fatalf("err = %v", err)
		}
	})
}

// A hop within the endpoint's origin is followed with the request token.
func TestOIDCTokenFollowsRedirectWithinOrigin(t *testing.T) {
	const bearer, token = "request-token-0123456789", "aa.bb.cc"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+bearer {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"value":"` + token + `"}`))
	}))
	defer srv.Close()
	vars := map[string]string{envTokenURL: srv.URL + "/old", envTokenValue: bearer}
	got, err := newOIDCToken(Options{Env: env.Env{Getenv: func(k string) string { return vars[k] }}}).GetIdentityToken()
	if err != nil || string(got) != token {
		t.Fatalf("got %q, %v", got, err)
	}
}

// A hop to another origin is refused before it is made, with the
// redirect's own one-line error: not wrapped as a network failure, and
// naming neither the target nor the request token.
func TestOIDCTokenRefusesRedirectToAnotherOrigin(t *testing.T) {
	const bearer = "request-token-0123456789"
	var followed atomic.Bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Store(true) }))
	defer elsewhere.Close()
	hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/token", http.StatusTemporaryRedirect)
	}))
	defer hop.Close()
	vars := map[string]string{envTokenURL: hop.URL + "/old", envTokenValue: bearer}
	_, err := newOIDCToken(Options{Env: env.Env{Getenv: func(k string) string { return vars[k] }}}).GetIdentityToken()
	if err == nil || followed.Load() {
		t.Fatalf("followed %v, error %v; want the hop refused", followed.Load(), err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "another origin") || strings.Contains(msg, "could not get") || strings.Contains(msg, elsewhere.URL) || strings.Contains(msg, bearer) {
		t.Errorf("error %q", msg)
	}
}

// The request token goes over plain http only to this machine
// (internal/loopback): to anything else it is refused before any request,
// even through a proxy that would pass it on.
func TestOIDCTokenPlainHTTPOnlyToLoopback(t *testing.T) {
	t.Parallel()
	const bearer, token = "request-token-0123456789", "aa.bb.cc"
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { proxied.Add(1) }))
	defer proxy.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"value":"` + token + `"}`))
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:" + port + "/t":          true,
		"http://[::ffff:127.0.0.1]:" + port + "/t": true,
		"http://localhost:" + port + "/t":          true,
		"http://127.0.0.1.nip.io:" + port + "/t":   false,
		"http://localhost.:" + port + "/t":         false,
		"http://runner.invalid/t":                  false,
		"ftp://127.0.0.1/t":                        false,
	} {
		vars := map[string]string{envTokenURL: raw, envTokenValue: bearer, "HTTP_PROXY": proxy.URL}
		got, err := newOIDCToken(Options{Env: env.Env{Getenv: func(k string) string { return vars[k] }}}).GetIdentityToken()
		if ok && (err != nil || string(got) != token) {
			t.Errorf("%s: %q, %v", raw, got, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "not an https URL")) {
			t.Errorf("%s: err = %v, want the plain-http refusal", raw, err)
		}
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("%d requests reached the proxy", n)
	}
}
