package ghclient

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
)

// maxRedirects is how many redirects one call follows. GitHub answers one
// (301 or 307) for a renamed or transferred repository.
const maxRedirects = 3

// followRedirects returns the http.Client redirect policy for the API at
// base. The App JWT is signed below the http.Client, so every hop it follows
// is signed again, and the token travels in the request's own header: a hop
// to any other scheme, host or port would hand either to whoever answers
// there. So only the API's own origin is followed; GET and HEAD on any of
// Go's redirect statuses, other methods only on 307 and 308, which keep the
// method and body (Go turns a POST redirected by 301, 302 or 303 into a
// bodiless GET, which the token mint must never become).
func followRedirects(base *url.URL) func(req *http.Request, via []*http.Request) error {
	apiOrigin := origin(base)
	shownAPI := base.Scheme + "://" + base.Host
	return func(req *http.Request, via []*http.Request) error {
		first := via[0]
		call := answerOf{method: first.Method, path: apiPath(base, first.URL)}
		// Where it pointed, without the query, which may carry anything.
		target := ghtext.Message(req.URL.Scheme + "://" + req.URL.Host + req.URL.EscapedPath())
		status := 0
		if req.Response != nil {
			status = req.Response.StatusCode
		}
		switch {
		case origin(req.URL) != apiOrigin:
			return call.bad(BadAnswerError{Problem: RedirectElsewhere, Target: target, Origin: shownAPI})
		case len(via) > maxRedirects:
			return call.bad(BadAnswerError{Problem: TooManyRedirects, Target: target, Limit: maxRedirects})
		case first.Method != http.MethodGet && first.Method != http.MethodHead && status != http.StatusTemporaryRedirect && status != http.StatusPermanentRedirect:
			return call.bad(BadAnswerError{Problem: RedirectDropsBody, Target: target, Status: status})
		}
		return nil
	}
}

// apiPath is u's path below the API base, as errors name a call:
// /repos/octo-org/app/installation.
func apiPath(base, u *url.URL) string {
	return strings.TrimPrefix(u.Path, strings.TrimSuffix(base.Path, "/"))
}

// origin is a URL's scheme, host and port for comparing, with the scheme's
// default port written out so that https://h and https://h:443 are equal.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
