package ghclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/setting"
)

// BadAnswerError is an answer the action refuses to use: larger than it
// reads, a redirect it does not follow, or a success whose body is not the
// JSON expected. Reason says what was wrong and what to check; it holds
// nothing a server sent except through ghtext.Message.
type BadAnswerError struct {
	Method, Path string
	Reason       *setting.Error
}

// Render says it in door d's words.
func (e *BadAnswerError) Render(d setting.Door) string {
	return "GitHub's answer to " + e.Method + " " + e.Path + " " + e.Reason.Render(d)
}

func (e *BadAnswerError) Error() string { return e.Render(setting.Action) }

// checkAPIURL ends the reasons that point at the API URL (or at what sits
// between the caller and GitHub).
var checkAPIURL = setting.Input(setting.APIURL)

// tooLarge is the reason for an answer past ghtransport.MaxAnswer.
func tooLarge() *setting.Error {
	return setting.Errorf("is larger than %s once decompressed, far more than GitHub's API sends: check %s and any proxy between %s and GitHub",
		ghtransport.Size(ghtransport.MaxAnswer), checkAPIURL, setting.Words{Action: "the runner", CLI: "this machine"})
}

// transportError is a call that got no usable answer. Go's errors can quote
// what a server sent (a malformed status line, a Location header), so its
// text is bounded and scrubbed like a message from GitHub.
type transportError struct{ err error }

func (e *transportError) Error() string { return ghtext.Message(e.err.Error()) }
func (e *transportError) Unwrap() error { return e.err }

// answerOf names the call whose answer is being judged.
type answerOf struct{ method, path string }

func (a answerOf) bad(reason *setting.Error) *BadAnswerError {
	return &BadAnswerError{Method: a.method, Path: a.path, Reason: reason}
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
		return bad // a refused redirect, with its own words
	case errors.As(err, &large):
		return a.bad(tooLarge())
	}
	return &transportError{err}
}

// decode reads a successful answer's body, which must be one JSON object
// (or array, for a list; see expected).
// Go's json would take an empty body, or null, as a zero value, and would
// quote the server's bytes in a syntax error: both are refused here in the
// action's own words.
func (a answerOf) decode(data []byte, into any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return a.bad(setting.Errorf("is empty where a JSON object was expected: check %s", checkAPIURL))
	}
	if open, kind := expected(into); trimmed[0] != open {
		return a.bad(setting.Errorf("is not a JSON %s: check %s", kind, checkAPIURL))
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
		return a.bad(setting.Errorf("is not valid JSON (at byte %d): check %s", syntax.Offset, checkAPIURL))
	case errors.As(err, &mismatch):
		return a.bad(setting.Errorf("is not the JSON expected: %s is not a %s", orWhole(mismatch.Field), mismatch.Type))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return a.bad(setting.Errorf("is cut short"))
	}
	return a.bad(setting.Errorf("is not the JSON expected: %s", ghtext.Message(err.Error())))
}

func orWhole(field string) string {
	if field == "" {
		return "the answer"
	}
	return ghtext.Message(field)
}
