package githubtest

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// GitHub's error texts, as the action's error handling sees them.
const (
	msgNotFound         = "Not Found"
	msgBadCredentials   = "Bad credentials"
	msgJWTUndecodable   = "A JSON web token could not be decoded"
	msgIATInvalid       = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued."
	msgEXPTooFar        = "'Expiration time' claim ('exp') is too far in the future"
	msgEXPInvalid       = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires."
	msgSuspended        = "This installation has been suspended"
	msgRepoInaccessible = "There is at least one repository that does not exist or is not accessible to the parent installation."
	msgPermsNotGranted  = "The permissions requested are not granted to this installation."
	msgTooManyRepos     = "The number of repositories requested exceeds the maximum of 500."
	msgNotAccessible    = "Resource not accessible by integration"
	msgBadJSON          = "Problems parsing JSON"
	docURL              = "https://docs.github.com/rest"
)

type errorBody struct {
	Message          string `json:"message"`
	DocumentationURL string `json:"documentation_url"`
	Status           string `json:"status"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Message: msg, DocumentationURL: docURL, Status: strconv.Itoa(status)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only the emulator's own values reach here
		status, b = http.StatusInternalServerError, []byte(`{"message":"emulator: cannot encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// credential splits an Authorization header into its scheme (lower case) and
// value. Both "Bearer" and "token" schemes are GitHub's.
func credential(h string) (scheme, value string) {
	scheme, value, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok {
		return "", ""
	}
	return strings.ToLower(scheme), strings.TrimSpace(value)
}

// AuthKind classifies an Authorization header value as Request.Auth does:
// "jwt", "token" (an installation token, "ghs_..."), or "none" (missing, or
// a scheme GitHub's API does not take). It lets a caller log which
// credential was used without ever holding on to it.
func AuthKind(h string) string {
	scheme, v := credential(h)
	switch {
	case v == "" || (scheme != "bearer" && scheme != "token"):
		return "none"
	case strings.HasPrefix(v, "ghs_"):
		return "token"
	default:
		return "jwt"
	}
}

type baseKey struct{}

// withBase remembers the API base URL the client used, so URLs in answers
// (access_tokens_url, ...) point back at the same host and prefix.
func withBase(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, baseKey{}, base)
}

func apiBase(r *http.Request) string {
	s, _ := r.Context().Value(baseKey{}).(string)
	return s
}

func baseURL(r *http.Request, prefixed bool) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	b := scheme + "://" + r.Host
	if prefixed {
		b += "/api/v3"
	}
	return b
}
