package ghclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// A list answer must be an array, and a server that never stops paging
// is asked at most maxInstallationPages times; the Link header it sends is
// not followed.
func TestListInstallationsBounds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":1}`)
	})
	_, err := c.ListInstallations(ctx)
	var bad *BadAnswerError
	if !errors.As(err, &bad) || !strings.Contains(bad.Reason.Error(), "not a JSON array") {
		t.Errorf("object for a list: error %v, want a BadAnswerError saying it is not an array", err)
	}

	var calls atomic.Int32
	full := "[" + strings.TrimSuffix(strings.Repeat(`{"id":1},`, 100), ",") + "]"
	c = setup(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		expect(t, r, "GET", "/api/v3/app/installations", "Bearer app-jwt")
		w.Header().Set("Link", `<https://elsewhere.example/next>; rel="next"`)
		io.WriteString(w, full)
	})
	list, err := c.ListInstallations(ctx)
	if err != nil || len(list) != 100*maxInstallationPages || calls.Load() != maxInstallationPages {
		t.Errorf("endless pages: %d installations after %d calls, error %v; want %d after %d", len(list), calls.Load(), err, 100*maxInstallationPages, maxInstallationPages)
	}
}

// The dispatch bodies are what GitHub documents, sent with the token.
func TestDispatchBodies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, tc := range map[string]struct {
		call       func(c *Client) error
		path, body string
	}{
		"repository": {func(c *Client) error {
			return c.CreateRepositoryDispatch(ctx, "tok", "octo-org", "app", "deploy", []byte(`{"a":1}`))
		}, "/api/v3/repos/octo-org/app/dispatches", `{"event_type":"deploy","client_payload":{"a":1}}`},
		"repository, no payload": {func(c *Client) error {
			return c.CreateRepositoryDispatch(ctx, "tok", "octo-org", "app", "deploy", nil)
		}, "/api/v3/repos/octo-org/app/dispatches", `{"event_type":"deploy"}`},
		"workflow": {func(c *Client) error {
			return c.CreateWorkflowDispatch(ctx, "tok", "octo-org", "app", "release.yml", "main", []byte(`{"v":"1"}`))
		}, "/api/v3/repos/octo-org/app/actions/workflows/release.yml/dispatches", `{"ref":"main","inputs":{"v":"1"}}`},
	} {
		t.Run(name, func(t *testing.T) {
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				expect(t, r, "POST", tc.path, "Bearer tok")
				b, _ := io.ReadAll(r.Body)
				if got := strings.TrimSpace(string(b)); got != tc.body {
					t.Errorf("body %s, want %s", got, tc.body)
				}
				w.WriteHeader(http.StatusNoContent)
			})
			if err := tc.call(c); err != nil {
				t.Fatal(err)
			}
		})
	}
}
