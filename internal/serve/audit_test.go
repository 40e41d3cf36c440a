package serve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/app-token/app-token/internal/broker"
)

// auditRecord is an audit line's every field: decoding is strict, so a
// field renamed or added fails here and in docs/broker.md's table.
type auditRecord struct {
	Time            string            `json:"time"`
	Event           string            `json:"event"`
	Endpoint        string            `json:"endpoint"`
	Status          int               `json:"status"`
	Decision        string            `json:"decision"`
	Reason          string            `json:"reason"`
	Rule            string            `json:"rule"`
	Message         string            `json:"message"`
	Identity        string            `json:"identity"`
	Scope           string            `json:"scope"`
	Issuer          string            `json:"issuer"`
	Subject         string            `json:"subject"`
	Repository      string            `json:"repository"`
	WorkflowRef     string            `json:"workflow_ref"`
	RunID           string            `json:"run_id"`
	Permissions     map[string]string `json:"permissions"`
	Repositories    []string          `json:"repositories"`
	MoreRepos       int               `json:"repositories_more"`
	AllRepositories bool              `json:"all_repositories"`
	InstallationID  int64             `json:"installation_id"`
	TokenSHA256     string            `json:"token_sha256"`
	LatencyMS       float64           `json:"latency_ms"`
}

func records(t *testing.T, b *buffer) []auditRecord {
	t.Helper()
	var out []auditRecord
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		var r auditRecord
		if err := decodeStrict(l, &r); err != nil {
			t.Fatalf("audit line %q: %v", l, err)
		}
		out = append(out, r)
	}
	return out
}

// clock advances 25 ms each time it is read: an exchange's latency is
// the 25 ms between its two readings.
func clock() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(25 * time.Millisecond)
		return now
	}
}

// One line per exchange, allowed or refused, with the fields docs/broker.md
// lists; the token is there only as the first 16 hex digits of its SHA-256.
func TestAuditLines(t *testing.T) {
	t.Parallel()
	w := start(t, Config{Now: clock()})
	w.do(t, "GET", "/sts/exchange?scope=octo/app&identity=deploy", bearer(), nil)
	w.fake.answer = func(_ context.Context, req broker.Request) (*broker.Grant, error) {
		return nil, &broker.Error{Kind: broker.Denied, Rule: "claim:ref", Message: "the token's claim \"ref\" does not match claim_pattern",
			Audit: broker.Audit{Identity: req.Identity, Scope: req.Scope, Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:octo/app:pull_request"}}
	}
	w.do(t, "POST", "/token", jsonBearer(), strings.NewReader(`{"scope":"octo/app","identity":"deploy","permissions":{"contents":"write"}}`))
	w.do(t, "GET", "/sts/exchange?scope=octo/app", bearer(), nil)

	got := records(t, w.audit)
	if len(got) != 3 {
		t.Fatalf("%d lines: %s", len(got), w.audit)
	}
	sum := sha256.Sum256([]byte(grantToken))
	want := []auditRecord{{
		Time: "2030-01-02T03:04:05.025Z", Event: "exchange", Endpoint: "/sts/exchange", Status: 200,
		Decision: "allowed", Reason: "repository_policy", Identity: "deploy", Scope: "octo/app",
		Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:octo/app:ref:refs/heads/main",
		Repository: "octo/app", WorkflowRef: "octo/app/.github/workflows/release.yml@refs/heads/main", RunID: "1234567890",
		Permissions: map[string]string{"contents": "read", "metadata": "read"}, Repositories: []string{"app"},
		InstallationID: 42, TokenSHA256: hex.EncodeToString(sum[:])[:16], LatencyMS: 25,
	}, {
		Time: "2030-01-02T03:04:05.075Z", Event: "exchange", Endpoint: "/token", Status: 403,
		Decision: "refused", Reason: "denied", Rule: "claim:ref", Message: `the token's claim "ref" does not match claim_pattern`,
		Identity: "deploy", Scope: "octo/app", Issuer: "https://token.actions.githubusercontent.com", Subject: "repo:octo/app:pull_request",
		LatencyMS: 25,
	}, {
		Time: "2030-01-02T03:04:05.125Z", Event: "exchange", Endpoint: "/sts/exchange", Status: 400,
		Decision: "refused", Reason: "bad_request", Rule: "query", Message: "the query needs scope=OWNER/REPO or scope=OWNER, and identity=NAME (the trust policy's name)",
		Scope: "octo/app", LatencyMS: 25,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("audit lines\n got %+v\nwant %+v", got, want)
	}
	if TokenDigest(grantToken) != want[0].TokenSHA256 {
		t.Error("TokenDigest")
	}
}

// Outside text in an audit line is one line of printable characters,
// bounded, and a value shaped like a credential is not shown at all.
func TestAuditHostileText(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	w.fake.answer = func(_ context.Context, req broker.Request) (*broker.Grant, error) {
		g := grant(req)
		g.Subject = "repo:octo/app\n{\"decision\":\"allowed\"}\x1b]52;c;aGk=\x07\u202e" + strings.Repeat("x", 10000)
		g.WorkflowRef = oidcToken
		g.Repositories = make([]string, 600)
		for i := range g.Repositories {
			g.Repositories[i] = fmt.Sprint("r", i)
		}
		return g, nil
	}
	w.do(t, "GET", "/sts/exchange?scope=octo&identity=deploy", bearer(), nil)
	raw := w.audit.String()
	if strings.Count(raw, "\n") != 1 || strings.ContainsAny(raw, "\x1b\x07\u202e") || len(raw) > MaxAuditLine {
		t.Fatalf("line %d bytes: %q", len(raw), raw[:min(len(raw), 300)])
	}
	r := records(t, w.audit)[0]
	if !utf8.ValidString(r.Subject) || len(r.Subject) > maxAuditText || !strings.HasPrefix(r.Subject, "repo:octo/app {") {
		t.Errorf("subject %q", r.Subject)
	}
	if r.WorkflowRef != fmt.Sprintf("(a value of %d characters, not shown)", len(oidcToken)) {
		t.Errorf("workflow_ref %q", r.WorkflowRef)
	}
	if len(r.Repositories) != maxAuditRepos || r.MoreRepos != 500 {
		t.Errorf("%d repositories and %d more", len(r.Repositories), r.MoreRepos)
	}
}

// The audit writer gives each Write and Line exactly one whole line, never
// two interleaved, scrubbed, bounded: the exchange and the webhooks share
// it.
func TestAuditWriter(t *testing.T) {
	t.Parallel()
	var out buffer
	a := NewAudit(&out)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				a.Line(map[string]any{"event": "exchange", "n": i, "pad": strings.Repeat("y", 3000)})
			} else {
				fmt.Fprintf(a, `{"event":"hook","n":%d,"pad":"%s"}`, i, strings.Repeat("z", 3000))
			}
		}()
	}
	wg.Wait()
	lines := out.lines(t)
	if len(lines) != 40 {
		t.Fatalf("%d lines", len(lines))
	}
	out = buffer{}
	a = NewAudit(&out)
	a.Write([]byte("{\"a\":1}\n{\"b\":2}\n"))
	a.Write([]byte(`{"token":"` + grantToken + `"}`))
	a.Write([]byte(strings.Repeat("x", MaxAuditLine+1)))
	if err := a.Line(func() {}); err == nil {
		t.Error("a value JSON cannot hold was written")
	}
	want := "{\"a\":1}\\n{\"b\":2}\n{\"token\":\"***\"}\n{\"event\":\"audit_line_dropped\",\"bytes\":16385}\n"
	if out.String() != want {
		t.Errorf("%q\nwant %q", out.String(), want)
	}
}

