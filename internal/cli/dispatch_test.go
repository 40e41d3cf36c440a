package cli

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
)

// The classic case: one command mints a token for one repository with the
// one permission the event needs, sends the event, and revokes the token.
func TestDispatch(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		args []string
		perm string
		want githubtest.Dispatch
	}{
		"repository_dispatch": {
			[]string{"--repository", "octo-org/docs", "--event-type", "rebuild", "--payload", `{"page": "home"}`},
			"contents",
			githubtest.Dispatch{Kind: "repository_dispatch", Owner: "octo-org", Repo: "docs", EventType: "rebuild", ClientPayload: json.RawMessage(`{"page":"home"}`), InstallationID: 1001},
		},
		"workflow_dispatch": {
			[]string{"--repository", "octo-org/app", "--workflow", "release.yml", "--ref", "main", "--inputs", `{"version":"1.2.3"}`},
			"actions",
			githubtest.Dispatch{Kind: "workflow_dispatch", Owner: "octo-org", Repo: "app", Workflow: "release.yml", Ref: "main", Inputs: json.RawMessage(`{"version":"1.2.3"}`), InstallationID: 1001},
		},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			r := w.run("", append([]string{"dispatch"}, tc.args...)...).ok(t)
			if r.stdout != "" {
				t.Errorf("stdout %q: dispatch prints nothing there (the token least of all)", r.stdout)
			}
			got := w.emu.Dispatches()
			if len(got) != 1 || !sameDispatch(got[0], tc.want) {
				t.Fatalf("dispatches %+v, want %+v", got, tc.want)
			}
			toks := w.emu.Tokens()
			if len(toks) != 1 {
				t.Fatalf("%d tokens minted, want 1", len(toks))
			}
			tok := toks[0]
			if !slices.Equal(tok.Repositories, []string{tc.want.Repo}) || !maps.Equal(tok.Permissions, map[string]string{tc.perm: "write"}) {
				t.Errorf("token reached %v with %v, want only %s with %s:write", tok.Repositories, tok.Permissions, tc.want.Repo, tc.perm)
			}
			if !tok.Revoked {
				t.Error("the token was not revoked")
			}
			if !contains(r.stderr, "token revoked") {
				t.Errorf("stderr %q does not say the token was revoked", r.stderr)
			}
		})
	}
}

// The send is the token's first use and its own check: no check call
// before it, and a 401 while GitHub's servers learn the new token
// (replication lag) is retried within token-ready-seconds, one event in
// the end; with the check off it is not.
func TestDispatchIsItsOwnCheck(t *testing.T) {
	t.Parallel()
	const lagged = 2
	w := newWorld(t, func(c *githubtest.Config) { c.TokenLagCalls = lagged })
	w.run("", "dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild").ok(t)
	var calls []string
	for _, r := range w.emu.Requests() {
		calls = append(calls, r.Method+" "+r.Path)
	}
	want := []string{"GET /repos/octo-org/docs/installation", "POST /app/installations/1001/access_tokens"}
	for range lagged + 1 {
		want = append(want, "POST /repos/octo-org/docs/dispatches")
	}
	want = append(want, "DELETE /installation/token")
	if !slices.Equal(calls, want) || len(w.emu.Dispatches()) != 1 {
		t.Errorf("calls %q, %d events; want %q, one event", calls, len(w.emu.Dispatches()), want)
	}
	off := newWorld(t, func(c *githubtest.Config) { c.TokenLagCalls = 1 })
	off.run("", "dispatch", "--repository", "octo-org/docs", "--event-type", "rebuild", "--token-ready-seconds", "0").
		failed(t, ExitFailed, "repository_dispatch", "401")
	if n := off.emu.Count("POST", "/repos/octo-org/docs/dispatches"); n != 1 || len(off.emu.Dispatches()) != 0 {
		t.Errorf("check off: %d sends, %d events; want 1, none", n, len(off.emu.Dispatches()))
	}
}

