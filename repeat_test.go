package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
)

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
			w := NewWorld(t)
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
	w := NewWorld(t)
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

// The mint is the one POST that is sent again after an ambiguous failure
// (docs/fault-matrix.md says why): the command succeeds, GitHub holds a
// second token scoped exactly as asked, and only the delivered one is
// printed.
func TestMintIsRepeatedAfterAnAmbiguousFailure(t *testing.T) {
	t.Parallel()
	w := NewWorld(t)
	w.Emu.AddFault(githubtest.Fault{Method: "POST", Path: "/app/installations/*", Status: http.StatusBadGateway,
		Body: `{"message":"Bad Gateway"}`, AfterHandling: true})
	code, stdout, stderr := w.CLI("", nil, "token", "--owner", "octo-org", "--repositories", "app", "--permissions", "contents: read")
	toks := w.Emu.Tokens()
	if code != 0 || len(toks) != 2 {
		t.Fatalf("exit %d, %d tokens minted, stderr %q; want exit 0 after a second mint", code, len(toks), stderr)
	}
	if stdout != toks[1].Token+"\n" {
		t.Errorf("stdout %q is not the second, delivered token", stdout)
	}
	for _, tok := range toks {
		if len(tok.Repositories) != 1 || len(tok.Permissions) != 1 || tok.Permissions["contents"] != "read" {
			t.Errorf("token %+v: the repeated mint must be scoped exactly as asked", tok)
		}
	}
}
