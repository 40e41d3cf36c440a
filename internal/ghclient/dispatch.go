package ghclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
)

// expected is how a successful answer decoded into into must start, and
// what it is called: an array for a list (a pointer to a slice), else an
// object.
func expected(into any) (open byte, kind string) {
	if t := reflect.TypeOf(into); t != nil && t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Slice {
		return '[', "array"
	}
	return '{', "object"
}

// maxInstallationPages bounds ListInstallations: 100 pages of 100 are more
// installations than any App has, and a server that never stops paging
// must not keep a command line running.
const maxInstallationPages = 100

// ListInstallations lists every installation of the App, following pages by
// number rather than by the Link header, so no address a server names is
// ever followed.
//
// GitHub API docs: GET /app/installations
func (c *Client) ListInstallations(ctx context.Context) ([]Installation, error) {
	const perPage = 100
	var all []Installation
	for page := 1; page <= maxInstallationPages; page++ {
		var batch []Installation
		path := fmt.Sprintf("app/installations?per_page=%d&page=%d", perPage, page)
		if err := c.do(ctx, c.app, "GET", path, "", nil, &batch); err != nil {
			return nil, err
		}
		all = append(all, batch...)
		if len(batch) < perPage {
			return all, nil
		}
	}
	return all, nil
}

// CreateRepositoryDispatch fires a repository_dispatch event on owner/repo
// with the installation token (which needs contents: write there).
// payload may be nil.
//
// GitHub API docs: POST /repos/{owner}/{repo}/dispatches
func (c *Client) CreateRepositoryDispatch(ctx context.Context, token, owner, repo, eventType string, payload json.RawMessage) error {
	body := struct {
		EventType     string          `json:"event_type"`
		ClientPayload json.RawMessage `json:"client_payload,omitempty"`
	}{eventType, payload}
	return c.do(ctx, c.token, "POST", fmt.Sprintf("repos/%s/%s/dispatches", url.PathEscape(owner), url.PathEscape(repo)), token, body, nil)
}

// CreateWorkflowDispatch starts a workflow_dispatch run of workflow (a file
// name like release.yml, or its ID) on ref, with the installation token
// (which needs actions: write there). inputs may be nil.
//
// GitHub API docs: POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches
func (c *Client) CreateWorkflowDispatch(ctx context.Context, token, owner, repo, workflow, ref string, inputs json.RawMessage) error {
	body := struct {
		Ref    string          `json:"ref"`
		Inputs json.RawMessage `json:"inputs,omitempty"`
	}{ref, inputs}
	return c.do(ctx, c.token, "POST", fmt.Sprintf("repos/%s/%s/actions/workflows/%s/dispatches", url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(workflow)), token, body, nil)
}
