package ghclient

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/githubtest"
)

// jwtLike stands for an App JWT a server echoes back.
const jwtLike = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJJdjIzbGkifQ.c2lnbmF0dXJlc2lnbmF0dXJl"

// hits counts the requests a server saw, with their bodies.
type hits struct {
	mu     sync.Mutex
	bodies []string
}

func (h *hits) add(r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bodies = append(h.bodies, string(b))
}

func (h *hits) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

// elsewhere is a server on another origin that must never be reached.
func elsewhere(t *testing.T) (*httptest.Server, *hits) {
	t.Helper()
	var h hits
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.add(r)
		io.WriteString(w, `{"id":666,"token":"ghs_stolen"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &h
}

// redirecting answers the first n requests with status and Location loc
// (relative to the API's own origin when it starts with "/"), then
// answers like GitHub.
func redirecting(n, status int, loc string, h *hits) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.add(r)
		if len(h.all()) <= n {
			w.Header().Set("Location", loc)
			w.WriteHeader(status)
			return
		}
		w.WriteHeader(201)
		io.WriteString(w, `{"id":1001,"token":"ghs_fine","login":"release-bot[bot]"}`)
	}
}

// Redirects within the API's origin are followed as GitHub uses them for
// renamed repositories, keeping a POST's method and body on 307 and 308.
func TestSameOriginRedirectsAreFollowed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		status int
		n      int
		post   bool
	}{
		{"GET 301", 301, 1, false},
		{"GET 302", 302, 1, false},
		{"GET 303", 303, 1, false},
		{"GET 307", 307, 1, false},
		{"GET 308", 308, 1, false},
		{"GET three times", 301, 3, false},
		{"POST 307", 307, 1, true},
		{"POST 308", 308, 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var h hits
			c := setup(t, redirecting(tt.n, tt.status, "/api/v3/moved", &h))
			var err error
			if tt.post {
				_, err = c.CreateToken(ctx, 1001, TokenRequest{Repositories: []string{"app"}})
			} else {
				_, err = c.FindAccountInstallation(ctx, "octo-org")
			}
			if err != nil {
				t.Fatal(err)
			}
			bodies := h.all()
			if len(bodies) != tt.n+1 {
				t.Fatalf("server saw %d requests, want %d", len(bodies), tt.n+1)
			}
			if tt.post && (bodies[1] != bodies[0] || !strings.Contains(bodies[1], `"app"`)) {
				t.Errorf("redirected POST body %q, want the original %q", bodies[1], bodies[0])
			}
		})
	}
}

// Every other redirect is refused with a *BadAnswerError that says where it
// pointed (without the query) and why, and the target never sees a request.
func TestRedirectsAreRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	other, seen := elsewhere(t)
	_, port, _ := net.SplitHostPort(other.Listener.Addr().String())
	for _, tt := range []struct {
		name, loc string
		status    int
		n         int
		post      bool
		token     bool
		problem   Problem
		want      []string
	}{
		{"another port", other.URL + "/steal?jwt=" + jwtLike, 302, 1, false, false, RedirectElsewhere,
			[]string{"GET /users/octo-org/installation redirected to " + other.URL + "/steal, outside the API's origin", "only redirects within the API's origin are followed"}},
		{"another host", "http://localhost:" + port + "/steal", 301, 1, false, false, RedirectElsewhere,
			[]string{"redirected to http://localhost:" + port + "/steal"}},
		{"another scheme", "https://" + other.Listener.Addr().String() + "/steal", 307, 1, true, false, RedirectElsewhere,
			[]string{"POST /app/installations/1001/access_tokens redirected to https://"}},
		{"the token elsewhere", other.URL + "/steal", 307, 1, false, true, RedirectElsewhere,
			[]string{"GET /users/release-bot[bot] redirected to " + other.URL + "/steal"}},
		{"POST 302", "/api/v3/moved", 302, 1, true, false, RedirectDropsBody,
			[]string{"was a 302 redirect", "would turn the POST into a GET", "only 307 and 308"}},
		{"POST 301", "/api/v3/moved", 301, 1, true, false, RedirectDropsBody, []string{"was a 301 redirect"}},
		{"POST 303", "/api/v3/moved", 303, 1, true, false, RedirectDropsBody, []string{"was a 303 redirect"}},
		{"a fourth redirect", "/api/v3/moved", 301, 4, false, false, TooManyRedirects, []string{"redirected more than 3 times"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var h hits
			c := setup(t, redirecting(tt.n, tt.status, tt.loc, &h))
			var err error
			switch {
			case tt.post:
				_, err = c.CreateToken(ctx, 1001, TokenRequest{})
			case tt.token:
				_, err = c.GetUser(ctx, "release-bot[bot]", "ghs_secret")
			default:
				_, err = c.FindAccountInstallation(ctx, "octo-org")
			}
			var bad *BadAnswerError
			if !errors.As(err, &bad) || bad.Problem != tt.problem {
				t.Fatalf("err = %#v, want a *BadAnswerError of problem %d", err, tt.problem)
			}
			if !strings.HasPrefix(err.Error(), "GitHub's answer to ") || strings.Contains(err.Error(), jwtLike[:20]) || strings.Contains(bad.Target, "jwt=") {
				t.Errorf("error = %q", err)
			}
			doorNeutral(t, err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if n := len(seen.all()); n != 0 {
				t.Errorf("the redirect target saw %d requests", n)
			}
			if got := len(h.all()); got != tt.n {
				t.Errorf("API saw %d requests, want %d: the refused redirect must not be followed", got, tt.n)
			}
		})
	}
}

// Answers the client cannot use are refused as data, quoting nothing the
// server sent.
func TestBadAnswers(t *testing.T) {
	t.Parallel()
	big := strings.Repeat(" ", 1<<20) + `{"id":1}`
	for _, tt := range []struct {
		name, body string
		status     int
		problem    Problem
		want       string
	}{
		{"empty", "", 200, Empty, "is empty where a JSON object was expected"},
		{"null", "null", 200, WrongJSONKind, "is not a JSON object"},
		{"an array", `["` + jwtLike + `"]`, 200, WrongJSONKind, "is not a JSON object"},
		{"syntax", `{"id":1,` + jwtLike, 200, InvalidJSON, "is not valid JSON (at byte"},
		{"wrong type", `{"id":"` + jwtLike + `"}`, 200, UnexpectedJSON, "is not the JSON expected: id is not a int64"},
		{"wrong type deeper", `{"id":1,"login":{"a":1}}`, 200, UnexpectedJSON, "is not the JSON expected: login is not a string"},
		{"trailing data", `{"id":1} {"id":2}`, 200, InvalidJSON, "is not valid JSON"},
		{"cut short", `{"id":1, "account": {`, 200, InvalidJSON, "is not valid JSON"},
		{"over 1 MiB", big, 200, TooLarge, "is larger than 1 MiB once decompressed"},
		{"error over 1 MiB", `{"message":"` + strings.Repeat("x", 1<<20) + `"}`, 500, TooLarge, "is larger than 1 MiB once decompressed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, err := c.GetUser(context.Background(), "release-bot[bot]", "")
			var bad *BadAnswerError
			if !errors.As(err, &bad) || bad.Method != "GET" || bad.Path != "/users/release-bot[bot]" || bad.Problem != tt.problem {
				t.Fatalf("err = %#v, want a *BadAnswerError of problem %d for GET /users/release-bot[bot]", err, tt.problem)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "eyJ") {
				t.Errorf("error = %q, want %q", err, tt.want)
			}
			doorNeutral(t, err)
		})
	}
	t.Run("a token without a token", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"expires_at":"2026-01-01T00:00:00Z"}`)
		})
		_, err := c.CreateToken(context.Background(), 7, TokenRequest{})
		if err == nil || err.Error() != "GitHub's answer to POST /app/installations/7/access_tokens holds no token" {
			t.Errorf("err = %v", err)
		}
	})
}

