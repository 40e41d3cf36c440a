package ghclient

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/githubtest/contract"
)

// setup starts a server whose handler asserts each request, as go-github's
// own tests do, and returns a Client pointed at it under /api/v3/.
func setup(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	// Every request is held to GitHub's description, but those following
	// the tests' own redirects to /moved.
	srv := httptest.NewServer(contract.Requests(t, githubtest.PlatformGHES, h, "/moved"))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + "/api/v3/")
	app := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer app-jwt")
		return http.DefaultTransport.RoundTrip(r)
	})
	// Bounded below as mint's stacks are (ghtransport.LimitBody).
	return New(base, &ghtransport.LimitBody{Base: app}, &ghtransport.LimitBody{Base: http.DefaultTransport})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func expect(t *testing.T, r *http.Request, method, path, auth string) {
	t.Helper()
	if r.Method != method || r.URL.Path != path {
		t.Errorf("request %s %s, want %s %s", r.Method, r.URL.Path, method, path)
	}
	if got := r.Header.Get("Authorization"); got != auth {
		t.Errorf("Authorization = %q, want %q", got, auth)
	}
	if r.Header.Get("User-Agent") != UserAgent {
		t.Errorf("User-Agent = %q", r.Header.Get("User-Agent"))
	}
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("FindRepositoryInstallation", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			expect(t, r, "GET", "/api/v3/repos/octo-org/app/installation", "Bearer app-jwt")
			io.WriteString(w, `{"id":1001,"app_slug":"release-bot","account":{"login":"octo-org","type":"Organization"},
				"repository_selection":"selected","permissions":{"contents":"write","merge_queues":"read"},"suspended_at":null}`)
		})
		inst, err := c.FindRepositoryInstallation(ctx, "octo-org", "app")
		if err != nil {
			t.Fatal(err)
		}
		if inst.ID != 1001 || inst.AppSlug != "release-bot" || inst.Account.Login != "octo-org" || inst.SuspendedAt != nil ||
			!reflect.DeepEqual(inst.Permissions, map[string]string{"contents": "write", "merge_queues": "read"}) {
			t.Errorf("installation = %+v", inst)
		}
	})
	t.Run("FindAccountInstallation suspended", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			expect(t, r, "GET", "/api/v3/users/octocat/installation", "Bearer app-jwt")
			io.WriteString(w, `{"id":7,"suspended_at":"2026-01-02T03:04:05Z"}`)
		})
		inst, err := c.FindAccountInstallation(ctx, "octocat")
		if err != nil || inst.SuspendedAt == nil || inst.SuspendedAt.Year() != 2026 {
			t.Fatalf("inst = %+v, err = %v", inst, err)
		}
	})
	t.Run("CreateToken sends every permission name", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			expect(t, r, "POST", "/api/v3/app/installations/1001/access_tokens", "Bearer app-jwt")
			var body map[string]any
			json.NewDecoder(r.Body).Decode(&body)
			want := map[string]any{"repositories": []any{"app", "infra"}, "permissions": map[string]any{"contents": "write", "enterprise_custom_properties_for_organizations": "admin"}}
			if !reflect.DeepEqual(body, want) {
				t.Errorf("body = %v, want %v", body, want)
			}
			w.WriteHeader(201)
			io.WriteString(w, `{"token":"ghs_x","expires_at":"2026-11-21T12:00:00Z","permissions":{"contents":"write"},"repository_selection":"selected","repositories":[{"name":"app","full_name":"octo-org/app"}]}`)
		})
		tok, err := c.CreateToken(ctx, 1001, TokenRequest{Repositories: []string{"app", "infra"},
			Permissions: map[string]string{"contents": "write", "enterprise_custom_properties_for_organizations": "admin"}})
		if err != nil {
			t.Fatal(err)
		}
		if tok.Token != "ghs_x" || !tok.ExpiresAt.Equal(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)) || tok.Repositories[0].FullName != "octo-org/app" {
			t.Errorf("token = %+v", tok)
		}
	})
	t.Run("CreateToken omits empty limits", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if strings.TrimSpace(string(b)) != "{}" {
				t.Errorf("body = %s, want {}", b)
			}
			w.WriteHeader(201)
			io.WriteString(w, `{"token":"ghs_y"}`)
		})
		if _, err := c.CreateToken(ctx, 1, TokenRequest{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("RevokeToken uses the token", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			expect(t, r, "DELETE", "/api/v3/installation/token", "Bearer ghs_secret")
			w.WriteHeader(204)
		})
		if err := c.RevokeToken(ctx, "ghs_secret"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("GetUser bot", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			expect(t, r, "GET", "/api/v3/users/release-bot[bot]", "Bearer ghs_t")
			io.WriteString(w, `{"login":"release-bot[bot]","id":41898283,"type":"Bot"}`)
		})
		u, err := c.GetUser(ctx, "release-bot[bot]", "ghs_t")
		if err != nil || u.ID != 41898283 {
			t.Fatalf("user = %+v, err = %v", u, err)
		}
	})
	t.Run("GetApp", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			expect(t, r, "GET", "/api/v3/app", "Bearer app-jwt")
			io.WriteString(w, `{"id":123456,"slug":"release-bot"}`)
		})
		app, err := c.GetApp(ctx)
		if err != nil || app.Slug != "release-bot" {
			t.Fatalf("app = %+v, err = %v", app, err)
		}
	})
}

