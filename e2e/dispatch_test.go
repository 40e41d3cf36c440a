package e2e_test

// `app-token dispatch`: the event is sent once, with a token scoped to its
// repository and revoked after; never again after an ambiguous failure; and
// no key or credential in any part of it.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// The classic case through the real binary: one command, the emulator
// records the event, the token is scoped to the repository and revoked.
func TestCLIDispatchEndToEnd(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	code, stdout, stderr := w.CLI("", nil, "dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild", "--payload", `{"ref":"main"}`)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	d := w.Emu.Dispatches()
	if len(d) != 1 || d[0].Kind != "repository_dispatch" || d[0].Repo != "docs" || d[0].EventType != "rebuild" || string(d[0].ClientPayload) != `{"ref":"main"}` {
		t.Fatalf("dispatches %+v", d)
	}
	tok := w.OnlyToken()
	if !tok.Revoked || len(tok.Repositories) != 1 || len(tok.Permissions) != 1 || tok.Permissions["contents"] != "write" {
		t.Errorf("token %+v: want one repository, contents:write only, revoked", tok)
	}
}

// A dispatch GitHub recorded before its answer was lost (a front end's 502
// or 504, a dropped connection) is not sent again: one event, not two
// deploys. The command fails saying the event may have arrived, and the
// token is still revoked.
func TestDispatchIsNotRepeatedAfterAnAmbiguousFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault githubtest.Fault
		args  []string
		want  string
	}{
		{"repository_dispatch, 502", githubtest.Fault{Status: http.StatusBadGateway, Body: `{"message":"Bad Gateway"}`},
			[]string{"--event-type", "deploy"}, "may have received the event"},
		{"repository_dispatch, 504", githubtest.Fault{Status: http.StatusGatewayTimeout, Body: `{"message":"Gateway Timeout"}`},
			[]string{"--event-type", "deploy"}, "may have received the event"},
		{"repository_dispatch, dropped", githubtest.Fault{Drop: true},
			[]string{"--event-type", "deploy"}, "GitHub may have acted on it"},
		{"workflow_dispatch, 502", githubtest.Fault{Status: http.StatusBadGateway, Body: `{"message":"Bad Gateway"}`},
			[]string{"--workflow", "release.yml", "--ref", "main"}, "may have received the event"},
		{"workflow_dispatch, dropped", githubtest.Fault{Drop: true},
			[]string{"--workflow", "release.yml", "--ref", "main"}, "GitHub may have acted on it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := apptest.NewWorld(t)
			f := tc.fault
			f.Method, f.Path, f.Times, f.AfterHandling = "POST", "/repos/octo-org/docs/*", -1, true
			w.Emu.AddFault(f)
			code, stdout, stderr := w.CLI("", nil, append([]string{"dispatch", "--repository", "octo-org/docs"}, tc.args...)...)
			if d := w.Emu.Dispatches(); len(d) != 1 {
				t.Fatalf("GitHub recorded %d dispatches, want exactly 1\nstderr %q", len(d), stderr)
			}
			if code != 1 || stdout != "" || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "not sent again") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 saying %q and that it was not sent again", code, stdout, stderr, tc.want)
			}
			if tok := w.OnlyToken(); !tok.Revoked {
				t.Errorf("the dispatch's token was not revoked")
			}
		})
	}
}

// A dispatch refused before GitHub acted (a secondary rate limit) is sent
// again, once GitHub allows it.
func TestDispatchIsRepeatedAfterARateLimit(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	w.Emu.AddFault(githubtest.Fault{Method: "POST", Path: "/repos/octo-org/docs/dispatches", Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {"1"}}, Body: `{"message":"You have exceeded a secondary rate limit"}`})
	code, _, stderr := w.CLI("", nil, "dispatch", "--repository", "octo-org/docs", "--event-type", "deploy")
	if d := w.Emu.Dispatches(); code != 0 || len(d) != 1 {
		t.Fatalf("exit %d, %d dispatches recorded, stderr %q; want exit 0 and one dispatch", code, len(d), stderr)
	}
	var posts int
	for _, c := range w.Calls() {
		if c == "POST /repos/octo-org/docs/dispatches" {
			posts++
		}
	}
	if posts != 2 {
		t.Errorf("sent the dispatch %d times, want 2 (refused, then accepted)", posts)
	}
}

// Dispatch sent a key line given as --event-type (it said "a value of 64
// characters (not shown)" and sent it): the event shows it to every run it
// starts. Key text or a credential in any part of the event is refused
// before any call.
func TestCLIDispatchSendsNoKeyOrCredential(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	keyLine := aKeyLine()
	token := "ghs_" + strings.Repeat("x1", 18)
	for _, args := range [][]string{
		{"--event-type", keyLine},
		{"--event-type", token},
		{"--event-type", "rebuild", "--payload", `{"k":"` + keyLine + `"}`},
		{"--event-type", "rebuild", "--payload", `{"k":"` + strings.ReplaceAll(keyLine, "/", `\/`) + `"}`},
		{"--workflow", "ci.yml", "--ref", keyLine},
		{"--workflow", "ci.yml", "--ref", "main", "--inputs", `{"t":"` + token + `"}`},
	} {
		code, _, stderr := w.CLI("", nil, append([]string{"dispatch", "--repository", "octo-org/docs"}, args...)...)
		if code != 2 || !strings.Contains(stderr, "looks like the App's key or a credential") || strings.Contains(stderr, keyLine[:20]) {
			t.Errorf("%.40q: exit %d, stderr %q", args, code, stderr)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Fatalf("the emulator received %v, want nothing", calls)
	}
	// A digest and a URL are no credential.
	code, _, stderr := w.CLI("", nil, "dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild",
		"--payload", `{"sha":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","url":"https://example.com/a/b"}`)
	if code != 0 {
		t.Errorf("plain payload: exit %d, stderr %q", code, stderr)
	}
}

// dispatch's --repository stands in for --repositories: a key line or a
// token in it is refused in its own name, unshown, before any call.
func TestCLIDispatchRepositoryHoldingASecret(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	shapes := keyShapes()
	// A token as owner/name passes the name check and reaches config.
	for _, k := range []string{shapes[0], shapes[4], "ghp_" + strings.Repeat("x1", 18), "octo-org/ghp_" + strings.Repeat("x1", 18)} {
		code, stdout, stderr := w.CLI("", nil, "dispatch", "--repository", k, "--event-type", "rebuild")
		if code != 2 || stdout != "" || !strings.Contains(stderr, "--repository holds ") || !strings.Contains(stderr, "(not shown)") || strings.Contains(stderr, "--repositories") || strings.Contains(stderr, k[len(k)-20:]) {
			t.Errorf("dispatch --repository %.20q...: exit %d, stderr %q; want it refused naming --repository", k, code, stderr)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Errorf("GitHub was called: %v", calls)
	}
}
