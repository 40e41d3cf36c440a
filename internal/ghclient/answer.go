package ghclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/ghtransport"
)

// Problem is what was wrong with an answer the client refused.
type Problem uint8

// The problems a BadAnswerError reports; each names the fields it fills.
const (
	// RedirectElsewhere is a redirect to Target, outside the API's Origin.
	RedirectElsewhere Problem = iota + 1
	// TooManyRedirects is one redirect more than Limit, the last to Target.
	TooManyRedirects
	// RedirectDropsBody is a Status redirect to Target that would turn the
	// Method into a GET without its body.
	RedirectDropsBody
	// TooLarge is an answer larger than Limit bytes once decompressed.
	TooLarge
	// Empty is no body where a JSON object was expected.
	Empty
	// WrongJSONKind is a body that is not a JSON Want ("object", "array").
	WrongJSONKind
	// InvalidJSON is a body that is not valid JSON, at byte Offset.
	InvalidJSON
	// UnexpectedJSON is valid JSON that is not what was expected: Field is
	// not a Want; or Detail says why; or neither is known.
	UnexpectedJSON
	// CutShort is a body that ended early.
	CutShort
	// NoToken is a mint's answer without a token.
	NoToken
)

// BadAnswerError is an answer the client refuses to use: larger than it
// reads, a redirect it does not follow, or a success whose body is not the
// JSON expected. It is data, in no door's words: what was wrong (Problem)
// and the fields that problem fills; the core (mint.Explain) says what to
// check. Nothing a server sent is in it except through ghtext.Message.
type BadAnswerError struct {
	// Method and Path name the call: GET /users/octo-org/installation.
	Method, Path string
	Problem      Problem
	// Target is where a refused redirect pointed, without its query;
	// Origin is the API's (scheme://host[:port]). Both fit to print.
	Target, Origin string
	// Status is a refused redirect's.
	Status int
	// Limit is the most redirects followed, or bytes read.
	Limit int64
	// Offset is where invalid JSON went wrong.
	Offset int64
	// Field and Want say what did not match: Field (fit to print) is not a
	// Want; for WrongJSONKind, Want alone.
	Field, Want string
	// Detail says why JSON was not what was expected, when Field does not.
	Detail string
}

// Reason says what was wrong, in no door's words.
func (e *BadAnswerError) Reason() string {
	switch e.Problem {
	case RedirectElsewhere:
		return fmt.Sprintf("redirected to %s, outside the API's origin %s: only redirects within the API's origin are followed", e.Target, e.Origin)
	case TooManyRedirects:
		return fmt.Sprintf("redirected more than %d times (last to %s)", e.Limit, e.Target)
	case RedirectDropsBody:
		return fmt.Sprintf("was a %d redirect to %s, which would turn the %s into a GET without its body: only 307 and 308 redirects are followed for a %s", e.Status, e.Target, e.Method, e.Method)
	case TooLarge:
		return fmt.Sprintf("is larger than %s once decompressed, far more than GitHub's API sends", ghtransport.Size(e.Limit))
	case Empty:
		return "is empty where a JSON object was expected"
	case WrongJSONKind:
		return "is not a JSON " + e.Want
	case InvalidJSON:
		return fmt.Sprintf("is not valid JSON (at byte %d)", e.Offset)
	case UnexpectedJSON:
		return "is not the JSON expected" + e.Mismatch()
	case CutShort:
		return "is cut short"
	case NoToken:
		return "holds no token"
	}
	return "is not usable"
}

// Mismatch is what UnexpectedJSON found, as ": FIELD is not a TYPE" or
// ": DETAIL", or "" when nothing more is known.
func (e *BadAnswerError) Mismatch() string {
	switch {
	case e.Field != "":
		return ": " + e.Field + " is not a " + e.Want
	case e.Detail != "":
		return ": " + e.Detail
	}
	return ""
}

func (e *BadAnswerError) Error() string {
	return "GitHub's answer to " + e.Method + " " + e.Path + " " + e.Reason()
}

// transportError is a call that got no usable answer. Go's errors can quote
// what a server sent (a malformed status line, a Location header), so its
// text is bounded and scrubbed like a message from GitHub.
type transportError struct{ err error }

func (e *transportError) Error() string { return ghtext.Message(e.err.Error()) }
func (e *transportError) Unwrap() error { return e.err }

// answerOf names the call whose answer is being judged.
type answerOf struct{ method, path string }

func (a answerOf) bad(e BadAnswerError) *BadAnswerError {
	e.Method, e.Path = a.method, a.path
	return &e
}

// failed turns an error from sending the request or reading its answer into
// a *BadAnswerError when the answer was refused, else a transportError.
func (a answerOf) failed(err error) error {
	var (
		bad   *BadAnswerError
		large *ghtransport.BodyTooLargeError
	)
	switch {
	case errors.As(err, &bad):
		return bad // a refused redirect, said already
	case errors.As(err, &large):
		return a.bad(BadAnswerError{Problem: TooLarge, Limit: large.Limit})
	}
	return &transportError{err}
}

// decode reads a successful answer's body, which must be one JSON object
// (or array, for a list; see expected).
// Go's json would take an empty body, or null, as a zero value, and would
// quote the server's bytes in a syntax error: both are refused here.
func (a answerOf) decode(data []byte, into any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return a.bad(BadAnswerError{Problem: Empty})
	}
	if open, kind := expected(into); trimmed[0] != open {
		return a.bad(BadAnswerError{Problem: WrongJSONKind, Want: kind})
	}
	err := json.Unmarshal(trimmed, into)
	var (
		syntax   *json.SyntaxError
		mismatch *json.UnmarshalTypeError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syntax):
		return a.bad(BadAnswerError{Problem: InvalidJSON, Offset: syntax.Offset})
	case errors.As(err, &mismatch):
		return a.bad(BadAnswerError{Problem: UnexpectedJSON, Field: orWhole(mismatch.Field), Want: mismatch.Type.String()})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return a.bad(BadAnswerError{Problem: CutShort})
	}
	return a.bad(BadAnswerError{Problem: UnexpectedJSON, Detail: ghtext.Message(err.Error())})
}

func orWhole(field string) string {
	if field == "" {
		return "the answer"
	}
	return ghtext.Message(field)
}
