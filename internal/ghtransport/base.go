package ghtransport

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// MaxHeaderBytes bounds the status line and headers of one answer. GitHub's
// are a few KiB; the bound keeps a hostile server from making app-token
// buffer megabytes before a single byte of body.
const MaxHeaderBytes = 64 << 10

// NewBase returns the innermost transport, with http.DefaultTransport's
// timeouts and pool sizes, speaking HTTP/1.1 only, with its proxy taken from
// getenv (https_proxy/HTTPS_PROXY, http_proxy/HTTP_PROXY, no_proxy/NO_PROXY,
// lower case first) by exactly Go's rules, via golang.org/x/net/http/httpproxy.
// net/http reads the process environment once and caches it; reading it
// through getenv lets each caller and test choose its own. A nil getenv means
// no proxy.
//
// HTTP/1.1 only, because GODEBUG=http2debug=1 or 2 (which a workflow's env
// can set for the whole job) makes Go's HTTP/2 code print every request
// header, the App JWT and the token among them, to stderr. GitHub's API
// serves HTTP/1.1 as well, and a run makes a handful of calls.
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
	var http1 http.Protocols
	http1.SetHTTP1(true)
	return &http.Transport{
		Proxy:       func(req *http.Request) (*url.URL, error) { return proxyFor(req.URL) },
		DialContext: (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		Protocols:   &http1,
		// An empty map is net/http's documented switch that keeps HTTP/2
		// off even when a caller sets TLSClientConfig or ForceAttemptHTTP2.
		TLSNextProto:           map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxResponseHeaderBytes: MaxHeaderBytes,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
	}
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
