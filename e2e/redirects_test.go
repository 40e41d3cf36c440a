package e2e_test

// Redirects: one that leaves the API's origin is refused, whatever the call
// (the App JWT or the token would go with it); GitHub's own, within the
// origin, are followed.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// recorder starts a redirect target whose JWTs the leak check looks for.
func recorder(w *apptest.World) (*githubtest.Recorder, *httptest.Server) {
	rec := &githubtest.Recorder{}
	srv := httptest.NewServer(rec)
	w.T.Cleanup(srv.Close)
	w.Watch(rec)
	return rec, srv
}

// redirect is a fault that sends method path elsewhere with status.
func redirect(method, path string, status int, location string) githubtest.Fault {
	return githubtest.Fault{Method: method, Path: path, Status: status, Header: http.Header{"Location": {location}}}
}

// A redirect that leaves the API's scheme, host or port is refused, whatever
// the call: the App JWT (signed again for every hop) or the token would go
// with it. The error says where it pointed, without the query; the target
// sees nothing; a refused lookup mints nothing.
func TestRedirectsOffTheAPIAreRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		call   apptest.FaultCall
		status int
		target func(w *apptest.World, rec *httptest.Server) (api, target string)
	}{
		{"lookup to another host", apptest.FaultCalls[0], 302, func(w *apptest.World, rec *httptest.Server) (string, string) {
			return w.Srv.URL, strings.Replace(rec.URL, "127.0.0.1", "localhost", 1)
		}},
		{"lookup to another port", apptest.FaultCalls[0], 301, func(w *apptest.World, rec *httptest.Server) (string, string) {
			return w.Srv.URL, rec.URL
		}},
		{"lookup from https to http", apptest.FaultCalls[0], 301, func(w *apptest.World, rec *httptest.Server) (string, string) {
			gh := apptest.ServeTLS(t, w)
			w.Step.Env["SSL_CERT_FILE"] = gh.CertFile
			return gh.Srv.URL, rec.URL
		}},
		{"mint to another port", apptest.FaultCalls[1], 307, func(w *apptest.World, rec *httptest.Server) (string, string) {
			return w.Srv.URL, rec.URL
		}},
		{"token call to another port", apptest.FaultCalls[2], 308, func(w *apptest.World, rec *httptest.Server) (string, string) {
			return w.Srv.URL, rec.URL
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := apptest.NewWorld(t)
			rec, recSrv := recorder(w)
			api, target := tt.target(w, recSrv)
			w.With("github-api-url", api)
			w.Emu.AddFault(redirect(tt.call.Method, tt.call.Path, tt.status, target+"/collect?steal=1"))
			res := w.Main()
			shortLines(t, res)
			if tt.call.Fatal {
				apptest.FailedWith(t, res, tt.call.Failure, "redirect", target+"/collect", "only follows redirects within the API's origin", "github-api-url")
			} else {
				apptest.Succeeded(t, res)
				warned(t, res, tt.call.Failure, "redirect", target+"/collect")
			}
			if got := strings.Join(slices.Concat(res.Errors, res.Warnings), " "); strings.Contains(got, "steal=1") {
				t.Errorf("the redirect's query reached the log: %q", got)
			}
			if n := len(rec.Requests()); n != 0 {
				t.Errorf("the redirect target got %d requests, with %q", n, rec.Authorizations())
			}
			if tt.call.Path == apptest.LookupPath && len(w.Emu.Tokens()) != 0 {
				t.Error("a token was minted after the lookup was refused")
			}
		})
	}
}

// Within the API's origin, GitHub's redirects for a renamed repository are
// followed: 301 on the lookup, 307 on the mint with its body intact, on the
// token's own calls too. A 302 on the mint would become a bodiless GET, so
// it is refused; so is a fourth redirect in a row.
func TestRedirectsWithinTheAPI(t *testing.T) {
	t.Parallel()
	t.Run("301 on the lookup is followed", func(t *testing.T) {
		w := apptest.NewWorld(t)
		w.Emu.AddFault(redirect("GET", apptest.LookupPath, 301, w.Srv.URL+apptest.LookupPath+"?renamed=1"))
		apptest.Succeeded(t, w.Main())
		if got := w.Emu.Count("GET", apptest.LookupPath); got != 2 {
			t.Errorf("GitHub saw %d lookups, want 2", got)
		}
		w.OnlyToken()
	})
	t.Run("307 on the mint is followed with its body", func(t *testing.T) {
		w := apptest.NewWorld(t).With("permissions", "contents: read")
		w.Emu.AddFault(redirect("POST", apptest.MintPath, 307, apptest.MintPath))
		res := w.Main()
		apptest.Succeeded(t, res)
		var bodies []string
		for _, r := range w.Emu.Requests() {
			if r.Path == apptest.MintPath {
				bodies = append(bodies, r.Method+" "+string(r.Body))
			}
		}
		if len(bodies) != 2 || bodies[0] != bodies[1] || !strings.Contains(bodies[1], `"contents":"read"`) {
			t.Errorf("mint requests %q, want the same POST twice", bodies)
		}
		if tok := w.OnlyToken(); tok.Permissions["contents"] != "read" || res.Outputs["token"] != tok.Token {
			t.Errorf("token %+v", tok)
		}
	})
	t.Run("301 on a token call is followed", func(t *testing.T) {
		w := apptest.NewWorld(t)
		w.Emu.AddFault(redirect("GET", apptest.BotPath, 301, apptest.BotPath))
		res := w.Main()
		apptest.Succeeded(t, res)
		if res.Outputs["bot-user-id"] != fmt.Sprint(githubtest.DefaultBotUserID) {
			t.Errorf("bot-user-id = %q", res.Outputs["bot-user-id"])
		}
	})
	t.Run("302 on the mint is refused", func(t *testing.T) {
		w := apptest.NewWorld(t)
		w.Emu.AddFault(redirect("POST", apptest.MintPath, 302, apptest.MintPath))
		res := w.Main()
		apptest.FailedWith(t, res, "mint a token for installation 1001", "was a 302 redirect", "only 307 and 308")
		shortLines(t, res)
		if got := w.Emu.Count("GET", apptest.MintPath); got != 0 || len(w.Emu.Tokens()) != 0 {
			t.Errorf("GitHub saw %d GETs of the mint path, issued %d tokens", got, len(w.Emu.Tokens()))
		}
	})
	t.Run("a fourth redirect is refused", func(t *testing.T) {
		w := apptest.NewWorld(t)
		f := redirect("GET", apptest.LookupPath, 301, apptest.LookupPath)
		f.Times = -1
		w.Emu.AddFault(f)
		res := w.Main()
		apptest.FailedWith(t, res, "find the App's installation on octo-org", "redirected more than 3 times")
		if got := w.Emu.Count("GET", apptest.LookupPath); got != 4 {
			t.Errorf("GitHub saw %d lookups, want 4 (3 redirects followed)", got)
		}
	})
}
