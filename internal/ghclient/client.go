// Package ghclient is the core's view of GitHub's REST API: one method per
// endpoint app-token calls, named after the API, returning GitHub's answer,
// an *APIError that says what GitHub said, or a *BadAnswerError that says
// what was wrong with the answer. Its errors are data in no door's words:
// it knows no door and no setting, and internal/mint explains them.
//
// go-github is used for what it is good at. Where v62's typed services
// have what a call needs and its answer is not used (the dispatches), they
// make the call. Elsewhere go-github builds the request and types GitHub's
// errors, and the answer is decoded here (see decode), because v62's types
// lack fields GitHub sends (about 20 permission names, so the installation
// lookups and CreateToken use a plain map), or because an answer that is
// used must be refused when go-github's decoder would take it (an empty
// body, null, trailing data). ListInstallations keeps only what a listing
// shows, within a bound (see its comment).
//
// Answers are bounded once, by the caller's transports
// (ghtransport.LimitBody, below the retries, which read answers too), and
// redirects are followed only within the API's origin. Authentication,
// retries and clock-skew recovery live in those transports
// (internal/ghtransport), so each piece can be tested alone. Nothing a
// server sent reaches an error's text except through ghtext.Message.
package ghclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/google/go-github/v62/github"
)

// UserAgent identifies app-token to GitHub, which asks every client for one.
const UserAgent = "app-token-action"

// Client calls GitHub as the App (JWT) or with an installation token.
type Client struct {
	base  *url.URL
	app   *http.Client
	token *http.Client
}

// New returns a Client for the API at base (ending in "/"). appTransport must
// authenticate requests as the App (an App JWT); tokenTransport carries
// requests that bring their own installation token. Both follow only the
// redirects followRedirects allows: within base's origin, at most
// maxRedirects, never changing a POST into a GET.
func New(base *url.URL, appTransport, tokenTransport http.RoundTripper) *Client {
	check := followRedirects(base)
	return &Client{
		base:  base,
		app:   &http.Client{Transport: appTransport, CheckRedirect: check},
		token: &http.Client{Transport: tokenTransport, CheckRedirect: check},
	}
}

// gh returns a fresh go-github client for one call. A typed service call
// (Client.Do) remembers a rate-limit answer and then refuses later calls
// without sending them; the transports already wait or give up as GitHub
// asks, so each call starts with a clean slate and really reaches GitHub.
func (c *Client) gh(hc *http.Client) *github.Client {
	g := github.NewClient(hc)
	g.BaseURL = c.base
	g.UserAgent = UserAgent
	return g
}

// Installation is what the core needs from GitHub's installation object.
type Installation struct {
	ID      int64  `json:"id"`
	AppID   int64  `json:"app_id"`
	AppSlug string `json:"app_slug"`
	Account struct {
		Login string `json:"login"`
		Type  string `json:"type"`
		// Slug names an enterprise account, which has no login.
		Slug string `json:"slug"`
	} `json:"account"`
	// RepositorySelection is "all" or "selected".
	RepositorySelection string `json:"repository_selection"`
	// Permissions is what the account granted the App, in full: a plain map
	// because go-github v62's typed struct lacks about 20 of today's names.
	Permissions map[string]string `json:"permissions"`
	SuspendedAt *time.Time        `json:"suspended_at"`
}

// FindRepositoryInstallation finds the App's installation that reaches owner/repo.
//
// GitHub API docs: GET /repos/{owner}/{repo}/installation
func (c *Client) FindRepositoryInstallation(ctx context.Context, owner, repo string) (*Installation, error) {
	var inst Installation
	err := c.do(ctx, c.app, "GET", fmt.Sprintf("repos/%s/%s/installation", url.PathEscape(owner), url.PathEscape(repo)), "", nil, &inst)
	return &inst, err
}

// GetInstallation returns one installation of the App by its ID.
//
// GitHub API docs: GET /app/installations/{installation_id}
func (c *Client) GetInstallation(ctx context.Context, id int64) (*Installation, error) {
	var inst Installation
	err := c.do(ctx, c.app, "GET", fmt.Sprintf("app/installations/%d", id), "", nil, &inst)
	return &inst, err
}

// FindAccountInstallation finds the App's installation on a user or organisation account.
//
// GitHub API docs: GET /users/{username}/installation
func (c *Client) FindAccountInstallation(ctx context.Context, owner string) (*Installation, error) {
	var inst Installation
	err := c.do(ctx, c.app, "GET", fmt.Sprintf("users/%s/installation", url.PathEscape(owner)), "", nil, &inst)
	return &inst, err
}

// App is the authenticated App.
type App struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// GetApp returns the App the JWT belongs to.
//
// GitHub API docs: GET /app
func (c *Client) GetApp(ctx context.Context) (*App, error) {
	var app App
	err := c.do(ctx, c.app, "GET", "app", "", nil, &app)
	return &app, err
}

