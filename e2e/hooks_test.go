package e2e_test

// Webhooks through the built binary (`app-token serve --hooks FILE`)
// against the emulated GitHub: a signed delivery fires one dispatch from a
// token scoped to that repository with that one permission, revoked after;
// every bad delivery is answered without a call to GitHub; a repeated
// delivery fires nothing.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
)

const hookSecret = "cms-shared-secret-0123456789abcdef"

const hookFile = `hooks:
  - name: cms-publish
    repository: octo-org/docs
    event_type: rebuild
    secret_env: CMS_HOOK_SECRET
    signature: hmac-sha256
    delivery_header: X-Delivery-Id
  - name: deploy
    repository: octo-org/app
    workflow: release.yml
    ref: main
    secret_env: CMS_HOOK_SECRET
    signature: bearer
`

// hookBroker starts a broker serving hookFile, its secret in the
// environment.
func hookBroker(t testing.TB, w *apptest.World) *runningBroker {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hooks.yaml")
	if err := os.WriteFile(path, []byte(hookFile), 0o600); err != nil {
		t.Fatal(err)
	}
	b := startBroker(t, w, []string{"CMS_HOOK_SECRET=" + hookSecret}, "--audience", "https://broker.example", "--hooks", path)
	b.secrets = append(b.secrets, hookSecret)
	return b
}

// signed is a delivery's headers for hmac-sha256: the HMAC of the raw body.
func signed(body []byte, delivery string) http.Header {
	m := hmac.New(sha256.New, []byte(hookSecret))
	m.Write(body)
	h := http.Header{"Content-Type": {"application/json"}, "X-Hub-Signature-256": {"sha256=" + hex.EncodeToString(m.Sum(nil))}}
	if delivery != "" {
		h.Set("X-Delivery-Id", delivery)
	}
	return h
}

func TestHookDispatchesOnceFromAScopedRevokedToken(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	b := hookBroker(t, w)
	body := []byte(`{"page": "home", "locale": "en"}`)
	a := b.do("POST", "/hooks/cms-publish", signed(body, "d-1"), body)
	if a.Status != http.StatusAccepted || !strings.Contains(a.Body, `"repository":"octo-org/docs"`) || !strings.Contains(a.Body, `"event_type":"rebuild"`) {
		t.Fatalf("answer %d %s, want 202 naming the repository and event type", a.Status, a.Body)
	}
	ds := w.Emu.Dispatches()
	if len(ds) != 1 || ds[0].Kind != "repository_dispatch" || ds[0].Repo != "docs" || ds[0].EventType != "rebuild" {
		t.Fatalf("dispatches %+v, want one repository_dispatch rebuild on octo-org/docs", ds)
	}
	var got, want any
	_ = json.Unmarshal(ds[0].ClientPayload, &got)
	_ = json.Unmarshal(body, &want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("client_payload %s, want the body %s", ds[0].ClientPayload, body)
	}
	tok := w.OnlyToken()
	if !slices.Equal(tok.Repositories, []string{"docs"}) || !maps.Equal(tok.Permissions, map[string]string{"contents": "write"}) {
		t.Errorf("token for %v with %v, want docs only with contents: write", tok.Repositories, tok.Permissions)
	}
	if !tok.Revoked {
		t.Error("the token was not revoked")
	}
	if strings.Contains(a.Body, "ghs_") {
		t.Errorf("the answer holds a token: %s", a.Body)
	}
	// workflow_dispatch with a bearer secret: actions: write, the body as
	// the inputs.
	wbody := []byte(`{"version": "1.2.3"}`)
	a = b.do("POST", "/hooks/deploy", http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + hookSecret}}, wbody)
	if a.Status != http.StatusAccepted || !strings.Contains(a.Body, `"workflow":"release.yml"`) {
		t.Fatalf("deploy: answer %d %s, want 202", a.Status, a.Body)
	}
	ds, toks := w.Emu.Dispatches(), w.Emu.Tokens()
	if len(ds) != 2 || ds[1].Kind != "workflow_dispatch" || ds[1].Repo != "app" || ds[1].Ref != "main" || string(ds[1].Inputs) != `{"version":"1.2.3"}` {
		t.Fatalf("dispatches %+v, want a workflow_dispatch of release.yml on main with the inputs", ds)
	}
	if len(toks) != 2 || !slices.Equal(toks[1].Repositories, []string{"app"}) || !maps.Equal(toks[1].Permissions, map[string]string{"actions": "write"}) || !toks[1].Revoked {
		t.Errorf("token %+v, want app only with actions: write, revoked", toks[len(toks)-1])
	}
	if code := b.Stop(); code != 0 {
		t.Errorf("SIGTERM: exit %d, stderr %q", code, b.stderr.String())
	}
	var decisions []string
	for _, l := range b.auditLines() {
		decisions = append(decisions, fmt.Sprint(l["hook"], " ", l["decision"]))
	}
	if !slices.Equal(decisions, []string{"cms-publish dispatched", "deploy dispatched"}) {
		t.Errorf("audit lines %q, want one per delivery", decisions)
	}
}

