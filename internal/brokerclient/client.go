// Package brokerclient asks a token broker (`app-token serve`, or
// octo-sts) for an installation token in exchange for an OIDC token, and
// asks the GitHub Actions runner for that OIDC token. Both carry a bearer,
// so both go only where they were sent: https, or plain http to a loopback
// host (internal/loopback's one rule), checked on every request a
// redirect included; a redirect off the first origin is never followed;
// answers are bounded. Its errors are door-neutral (setting.Errorf), one
// line each, and quote outside text through secret.Printable. It holds no
// policy: the minting core checks the grant like every token.
package brokerclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/loopback"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// The bounds of every answer read.
const (
	// MaxAnswer bounds an answer's body: a grant naming 500 repositories
	// is a few tens of KiB.
	MaxAnswer = 1 << 20
	// MaxHeaderBytes bounds an answer's header fields, as GitHub's.
	MaxHeaderBytes = ghtransport.MaxHeaderBytes
	// maxRedirects is how many hops within the origin are followed.
	maxRedirects = 3
	// maxShown bounds a server's message quoted in an error.
	maxShown = 300
)

// Request is one exchange: the OIDC token as the bearer, the policy's
// scope and identity, and what narrows the grant.
type Request struct {
	// Bearer is the OIDC token: never logged, never part of an error.
	Bearer       string
	Scope        string
	Identity     string
	Repositories []string
	Permissions  map[string]string
}

// Answer is the broker's grant, as its JSON says it.
type Answer struct {
	Token               string            `json:"token"`
	ExpiresAt           time.Time         `json:"expires_at"`
	InstallationID      int64             `json:"installation_id"`
	AppSlug             string            `json:"app_slug"`
	Permissions         map[string]string `json:"permissions"`
	Repositories        []string          `json:"repositories"`
	RepositorySelection string            `json:"repository_selection"`
}

// Client reaches one broker.
type Client struct {
	// URL is the broker's base URL, ending in "/" (config.BrokerURL).
	URL *url.URL
	// Base is the innermost transport (nil: ghtransport.NewBase over
	// Getenv, which bounds headers at MaxHeaderBytes).
	Base   http.RoundTripper
	Getenv func(string) string
	// Timeout bounds the whole exchange, redirects included.
	Timeout time.Duration
	// Name is how errors name the setting (setting.Input(BrokerURL)).
	Name any
}

// Exchange asks the broker for a token. Nothing to narrow: octo-sts's GET
// /sts/exchange, so any octo-sts-compatible broker serves it; else POST
// /token with the JSON body.
func (c *Client) Exchange(ctx context.Context, req Request) (*Answer, error) {
	var (
		hr  *http.Request
		err error
	)
	if len(req.Repositories) == 0 && len(req.Permissions) == 0 {
		u := c.URL.JoinPath("sts", "exchange")
		u.RawQuery = url.Values{"scope": {req.Scope}, "identity": {req.Identity}}.Encode()
		hr, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	} else {
		body, _ := json.Marshal(struct {
			Scope        string            `json:"scope"`
			Identity     string            `json:"identity"`
			Repositories []string          `json:"repositories,omitempty"`
			Permissions  map[string]string `json:"permissions,omitempty"`
		}{req.Scope, req.Identity, req.Repositories, req.Permissions})
		hr, err = http.NewRequestWithContext(ctx, http.MethodPost, c.URL.JoinPath("token").String(), strings.NewReader(string(body)))
		if err == nil {
			hr.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		return nil, setting.Errorf("%s: cannot build the request to the broker", c.Name)
	}
	hr.Header.Set("Authorization", "Bearer "+req.Bearer)
	hr.Header.Set("Accept", "application/json")
	status, body, err := c.do(hr, "the broker")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, c.refusal(status, body, req.Bearer)
	}
	var a Answer
	if json.Unmarshal(body, &a) != nil || a.Token == "" {
		return nil, setting.Errorf("%s: the broker's answer holds no token; is it a token broker?", c.Name)
	}
	return &a, nil
}

// refusal words a broker's refusal: its status and its message, quoted
// safely on one line, never echoing the bearer.
func (c *Client) refusal(status int, body []byte, bearer string) error {
	var e struct {
		Message string `json:"message"`
	}
	msg := "no message"
	if json.Unmarshal(body, &e) == nil && strings.TrimSpace(e.Message) != "" {
		msg = secret.Printable(strings.TrimSpace(strings.ReplaceAll(e.Message, bearer, "(the OIDC token)")), maxShown)
	}
	return setting.Errorf("%s: the broker refused the exchange (HTTP %d): %s", c.Name, status, msg)
}

// do sends r through the bounded client and reads the bounded answer.
// what names the other end in errors.
func (c *Client) do(r *http.Request, what string) (int, []byte, error) {
	sameOrigin := func(req *http.Request, via []*http.Request) error { return c.sameOrigin(what, req, via) }
	refusal := func(*http.Request) error { return c.plainRefusal(what) }
	hc := &http.Client{Transport: &origin{base: c.base(), refusal: refusal}, Timeout: c.Timeout, CheckRedirect: sameOrigin}
	resp, err := hc.Do(r)
	if err != nil {
		var se *setting.Error
		if errors.As(err, &se) {
			return 0, nil, se
		}
		if r.Context().Err() != nil {
			return 0, nil, setting.Errorf("%s: %s did not answer in time", c.Name, what)
		}
		return 0, nil, setting.Errorf("%s: could not reach %s: %s", c.Name, what, secret.Printable(unwrapURL(err), maxShown))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return 0, nil, setting.Errorf("%s: %s's answer could not be read", c.Name, what)
	}
	if len(body) > MaxAnswer {
		return 0, nil, setting.Errorf("%s: %s's answer is larger than 1 MiB", c.Name, what)
	}
	return resp.StatusCode, body, nil
}

func (c *Client) base() http.RoundTripper {
	if c.Base != nil {
		return c.Base
	}
	return ghtransport.NewBase(c.Getenv) // its answers' headers bounded at MaxHeaderBytes
}

// plainRefusal names what the request was for: the broker, or the
// runner's endpoint whose URL the runner set.
func (c *Client) plainRefusal(what string) error {
	return setting.Errorf("%s: a request to %s would use plain http to a host that is not loopback, and its bearer token must not travel unencrypted; use https", c.Name, what)
}

// sameOrigin follows a redirect only within the first request's origin:
// Go keeps the Authorization header on a hop to the same host name
// whatever its scheme or port, and the bearer is a credential.
// what names the end that redirected.
func (c *Client) sameOrigin(what string, req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if !strings.EqualFold(req.URL.Scheme, first.Scheme) || !strings.EqualFold(req.URL.Host, first.Host) {
		return setting.Errorf("%s: %s redirected to another origin (%s), where the bearer token is never sent", c.Name, what, secret.Printable(req.URL.Scheme+"://"+req.URL.Host, maxShown))
	}
	if len(via) > maxRedirects {
		return setting.Errorf("%s: more than %d redirects", c.Name, maxRedirects)
	}
	return nil
}

// origin refuses, before anything is sent, a request in plain http to a
// host that is not loopback, whatever URL or redirect led to it.
type origin struct {
	base    http.RoundTripper
	refusal func(*http.Request) error
}

func (o *origin) RoundTrip(r *http.Request) (*http.Response, error) {
	if loopback.Plain(r.URL) {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, o.refusal(r)
	}
	return o.base.RoundTrip(r)
}

// unwrapURL is a transport error without the URL net/http puts around
// it: the URL is the setting's, named already.
func unwrapURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