// doorNeutral fails when err speaks a door's words: ghclient knows no door
// and no setting; the core (mint.Explain) says what to check.
func doorNeutral(t *testing.T, err error) {
	t.Helper()
	for _, word := range []string{"github-api-url", "--api-url", "the action", "app-token", "the runner", "this machine"} {
		if strings.Contains(err.Error(), word) {
			t.Errorf("error %q speaks a door's words (%q)", err, word)
		}
	}
}

// Every problem says something of its own; one the client does not know
// still reads as a sentence.
func TestEveryProblemIsSaid(t *testing.T) {
	t.Parallel()
	seen := map[string]Problem{}
	for p := RedirectElsewhere; p <= NoToken; p++ {
		r := (&BadAnswerError{Problem: p}).Reason()
		if prev, dup := seen[r]; dup {
			t.Errorf("problems %d and %d both read %q", prev, p, r)
		}
		seen[r] = p
	}
	if got := (&BadAnswerError{Problem: NoToken + 1}).Reason(); got != "is not usable" {
		t.Errorf("an unknown problem reads %q", got)
	}
	for _, tc := range []struct {
		e    BadAnswerError
		want string
	}{
		{BadAnswerError{Problem: UnexpectedJSON}, "is not the JSON expected"},
		{BadAnswerError{Problem: UnexpectedJSON, Detail: "why"}, "is not the JSON expected: why"},
		{BadAnswerError{Problem: UnexpectedJSON, Field: "id", Want: "int64", Detail: "why"}, "is not the JSON expected: id is not a int64"},
	} {
		if got := tc.e.Reason(); got != tc.want {
			t.Errorf("Reason() = %q, want %q", got, tc.want)
		}
	}
}

// GitHub's message reaches the error through ghtext.Message: one line, at
// most 1 KiB, with an echoed credential hidden.
func TestAPIErrorMessageIsMadeSafe(t *testing.T) {
	t.Parallel()
	for _, status := range []int{401, 403, 422, 429, 500} {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			io.WriteString(w, `{"message":"you sent Bearer `+jwtLike+`\n::error::forged `+strings.Repeat("x", 8<<10)+`"}`)
		})
		_, err := c.FindAccountInstallation(context.Background(), "octo-org")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != status {
			t.Fatalf("err = %v", err)
		}
		if len(apiErr.Message) > ghtext.MaxMessage || strings.ContainsAny(apiErr.Message, "\r\n") || strings.Contains(apiErr.Message, "eyJ") {
			t.Errorf("%d: message of %d bytes: %.200q", status, len(apiErr.Message), apiErr.Message)
		}
	}
}

// A server that quotes the Authorization header in a malformed status line
// makes Go's error quote it; the error the caller gets does not.
func TestTransportErrorsAreMadeSafe(t *testing.T) {
	t.Parallel()
	api, err := githubtest.StartMalformedAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.Close)
	base, _ := url.Parse(api.URL() + "/")
	c := New(base, nil, &ghtransport.LimitBody{Base: http.DefaultTransport})
	_, err = c.GetUser(context.Background(), "release-bot[bot]", jwtLike)
	if err == nil || !strings.Contains(err.Error(), "malformed HTTP") || strings.Contains(err.Error(), "eyJ") {
		t.Errorf("err = %v, want Go's malformed-answer error without the credential", err)
	}
}
