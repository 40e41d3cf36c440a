package e2e_test

// The token broker through the built binary (`app-token serve`) against
// the emulated GitHub and its OIDC issuer: an exchange gives exactly the
// trust policy's grant, a refusal its status and message, each exchange
// one audit line, and no credential reaches stdout or stderr.

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

const brokerAudience = "https://broker.example"

// deployPolicy is octo-org/app's policy "deploy": main's jobs of that
// repository get contents: write and pull_requests: write there.
const deployPolicy = `issuer: ISSUER
subject: repo:octo-org/app:ref:refs/heads/main
permissions:
  contents: write
  pull_requests: write
`

// brokerWorld is the emulator with deployPolicy in octo-org/app, a test
// OIDC issuer, and a broker trusting it.
type brokerWorld struct {
	w   *apptest.World
	iss *githubtest.Issuer
	b   *runningBroker
}

func newBrokerWorld(t testing.TB, opts ...apptest.Option) *brokerWorld {
	t.Helper()
	iss := githubtest.StartIssuer(t, githubtest.IssuerConfig{})
	opts = append([]apptest.Option{func(c *githubtest.Config) {
		c.Files = map[string]string{"octo-org/app/.github/chainguard/deploy.sts.yaml": strings.ReplaceAll(deployPolicy, "ISSUER", iss.URL())}
	}}, opts...)
	w := apptest.NewWorld(t, opts...)
	return &brokerWorld{w: w, iss: iss, b: startBroker(t, w, nil, "--audience", brokerAudience, "--issuer", iss.URL())}
}

