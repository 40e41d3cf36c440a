package ghclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"

	"github.com/google/go-github/v62/github"
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

// Listing bounds, so that what ListInstallations holds stays small whatever
// a server sends (docs/cli.md): at most maxInstallationPages pages of 100
// are read (more installations than any App has; a server that never stops
// paging must not keep a command line running), and of each installation
// only what a listing shows is kept, each name at most maxListedName bytes.
// 10,000 entries of at most a few hundred bytes each: under 8 MiB kept,
// besides the one page (at most ghtransport.MaxAnswer) being read.
const (
	maxInstallationPages = 100
	installationsPerPage = 100
	maxListedName        = 100
)

// ListInstallations lists every installation of the App, following pages by
// number rather than by the Link header, so no address a server names is
// ever followed. Each installation keeps its ID, account, repository
// selection and suspension only (not its permissions), and a name longer
// than any GitHub name (maxListedName) is dropped, not kept.
//
// GitHub API docs: GET /app/installations
func (c *Client) ListInstallations(ctx context.Context) ([]Installation, error) {
	var all []Installation
	for page := 1; page <= maxInstallationPages; page++ {
		var batch []Installation
		path := fmt.Sprintf("app/installations?per_page=%d&page=%d", installationsPerPage, page)
		if err := c.do(ctx, c.app, "GET", path, "", nil, &batch); err != nil {
			return nil, err
		}
		for _, in := range batch[:min(len(batch), installationsPerPage)] {
			all = append(all, listed(in))
		}
		if len(batch) < installationsPerPage {
			return all, nil
		}
	}
	return all, nil
}

// listed is what a listing keeps of in: no permissions, and no name longer
// than maxListedName (a hostile server's megabyte login is let go with its
// page instead of held to the end).
func listed(in Installation) Installation {
	keep := func(s string) string {
		if len(s) > maxListedName {
			return ""
		}
		return strings.Clone(s)
	}
	out := Installation{ID: in.ID, AppID: in.AppID, AppSlug: keep(in.AppSlug), RepositorySelection: keep(in.RepositorySelection), SuspendedAt: in.SuspendedAt}
	out.Account.Login, out.Account.Type, out.Account.Slug = keep(in.Account.Login), keep(in.Account.Type), keep(in.Account.Slug)
	return out
}

// CreateRepositoryDispatch fires a repository_dispatch event on owner/repo
// with the installation token (which needs contents: write there), through
// go-github's typed Repositories service. payload may be nil.
//
// GitHub API docs: POST /repos/{owner}/{repo}/dispatches
func (c *Client) CreateRepositoryDispatch(ctx context.Context, token, owner, repo, eventType string, payload json.RawMessage) error {
	owner, repo = url.PathEscape(owner), url.PathEscape(repo)
	opts := github.DispatchRequestOptions{EventType: eventType}
	if payload != nil {
		opts.ClientPayload = &payload
	}
	return c.service(ctx, "POST", fmt.Sprintf("/repos/%s/%s/dispatches", owner, repo), token, func(g *github.Client) error {
		_, _, err := g.Repositories.Dispatch(ctx, owner, repo, opts)
		return err
	})
}

// CreateWorkflowDispatch starts a workflow_dispatch run of workflow (a file
// name like release.yml, or its ID) on ref, with the installation token
// (which needs actions: write there). inputs may be nil.
//
// GitHub API docs: POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches
func (c *Client) CreateWorkflowDispatch(ctx context.Context, token, owner, repo, workflow, ref string, inputs json.RawMessage) error {
	owner, repo, workflow = url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(workflow)
	event := github.CreateWorkflowDispatchEventRequest{Ref: ref}
	if inputs != nil {
		// go-github takes the inputs as a map; the command line checked
		// they are one JSON object.
		if err := json.Unmarshal(inputs, &event.Inputs); err != nil {
			return fmt.Errorf("workflow inputs: %w", err)
		}
	}
	return c.service(ctx, "POST", fmt.Sprintf("/repos/%s/%s/actions/workflows/%s/dispatches", owner, repo, workflow), token, func(g *github.Client) error {
		_, err := g.Actions.CreateWorkflowDispatchEventByFileName(ctx, owner, repo, workflow, event)
		return err
	})
}
