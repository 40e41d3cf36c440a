package ghtransport

import (
	"net/http"
	"net/url"

	"golang.org/x/net/http/httpproxy"
)

// NewBase returns the innermost transport: a clone of http.DefaultTransport's
// settings whose proxy comes from getenv (https_proxy/HTTPS_PROXY,
// http_proxy/HTTP_PROXY, no_proxy/NO_PROXY, lower case first) with exactly
// Go's rules, via golang.org/x/net/http/httpproxy. net/http reads the
// process environment once and caches it; reading it through getenv lets
// each caller and test choose its own. A nil getenv means no proxy.
//
// The result is a fresh *http.Transport the caller owns: tests may wrap its
// DialContext or set TLSClientConfig to reach a local server under a
// GitHub-like host name (Go never proxies loopback hosts).
func NewBase(getenv func(string) string) *http.Transport {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	cfg := httpproxy.Config{
		HTTPProxy:  firstSet(getenv, "http_proxy", "HTTP_PROXY"),
		HTTPSProxy: firstSet(getenv, "https_proxy", "HTTPS_PROXY"),
		NoProxy:    firstSet(getenv, "no_proxy", "NO_PROXY"),
		CGI:        getenv("REQUEST_METHOD") != "",
	}
	proxyFor := cfg.ProxyFunc()
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = func(req *http.Request) (*url.URL, error) { return proxyFor(req.URL) }
	return t
}

// firstSet mirrors httpproxy.FromEnvironment: the first non-empty name wins.
func firstSet(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}