// Nothing the broker writes holds a piece of a bearer or of a token it
// did not grant in that answer: not the answers, their headers, the audit
// lines, the log or the metrics, whatever the core says or does.
func TestNothingLeaks(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	sig := oidcToken[strings.LastIndexByte(oidcToken, '.')+1:]
	cases := []func(context.Context, broker.Request) (*broker.Grant, error){
		nil, // allowed
		func(context.Context, broker.Request) (*broker.Grant, error) {
			return nil, &broker.Error{Kind: broker.BadToken, Rule: "expired", Message: "token " + oidcToken + " expired"}
		},
		func(context.Context, broker.Request) (*broker.Grant, error) {
			return nil, &broker.Error{Kind: broker.Denied, Rule: "subject", Message: "signature " + sig + " was wrong",
				Audit: broker.Audit{Subject: sig, Issuer: "x" + sig[5:40]}}
		},
		func(context.Context, broker.Request) (*broker.Grant, error) {
			return nil, &broker.Error{Kind: broker.GitHubFailed, Message: "GitHub said " + grantToken}
		},
		func(context.Context, broker.Request) (*broker.Grant, error) {
			return nil, fmt.Errorf("while sending %s and %s", oidcToken, sig[3:50])
		},
		func(context.Context, broker.Request) (*broker.Grant, error) { panic("with " + sig) },
	}
	var shown strings.Builder
	for i, answer := range cases {
		w.fake.answer = answer
		a := w.do(t, "GET", "/sts/exchange?scope=octo/app&identity=deploy", bearer(), nil)
		if i > 0 {
			shown.WriteString(a.body)
		}
		fmt.Fprint(&shown, a.header)
	}
	// Credentials where a name belongs: neither answered nor audited.
	w.fake.answer = nil
	for _, path := range []string{"/sts/exchange?scope=" + oidcToken + "&identity=deploy", "/sts/exchange?scope=o/r&identity=" + grantToken} {
		a := w.do(t, "GET", path, nil, nil)
		shown.WriteString(a.body)
	}
	a := w.do(t, "POST", "/token", jsonBearer(), strings.NewReader(`{"`+oidcToken+`": 1}`))
	shown.WriteString(a.body)
	shown.WriteString(w.do(t, "GET", "/metrics", nil, nil).body)
	shown.WriteString(w.audit.String())
	shown.WriteString(w.log.String())
	text := shown.String()
	for _, s := range []string{sig, grantToken, oidcToken} {
		for i := 0; i+20 <= len(s); i++ {
			if strings.Contains(text, s[i:i+20]) {
				t.Fatalf("a piece of a credential (%q) is in what the broker wrote:\n%s", s[i:i+20], text)
			}
		}
	}
	if !strings.Contains(w.audit.String(), "not shown: it holds a piece") {
		t.Errorf("the guard did not act: %s", w.audit)
	}
}

// A refusal's message reaches the caller as the core said it, when it
// holds no credential: the guard costs nothing honest.
func TestGuardShowsHonestText(t *testing.T) {
	t.Parallel()
	g := newGuard(oidcToken)
	for _, s := range []string{"", "short", "repo:octo/app:ref:refs/heads/main", "the token's subject (sub) does not match subject_pattern \"repo:octo/.*\""} {
		if g.show(s) != s {
			t.Errorf("%q hidden", s)
		}
	}
	if (*guard)(nil).show(oidcToken) != oidcToken {
		t.Error("a nil guard changed text")
	}
	if got := newGuard(strings.Repeat("A", 5000)).secret; len(got) != maxGuarded {
		t.Errorf("learnt %d bytes", len(got))
	}
	if got := newGuard("a.b." + strings.Repeat("c", 30)).show(strings.Repeat("c", 25)); got == strings.Repeat("c", 25) {
		t.Error("a piece of the signature shown")
	}
}
