package contract

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/golang-jwt/jwt/v5"
)

var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, _, err := githubtest.NewAppKey()
	if err != nil {
		panic(err)
	}
	return k
})

// emulator serves a world for platform (with an enterprise installation
// on GHEC) and records every exchange instead of checking it, so a test
// can check each itself. Tests using it must not run in parallel: the
// hook is process-wide.
type emulator struct {
	t    *testing.T
	emu  *githubtest.Server
	url  string
	mu   sync.Mutex
	seen []githubtest.Exchange
}

func startEmulator(t *testing.T, platform string, edit func(*githubtest.Config)) *emulator {
	t.Helper()
	cfg := githubtest.DefaultConfig(&appKey().PublicKey)
	cfg.Platform = platform
	if platform == githubtest.PlatformGHEC {
		cfg.Installations = append(cfg.Installations, githubtest.Installation{
			ID: 1004, Account: "octo-enterprise", AccountType: githubtest.AccountEnterprise, RepositorySelection: "all",
			Permissions: map[string]string{"enterprise_custom_properties": "write"},
		})
	}
	if edit != nil {
		edit(&cfg)
	}
	e := &emulator{t: t}
	githubtest.SetContractCheck(func(ex githubtest.Exchange) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.seen = append(e.seen, ex)
		return nil
	})
	t.Cleanup(func() { githubtest.SetContractCheck(nil) })
	emu, srv := githubtest.Start(t, cfg)
	e.emu, e.url = emu, srv.URL
	if platform == githubtest.PlatformGHES {
		e.url += "/api/v3"
	}
	return e
}

func (e *emulator) jwt() string {
	now := time.Now()
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": githubtest.DefaultClientID, "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(),
	}).SignedString(appKey())
	if err != nil {
		e.t.Fatal(err)
	}
	return "Bearer " + s
}

// do sends one request as a client of GitHub's API would, and returns the
// exchange the emulator passed to the hook.
func (e *emulator) do(method, path, auth, body string) githubtest.Exchange {
	e.t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequest(method, e.url+path, rd)
		req.Header.Set("Content-Type", "application/json")
	} else {
		req, err = http.NewRequest(method, e.url+path, nil)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	e.mu.Lock()
	before := len(e.seen)
	e.mu.Unlock()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	_ = resp.Body.Close()
	// The hook runs once the handler returns, which may be just after the
	// client has read the answer.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		e.mu.Lock()
		if len(e.seen) > before {
			defer e.mu.Unlock()
			return e.seen[before]
		}
		e.mu.Unlock()
	}
	e.t.Fatalf("%s %s: the hook never saw it", method, path)
	return githubtest.Exchange{}
}

func (e *emulator) mint() string {
	ex := e.do("POST", "/app/installations/1001/access_tokens", e.jwt(), `{"permissions":{"contents":"write","actions":"write"}}`)
	var m struct{ Token string }
	if err := json.Unmarshal(ex.Body, &m); err != nil || m.Token == "" {
		e.t.Fatalf("mint: %d %s", ex.Status, ex.Body)
	}
	return "token " + m.Token
}

// notCalled are operations the descriptions hold (they share a path with
// one app-token calls) that the project never calls nor emulates.
var notCalled = map[string]bool{"DELETE /app/installations/{installation_id}": true,
	"PUT /repos/{owner}/{repo}/contents/{path}": true, "DELETE /repos/{owner}/{repo}/contents/{path}": true}

// The emulator routes every operation of every description (but those the
// project never calls), and its answer to a well-formed request for each
// passes that platform's description.
func TestEmulatorAnswersEveryOperation(t *testing.T) {
	ds, err := descriptions()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{"installation_id": "1001", "owner": "octo-org", "repo": "app", "org": "octo-org",
		"username": "octocat", "enterprise": "octo-enterprise", "workflow_id": "ci.yml",
		"path": ".github/chainguard/deploy.sts.yaml"}
	bodies := map[string]string{"apps/create-installation-access-token": `{"repositories":["app"]}`,
		"repos/create-dispatch-event": `{"event_type":"deploy"}`, "actions/create-workflow-dispatch": `{"ref":"main"}`}
	for i, platform := range []string{githubtest.PlatformDotcom, githubtest.PlatformGHEC, githubtest.PlatformGHES} {
		t.Run(platform, func(t *testing.T) {
			e := startEmulator(t, platform, func(cfg *githubtest.Config) {
				cfg.Files = map[string]string{"octo-org/app/" + values["path"]: "issuer: https://token.actions.githubusercontent.com\n"}
			})
			c := NewChecker()
			d := ds[Platforms()[i]]
			for _, o := range d.ops {
				key := o.method + " " + o.template
				if notCalled[key] {
					continue
				}
				path := o.template
				for k, v := range values {
					path = strings.ReplaceAll(path, "{"+k+"}", v)
				}
				auth := e.jwt()
				if strings.HasPrefix(path, "/installation/") || strings.HasSuffix(path, "/dispatches") || strings.Contains(path, "/contents/") {
					auth = e.mint()
				}
				ex := e.do(o.method, path, auth, bodies[o.op.OperationID])
				if ex.Route == "" {
					t.Errorf("%s: the emulator has no route for it", key)
				}
				if ex.Status >= 300 {
					t.Errorf("%s: %d %s", key, ex.Status, ex.Body)
				}
				if err := c.Check(ex); err != nil {
					t.Error(err)
				}
			}
			n := c.Counts()[d.name]
			if want := len(d.ops) - len(notCalled); len(n.Operations) != want || n.Answers < want {
				t.Errorf("%s: %d operations, %d answers checked; want %d: %v", d.name, len(n.Operations), n.Answers, want, n.Operations)
			}
		})
	}
}