// Every bad delivery gets its answer, and GitHub is asked nothing.
func TestHookBadDeliveriesAskGitHubNothing(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	b := hookBroker(t, w)
	body := []byte(`{"page": "home"}`)
	eleven := map[string]int{}
	for i := range 11 {
		eleven[fmt.Sprintf("p%d", i)] = i
	}
	tooMany, _ := json.Marshal(eleven)
	huge := []byte(`{"x": "` + strings.Repeat("a", 70<<10) + `"}`)
	badSig := signed(body, "d-2")
	badSig.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
	noSig := signed(body, "d-3")
	noSig.Del("X-Hub-Signature-256")
	textType := signed(body, "d-4")
	textType.Set("Content-Type", "text/plain")
	for _, c := range []struct {
		name, path string
		header     http.Header
		body       []byte
		status     int
	}{
		{"bad signature", "/hooks/cms-publish", badSig, body, http.StatusUnauthorized},
		{"no signature", "/hooks/cms-publish", noSig, body, http.StatusUnauthorized},
		{"wrong bearer", "/hooks/deploy", http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer not-the-secret-0123456789"}}, body, http.StatusUnauthorized},
		{"unknown hook", "/hooks/nope", signed(body, "d-5"), body, http.StatusNotFound},
		{"oversized", "/hooks/cms-publish", signed(huge, "d-6"), huge, http.StatusRequestEntityTooLarge},
		{"not JSON's type", "/hooks/cms-publish", textType, body, http.StatusUnsupportedMediaType},
		{"not JSON", "/hooks/cms-publish", signed([]byte("page=home"), "d-7"), []byte("page=home"), http.StatusBadRequest},
		{"more than 10 properties", "/hooks/cms-publish", signed(tooMany, "d-8"), tooMany, http.StatusUnprocessableEntity},
	} {
		a := b.do("POST", c.path, c.header, c.body)
		if a.Status != c.status || a.message() == "" {
			t.Errorf("%s: answer %d %s, want %d with a message", c.name, a.Status, a.Body, c.status)
		}
		if calls := w.Calls(); len(calls) != 0 {
			t.Fatalf("%s: GitHub was asked %v", c.name, calls)
		}
	}
	if n := len(b.waitAudit(8)); n != 8 {
		t.Errorf("%d audit lines, want one per delivery (8):\n%s", n, b.stdout.String())
	}
}

// A delivery sent again (a CMS retries) fires nothing more.
func TestHookRepeatedDeliveryFiresNothing(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	b := hookBroker(t, w)
	body := []byte(`{"page": "home"}`)
	if a := b.do("POST", "/hooks/cms-publish", signed(body, "same-id"), body); a.Status != http.StatusAccepted {
		t.Fatalf("first delivery: %d %s", a.Status, a.Body)
	}
	calls := len(w.Calls())
	for range 2 {
		a := b.do("POST", "/hooks/cms-publish", signed(body, "same-id"), body)
		if a.Status != http.StatusOK || !strings.Contains(a.Body, `"duplicate":true`) {
			t.Errorf("repeated delivery: %d %s, want 200 {\"duplicate\": true}", a.Status, a.Body)
		}
	}
	if n := len(w.Emu.Dispatches()); n != 1 || len(w.Calls()) != calls {
		t.Errorf("%d dispatches and %d calls after the repeats, want 1 and %d", n, len(w.Calls()), calls)
	}
}

// A hook file with a mistake stops the server at start, naming the hook
// and the field, before anything listens or calls GitHub.
func TestHookFileMistakesStopTheServer(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"unknown field", strings.Replace(hookFile, "    event_type: rebuild\n", "    event_type: rebuild\n    colour: blue\n", 1), []string{"--hooks", `hook "cms-publish"`, "colour"}},
		{"missing secret", strings.Replace(hookFile, "CMS_HOOK_SECRET\n    signature: hmac", "UNSET_SECRET\n    signature: hmac", 1), []string{"--hooks", `hook "cms-publish"`, "secret_env", "UNSET_SECRET"}},
		{"not owner/name", strings.Replace(hookFile, "octo-org/docs", "docs", 1), []string{"--hooks", `hook "cms-publish"`, "repository"}},
	} {
		path := filepath.Join(t.TempDir(), "hooks.yaml")
		if err := os.WriteFile(path, []byte(c.file), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := w.CLI("", []string{"CMS_HOOK_SECRET=" + hookSecret}, "serve", "--listen", "127.0.0.1:0", "--audience", "https://broker.example", "--hooks", path)
		last := stderr[strings.LastIndex(strings.TrimSuffix(stderr, "\n"), "\n")+1:]
		if code != 2 || stdout != "" || !strings.HasPrefix(last, "app-token serve: --hooks: ") || !apptest.ContainsAll(last, c.want...) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and one line naming %q", c.name, code, stdout, stderr, c.want)
		}
		if strings.Contains(stderr, hookSecret) {
			t.Errorf("%s: stderr shows the secret", c.name)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Errorf("GitHub was asked %v", calls)
	}
}
