package mint_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/mint"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/setting"
)

// Each way a call to GitHub fails becomes a sentence that says what went
// wrong and what to do, from the core, whichever door shows it.
func TestFailuresAreExplained(t *testing.T) {
	t.Parallel()
	reset := time.Now().Add(time.Hour).Unix()
	for _, tc := range []struct {
		name  string
		cfg   config.Config
		fault githubtest.Fault
		want  []string
	}{
		{"rate limit with reset", config.Config{Request: config.Request{Owner: "octocat"}},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 403, Body: `{"message":"API rate limit exceeded"}`,
				Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {itoa(reset)}}},
			[]string{"find the App's installation on octocat", "rate limit", "retry after"}},
		{"rate limit with retry-after", config.Config{Request: config.Request{Owner: "octocat"}},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 429, Body: `{"message":"slow down"}`, Header: http.Header{"Retry-After": {"120"}}},
			[]string{"rate limit", "retry in 2m0s"}},
		{"undecodable JWT", config.Config{Request: config.Request{Owner: "octocat"}},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 401, Body: `{"message":"A JSON web token could not be decoded"}`},
			[]string{"could not verify the App JWT", "does the private key belong to App " + githubtest.DefaultClientID}},
		{"JWT time", config.Config{Request: config.Request{Owner: "octocat"}},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 401, Times: -1, Body: `{"message":"'Expiration time' claim ('exp') is too far in the future"}`},
			[]string{"rejected the App JWT's time", "clock"}},
		{"server error", config.Config{Request: config.Request{Owner: "octocat"}},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 500, Body: `{"message":"boom"}`},
			[]string{"find the App's installation on octocat:", "500"}},
		{"not JSON", config.Config{Request: config.Request{Owner: "octocat"}},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 200, Body: `<html>`},
			[]string{"find the App's installation on octocat:"}},
		{"dropped after the mint was sent", config.Config{App: config.App{Retry: config.Retry{Attempts: 3, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}}, Request: config.Request{Owner: "octocat"}},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1002/access_tokens", Drop: true, Times: -1},
			[]string{"mint a token for installation 1002", "could not reach GitHub", "gave up after 3 tries"}},
		{"mint refused: repositories", config.Config{Request: config.Request{Owner: "octo-org", Repositories: []string{"app", "website", "nope", "gone"}}},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1001/access_tokens", Status: 422, Body: `{"message":"There is at least one repository that does not exist or is not accessible to the parent installation."}`},
			[]string{"installation 1001 cannot reach octo-org/website, octo-org/nope and octo-org/gone:"}},
		{"mint refused: many repositories", config.Config{Request: config.Request{Owner: "octo-org", Repositories: append([]string{"app"}, numberedNames(55)...)}},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1001/access_tokens", Status: 422, Body: `{"message":"There is at least one repository that does not exist or is not accessible to the parent installation."}`},
			[]string{"cannot reach octo-org/r0, ", " and octo-org/r48 (6 more were not checked)"}},
		{"mint refused: permissions", config.Config{Request: config.Request{Owner: "octocat", Permissions: permissions.Set{"contents": "read"}}},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1002/access_tokens", Status: 422, Body: `{"message":"The permissions requested are not granted to this installation."}`},
			[]string{"GitHub refused the permissions (contents:read)", "installation 1002 on octocat"}},
		{"mint refused: suspended", config.Config{Request: config.Request{Owner: "octocat"}},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1002/access_tokens", Status: 403, Body: `{"message":"This installation has been suspended"}`},
			[]string{"installation 1002 on octocat is suspended"}},
		{"mint refused: other", config.Config{Request: config.Request{Owner: "octocat"}},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1002/access_tokens", Status: 404, Body: `{"message":"Not Found"}`},
			[]string{"mint a token for installation 1002:", "404"}},
		{"lookup by repository fails", config.Config{Request: config.Request{Owner: "octo-org", Repositories: []string{"app"}}},
			githubtest.Fault{Path: "/repos/octo-org/app/installation", Status: 500, Body: `{"message":"boom"}`},
			[]string{"find the App's installation on octo-org:"}},
		{"not installed, then the account lookup fails", config.Config{Request: config.Request{Owner: "octo-org", Repositories: []string{"nope"}}},
			githubtest.Fault{Path: "/users/octo-org/installation", Status: 500, Body: `{"message":"boom"}`},
			[]string{"find the App's installation on octo-org:", "500"}},
		{"enterprise lookup fails", config.Config{Request: config.Request{Owner: "octo-enterprise", Enterprise: "octo-enterprise"}},
			githubtest.Fault{Path: "/enterprises/octo-enterprise/installation", Status: 500, Body: `{"message":"boom"}`},
			[]string{"find the App's installation on the enterprise octo-enterprise:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t, tc.cfg, nil, nil)
			c.emu.AddFault(tc.fault)
			_, _, err := c.mint()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Past the step's deadline the error says so, not what the last try saw.
func TestExplainDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	cfg := config.App{Retry: config.Retry{Budget: time.Minute, RequestTimeout: 20 * time.Second}}
	err := mint.Explain(ctx, "mint", context.DeadlineExceeded, cfg)
	if err == nil || !strings.Contains(err.Error(), "within the step's deadline of 3m0s") {
		t.Errorf("got %v", err)
	}
	err = mint.Explain(context.Background(), "send", &ghtransport.UncertainError{Err: errors.New("EOF\n::x")}, cfg)
	if err == nil || !strings.Contains(err.Error(), "send: the connection to GitHub failed after the request was sent (EOF ::x)") || !strings.Contains(err.Error(), "not sent again") {
		t.Errorf("got %v", err)
	}
}

// A server GitHub cannot be reached at, or one whose certificate no trusted
// root signs, is named with what to check.
func TestExplainUnreachable(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	otherCA, err := githubtest.NewPrivateCA("other")
	if err != nil {
		t.Fatal(err)
	}
	testCA := string(otherCA.CertPEM)
	for _, tc := range []struct {
		url, ca string
		want    []string
	}{
		{closed.URL, "", []string{"could not reach GitHub at " + closed.URL, "proxy"}},
		{tlsSrv.URL, "", []string{"could not verify the certificate", "ca-certificates"}},
		{tlsSrv.URL, testCA, []string{"could not verify the certificate", "do not sign it"}},
	} {
		u, _ := url.Parse(tc.url + "/")
		cfg := config.Config{App: config.App{Issuer: "1", PrivateKey: appPEM, APIURL: u, CACertificates: []byte(tc.ca), Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}}, Request: config.Request{Owner: "octocat"}}
		m, err := mint.New(context.Background(), &cfg, mint.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Mint(context.Background())
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s (ca %t): error %v lacks %q", tc.url, tc.ca != "", err, w)
			}
		}
	}
}

func numberedNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = "r" + strconv.Itoa(i)
	}
	return names
}

// Each kind of failure is told apart, in order, and worded for the way the
// App's JWT was made (key, KMS or a JWT signed elsewhere).
func TestExplainKinds(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://api.github.com/")
	key := config.App{Issuer: "Iv1", APIURL: u}
	kms := config.App{Issuer: "Iv1", APIURL: u, KMSKey: "arn:aws:kms:eu-west-1:111122223333:key/k"}
	jwt := config.App{Issuer: "Iv1", APIURL: u, JWT: "a.b.c"}
	undecodable := &ghclient.APIError{Status: 401, Message: "A JSON web token could not be decoded", Kind: ghapi.JWTUndecodable}
	jwtTime := &ghclient.APIError{Status: 401, Message: "'Issued at' claim ('iat') must be an Integer", Kind: ghapi.JWTTime}
	for _, tc := range []struct {
		name string
		err  error
		cfg  config.App
		want string
	}{
		{"undecodable, key", undecodable, key, "does the private key belong to App Iv1?"},
		{"undecodable, KMS", undecodable, kms, "the kms-key arn:aws:kms:eu-west-1:111122223333:key/k does not belong to the App"},
		{"undecodable, JWT", undecodable, jwt, "input jwt was not signed with the private key of App Iv1"},
		{"time, key", jwtTime, key, "even after correcting for its clock"},
		{"time, JWT", jwtTime, jwt, "GitHub rejected the time claims of input jwt"},
		{"other answer", &ghclient.APIError{Status: 418, Message: "teapot"}, key, "op: "},
		{"bad answer", &ghclient.BadAnswerError{Method: "GET", Path: "/x", Problem: ghclient.CutShort}, key, "op: GitHub's answer to GET /x is cut short"},
		{"clock skew", &ghtransport.ClockSkewError{Offset: 48 * time.Hour}, key, "op: "},
		{"rate limited, no time", &ghclient.APIError{Status: 403, RetryAfter: time.Second, Message: "slow"}, key, "retry in 1s"},
	} {
		got := mint.Explain(context.Background(), "op", tc.err, tc.cfg)
		if got == nil || !strings.Contains(setting.Render(got, setting.Action), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, got, tc.want)
		}
		if strings.Contains(got.Error(), "could not reach GitHub") {
			t.Errorf("%s: %v reads as a network failure", tc.name, got)
		}
	}
}

