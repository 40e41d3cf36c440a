package serve

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/app-token/app-token/internal/broker"
)

// The door's own refusals, said once.
const (
	headersTooLarge  = "the request's header fields are larger than 32 KiB"
	bodyTooLarge     = "the request's body is larger than 64 KiB"
	saturated        = "the broker is serving as many requests as it may; try again in a second"
	internalError    = "the broker failed; its log says why"
	tookTooLong      = "the exchange took longer than the broker allows; try again"
	missingBearer    = "send the OIDC token as the header Authorization: Bearer TOKEN"
	wrongContentType = "send the body as JSON, with the header Content-Type: application/json"
)

// statusOf is the HTTP status of a broker refusal.
func statusOf(k broker.Kind) int {
	switch k {
	case broker.BadRequest:
		return http.StatusBadRequest
	case broker.BadToken:
		return http.StatusUnauthorized
	case broker.Denied:
		return http.StatusForbidden
	case broker.NoPolicy:
		return http.StatusNotFound
	case broker.RateLimited:
		return http.StatusTooManyRequests
	case broker.GitHubFailed:
		return http.StatusBadGateway
	case broker.IssuerUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// tokenAnswer is a grant as the exchange answers it: octo-sts's `token`,
// and what the token reaches.
type tokenAnswer struct {
	Token          string            `json:"token"`
	ExpiresAt      string            `json:"expires_at"`
	InstallationID int64             `json:"installation_id"`
	AppSlug        string            `json:"app_slug"`
	Permissions    map[string]string `json:"permissions"`
	Repositories   []string          `json:"repositories"`
	// RepositorySelection is GitHub's word: "all" (every repository of the
	// installation; Repositories is empty) or "selected".
	RepositorySelection string `json:"repository_selection"`
}

func answerOf(g *broker.Grant) tokenAnswer {
	a := tokenAnswer{
		Token: g.Token, ExpiresAt: g.ExpiresAt.UTC().Format(time.RFC3339),
		InstallationID: g.InstallationID, AppSlug: g.AppSlug,
		Permissions: g.Permissions, Repositories: g.Repositories, RepositorySelection: "selected",
	}
	if a.Permissions == nil {
		a.Permissions = map[string]string{}
	}
	if a.Repositories == nil {
		a.Repositories = []string{}
	}
	if g.AllRepositories {
		a.RepositorySelection = "all"
	}
	return a
}

// writeJSON answers v as JSON with status. Nothing the broker answers may
// be cached or sniffed as another type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	b, _ := json.Marshal(v) // our own types: cannot fail
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeMessage answers an error: JSON {"message": ...}, as octo-sts does.
func writeMessage(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, struct {
		Message string `json:"message"`
	}{message})
}

func notAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeMessage(w, http.StatusMethodNotAllowed, "use "+allow+" here")
}

// busy answers a request over the concurrency bound.
func busy(w http.ResponseWriter) {
	setRetryAfter(w, time.Second)
	writeMessage(w, http.StatusServiceUnavailable, saturated)
}

// maxRetryAfter bounds Retry-After: GitHub's rate limits reset within the
// hour.
const maxRetryAfter = time.Hour

// setRetryAfter says when to try again, in whole seconds, at least one.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	d = min(d, maxRetryAfter)
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}
