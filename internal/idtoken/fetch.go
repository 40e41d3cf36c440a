package idtoken

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/coreos/go-oidc/v3/oidc"
)

// fetcher is what every issuer of one Verifier shares: the client, the
// clock and the bounds.
type fetcher struct {
	client   *http.Client
	now      func() time.Time
	interval time.Duration
	maxAge   time.Duration
	timeout  time.Duration
}

func newFetcher(cfg Config) *fetcher {
	f := &fetcher{
		now:      cfg.Now,
		interval: orDefault(cfg.RefreshInterval, DefaultRefreshInterval),
		maxAge:   orDefault(cfg.KeysMaxAge, DefaultKeysMaxAge),
		timeout:  orDefault(cfg.FetchTimeout, DefaultFetchTimeout),
	}
	if f.now == nil {
		f.now = time.Now
	}
	f.client = &http.Client{
		Transport:     &boundedAnswer{base: boundHeaders(cfg.Transport)},
		CheckRedirect: checkRedirect,
	}
	return f
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// boundHeaders returns t with answers' headers bounded to
// MaxAnswerHeaderBytes where this package can set it: its own transport,
// or a copy of an *http.Transport that allows more.
func boundHeaders(t http.RoundTripper) http.RoundTripper {
	if t == nil {
		t = ghtransport.NewBase(nil)
	}
	ht, ok := t.(*http.Transport)
	if !ok || ht.MaxResponseHeaderBytes > 0 && ht.MaxResponseHeaderBytes <= MaxAnswerHeaderBytes {
		return t
	}
	ht = ht.Clone()
	ht.MaxResponseHeaderBytes = MaxAnswerHeaderBytes
	return ht
}

// maxRedirects bounds the hops of one fetch.
const maxRedirects = 3

// checkRedirect follows a few redirects, each to an https URL (or http to
// loopback): a redirect must not take the keys off https.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return errRedirects
	}
	if !secureURL(req.URL) {
		return errInsecureRedirect
	}
	return nil
}

// Why a fetch failed, in this package's words: what reaches an error
// never quotes the issuer's answer.
var (
	errRedirects        = errors.New("too many redirects")
	errInsecureRedirect = errors.New("a redirect leaves https")
	errTooBig           = fmt.Errorf("an answer is larger than %d KiB", MaxAnswerBytes>>10)
)

// statusError is an answer other than 200 OK.
type statusError struct{ code int }

func (e *statusError) Error() string { return fmt.Sprintf("it answered HTTP %d", e.code) }

// boundedAnswer reads a whole 200 answer, at most MaxAnswerBytes, inside
// the round trip, so that go-oidc's discovery (which reads bodies without
// a bound) gets a bounded body, and a slow body counts against the
// fetch's timeout. Any other status than 200 is an error here, whose type
// survives go-oidc; a redirect passes on to the client.
type boundedAnswer struct{ base http.RoundTripper }

func (t *boundedAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return resp, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{resp.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxAnswerBytes {
		return nil, errTooBig
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// why says in a few words why a fetch failed: this package's own errors
// by their text, network faults by kind, never a server's bytes. timedOut
// is whether the fetch ran out of time, which some faults do not say.
func why(err error, timedOut bool) string {
	var se *statusError
	var me *oidc.IssuerMismatchError
	var ue *url.Error
	for _, own := range []error{errTooBig, errRedirects, errInsecureRedirect, errBadJWKSURL, errNoJWKSURL, errNotJWKS} {
		if errors.Is(err, own) {
			return own.Error()
		}
	}
	isURL := errors.As(err, &ue)
	switch {
	case errors.As(err, &se):
		return se.Error()
	case errors.As(err, &me):
		return "its discovery document names another issuer (issuers must match exactly, trailing slash included)"
	case timedOut || isURL && ue.Timeout():
		return "timed out"
	case isURL:
		return "could not connect or read its answer"
	}
	return "its answer is not what OpenID Connect discovery describes"
}
