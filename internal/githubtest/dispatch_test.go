package githubtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestDispatches(t *testing.T) {
	t.Parallel()
	const (
		full        = "1001:"
		onlyApp     = `1001:{"repositories":["app"]}`
		contentsRO  = `1001:{"permissions":{"contents":"read","actions":"write"}}`
		noActions   = `1001:{"permissions":{"contents":"write"}}`
		userReadAll = "1002:"
	)
	tests := []struct {
		name, token, method, path, body string
		want                            int
		wantMsg                         string
		record                          *Dispatch
	}{
		{"repository dispatch", full, "POST", "/repos/octo-org/app/dispatches", `{"event_type":"deploy","client_payload":{"env":"prod"}}`, 204, "",
			&Dispatch{Kind: "repository_dispatch", Owner: "octo-org", Repo: "app", EventType: "deploy", ClientPayload: json.RawMessage(`{"env":"prod"}`), InstallationID: 1001}},
		{"owner case and prefix", onlyApp, "POST", "/api/v3/repos/Octo-Org/App/dispatches", `{"event_type":"x"}`, 204, "",
			&Dispatch{Kind: "repository_dispatch", Owner: "octo-org", Repo: "app", EventType: "x", InstallationID: 1001}},
		{"outside the token's scope", onlyApp, "POST", "/repos/octo-org/infra/dispatches", `{"event_type":"x"}`, 404, msgNotFound, nil},
		{"outside the installation", full, "POST", "/repos/octo-org/website/dispatches", `{"event_type":"x"}`, 404, msgNotFound, nil},
		{"another account", full, "POST", "/repos/octocat/blog/dispatches", `{"event_type":"x"}`, 404, msgNotFound, nil},
		{"no such repo", full, "POST", "/repos/octo-org/nope/dispatches", `{"event_type":"x"}`, 404, msgNotFound, nil},
		{"contents read only", contentsRO, "POST", "/repos/octo-org/app/dispatches", `{"event_type":"x"}`, 403, msgNotAccessible, nil},
		{"installation grants read", userReadAll, "POST", "/repos/octocat/blog/dispatches", `{"event_type":"x"}`, 403, msgNotAccessible, nil},
		{"no event_type", full, "POST", "/repos/octo-org/app/dispatches", `{"client_payload":{}}`, 422, "", nil},
		{"not JSON", full, "POST", "/repos/octo-org/app/dispatches", `event_type=x`, 400, msgBadJSON, nil},
		{"workflow dispatch", full, "POST", "/repos/octo-org/app/actions/workflows/release.yml/dispatches", `{"ref":"main","inputs":{"v":"1"}}`, 204, "",
			&Dispatch{Kind: "workflow_dispatch", Owner: "octo-org", Repo: "app", Workflow: "release.yml", Ref: "main", Inputs: json.RawMessage(`{"v":"1"}`), InstallationID: 1001}},
		{"workflow dispatch by id", contentsRO, "POST", "/repos/octo-org/app/actions/workflows/42/dispatches", `{"ref":"v1"}`, 204, "",
			&Dispatch{Kind: "workflow_dispatch", Owner: "octo-org", Repo: "app", Workflow: "42", Ref: "v1", InstallationID: 1001}},
		{"workflow without actions write", noActions, "POST", "/repos/octo-org/app/actions/workflows/ci.yml/dispatches", `{"ref":"main"}`, 403, msgNotAccessible, nil},
		{"workflow without ref", full, "POST", "/repos/octo-org/app/actions/workflows/ci.yml/dispatches", `{}`, 422, "", nil},
		{"workflow outside scope", onlyApp, "POST", "/repos/octo-org/docs/actions/workflows/ci.yml/dispatches", `{"ref":"main"}`, 404, msgNotFound, nil},
	}
	// bodies GitHub's description refuses, sent on purpose
	invalid := map[string]bool{"no event_type": true, "not JSON": true, "workflow without ref": true}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := newTestServer(t, nil)
			inst, body, _ := strings.Cut(tc.token, ":")
			tok := mint(t, ts, inst, body)
			var hdr []http.Header
			if invalid[tc.name] {
				hdr = append(hdr, offContract(tc.name))
			}
			a := call(t, ts, tc.method, tc.path, "token "+tok, tc.body, hdr...)
			if a.status != tc.want {
				t.Fatalf("status %d, want %d: %s", a.status, tc.want, a.body)
			}
			if tc.wantMsg != "" && a.message(t) != tc.wantMsg {
				t.Errorf("message %q, want %q", a.message(t), tc.wantMsg)
			}
			got := s.Dispatches()
			if tc.record == nil {
				if len(got) != 0 {
					t.Errorf("recorded %+v on a refusal", got)
				}
				return
			}
			if len(got) != 1 || !sameDispatch(got[0], *tc.record) {
				t.Errorf("recorded %+v, want %+v", got, *tc.record)
			}
		})
	}
}

func TestDispatchNeedsAnInstallationToken(t *testing.T) {
	t.Parallel()
	_, ts := newTestServer(t, nil)
	for _, auth := range []string{"", "Bearer " + appJWT(t)} {
		if a := call(t, ts, "POST", "/repos/octo-org/app/dispatches", auth, `{"event_type":"x"}`); a.status != 401 {
			t.Errorf("auth %.6q: %d", auth, a.status)
		}
	}
}

func sameDispatch(a, b Dispatch) bool {
	eq := func(x, y json.RawMessage) bool { return string(x) == string(y) }
	return a.Kind == b.Kind && a.Owner == b.Owner && a.Repo == b.Repo && a.EventType == b.EventType &&
		a.Workflow == b.Workflow && a.Ref == b.Ref && a.InstallationID == b.InstallationID &&
		eq(a.ClientPayload, b.ClientPayload) && eq(a.Inputs, b.Inputs)
}
