package brokerclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const bearer = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"

const grant = `{"token":"ghs_0123456789abcdefghijABCDEFGHIJ012345","expires_at":"2030-01-01T00:00:00Z","installation_id":1001,"app_slug":"release-bot","permissions":{"contents":"read"},"repositories":["octo-org/app"],"repository_selection":"selected"}`

// counting is a loopback server that counts its requests.
func counting(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1); h(w, r) }))
	t.Cleanup(s.Close)
	return s, &n
}

func client(t *testing.T, raw string) *Client {
	u, err := url.Parse(raw + "/")
	if err != nil {
		t.Fatal(err)
	}
	return &Client{URL: u, Timeout: 5 * time.Second, Name: "broker-url", Getenv: func(string) string { return "" }}
}

func exchange(t *testing.T, c *Client, req Request) (*Answer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if req.Bearer == "" {
		req.Bearer = bearer
	}
	return c.Exchange(ctx, req)
}

// Nothing to narrow: octo-sts's GET with the bearer; narrowing: POST /token.
func TestExchangeSpeaksOctoSTSAndNarrows(t *testing.T) {
	t.Parallel()
	var seen []string
	s, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+r.Header.Get("Content-Type"))
		fmt.Fprint(w, grant)
	})
	a, err := exchange(t, client(t, s.URL), Request{Scope: "octo-org/app", Identity: "ci"})
	if err != nil || a.Token == "" || a.InstallationID != 1001 {
		t.Fatalf("answer %+v, error %v", a, err)
	}
	if _, err := exchange(t, client(t, s.URL), Request{Scope: "octo-org", Identity: "ci", Repositories: []string{"app"}}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /sts/exchange?identity=ci&scope=octo-org%2Fapp Bearer " + bearer + " ",
		"POST /token Bearer " + bearer + " application/json",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

func TestRedirectOffOriginIsNotFollowed(t *testing.T) {
	t.Parallel()
	other, hits := counting(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, grant) })
	s, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/sts/exchange", http.StatusTemporaryRedirect)
	})
	_, err := exchange(t, client(t, s.URL), Request{Scope: "octo-org/app", Identity: "ci"})
	if err == nil || !strings.Contains(err.Error(), "another origin") {
		t.Fatalf("error %v, want a refused redirect", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the other origin was sent %d requests", hits.Load())
	}
}

func TestRedirectWithinOriginIsFollowed(t *testing.T) {
	t.Parallel()
	s, hits := counting(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/sts/exchange" {
			http.Redirect(w, r, "/v2/sts/exchange?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
			return
		}
		fmt.Fprint(w, grant)
	})
	if _, err := exchange(t, client(t, s.URL), Request{Scope: "octo-org/app", Identity: "ci"}); err != nil || hits.Load() != 2 {
		t.Fatalf("error %v after %d requests", err, hits.Load())
	}
}

func TestRedirectsAreBounded(t *testing.T) {
	t.Parallel()
	s, hits := counting(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/sts/exchange?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
	})
	_, err := exchange(t, client(t, s.URL), Request{Scope: "octo-org/app", Identity: "ci"})
	if err == nil || !strings.Contains(err.Error(), "more than 3 redirects") || hits.Load() != 4 {
		t.Fatalf("error %v after %d requests, want a refusal after 4", err, hits.Load())
	}
}

type recorder struct{ n atomic.Int32 }

func (r *recorder) RoundTrip(*http.Request) (*http.Response, error) {
	r.n.Add(1)
	return nil, errors.New("sent")
}

// Plain http off loopback never leaves, whatever built the URL.
func TestPlainHTTPOffLoopbackIsNeverSent(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := client(t, "http://broker.example.com")
	c.Base = rec
	_, err := exchange(t, c, Request{Scope: "octo-org/app", Identity: "ci"})
	if err == nil || !strings.Contains(err.Error(), "plain http") || rec.n.Load() != 0 {
		t.Fatalf("error %v after %d requests sent, want a refusal before any", err, rec.n.Load())
	}
}

// A refusal's message is quoted on one short line, its controls made
// harmless, the bearer never echoed.
func TestRefusalIsQuotedSafely(t *testing.T) {
	t.Parallel()
	s, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		msg := "denied: subject \x1b]52;c;cHduZWQ=\x07\n::add-mask::x token " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + strings.Repeat("z", 5000)
		b, _ := jsonString(msg)
		fmt.Fprintf(w, `{"message":%s}`, b)
	})
	_, err := exchange(t, client(t, s.URL), Request{Scope: "octo-org/app", Identity: "ci"})
	if err == nil {
		t.Fatal("no error")
	}
	e := err.Error()
	if !strings.Contains(e, "HTTP 403") || !strings.Contains(e, "denied: subject") {
		t.Errorf("error %q lacks the status or the message", e)
	}
	if strings.ContainsAny(e, "\x1b\x07\n") || strings.Contains(e, bearer) || len(e) > 500 {
		t.Errorf("error is not one short safe line without the bearer: %q", e)
	}
}

func TestAnswersAreBounded(t *testing.T) {
	t.Parallel()
	big, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"token":"`+strings.Repeat("a", MaxAnswer)+`"}`)
	})
	if _, err := exchange(t, client(t, big.URL), Request{Scope: "o/r", Identity: "ci"}); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("a 1 MiB body: error %v", err)
	}
	tall, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("h", MaxHeaderBytes))
		fmt.Fprint(w, grant)
	})
	if _, err := exchange(t, client(t, tall.URL), Request{Scope: "o/r", Identity: "ci"}); err == nil {
		t.Error("a 64 KiB header was read")
	}
}

func TestRunnerTokenNeedsIDTokenPermission(t *testing.T) {
	t.Parallel()
	c := client(t, "https://broker.example.com")
	_, err := c.RunnerToken(context.Background(), "aud", func(string) {})
	if err == nil || !strings.Contains(err.Error(), "permissions: id-token: write") {
		t.Fatalf("error %v", err)
	}
}

// The runner's token is asked for the audience and masked whole before
// it is returned; the request token too, before it is sent.
func TestRunnerTokenIsMaskedWhole(t *testing.T) {
	t.Parallel()
	var masked []string
	s, _ := counting(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("audience") != "broker.example.com" || r.Header.Get("Authorization") != "Bearer request-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		masked = append(masked, "(sent)")
		fmt.Fprintf(w, `{"value":%q}`, bearer)
	})
	c := client(t, "https://broker.example.com")
	c.Getenv = func(k string) string {
		return map[string]string{EnvTokenURL: s.URL + "/token?api-version=2.0", EnvTokenValue: "request-token"}[k]
	}
	tok, err := c.RunnerToken(context.Background(), "broker.example.com", func(v string) { masked = append(masked, v) })
	if err != nil || tok != bearer {
		t.Fatalf("token %q, error %v", tok, err)
	}
	if strings.Join(masked, ",") != "request-token,(sent),"+bearer {
		t.Errorf("masks and use in order %q", masked)
	}
}

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}
