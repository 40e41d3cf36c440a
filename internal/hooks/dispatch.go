package hooks

import (
	"context"
	"encoding/json"
	"errors"
)

// Event is the one dispatch a verified, valid delivery asks for.
type Event struct {
	// Hook is the hook's name, for the dispatcher's own records.
	Hook        string
	Owner, Repo string
	// EventType is set for repository_dispatch; Workflow and Ref for
	// workflow_dispatch.
	EventType     string
	Workflow, Ref string
	// Payload is the body: repository_dispatch's client_payload
	// (compacted), or workflow_dispatch's inputs (each value a string).
	Payload json.RawMessage
}

// Permission is the one permission the event's token needs on Owner/Repo,
// in the permissions input's form.
func (e Event) Permission() string {
	if e.Workflow != "" {
		return "actions: write"
	}
	return "contents: write"
}

// Dispatcher fires an event. Its implementation mints a token for that one
// repository with Event.Permission only, sends the dispatch once (no retry
// once the request was sent: a second event could start a second run), and
// revokes the token. A failure says whether the request was sent with a
// *DispatchError; any other error counts as sent (GitHub may have the
// event), the side on which a retry cannot rebuild twice.
type Dispatcher interface {
	Dispatch(ctx context.Context, e Event) error
}

// DispatcherFunc adapts a function to a Dispatcher.
type DispatcherFunc func(ctx context.Context, e Event) error

// Dispatch calls f.
func (f DispatcherFunc) Dispatch(ctx context.Context, e Event) error { return f(ctx, e) }

// DispatchError is a failed dispatch: Sent says whether the dispatch's
// request had gone out (GitHub may have the event) or not (nothing
// arrived; the delivery may be sent again).
type DispatchError struct {
	Sent bool
	Err  error
}

func (e *DispatchError) Error() string {
	if e.Sent {
		return "dispatch sent but failed: " + e.Err.Error()
	}
	return "dispatch not sent: " + e.Err.Error()
}

func (e *DispatchError) Unwrap() error { return e.Err }

// mayHaveArrived reports whether GitHub may have the event of a failed
// dispatch: unless the dispatcher said it was not sent.
func mayHaveArrived(err error) bool {
	var de *DispatchError
	return !errors.As(err, &de) || de.Sent
}
