package ghtransport

import (
	"context"
	"net/http"
)

// repeatableKey marks a request context whose call may be sent again after
// any transient failure; see Repeatable.
type repeatableKey struct{}

// Repeatable marks the calls made with ctx as harmless to send twice, so
// Retry repeats them after an ambiguous failure (a 5xx, a dropped
// connection) as it does a GET. Only a caller that knows what a second copy
// does may say so; internal/ghclient says it for the token mint.
func Repeatable(ctx context.Context) context.Context {
	return context.WithValue(ctx, repeatableKey{}, true)
}

// repeatable reports whether req may be sent again after an ambiguous
// failure: its method is idempotent (RFC 9110, section 9.2.2) or its
// caller said so with Repeatable.
func repeatable(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	marked, _ := req.Context().Value(repeatableKey{}).(bool)
	return marked
}

// UncertainError is a call that was not sent again although another try
// might have worked: it failed after it was sent (a dropped connection, no
// answer in time), so GitHub may have acted on it, and repeating it could
// act twice (two dispatched workflow runs, say).
type UncertainError struct {
	Method, Path string
	Err          error
}

func (e *UncertainError) Error() string {
	return e.Err.Error() + " (" + e.Method + " " + e.Path + " was not sent again: GitHub may have acted on it already)"
}

func (e *UncertainError) Unwrap() error { return e.Err }
