package e2e_test

// What the core does for every door (issue 24): it masks a key source
// before any setting is read, and says what the client refused in the
// words of the door that shows it. Each door runs the built binary: the
// action as the runner starts it, the native (node24) entry, and the
// command line.

import (
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// The client under the core speaks no door's language: ghclient refuses a
// hostile answer as data; the core says it, with what to check, in the
// door's words.
func TestRefusedAnswersInEachDoorsWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		fault       func(w *apptest.World) githubtest.Fault
		action, cli string
	}{
		{"a redirect off the API", func(w *apptest.World) githubtest.Fault {
			_, rec := recorder(w)
			return redirect("GET", apptest.LookupPath, 302, rec.URL+"/collect")
		}, "the action only follows redirects within the API's origin. Check input github-api-url and any proxy between the runner and GitHub",
			"app-token only follows redirects within the API's origin. Check --api-url and any proxy between this machine and GitHub"},
		{"an answer past 1 MiB", func(*apptest.World) githubtest.Fault {
			return githubtest.Fault{Method: "GET", Path: apptest.LookupPath, Status: 200, GzipBomb: true}
		}, "is larger than 1 MiB once decompressed, far more than GitHub's API sends: check input github-api-url and any proxy between the runner and GitHub",
			"is larger than 1 MiB once decompressed, far more than GitHub's API sends: check --api-url and any proxy between this machine and GitHub"},
	} {
		t.Run(tc.name+", action", func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t).With("retry-attempts", "1")
			w.Emu.AddFault(tc.fault(w))
			apptest.FailedWith(t, w.Main(), "find the App's installation on octo-org: GitHub's answer to GET "+apptest.LookupPath+" ", tc.action)
		})
		t.Run(tc.name+", native entry", func(t *testing.T) {
			t.Parallel()
			w := native(apptest.NewWorld(t).With("retry-attempts", "1"))
			w.Emu.AddFault(tc.fault(w))
			apptest.FailedWith(t, w.Main(), tc.action)
		})
		t.Run(tc.name+", command line", func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t)
			w.Emu.AddFault(tc.fault(w))
			code, stdout, stderr := w.CLI("", nil, "token", "--quiet", "--repositories", "octo-org/app", "--retry-attempts", "1")
			if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "GitHub's answer to GET "+apptest.LookupPath+" ") || !strings.Contains(stderr, tc.cli) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 and one line with %q", code, stdout, stderr, tc.cli)
			}
			for _, word := range []string{"github-api-url", "the runner", "the action"} {
				if strings.Contains(stderr, word) {
					t.Errorf("the command line speaks the action's words (%q): %q", word, stderr)
				}
			}
		})
	}
}

// A jwt input arrives unmasked (the runner masks only secrets): it is
// masked before any setting is read, so a step that fails on another
// input still hides it, first thing, at both of the action's entries.
func TestJWTMaskedBeforeAnySettingIsRead(t *testing.T) {
	t.Parallel()
	token := apptest.SignedJWT(t, apptest.AppKey, githubtest.DefaultClientID, 9*time.Minute)
	for _, viaNode := range []bool{false, true} {
		w := apptest.JWTWorld(t, token).With("owner", "not an owner")
		if viaNode {
			native(w)
		}
		res := w.Main()
		apptest.FailedWith(t, res, "input owner")
		if first, _, _ := strings.Cut(res.Stdout, "\n"); first != "::add-mask::"+token {
			t.Errorf("native %t: first line %q, want the JWT's mask", viaNode, strings.ReplaceAll(first, token, "<JWT>"))
		}
		if calls := w.Calls(); len(calls) > 0 {
			t.Errorf("native %t: calls were made: %q", viaNode, calls)
		}
	}
}