// A failed send still revokes the token, and says what GitHub said.
func TestDispatchFailureRevokes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.emu.AddFault(githubtest.Fault{Method: "POST", Path: "/repos/octo-org/app/actions/workflows/*", Status: 422,
		Body: `{"message":"Workflow does not have 'workflow_dispatch' trigger"}`})
	w.run("", "dispatch", "--repository", "octo-org/app", "--workflow", "ci.yml", "--ref", "main").
		failed(t, ExitFailed, "workflow_dispatch", "octo-org/app", "does not have 'workflow_dispatch' trigger")
	if toks := w.emu.Tokens(); len(toks) != 1 || !toks[0].Revoked {
		t.Errorf("tokens %+v, want one, revoked", toks)
	}
	w2 := newWorld(t)
	w2.emu.AddFault(githubtest.Fault{Method: "POST", Path: "/repos/octo-org/app/actions/workflows/*", Status: 404, Body: `{"message":"Not Found"}`})
	w2.run("", "dispatch", "--repository", "octo-org/app", "--workflow", "nope.yml", "--ref", "main").
		failed(t, ExitFailed, `no workflow "nope.yml"`, "--workflow")
	if toks := w2.emu.Tokens(); len(toks) != 1 || !toks[0].Revoked {
		t.Errorf("tokens %+v, want one, revoked", toks)
	}
}

func TestDispatchRefused(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		args []string
		want []string
	}{
		"unreachable repository": {[]string{"--repository", "octo-org/website", "--event-type", "x"}, []string{"cannot reach repository octo-org/website"}},
		"permission not granted": {[]string{"--repository", "octocat/blog", "--event-type", "x"}, []string{"cannot grant the requested permissions", "contents:write"}},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.run("", append([]string{"dispatch"}, tc.args...)...).failed(t, ExitFailed, tc.want...)
			if n := len(w.emu.Tokens()) + len(w.emu.Dispatches()); n != 0 {
				t.Errorf("%d tokens or dispatches", n)
			}
		})
	}
}

func TestDispatchBadInput(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"nothing to send":      {[]string{"--repository", "octo-org/app"}, "nothing to send"},
		"both kinds":           {[]string{"--repository", "octo-org/app", "--event-type", "x", "--workflow", "a.yml", "--ref", "main"}, "both set"},
		"no repository":        {[]string{"--event-type", "x"}, "--repository must be owner/name"},
		"name without owner":   {[]string{"--repository", "app", "--event-type", "x"}, "--repository must be owner/name"},
		"payload not object":   {[]string{"--repository", "octo-org/app", "--event-type", "x", "--payload", "[1]"}, "--payload must be a JSON object"},
		"payload not JSON":     {[]string{"--repository", "octo-org/app", "--event-type", "x", "--payload", "{"}, "--payload must be a JSON object"},
		"inputs for event":     {[]string{"--repository", "octo-org/app", "--event-type", "x", "--inputs", "{}"}, "--ref and --inputs belong to workflow_dispatch"},
		"workflow without ref": {[]string{"--repository", "octo-org/app", "--workflow", "a.yml"}, "--ref is empty"},
		"workflow path":        {[]string{"--repository", "octo-org/app", "--workflow", ".github/workflows/a.yml", "--ref", "main"}, "--workflow must be the workflow's file name"},
		"long event type":      {[]string{"--repository", "octo-org/app", "--event-type", string(make([]byte, 101))}, "at most 100"},
		"bad repository name":  {[]string{"--repository", "octo-org/no such", "--event-type", "x"}, "--repository must be owner/name"},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			w.run("", append([]string{"dispatch"}, tc.args...)...).failed(t, ExitUsage, tc.want)
			if n := len(w.emu.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func sameDispatch(a, b githubtest.Dispatch) bool {
	return a.Kind == b.Kind && a.Owner == b.Owner && a.Repo == b.Repo && a.EventType == b.EventType &&
		string(a.ClientPayload) == string(b.ClientPayload) && a.Workflow == b.Workflow && a.Ref == b.Ref &&
		string(a.Inputs) == string(b.Inputs) && a.InstallationID == b.InstallationID
}