// An answer ghclient refused (data, in no door's words) is said with what
// to check, in each door's words.
func TestExplainBadAnswers(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://api.github.com/")
	get := func(p ghclient.Problem) ghclient.BadAnswerError {
		return ghclient.BadAnswerError{Method: "GET", Path: "/users/octo-org/installation", Problem: p}
	}
	elsewhere := get(ghclient.RedirectElsewhere)
	elsewhere.Target, elsewhere.Origin = "https://evil.example/steal", "https://api.github.com"
	tooMany := get(ghclient.TooManyRedirects)
	tooMany.Target, tooMany.Limit = "https://api.github.com/moved", 3
	drops := get(ghclient.RedirectDropsBody)
	drops.Method, drops.Target, drops.Status = "POST", "https://api.github.com/moved", 302
	large := get(ghclient.TooLarge)
	large.Limit = ghtransport.MaxAnswer
	kind := get(ghclient.WrongJSONKind)
	kind.Want = "object"
	invalid := get(ghclient.InvalidJSON)
	invalid.Offset = 7
	field := get(ghclient.UnexpectedJSON)
	field.Field, field.Want = "id", "int64"
	detail := get(ghclient.UnexpectedJSON)
	detail.Detail = "why"
	const call = "op: GitHub's answer to GET /users/octo-org/installation "
	for _, tc := range []struct {
		bad         ghclient.BadAnswerError
		action, cli string
	}{
		{elsewhere, call + "redirected to https://evil.example/steal, outside the API's origin https://api.github.com: the action only follows redirects within the API's origin. Check input github-api-url and any proxy between the runner and GitHub",
			call + "redirected to https://evil.example/steal, outside the API's origin https://api.github.com: app-token only follows redirects within the API's origin. Check --api-url and any proxy between this machine and GitHub"},
		{tooMany, call + "redirected more than 3 times (last to https://api.github.com/moved): the action follows at most 3 redirects. Check input github-api-url",
			call + "redirected more than 3 times (last to https://api.github.com/moved): app-token follows at most 3 redirects. Check --api-url"},
		{drops, "op: GitHub's answer to POST /users/octo-org/installation was a 302 redirect to https://api.github.com/moved, which would turn the POST into a GET without its body: the action follows only 307 and 308 redirects for a POST",
			"op: GitHub's answer to POST /users/octo-org/installation was a 302 redirect to https://api.github.com/moved, which would turn the POST into a GET without its body: app-token follows only 307 and 308 redirects for a POST"},
		{large, call + "is larger than 1 MiB once decompressed, far more than GitHub's API sends: check input github-api-url and any proxy between the runner and GitHub",
			call + "is larger than 1 MiB once decompressed, far more than GitHub's API sends: check --api-url and any proxy between this machine and GitHub"},
		{get(ghclient.Empty), call + "is empty where a JSON object was expected: check input github-api-url", call + "is empty where a JSON object was expected: check --api-url"},
		{kind, call + "is not a JSON object: check input github-api-url", call + "is not a JSON object: check --api-url"},
		{invalid, call + "is not valid JSON (at byte 7): check input github-api-url", call + "is not valid JSON (at byte 7): check --api-url"},
		{get(ghclient.UnexpectedJSON), call + "is not the JSON expected: check input github-api-url", call + "is not the JSON expected: check --api-url"},
		{field, call + "is not the JSON expected: id is not a int64", call + "is not the JSON expected: id is not a int64"},
		{detail, call + "is not the JSON expected: why", call + "is not the JSON expected: why"},
		{get(ghclient.CutShort), call + "is cut short", call + "is cut short"},
		{get(ghclient.NoToken), call + "holds no token", call + "holds no token"},
	} {
		err := mint.Explain(context.Background(), "op", &tc.bad, config.App{APIURL: u})
		if got := setting.Render(err, setting.Action); got != tc.action {
			t.Errorf("action: %q\nwant    %q", got, tc.action)
		}
		if got := setting.Render(err, setting.CLI); got != tc.cli {
			t.Errorf("cli: %q\nwant %q", got, tc.cli)
		}
		var bad *ghclient.BadAnswerError
		if !errors.As(err, &bad) || bad.Problem != tc.bad.Problem {
			t.Errorf("%q hides its BadAnswerError", err)
		}
	}
}
