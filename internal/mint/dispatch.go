package mint

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/app-token/app-token/internal/config"
	"github.com/app-token/app-token/internal/ghapi"
	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// Event is one dispatch to one repository, checked by the door that read
// it: repository_dispatch when EventType is set, else workflow_dispatch of
// Workflow on Ref.
type Event struct {
	Owner, Repo   string
	EventType     string
	Workflow, Ref string
	// Payload is repository_dispatch's client_payload or workflow_dispatch's
	// inputs: one JSON object, or nil.
	Payload json.RawMessage
	// InstallationID, when non-zero, skips the installation lookup.
	InstallationID int64
}

// Permission is the one permission the event's token gets, as GitHub
// names it; its level is always write.
func (e Event) Permission() string {
	if e.Workflow != "" {
		return "actions"
	}
	return "contents"
}

// Describe names the event for a note: `repository_dispatch "rebuild"`.
func (e Event) Describe() string {
	if e.Workflow != "" {
		return "workflow_dispatch of " + secret.Quote(e.Workflow) + " on " + secret.Quote(e.Ref)
	}
	return "repository_dispatch " + secret.Quote(e.EventType)
}

// Request is the token the event needs: that one repository, that one
// permission.
func (e Event) Request() config.Request {
	return config.Request{Owner: e.Owner, Repositories: []string{e.Repo},
		Permissions: permissions.Set{e.Permission(): "write"}, InstallationID: e.InstallationID}
}

// DispatchError is a dispatch that failed: Sent says whether its request
// had gone out and GitHub may have the event (a 5xx, or no answer), so it
// must not be sent again blindly; false when nothing can have arrived
// (the token was never minted, or GitHub refused the request outright).
type DispatchError struct {
	Sent bool
	Err  error
}

func (e *DispatchError) Error() string                { return e.Err.Error() }
func (e *DispatchError) Unwrap() error                { return e.Err }
func (e *DispatchError) Render(d setting.Door) string { return setting.Render(e.Err, d) }

// Dispatched is a dispatch that was sent.
type Dispatched struct {
	Token *Token
	// Revoke is why the token could not be revoked afterwards (it stays
	// valid until it expires); nil when it was.
	Revoke error
}

// Dispatch is the one mint → send → revoke sequence every door uses
// (`app-token dispatch`, a broker's hooks): a token for e's one repository
// with e's one permission (the request is e.Request), the event sent once
// as the token's first use (a 401 retried as the check retries it; no retry
// once the request went out otherwise: a second event could start a second
// run), and the token revoked whatever happened. warn hears what does not
// stop the dispatch (the answer's warnings, a failed revocation after a
// failed send); nil ignores it. The token never leaves.
func (a *App) Dispatch(ctx context.Context, e Event, warn func(error)) (*Dispatched, error) {
	return a.dispatch(ctx, e, warn, func(ctx context.Context, req config.Request) (*Token, error) { return a.Mint(ctx, req, nil) })
}

// Dispatch is App.Dispatch, its token minted the Minter's way (through
// its broker, when it has one).
func (m *Minter) Dispatch(ctx context.Context, e Event, warn func(error)) (*Dispatched, error) {
	if m.broker == nil {
		return m.App.Dispatch(ctx, e, warn)
	}
	return m.dispatch(ctx, e, warn, m.mintByBroker)
}

// dispatch is Dispatch with its token from mint.
func (a *App) dispatch(ctx context.Context, e Event, warn func(error), mint func(context.Context, config.Request) (*Token, error)) (*Dispatched, error) {
	if warn == nil {
		warn = func(error) {}
	}
	deadline := Deadline(a.cfg.Retry)
	mctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	tok, err := mint(mctx, e.Request())
	if err != nil {
		return nil, &DispatchError{Err: err}
	}
	for _, w := range tok.Scope.Warnings {
		warn(w)
	}
	sending := fmt.Sprintf("send %s to %s/%s", e.Describe(), e.Owner, e.Repo)
	if err := a.Abandon(ctx, tok.Token, sending); err != nil {
		return nil, &DispatchError{Err: err}
	}
	sendCtx, cancelSend := context.WithTimeout(ctx, deadline)
	defer cancelSend()
	sendErr := a.send(sendCtx, tok.Token.Token, e)
	if sendErr != nil {
		// Interrupted during the send: revoked within seconds, not after
		// the whole retry budget (GitHub may have the event all the same).
		if err := a.Abandon(ctx, tok.Token, sending+" (GitHub may have received it: check its Actions runs)"); err != nil {
			return nil, &DispatchError{Sent: true, Err: err}
		}
	}
	// Revoked whatever happened, with a deadline of its own: a send that
	// timed out must not leave the token alive for want of time.
	revokeCtx, cancelRevoke := context.WithTimeout(context.WithoutCancel(ctx), deadline)
	defer cancelRevoke()
	revokeErr := a.RevokeYoung(revokeCtx, tok.Token)
	if AlreadyRevoked(revokeErr) {
		revokeErr = nil
	}
	if revokeErr != nil {
		revokeErr = setting.Errorf("could not revoke the token: %s. It stays valid until it expires at %s",
			Explain(revokeCtx, "revoke the token", revokeErr, a.cfg), tok.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if sendErr != nil {
		if revokeErr != nil {
			warn(revokeErr)
		}
		return nil, a.sendFailed(sendCtx, sendErr, e)
	}
	return &Dispatched{Token: tok, Revoke: revokeErr}, nil
}

// send sends e with token: once, as ghclient never repeats a dispatch.
// No check first: the send is the token's first use, and its 401 (GitHub
// refusing the request, so no event) is retried as the check retries it
// (FirstUse's client), a round trip fewer.
func (a *App) send(ctx context.Context, token string, e Event) error {
	if e.Workflow != "" {
		return a.fresh.CreateWorkflowDispatch(ctx, token, e.Owner, e.Repo, e.Workflow, e.Ref, e.Payload)
	}
	return a.fresh.CreateRepositoryDispatch(ctx, token, e.Owner, e.Repo, e.EventType, e.Payload)
}

// sendFailed says why the send failed and whether GitHub may have the
// event: after a 5xx or no answer at all it may, and it was not sent again.
func (a *App) sendFailed(ctx context.Context, err error, e Event) error {
	status := ghclient.StatusOf(err)
	sent := status == 0 || status >= 500
	op := fmt.Sprintf("send %s to %s/%s", e.Describe(), e.Owner, e.Repo)
	var why error
	if e.Workflow != "" && ghclient.KindOf(err) == ghapi.NotFound {
		why = setting.Errorf("%s: GitHub found no workflow %s there: check %s (a file name in .github/workflows on the default branch, or the workflow's ID)",
			op, secret.Quote(e.Workflow), setting.Words{Action: "the workflow", CLI: "--workflow"})
	} else {
		why = Explain(ctx, op, err, a.cfg)
	}
	if sent && !interrupted(ctx) {
		why = setting.Errorf("%s. GitHub may have received the event all the same, so it was not sent again: check %s/%s's Actions runs before sending it again", why, e.Owner, e.Repo)
	}
	return &DispatchError{Sent: sent, Err: why}
}
