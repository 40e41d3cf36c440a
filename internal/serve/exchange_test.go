package serve

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/permissions"
)

// The answer to an exchange: octo-sts's `token` and what it reaches, not
// cacheable, and exactly these fields.
func TestExchangeAnswers(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	a := w.do(t, "GET", "/sts/exchange?scope=octo/app&identity=deploy", bearer(), nil)
	if a.status != http.StatusOK {
		t.Fatalf("status %d: %s", a.status, a.body)
	}
	var got tokenAnswer
	if err := decodeStrict(a.body, &got); err != nil {
		t.Fatal(err)
	}
	want := tokenAnswer{Token: grantToken, ExpiresAt: "2030-01-02T03:04:05Z", InstallationID: 42, AppSlug: "octo-broker",
		Permissions: map[string]string{"contents": "read", "metadata": "read"}, Repositories: []string{"app"}, RepositorySelection: "selected"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answer %+v, want %+v", got, want)
	}
	for k, v := range map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"} {
		if a.header.Get(k) != v {
			t.Errorf("%s: %q, want %q", k, a.header.Get(k), v)
		}
	}
	reqs := w.fake.seen()
	if len(reqs) != 1 || reqs[0].Bearer != oidcToken || reqs[0].Scope != "octo/app" || reqs[0].Identity != "deploy" ||
		reqs[0].Repositories != nil || reqs[0].Permissions != nil {
		t.Errorf("the exchanger was asked %v", reqs)
	}
}

// An owner-wide grant says so: no repositories, selection "all".
func TestExchangeAnswersAllRepositories(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	w.fake.answer = func(_ context.Context, req broker.Request) (*broker.Grant, error) {
		g := grant(req)
		g.Repositories, g.AllRepositories, g.Permissions = nil, true, nil
		return g, nil
	}
	a := w.do(t, "GET", "/sts/exchange?scope=octo&identity=deploy", bearer(), nil)
	if a.status != http.StatusOK || !strings.Contains(a.body, `"repositories":[]`) ||
		!strings.Contains(a.body, `"permissions":{}`) || !strings.Contains(a.body, `"repository_selection":"all"`) {
		t.Errorf("%d %s", a.status, a.body)
	}
}

// octo-sts's request shapes work unchanged: its action's GET with scope
// and identity unescaped, its newest action's scopes=, other parameters
// ignored; what is ambiguous is refused.
func TestOctoSTSRequestShapes(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	for _, c := range []struct {
		query string
		scope string // "" expects 400
	}{
		{"scope=octo/app&identity=deploy", "octo/app"},
		{"scope=octo&identity=deploy", "octo"},
		{"scope=octo%2Fapp&identity=deploy", "octo/app"},
		{"scopes=octo/app&identity=deploy", "octo/app"},
		{"scope=octo/app&scopes=octo/app&identity=deploy", "octo/app"},
		{"identity=deploy&scope=octo/app&audience=x&unknown=1", "octo/app"},
		{"scope=octo/app&scopes=octo/other&identity=deploy", ""},
		{"scope=octo/app&scope=octo/other&identity=deploy", ""},
		{"scopes=octo/app&scopes=octo/other&identity=deploy", ""},
		{"scope=octo/app&identity=a&identity=b", ""},
		{"scope=octo/app", ""},
		{"identity=deploy", ""},
		{"scope=&identity=deploy", ""},
		{"scope=octo/app&identity=deploy&x=%zz", ""},
		{"", ""},
	} {
		before := len(w.fake.seen())
		a := w.do(t, "GET", "/sts/exchange?"+c.query, bearer(), nil)
		asked := len(w.fake.seen()) - before
		if c.scope == "" {
			if a.status != http.StatusBadRequest || asked != 0 {
				t.Errorf("%q: status %d, exchanger asked %d times, want 400 and none", c.query, a.status, asked)
			}
			a.message(t)
			continue
		}
		if a.status != http.StatusOK || asked != 1 {
			t.Errorf("%q: status %d: %s", c.query, a.status, a.body)
			continue
		}
		if got := w.fake.seen()[before]; got.Scope != c.scope || got.Identity != "deploy" {
			t.Errorf("%q: asked %v", c.query, got)
		}
	}
}

// POST /token narrows with the same bearer and answers the same.
func TestTokenNarrows(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	body := `{"scope": "octo", "identity": "deploy", "repositories": ["app", "lib"], "permissions": {"contents": "write", "issues": "read"}}`
	a := w.do(t, "POST", "/token", jsonBearer(), strings.NewReader(body))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	got := w.fake.seen()[0]
	if got.Scope != "octo" || got.Identity != "deploy" || got.Bearer != oidcToken ||
		!slices.Equal(got.Repositories, []string{"app", "lib"}) ||
		!reflect.DeepEqual(got.Permissions, permissions.Set{"contents": "write", "issues": "read"}) {
		t.Errorf("asked %v", got)
	}
	var ans tokenAnswer
	if err := json.Unmarshal([]byte(a.body), &ans); err != nil || ans.Token != grantToken || !slices.Equal(ans.Repositories, []string{"app", "lib"}) {
		t.Errorf("%v %+v", err, ans)
	}
	// The content type may name UTF-8; null leaves a narrowing out.
	h := jsonBearer()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	a = w.do(t, "POST", "/token", h, strings.NewReader(`{"scope":"octo/app","identity":"deploy","repositories":null,"permissions":null}`))
	if a.status != http.StatusOK {
		t.Errorf("%d %s", a.status, a.body)
	}
	if got := w.fake.seen()[1]; got.Repositories != nil || got.Permissions != nil {
		t.Errorf("null narrowed: %v", got)
	}
}