// A field the emulator gets wrong, a status GitHub never gives, a request
// GitHub refuses and a path no description has each fail the check with
// the operation and the field.
func TestMismatchNamesTheOperationAndTheField(t *testing.T) {
	e := startEmulator(t, githubtest.PlatformDotcom, nil)
	good := e.do("GET", "/app/installations/1001", e.jwt(), "")
	minted := e.do("POST", "/app/installations/1001/access_tokens", e.jwt(), `{"repositories":["app"]}`)
	c := NewChecker()
	for _, ex := range []githubtest.Exchange{good, minted} {
		if err := c.Check(ex); err != nil {
			t.Fatalf("the emulator's own answer: %v", err)
		}
	}
	edit := func(ex githubtest.Exchange, f func(m map[string]any)) githubtest.Exchange {
		var m map[string]any
		if err := json.Unmarshal(ex.Body, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		ex.Body, _ = json.Marshal(m)
		return ex
	}
	const getInst = "contract api.github.com: GET /app/installations/{installation_id} (apps/get-installation) "
	const mint = "contract api.github.com: POST /app/installations/{installation_id}/access_tokens (apps/create-installation-access-token) "
	tests := []struct {
		name string
		ex   githubtest.Exchange
		want []string
	}{
		{"a value outside an enum", edit(good, func(m map[string]any) { m["repository_selection"] = "some" }),
			[]string{getInst + "answer 200: ", "field /repository_selection: value is not one of the allowed values"}},
		{"a required field missing", edit(minted, func(m map[string]any) { delete(m, "token") }),
			[]string{mint + "answer 201: ", `field /token: property "token" is missing`}},
		{"a field of the wrong type", edit(minted, func(m map[string]any) { m["repositories"].([]any)[0].(map[string]any)["id"] = "one" }),
			[]string{mint + "answer 201: ", "field /repositories/0/id: value must be an integer"}},
		{"a status the operation never answers", func() githubtest.Exchange { ex := good; ex.Status = http.StatusTeapot; return ex }(),
			[]string{getInst + "answer 418: status is not supported"}},
		{"a request GitHub refuses", func() githubtest.Exchange {
			ex := minted
			ex.RequestBody = []byte(`{"permissions":{"contents":"admin"}}`)
			return ex
		}(), []string{mint + "request: ", "field /permissions/contents: value is not one of the allowed values"}},
		{"a path no description has", func() githubtest.Exchange {
			ex := good
			ex.Request = ex.Request.Clone(ex.Request.Context())
			ex.Request.URL.Path = "/app/installation/1001"
			return ex
		}(), []string{"contract api.github.com: GET /app/installation/1001 request: no operation of any description"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := NewChecker().Check(tc.ex)
			if err == nil {
				t.Fatal("passed the check")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// An injected fault's answer is marked and skipped, exactly that one: the
// same server's next answer is checked again, and the faulted answer would
// fail the check were it not marked.
func TestFaultsAreSkippedExactly(t *testing.T) {
	e := startEmulator(t, githubtest.PlatformDotcom, nil)
	e.emu.AddFault(githubtest.Fault{Path: "/app", Status: http.StatusInternalServerError, Body: `{"message":"Server Error"}`})
	e.emu.AddFault(githubtest.Fault{Path: "/users/*", Delay: time.Millisecond})
	faulted := e.do("GET", "/app", e.jwt(), "")
	normal := e.do("GET", "/app", e.jwt(), "")
	delayed := e.do("GET", "/users/octocat", "", "")
	if faulted.Unlike == "" || normal.Unlike != "" || delayed.Unlike != "" {
		t.Fatalf("marks: fault %q, next %q, delay-only %q; want only the fault's", faulted.Unlike, normal.Unlike, delayed.Unlike)
	}
	c := NewChecker()
	for _, ex := range []githubtest.Exchange{faulted, normal, delayed} {
		if err := c.Check(ex); err != nil {
			t.Error(err)
		}
	}
	if n := c.Counts()["api.github.com"]; n.Unlike != 1 || n.Answers != 2 || n.Requests != 3 {
		t.Errorf("counts %+v, want 3 requests, 2 answers checked and 1 skipped", n)
	}
	faulted.Unlike = ""
	if err := NewChecker().Check(faulted); err == nil || !strings.Contains(err.Error(), "answer 500: status is not supported") {
		t.Errorf("the fault's answer unmarked: %v, want a mismatch", err)
	}
}

// On GitHub Enterprise Server, which has no enterprise installations, the
// emulator answers the lookup 404 and the check counts it as the answer to
// an operation the platform lacks; a 200 there would be a mismatch.
func TestEnterpriseLookupOnGHES(t *testing.T) {
	e := startEmulator(t, githubtest.PlatformGHES, func(c *githubtest.Config) {
		c.Installations = append(c.Installations, githubtest.Installation{
			ID: 1004, Account: "octo-enterprise", AccountType: githubtest.AccountEnterprise, RepositorySelection: "all",
			Permissions: map[string]string{"enterprise_custom_properties": "write"},
		})
	})
	ex := e.do("GET", "/enterprises/octo-enterprise/installation", e.jwt(), "")
	c := NewChecker()
	if err := c.Check(ex); err != nil || ex.Status != http.StatusNotFound {
		t.Fatalf("status %d, check %v", ex.Status, err)
	}
	if n := c.Counts()[Platforms()[2]]; n.Absent != 1 {
		t.Errorf("counts %+v, want one answer to an absent operation", n)
	}
	ex.Status = http.StatusOK
	if err := c.Check(ex); err == nil || !strings.Contains(err.Error(), "lacks this operation (found only in: ghec)") {
		t.Errorf("a 200 on GHES: %v", err)
	}
}

// recordingTB keeps what a check reported instead of failing the test.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// Requests holds a client's requests to a test's fake server to the
// description, and only them: the fake's own paths and its answers pass.
func TestRequestsToAFakeServer(t *testing.T) {
	tb := &recordingTB{TB: t}
	fake := httptest.NewServer(Requests(tb, githubtest.PlatformGHES, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot) // not checked: the test's answer
	}), "/moved"))
	defer fake.Close()
	send := func(method, path, contentType, body string) {
		req, _ := http.NewRequest(method, fake.URL+"/api/v3"+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	send("POST", "/app/installations/1001/access_tokens", "application/json", `{"repositories":["app"]}`)
	send("GET", "/moved", "", "")
	send("GET", "/enterprises/acme/installation", "", "") // GHEC's, held to GHEC's description
	if len(tb.errs) != 0 {
		t.Fatalf("well-formed requests failed: %q", tb.errs)
	}
	send("POST", "/app/installations/1001/access_tokens", "", `{"repositories":["app"]}`)
	send("POST", "/repos/o/r/dispatches", "application/json", `{"client_payload":{}}`)
	send("GET", "/app/installation/1001", "", "")
	want := []string{
		`POST /app/installations/{installation_id}/access_tokens (apps/create-installation-access-token) request: body: header Content-Type has unexpected value ""`,
		`POST /repos/{owner}/{repo}/dispatches (repos/create-dispatch-event) request: field /event_type: property "event_type" is missing`,
		"GET /app/installation/1001 request: no operation of any description",
	}
	if len(tb.errs) != len(want) {
		t.Fatalf("reported %q, want %d mismatches", tb.errs, len(want))
	}
	for i, w := range want {
		if !strings.Contains(tb.errs[i], w) {
			t.Errorf("mismatch %d: %q lacks %q", i, tb.errs[i], w)
		}
	}
}

// BenchmarkCheck is what the check costs each exchange of the test suite:
// a mint (the largest request and answer) held to the GHES description.
func BenchmarkCheck(b *testing.B) {
	cfg := githubtest.DefaultConfig(&appKey().PublicKey)
	emu := githubtest.New(cfg)
	var ex githubtest.Exchange
	githubtest.SetContractCheck(func(e githubtest.Exchange) error { ex = e; return nil })
	srv := httptest.NewServer(emu)
	defer srv.Close()
	now := time.Now()
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": githubtest.DefaultClientID, "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(),
	}).SignedString(appKey())
	req, _ := http.NewRequest("POST", srv.URL+"/api/v3/app/installations/1001/access_tokens", strings.NewReader(`{"repositories":["app","infra"]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_ = resp.Body.Close()
	githubtest.SetContractCheck(nil) // waits for the hook
	c := NewChecker()
	if err := c.Check(ex); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := c.Check(ex); err != nil {
			b.Fatal(err)
		}
	}
}
