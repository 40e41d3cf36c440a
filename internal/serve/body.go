package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/app-token/app-token/internal/secret"
)

// Bounds of POST /token's lists: GitHub mints a token for at most 500
// repositories, and knows fewer than 100 permissions.
const (
	maxRepositories = 500
	maxPermissions  = 100
)

// parseBody reads POST /token's body: JSON (by its Content-Type), at most
// MaxBodyBytes, exactly one object with the fields scope and identity, and
// optionally repositories and permissions, each once, spelled exactly so;
// anything else is refused, so that no request means what its sender did
// not write.
func parseBody(w http.ResponseWriter, r *http.Request) (broker.Request, *outcome) {
	media, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if charset, ok := params["charset"]; err != nil || media != "application/json" || ok && !strings.EqualFold(charset, "utf-8") {
		o := refused(http.StatusUnsupportedMediaType, broker.BadRequest.String(), "content_type", wrongContentType, broker.Request{})
		return broker.Request{}, &o
	}
	if r.ContentLength > MaxBodyBytes {
		o := refused(http.StatusRequestEntityTooLarge, "body_too_large", "", bodyTooLarge, broker.Request{})
		return broker.Request{}, &o
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		o := refused(http.StatusRequestEntityTooLarge, "body_too_large", "", bodyTooLarge, broker.Request{})
		return broker.Request{}, &o
	}
	if err != nil {
		return badRequest("body", "the request's body could not be read whole", broker.Request{})
	}
	req, err := decodeTokenRequest(body)
	if err != nil {
		return badRequest("body", err.Error(), req)
	}
	return req, nil
}

// bodyFields names the fields of POST /token's body, for messages.
const bodyFields = "scope, identity, and optionally repositories and permissions"

// decodeTokenRequest reads the body token by token, so that a field given
// twice, a field in another case (encoding/json would take "Scope") or a
// value of another type is refused rather than decided silently.
func decodeTokenRequest(body []byte) (broker.Request, error) {
	var req broker.Request
	if !utf8.Valid(body) {
		return req, errors.New("the body is not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if !delim(dec, '{') {
		return req, errors.New("the body is not a JSON object; send {\"scope\": ..., \"identity\": ...}")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		key, _ := t.(string)
		if err != nil {
			return req, errors.New("the body is not valid JSON")
		}
		if seen[key] {
			return req, fmt.Errorf("the body gives %s twice", secret.Quote(key))
		}
		seen[key] = true
		switch key {
		case "scope":
			req.Scope, err = stringValue(dec, key)
		case "identity":
			req.Identity, err = stringValue(dec, key)
		case "repositories":
			req.Repositories, err = stringList(dec)
		case "permissions":
			req.Permissions, err = permissionSet(dec)
		default:
			return req, fmt.Errorf("the body has a field %s this broker does not know; it takes %s", secret.Quote(key), bodyFields)
		}
		if err != nil {
			return req, err
		}
	}
	if !delim(dec, '}') {
		return req, errors.New("the body is not valid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, errors.New("the body holds more than one JSON value; send one object")
	}
	if req.Scope == "" || req.Identity == "" {
		return req, fmt.Errorf("the body needs scope (OWNER/REPO or OWNER) and identity (the trust policy's name); it takes %s", bodyFields)
	}
	return req, nil
}

// delim reads the next token and reports whether it is d.
func delim(dec *json.Decoder, d json.Delim) bool {
	t, err := dec.Token()
	return err == nil && t == d
}

// stringValue reads a string or null (as "").
func stringValue(dec *json.Decoder, key string) (string, error) {
	t, err := dec.Token()
	if s, ok := t.(string); ok && err == nil {
		return s, nil
	}
	if t == nil && err == nil {
		return "", nil
	}
	return "", fmt.Errorf("%s must be a string", key)
}

// stringList reads repositories: a list of names, or null.
func stringList(dec *json.Decoder) ([]string, error) {
	errList := fmt.Errorf("repositories must be a list of at most %d repository names", maxRepositories)
	t, err := dec.Token()
	if t == nil && err == nil {
		return nil, nil
	}
	if err != nil || t != json.Delim('[') {
		return nil, errList
	}
	var out []string
	for dec.More() {
		t, err := dec.Token()
		s, ok := t.(string)
		if err != nil || !ok || len(out) == maxRepositories {
			return nil, errList
		}
		out = append(out, s)
	}
	if !delim(dec, ']') {
		return nil, errList
	}
	return out, nil
}

// permissionSet reads permissions: an object of name → level strings, each
// name once, or null.
func permissionSet(dec *json.Decoder) (permissions.Set, error) {
	errSet := fmt.Errorf("permissions must be an object of at most %d permission names and levels, such as {\"contents\": \"read\"}", maxPermissions)
	t, err := dec.Token()
	if t == nil && err == nil {
		return nil, nil
	}
	if err != nil || t != json.Delim('{') {
		return nil, errSet
	}
	out := permissions.Set{}
	for dec.More() {
		k, err1 := dec.Token()
		v, err2 := dec.Token()
		name, ok1 := k.(string)
		level, ok2 := v.(string)
		if err1 != nil || err2 != nil || !ok1 || !ok2 || len(out) == maxPermissions {
			return nil, errSet
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("permissions gives %s twice", secret.Quote(name))
		}
		out[name] = level
	}
	if !delim(dec, '}') {
		return nil, errSet
	}
	return out, nil
}