// The body is strict JSON: one object, known fields spelled exactly, each
// once, values of their type; the exchanger is never asked otherwise.
func TestTokenBodyIsStrict(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	many := `"` + strings.Repeat(`r",  "`, maxRepositories) + `r"`
	manyPerms := strings.Repeat(`"p": "read", `, 0)
	for i := range maxPermissions + 1 {
		manyPerms += `"p` + strings.Repeat("x", i) + `": "read", `
	}
	for _, c := range []struct{ name, body, want string }{
		{"unknown field", `{"scope":"o/r","identity":"i","audience":"x"}`, "does not know"},
		{"other case", `{"Scope":"o/r","identity":"i"}`, "does not know"},
		{"field twice", `{"scope":"o/r","identity":"i","scope":"o/x"}`, "twice"},
		{"permission twice", `{"scope":"o/r","identity":"i","permissions":{"contents":"read","contents":"write"}}`, "twice"},
		{"two objects", `{"scope":"o/r","identity":"i"}{"scope":"o/r","identity":"i"}`, "more than one"},
		{"trailing text", `{"scope":"o/r","identity":"i"} x`, "more than one"},
		{"an array", `[{"scope":"o/r","identity":"i"}]`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"empty", ``, "not a JSON object"},
		{"scope a number", `{"scope":1,"identity":"i"}`, "scope must be a string"},
		{"identity an object", `{"scope":"o/r","identity":{}}`, "identity must be a string"},
		{"repositories a string", `{"scope":"o/r","identity":"i","repositories":"r"}`, "repositories must be"},
		{"repositories nested", `{"scope":"o/r","identity":"i","repositories":[["r"]]}`, "repositories must be"},
		{"too many repositories", `{"scope":"o","identity":"i","repositories":[` + many + `]}`, "at most 500"},
		{"permissions a list", `{"scope":"o/r","identity":"i","permissions":["contents"]}`, "permissions must be"},
		{"permission level a bool", `{"scope":"o/r","identity":"i","permissions":{"contents":true}}`, "permissions must be"},
		{"too many permissions", `{"scope":"o/r","identity":"i","permissions":{` + strings.TrimSuffix(manyPerms, ", ") + `}}`, "at most 100"},
		{"missing identity", `{"scope":"o/r"}`, "needs scope"},
		{"empty scope", `{"scope":"","identity":"i"}`, "needs scope"},
		{"broken", `{"scope":"o/r",`, "not valid JSON"},
		{"not UTF-8", "{\"scope\":\"o/\xff\",\"identity\":\"i\"}", "not UTF-8"},
	} {
		a := w.do(t, "POST", "/token", jsonBearer(), strings.NewReader(c.body))
		if a.status != http.StatusBadRequest || !strings.Contains(a.message(t), c.want) {
			t.Errorf("%s: %d %s, want 400 saying %q", c.name, a.status, a.body, c.want)
		}
	}
	for _, ct := range []string{"", "text/plain", "application/json; charset=latin1", "application/x-www-form-urlencoded", "application/json;;"} {
		h := bearer()
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		a := w.do(t, "POST", "/token", h, strings.NewReader(`{"scope":"o/r","identity":"i"}`))
		if a.status != http.StatusUnsupportedMediaType || a.message(t) != wrongContentType {
			t.Errorf("Content-Type %q: %d %s", ct, a.status, a.body)
		}
	}
	if n := len(w.fake.seen()); n != 0 {
		t.Errorf("the exchanger was asked %d times", n)
	}
}

// Without one well-formed bearer the exchanger is not asked: 401 with
// WWW-Authenticate.
func TestBearerIsRequired(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	for _, h := range []http.Header{
		{},
		{"Authorization": {"Basic dXNlcjpwYXNz"}},
		{"Authorization": {"Bearer "}},
		{"Authorization": {"Bearer"}},
		{"Authorization": {"Bearer a b"}},
		{"Authorization": {"Bearer " + oidcToken, "Bearer " + oidcToken}},
	} {
		a := w.do(t, "GET", "/sts/exchange?scope=o/r&identity=i", h, nil)
		if a.status != http.StatusUnauthorized || a.message(t) != missingBearer || a.header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%v: %d %v %s", h, a.status, a.header, a.body)
		}
	}
	a := w.do(t, "GET", "/sts/exchange?scope=o/r&identity=i", http.Header{"Authorization": {"bearer  " + oidcToken}}, nil)
	if a.status != http.StatusOK {
		t.Errorf("the scheme's case or spaces refused: %d %s", a.status, a.body)
	}
	if n := len(w.fake.seen()); n != 1 {
		t.Errorf("the exchanger was asked %d times", n)
	}
}
