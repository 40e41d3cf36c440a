package hooks

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/app-token/app-token/internal/secret"
)

// GitHub's limits on what a dispatch carries, from its REST description
// (TestLimitsAreGitHubs holds them to internal/githubtest/contract's
// copies): repository_dispatch's client_payload has at most
// MaxClientPayload top-level properties and is less than MaxBody bytes;
// workflow_dispatch's inputs at most MaxInputsGitHub on github.com and
// GHE.com, MaxInputsGHES on GitHub Enterprise Server.
const (
	MaxClientPayload = 10
	MaxInputsGitHub  = 25
	MaxInputsGHES    = 10
	// MaxBody bounds a delivery's body: GitHub takes a client_payload of
	// less than 64 KiB, so a body up to it is read and one past it is
	// refused (413) without reading on.
	MaxBody = 64 << 10
)

// Answers for a body the handler cannot use, each with its status.
const (
	reasonType     = "not_json"      // 415
	reasonJSON     = "bad_json"      // 400
	reasonLimits   = "out_of_limits" // 422
	reasonTooLarge = "too_large"     // 413
)

// bodyProblem is why a body is refused: the status, the audit's reason
// and the message.
type bodyProblem struct {
	status  int
	reason  string
	message string
}

// isJSONType reports whether a Content-Type header is JSON's:
// application/json or any application/*+json (as Contentful sends
// application/vnd.contentful.management.v1+json), parameters allowed, a
// charset only UTF-8's (JSON's only encoding, RFC 8259).
func isJSONType(ct string) bool {
	media, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	sub, ok := strings.CutPrefix(media, "application/")
	if !ok || sub != "json" && (!strings.HasSuffix(sub, "+json") || sub == "+json") {
		return false
	}
	cs, has := params["charset"]
	return !has || strings.EqualFold(cs, "utf-8")
}

// object reads body as one JSON object and returns its members in order,
// each value as written. A repeated name is refused: which one would
// GitHub keep?
func object(body []byte) ([]member, *bodyProblem) {
	bad := &bodyProblem{400, reasonJSON, "the body is not a JSON object ({\"name\": value, ...}) in UTF-8"}
	if !utf8.Valid(body) {
		return nil, bad
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, bad
	}
	var members []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, bad
		}
		if seen[name] {
			return nil, &bodyProblem{400, reasonJSON, "the body names " + secret.QuoteCut(name, 40) + " twice"}
		}
		seen[name] = true
		members = append(members, member{name, v})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, bad
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad // something after the object
	}
	return members, nil
}

// member is one name and value of a JSON object.
type member struct {
	name  string
	value json.RawMessage
}

// clientPayload is the body as repository_dispatch's client_payload:
// compacted, within GitHub's limits.
func clientPayload(body []byte, members []member) (json.RawMessage, *bodyProblem) {
	if len(members) > MaxClientPayload {
		return nil, &bodyProblem{422, reasonLimits, "the body has " + strconv.Itoa(len(members)) + " top-level properties; GitHub takes at most " + strconv.Itoa(MaxClientPayload) + " in a repository_dispatch's client_payload"}
	}
	var b bytes.Buffer
	if err := json.Compact(&b, body); err != nil {
		return nil, &bodyProblem{400, reasonJSON, "the body is not a JSON object"}
	}
	if b.Len() >= MaxBody {
		return nil, &bodyProblem{422, reasonLimits, "the body has " + strconv.Itoa(b.Len()) + " bytes without its spaces; GitHub takes a client_payload of less than 64 KiB"}
	}
	return b.Bytes(), nil
}

// inputs is the body as workflow_dispatch's inputs: at most max of them,
// each value text. GitHub passes a workflow's inputs as strings, so a
// number or true/false is sent as its JSON text ("3", "true"); an object,
// a list or null is refused, as no input holds one.
func inputs(members []member, max int) (json.RawMessage, *bodyProblem) {
	if len(members) > max {
		return nil, &bodyProblem{422, reasonLimits, "the body has " + strconv.Itoa(len(members)) + " properties; GitHub takes at most " + strconv.Itoa(max) + " workflow inputs here"}
	}
	in := make(map[string]string, len(members))
	for _, m := range members {
		var v any
		// Read as written: a number keeps its digits.
		dec := json.NewDecoder(bytes.NewReader(m.value))
		dec.UseNumber()
		_ = dec.Decode(&v) // object() read it already
		switch v := v.(type) {
		case string:
			in[m.name] = v
		case json.Number:
			in[m.name] = v.String()
		case bool:
			in[m.name] = strconv.FormatBool(v)
		default:
			return nil, &bodyProblem{422, reasonLimits, "input " + secret.QuoteCut(m.name, 40) + " is not text, a number or true/false: a workflow input holds one of those"}
		}
	}
	out, _ := json.Marshal(in) // a map of strings always marshals
	return out, nil
}