// TokenRequest limits a new installation token. Empty fields mean "everything
// the installation has".
type TokenRequest struct {
	// Repositories are names without the owner.
	Repositories []string `json:"repositories,omitempty"`
	// Permissions is sent as a plain name→level map so that no permission
	// GitHub knows is dropped for want of a typed field.
	Permissions map[string]string `json:"permissions,omitempty"`
}

// Token is a minted installation access token. Token is the secret; nothing
// else in it is.
type Token struct {
	Token               string            `json:"token"`
	ExpiresAt           time.Time         `json:"expires_at"`
	Permissions         map[string]string `json:"permissions"`
	RepositorySelection string            `json:"repository_selection"`
	Repositories        []struct {
		Name     string `json:"name"`
		FullName string `json:"full_name"`
	} `json:"repositories"`
}

// CreateToken mints an installation access token.
//
// A mint that failed ambiguously (a 5xx, a dropped connection) is sent
// again (ghtransport.Repeatable): a second copy mints a second token scoped
// exactly as asked, and the one lost on the way back was never delivered
// to anyone who could use it. See docs/fault-matrix.md.
//
// GitHub API docs: POST /app/installations/{installation_id}/access_tokens
func (c *Client) CreateToken(ctx context.Context, installationID int64, req TokenRequest) (*Token, error) {
	var tok Token
	err := c.do(ghtransport.Repeatable(ctx), c.app, "POST", fmt.Sprintf("app/installations/%d/access_tokens", installationID), "", req, &tok)
	if err == nil && tok.Token == "" {
		err = &BadAnswerError{Method: "POST", Path: fmt.Sprintf("/app/installations/%d/access_tokens", installationID), Problem: NoToken}
	}
	return &tok, err
}

// RevokeToken revokes the installation token it is called with.
//
// GitHub API docs: DELETE /installation/token
func (c *Client) RevokeToken(ctx context.Context, token string) error {
	return c.do(ctx, c.token, "DELETE", "installation/token", token, nil, nil)
}

// CheckToken makes the cheapest call an installation token can make, to
// learn whether GitHub accepts it: one repository of its list, not read.
//
// GitHub API docs: GET /installation/repositories
func (c *Client) CheckToken(ctx context.Context, token string) error {
	return c.do(ctx, c.token, "GET", "installation/repositories?per_page=1", token, nil, nil)
}

// User is a GitHub account as /users/{username} describes it.
type User struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"`
}

// GetUser looks up an account, e.g. an App's bot user "<slug>[bot]". token
// may be empty. Hand-written, although go-github's Users service has the
// fields: its decoder takes an empty body, null or trailing data as a
// user, and the answer's ID ends up in a git identity, so it is read as
// strictly as every answer that is used (see decode).
//
// GitHub API docs: GET /users/{username}
func (c *Client) GetUser(ctx context.Context, login, token string) (*User, error) {
	var u User
	err := c.do(ctx, c.token, "GET", "users/"+url.PathEscape(login), token, nil, &u)
	return &u, err
}

// do sends one request and decodes GitHub's answer into into (nil: a body
// is not wanted). go-github builds the request and types GitHub's errors;
// the answer is read here, so that how much of it is read, and what counts
// as the JSON expected, is decided in one place.
func (c *Client) do(ctx context.Context, hc *http.Client, method, path, token string, body, into any) error {
	g := c.gh(hc)
	req, err := g.NewRequest(method, path, body)
	if err != nil {
		return fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	call := answerOf{method: method, path: apiPath(c.base, req.URL)}
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return call.failed(err)
	}
	defer resp.Body.Close()
	// The caller's transports bound the answer (ghtransport.LimitBody): a
	// larger one fails here with BodyTooLargeError.
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return call.failed(err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err := github.CheckResponse(resp); err != nil {
		return apiError(err)
	}
	if into == nil {
		return nil
	}
	return call.decode(data, into)
}

// service calls one of go-github's typed services, for the endpoints whose
// types v62 has in full, with a fresh go-github client (see gh) over the
// token transport, which carries token when one is given. Its errors are
// typed and worded as do's.
func (c *Client) service(ctx context.Context, method, path, token string, call func(g *github.Client) error) error {
	hc := c.token
	if token != "" {
		hc = &http.Client{Transport: bearer{token: token, base: c.token.Transport}, CheckRedirect: c.token.CheckRedirect}
	}
	err := call(c.gh(hc))
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var (
		syntax   *json.SyntaxError
		mismatch *json.UnmarshalTypeError
		apiErr   *APIError
	)
	answer := answerOf{method: method, path: path}
	switch typed := apiError(err); {
	case errors.As(typed, &apiErr):
		return typed
	case errors.As(err, &syntax), errors.As(err, &mismatch), errors.Is(err, io.ErrUnexpectedEOF):
		return answer.bad(BadAnswerError{Problem: UnexpectedJSON})
	}
	return answer.failed(err)
}

// bearer adds an installation token to every request it carries.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(req)
}
