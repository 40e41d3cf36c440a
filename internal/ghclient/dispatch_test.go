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
	if !errors.As(err, &bad) || bad.Problem != WrongJSONKind || bad.Want != "array" || !strings.Contains(bad.Reason(), "not a JSON array") {
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

// What a listing keeps is bounded whatever the server sends: pages of
// installations with 5,000-character logins and permissions leave at most
// maxListedName bytes per name and no permissions; real names stay whole;
// a page longer than asked for is cut to a page.
func TestListInstallationsKeepsLittle(t *testing.T) {
	t.Parallel()
	hostile := `{"id":2,"app_slug":"` + strings.Repeat("s", 500) + `","account":{"login":"` + strings.Repeat("a", 5000) + `","type":"` + strings.Repeat("T", 200) +
		`","slug":"` + strings.Repeat("e", 101) + `"},"repository_selection":"` + strings.Repeat("x", 2000) + `","permissions":{"contents":"read","issues":"write"}}`
	real := `{"id":1,"app_id":7,"app_slug":"my-app","account":{"login":"octo-org","type":"Organization"},"repository_selection":"selected","suspended_at":"2026-01-01T00:00:00Z"}`
	page := "[" + real + strings.Repeat(","+hostile, 120) + "]" // 121 entries on a page of 100
	c := setup(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, page) })
	list, err := c.ListInstallations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != installationsPerPage*maxInstallationPages {
		t.Fatalf("%d installations, want %d: every page cut to %d", len(list), installationsPerPage*maxInstallationPages, installationsPerPage)
	}
	kept := 0
	for _, in := range list {
		for _, s := range []string{in.AppSlug, in.Account.Login, in.Account.Type, in.Account.Slug, in.RepositorySelection} {
			if len(s) > maxListedName {
				t.Fatalf("installation %d keeps a name of %d bytes", in.ID, len(s))
			}
			kept += len(s)
		}
		if in.Permissions != nil {
			t.Fatalf("installation %d keeps its permissions", in.ID)
		}
	}
	if r := list[0]; r.ID != 1 || r.AppID != 7 || r.AppSlug != "my-app" || r.Account.Login != "octo-org" || r.Account.Type != "Organization" ||
		r.RepositorySelection != "selected" || r.SuspendedAt == nil {
		t.Errorf("a real installation lost a field: %+v", r)
	}
	if h := list[1]; h.ID != 2 || h.Account.Login != "" || h.RepositorySelection != "" || h.AppSlug != "" || h.Account.Type != "" || h.Account.Slug != "" {
		t.Errorf("a hostile installation kept an overlong name: %d/%d bytes", len(h.Account.Login), len(h.RepositorySelection))
	}
	if kept > 1<<20 {
		t.Errorf("the listing keeps %d bytes of names", kept)
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