// oidc is a GitHub Actions job's OIDC token for repo's main branch, for
// the broker's audience; the leak check looks for it in the broker's
// output.
func (bw *brokerWorld) oidc(repo string, edit ...func(githubtest.Claims) githubtest.Claims) string {
	c := bw.iss.GitHubActions(repo).With("aud", brokerAudience)
	for _, e := range edit {
		c = e(c)
	}
	tok := bw.iss.Mint(c)
	bw.b.secrets = append(bw.b.secrets, tok)
	return tok
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// granted are the tokens the emulator minted for callers: not those the
// broker read a policy with.
func (bw *brokerWorld) granted() []githubtest.IssuedToken {
	read := map[string]bool{}
	for _, r := range bw.w.Emu.ContentReads() {
		read[r.Token] = true
	}
	var out []githubtest.IssuedToken
	for _, t := range bw.w.Emu.Tokens() {
		if !read[t.Token] {
			out = append(out, t)
		}
	}
	return out
}

// exchangeAnswer is the exchange's JSON answer.
type exchangeAnswer struct {
	Token          string            `json:"token"`
	ExpiresAt      string            `json:"expires_at"`
	InstallationID int64             `json:"installation_id"`
	Permissions    map[string]string `json:"permissions"`
	Repositories   []string          `json:"repositories"`
}

func TestServeExchangeGivesExactlyThePolicysGrant(t *testing.T) {
	t.Parallel()
	bw := newBrokerWorld(t)
	policy := map[string]string{"contents": "write", "pull_requests": "write"}
	for i, c := range []struct {
		name, method, path string
		body               string
		perms              map[string]string
	}{
		{"GET scope=", "GET", "/sts/exchange?scope=octo-org/app&identity=deploy", "", policy},
		{"GET scopes=", "GET", "/sts/exchange?scopes=octo-org/app&identity=deploy&unknown=x", "", policy},
		{"POST /token narrowed", "POST", "/token", `{"scope":"octo-org/app","identity":"deploy","permissions":{"contents":"read"}}`, map[string]string{"contents": "read"}},
	} {
		h := bearer(bw.oidc("octo-org/app"))
		if c.body != "" {
			h.Set("Content-Type", "application/json")
		}
		a := bw.b.do(c.method, c.path, h, []byte(c.body))
		var got exchangeAnswer
		if err := json.Unmarshal([]byte(a.Body), &got); a.Status != http.StatusOK || err != nil {
			t.Fatalf("%s: %d %s", c.name, a.Status, a.Body)
		}
		toks := bw.granted()
		if len(toks) != i+1 {
			t.Fatalf("%s: %d tokens granted, want %d", c.name, len(toks), i+1)
		}
		tok := toks[i]
		if got.Token != tok.Token || got.InstallationID != tok.InstallationID {
			t.Errorf("%s: the answer's token is not the one the emulator minted", c.name)
		}
		if !slices.Equal(tok.Repositories, []string{"app"}) || !maps.Equal(tok.Permissions, c.perms) {
			t.Errorf("%s: the emulator minted for %v with %v, want app only with %v", c.name, tok.Repositories, tok.Permissions, c.perms)
		}
		if !maps.Equal(got.Permissions, c.perms) || !slices.Equal(got.Repositories, []string{"app"}) {
			t.Errorf("%s: the answer says %v on %v", c.name, got.Permissions, got.Repositories)
		}
	}
	for _, r := range bw.w.Emu.ContentReads() {
		if !slicesHasToken(bw.w.Emu.Tokens(), r.Token) {
			t.Errorf("the policy read's token was not revoked")
		}
	}
	lines := bw.b.waitAudit(3)
	if len(lines) != 3 {
		t.Fatalf("%d audit lines, want one per exchange:\n%s", len(lines), bw.b.stdout.String())
	}
	for _, l := range lines {
		if l["decision"] != "allowed" || l["identity"] != "deploy" || l["scope"] != "octo-org/app" || l["token_sha256"] == nil {
			t.Errorf("audit line %v", l)
		}
	}
}

// slicesHasToken reports whether tok is among toks, revoked.
func slicesHasToken(toks []githubtest.IssuedToken, tok string) bool {
	return slices.ContainsFunc(toks, func(t githubtest.IssuedToken) bool { return t.Token == tok && t.Revoked })
}

// A refused exchange gets its status and a JSON message, one audit line,
// and (for a bad OIDC token) no call to GitHub at all.
func TestServeRefusals(t *testing.T) {
	t.Parallel()
	bw := newBrokerWorld(t)
	for _, c := range []struct {
		name, path string
		header     http.Header
		status     int
		want       string
		asksGitHub bool
	}{
		{"no bearer", "/sts/exchange?scope=octo-org/app&identity=deploy", nil, http.StatusUnauthorized, "", false},
		{"another audience", "/sts/exchange?scope=octo-org/app&identity=deploy",
			bearer(bw.oidc("octo-org/app", func(c githubtest.Claims) githubtest.Claims { return c.With("aud", "https://other.example") })), http.StatusUnauthorized, "audience", false},
		{"expired", "/sts/exchange?scope=octo-org/app&identity=deploy",
			bearer(bw.oidc("octo-org/app", func(c githubtest.Claims) githubtest.Claims {
				return c.With("exp", time.Now().Add(-time.Hour).Unix()).With("iat", time.Now().Add(-2*time.Hour).Unix()).With("nbf", time.Now().Add(-2*time.Hour).Unix())
			})), http.StatusUnauthorized, "expired", false},
		{"another repository's job", "/sts/exchange?scope=octo-org/app&identity=deploy", bearer(bw.oidc("octo-org/infra")), http.StatusForbidden, "subject", true},
		{"no such policy", "/sts/exchange?scope=octo-org/app&identity=nope", bearer(bw.oidc("octo-org/app")), http.StatusNotFound, "", true},
		{"identity a path", "/sts/exchange?scope=octo-org/app&identity=../deploy", bearer(bw.oidc("octo-org/app")), http.StatusBadRequest, "", false},
	} {
		before := len(bw.w.Calls())
		a := bw.b.do("GET", c.path, c.header, nil)
		if a.Status != c.status || a.message() == "" || !strings.Contains(a.message(), c.want) {
			t.Errorf("%s: %d %s, want %d with a message naming %q", c.name, a.Status, a.Body, c.status, c.want)
		}
		if !c.asksGitHub && len(bw.w.Calls()) != before {
			t.Errorf("%s: GitHub was asked %v", c.name, bw.w.Calls()[before:])
		}
	}
	if toks := bw.granted(); len(toks) != 0 {
		t.Errorf("%d tokens granted on refusals", len(toks))
	}
	lines := bw.b.waitAudit(6)
	if len(lines) != 6 {
		t.Fatalf("%d audit lines, want 6:\n%s", len(lines), bw.b.stdout.String())
	}
	for _, l := range lines {
		if l["decision"] != "refused" {
			t.Errorf("audit line %v", l)
		}
	}
}

// SIGTERM drains: an exchange under way when the signal comes is
// answered, then the broker exits 0.
func TestServeSIGTERMDrains(t *testing.T) {
	t.Parallel()
	bw := newBrokerWorld(t)
	bw.w.Emu.AddFault(githubtest.Fault{Method: "POST", Path: "/app/installations/*", Delay: 2 * time.Second, Times: -1})
	tok := bw.oidc("octo-org/app")
	done := make(chan answer, 1)
	go func() {
		a, err := bw.b.try("GET", "/sts/exchange?scope=octo-org/app&identity=deploy", bearer(tok), nil)
		if err != nil {
			a.Body = err.Error()
		}
		done <- a
	}()
	// Signalled once the grant's mint (after the policy's) is under way.
	mints := func() int {
		n := 0
		for _, c := range bw.w.Calls() {
			if strings.HasPrefix(c, "POST ") && strings.HasSuffix(c, "/access_tokens") {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(20 * time.Second)
	for mints() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no mint began: %v", bw.w.Calls())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := bw.b.Stop(); code != 0 {
		t.Errorf("exit %d after SIGTERM, stderr %q", code, bw.b.stderr.String())
	}
	if a := <-done; a.Status != http.StatusOK {
		t.Errorf("the exchange in flight got %d %s, want its grant", a.Status, a.Body)
	}
	if !strings.Contains(bw.b.stderr.String(), `"msg":"draining"`) {
		t.Errorf("stderr %q says nothing of the drain", bw.b.stderr.String())
	}
}

// Each of serve's own flags, given wrong, is one line on stderr naming it,
// and exit 2, before the broker listens or asks GitHub anything.
func TestServeFlagErrors(t *testing.T) {
	t.Parallel()
	w := apptest.NewWorld(t)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"--audience is required"}},
		{[]string{"--audience", "https://broker.example", "--issuer", "http://issuer.example"}, []string{"--issuer", `"http://issuer.example"`, "https"}},
		{[]string{"--audience", "https://broker.example", "--issuer", "not a URL"}, []string{"--issuer", "is not an issuer URL"}},
		{[]string{"--audience", "https://broker.example", "--listen", "8080"}, []string{"--listen must be HOST:PORT or :PORT"}},
		{[]string{"--audience", "https://broker.example", "--hooks", "/nonexistent/hooks.yaml"}, []string{"--hooks: hook file: cannot be read"}},
		{[]string{"--audience", "https://broker.example", "--audience", "https://other.example"}, []string{"--audience is given more than once"}},
		{[]string{"--audience", "https://broker.example", "--audiense", "x"}, []string{`unknown flag "--audiense"`, "--audience"}},
	} {
		code, stdout, stderr := w.CLI("", nil, append([]string{"serve", "--quiet"}, c.args...)...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "app-token serve: ") || !apptest.ContainsAll(stderr, c.want...) {
			t.Errorf("serve %q: exit %d, stdout %q, stderr %q; want exit 2 and one line naming %q", c.args, code, stdout, stderr, c.want)
		}
	}
	if calls := w.Calls(); len(calls) != 0 {
		t.Errorf("GitHub was asked %v", calls)
	}
}

// A GitHub call retried is one of the server's JSON lines on stderr, and
// the exchange still gets its grant.
func TestServeRetryIsALogLine(t *testing.T) {
	t.Parallel()
	bw := newBrokerWorld(t)
	bw.w.Emu.AddFault(githubtest.Fault{Method: "GET", Path: "/repos/octo-org/app/contents/*", Status: 502, Body: `{"message":"Server Error"}`})
	if a := bw.b.do("GET", "/sts/exchange?scope=octo-org/app&identity=deploy", bearer(bw.oidc("octo-org/app")), nil); a.Status != http.StatusOK {
		t.Fatalf("%d %s", a.Status, a.Body)
	}
	var retry map[string]any
	for _, l := range strings.Split(bw.b.stderr.String(), "\n") {
		if strings.Contains(l, `"msg":"github"`) && json.Unmarshal([]byte(l), &retry) == nil {
			break
		}
	}
	if retry == nil || !strings.Contains(fmt.Sprint(retry["retry"]), "502") {
		t.Errorf("stderr %q has no JSON line for the retry", bw.b.stderr.String())
	}
}
