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
		{"rate limit with reset", config.Config{Owner: "octocat"},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 403, Body: `{"message":"API rate limit exceeded"}`,
				Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {itoa(reset)}}},
			[]string{"find the App's installation on octocat", "rate limit", "retry after"}},
		{"rate limit with retry-after", config.Config{Owner: "octocat"},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 429, Body: `{"message":"slow down"}`, Header: http.Header{"Retry-After": {"120"}}},
			[]string{"rate limit", "retry in 2m0s"}},
		{"undecodable JWT", config.Config{Owner: "octocat"},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 401, Body: `{"message":"A JSON web token could not be decoded"}`},
			[]string{"could not verify the App JWT", "does the private key belong to App " + githubtest.DefaultClientID}},
		{"JWT time", config.Config{Owner: "octocat"},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 401, Times: -1, Body: `{"message":"'Expiration time' claim ('exp') is too far in the future"}`},
			[]string{"rejected the App JWT's time", "clock"}},
		{"server error", config.Config{Owner: "octocat"},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 500, Body: `{"message":"boom"}`},
			[]string{"find the App's installation on octocat:", "500"}},
		{"not JSON", config.Config{Owner: "octocat"},
			githubtest.Fault{Path: "/users/octocat/installation", Status: 200, Body: `<html>`},
			[]string{"find the App's installation on octocat:"}},
		{"dropped after the mint was sent", config.Config{Owner: "octocat", Retry: config.Retry{Attempts: 3, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1002/access_tokens", Drop: true, Times: -1},
			[]string{"mint a token for installation 1002", "could not reach GitHub", "gave up after 3 tries"}},
		{"mint refused: repositories", config.Config{Owner: "octo-org", Repositories: []string{"app", "website", "nope", "gone"}},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1001/access_tokens", Status: 422, Body: `{"message":"There is at least one repository that does not exist or is not accessible to the parent installation."}`},
			[]string{"installation 1001 cannot reach octo-org/website, octo-org/nope and octo-org/gone:"}},
		{"mint refused: many repositories", config.Config{Owner: "octo-org", Repositories: append([]string{"app"}, numberedNames(55)...)},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1001/access_tokens", Status: 422, Body: `{"message":"There is at least one repository that does not exist or is not accessible to the parent installation."}`},
			[]string{"cannot reach octo-org/r0, ", " and octo-org/r48 (6 more were not checked)"}},
		{"mint refused: permissions", config.Config{Owner: "octocat", Permissions: permissions.Set{"contents": "read"}},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1002/access_tokens", Status: 422, Body: `{"message":"The permissions requested are not granted to this installation."}`},
			[]string{"GitHub refused the permissions (contents:read)", "installation 1002 on octocat"}},
		{"mint refused: suspended", config.Config{Owner: "octocat"},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1002/access_tokens", Status: 403, Body: `{"message":"This installation has been suspended"}`},
			[]string{"installation 1002 on octocat is suspended"}},
		{"mint refused: other", config.Config{Owner: "octocat"},
			githubtest.Fault{Method: "POST", Path: "/app/installations/1002/access_tokens", Status: 404, Body: `{"message":"Not Found"}`},
			[]string{"mint a token for installation 1002:", "404"}},
		{"lookup by repository fails", config.Config{Owner: "octo-org", Repositories: []string{"app"}},
			githubtest.Fault{Path: "/repos/octo-org/app/installation", Status: 500, Body: `{"message":"boom"}`},
			[]string{"find the App's installation on octo-org:"}},
		{"not installed, then the account lookup fails", config.Config{Owner: "octo-org", Repositories: []string{"nope"}},
			githubtest.Fault{Path: "/users/octo-org/installation", Status: 500, Body: `{"message":"boom"}`},
			[]string{"find the App's installation on octo-org:", "500"}},
		{"enterprise lookup fails", config.Config{Owner: "octo-enterprise", Enterprise: "octo-enterprise"},
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
	cfg := &config.Config{Retry: config.Retry{Budget: time.Minute, RequestTimeout: 20 * time.Second}}
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
		cfg := config.Config{Issuer: "1", Owner: "octocat", APIURL: u, CACertificates: []byte(tc.ca),
			Retry: config.Retry{Attempts: 1, Budget: 5 * time.Second, RequestTimeout: 5 * time.Second}}
		m := mint.New(&cfg, appKey, mint.Options{})
		_, err := m.Installation(context.Background())
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
	key := &config.Config{Issuer: "Iv1", APIURL: u}
	kms := &config.Config{Issuer: "Iv1", APIURL: u, KMSKey: "arn:aws:kms:eu-west-1:111122223333:key/k"}
	jwt := &config.Config{Issuer: "Iv1", APIURL: u, JWT: "a.b.c"}
	undecodable := &ghclient.APIError{Status: 401, Message: "A JSON web token could not be decoded", Kind: ghapi.JWTUndecodable}
	jwtTime := &ghclient.APIError{Status: 401, Message: "'Issued at' claim ('iat') must be an Integer", Kind: ghapi.JWTTime}
	for _, tc := range []struct {
		name string
		err  error
		cfg  *config.Config
		want string
	}{
		{"undecodable, key", undecodable, key, "does the private key belong to App Iv1?"},
		{"undecodable, KMS", undecodable, kms, "the kms-key arn:aws:kms:eu-west-1:111122223333:key/k does not belong to the App"},
		{"undecodable, JWT", undecodable, jwt, "input jwt was not signed with the private key of App Iv1"},
		{"time, key", jwtTime, key, "even after correcting for its clock"},
		{"time, JWT", jwtTime, jwt, "GitHub rejected the time claims of input jwt"},
		{"other answer", &ghclient.APIError{Status: 418, Message: "teapot"}, key, "op: "},
		{"bad answer", &ghclient.BadAnswerError{Method: "GET", Path: "/x", Reason: setting.Errorf("not JSON")}, key, "op: "},
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