func TestErrors(t *testing.T) {
	t.Parallel()
	reset := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		wantMsg   string
		wantReset bool
	}{
		{"not found", 404, nil, `{"message":"Not Found"}`, "GitHub answered 404 Not Found", false},
		{"unprocessable", 422, nil, `{"message":"The permissions requested are not granted to this installation."}`, "422 Unprocessable Entity: The permissions requested", false},
		{"429 with retry-after", 429, map[string]string{"Retry-After": "120"}, `{"message":"You have exceeded a secondary rate limit"}`, "429 Too Many Requests", false},
		{"429 primary", 429, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": itoa(reset.Unix())}, `{"message":"API rate limit exceeded"}`, "429 Too Many Requests", true},
		{"primary rate limit", 403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": itoa(reset.Unix())}, `{"message":"API rate limit exceeded"}`, "403 Forbidden: API rate limit exceeded", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, err := c.FindAccountInstallation(context.Background(), "octo-org")
			if StatusOf(err) != tt.status || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v (status %d)", err, StatusOf(err))
			}
			var apiErr *APIError
			_ = asAPIError(err, &apiErr)
			if tt.header["Retry-After"] != "" && apiErr.RetryAfter != 2*time.Minute {
				t.Errorf("RetryAfter = %v, want 2m", apiErr.RetryAfter)
			}
			if tt.wantReset && !apiErr.RateLimitReset.Equal(reset) {
				t.Errorf("reset %v, want %v", apiErr.RateLimitReset, reset)
			}
			if apiErr.RateLimited() != (tt.wantReset || tt.header["Retry-After"] != "") {
				t.Errorf("RateLimited() = %v", apiErr.RateLimited())
			}
		})
	}
}

func asAPIError(err error, target **APIError) bool {
	e, ok := err.(*APIError)
	*target = e
	return ok
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// go-github remembers "remaining: 0" and refuses later calls locally; each
// call here must still reach GitHub (the transports decide about waiting).
func TestLastCallOfTheRateLimitDoesNotBlockTheNext(t *testing.T) {
	t.Parallel()
	calls := 0
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", itoa(time.Now().Add(time.Hour).Unix()))
		io.WriteString(w, `{"id":1}`)
	})
	for range 2 {
		if _, err := c.FindAccountInstallation(context.Background(), "octo-org"); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 2 {
		t.Errorf("server saw %d calls, want 2", calls)
	}
}
