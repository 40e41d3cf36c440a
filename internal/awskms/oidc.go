package awskms

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/app-token/app-token/internal/brokerclient"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/loopback"
)

// Audience is the audience AWS STS expects of a GitHub OIDC token.
const Audience = "sts.amazonaws.com"

// The runner's variables for the job's OIDC token (brokerclient names
// them for every door that asks the runner).
const (
	envTokenURL   = brokerclient.EnvTokenURL
	envTokenValue = brokerclient.EnvTokenValue
)

// maxTokenAnswer bounds the runner's answer: an OIDC token is a few KiB.
const maxTokenAnswer = 64 << 10

// oidcToken asks the runner for the job's OIDC token, for the SDK's web
// identity provider.
type oidcToken struct {
	o      Options
	client *http.Client
}

// newOIDCToken returns the runner's token source. Its client follows a
// redirect only within the endpoint's origin: Go keeps the Authorization
// header on a hop to the same host name whatever the scheme or port, and
// the request token is a bearer.
//
// Its transport is the GitHub API's (ghtransport.NewBase): HTTP/1.1, the
// proxy from the environment, the answer's headers bounded; and it never
// sends the request token over plain http to a host that is not loopback,
// whatever the URL or a hop says.
func newOIDCToken(o Options) *oidcToken {
	t := ghtransport.NewBase(o.Getenv)
	refusePlainHTTP(t, func(*url.URL) bool { return false }, func(*http.Request) error { return errPlainTokenURL })
	return &oidcToken{o: o, client: &http.Client{Transport: t, Timeout: o.Timeout, CheckRedirect: sameOrigin}}
}

var errPlainTokenURL = errorf("%s: ACTIONS_ID_TOKEN_REQUEST_URL is not an https URL, and the runner's request token must not cross the network unencrypted (plain http goes only to a loopback host); it is the runner's, do not set it yourself", roleInput)

// maxOIDCRedirects is how many hops within the origin are followed.
const maxOIDCRedirects = 3

func sameOrigin(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if !strings.EqualFold(req.URL.Scheme, first.Scheme) || !strings.EqualFold(req.URL.Host, first.Host) {
		return errorf("%s: the runner's OIDC token endpoint redirected to another origin, which the request token does not follow; ACTIONS_ID_TOKEN_REQUEST_URL is the runner's, do not set it yourself", roleInput)
	}
	if len(via) > maxOIDCRedirects {
		return errorf("%s: the runner's OIDC token endpoint redirected more than %d times", roleInput, maxOIDCRedirects)
	}
	return nil
}

var errNoIDToken = errorf("%s: the job's OIDC token cannot be requested (ACTIONS_ID_TOKEN_REQUEST_URL is not set): give the job `permissions: id-token: write`", roleInput)

// GetIdentityToken implements stscreds.IdentityTokenRetriever. The token
// and the runner's request token are masked before use.
func (t *oidcToken) GetIdentityToken() ([]byte, error) {
	raw, bearer := t.o.Var(envTokenURL), t.o.Var(envTokenValue)
	if raw == "" || bearer == "" {
		return nil, errNoIDToken
	}
	t.o.mask(bearer)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || loopback.Plain(u) {
		return nil, errPlainTokenURL
	}
	q := u.Query()
	q.Set("audience", Audience)
	u.RawQuery = q.Encode()
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, errorf("%s: cannot request the job's OIDC token: bad ACTIONS_ID_TOKEN_REQUEST_URL", roleInput)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	req.Header.Set("Accept", "application/json")
	resp, err := t.client.Do(req)
	if e := (*Error)(nil); errors.As(err, &e) {
		return nil, e
	}
	if err != nil {
		return nil, errorf("%s: could not get the job's OIDC token from the runner: %s", roleInput, reach(err, envTokenURL))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenAnswer+1))
	if err != nil || len(body) > maxTokenAnswer {
		return nil, errorf("%s: the runner's answer to the OIDC token request could not be read", roleInput)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errorf("%s: the runner refused the job's OIDC token (HTTP %d): does the job have `permissions: id-token: write`?", roleInput, resp.StatusCode)
	}
	var answer struct {
		Value string `json:"value"`
	}
	if json.Unmarshal(body, &answer) != nil || !brokerclient.IsJWT(answer.Value) {
		return nil, errorf("%s: the runner's answer holds no OIDC token", roleInput)
	}
	t.o.mask(answer.Value)
	return []byte(answer.Value), nil
}
