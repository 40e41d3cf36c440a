package githubtest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// ProxiedRequest is one request a PlainProxy received.
type ProxiedRequest struct {
	// URL is the absolute URL asked for, as a client sends it to a proxy.
	URL string
	// Credential tells whether it carried one: an Authorization header,
	// an AWS session token, or an OIDC token in an STS form.
	Credential bool
}

// PlainProxy is what HTTP_PROXY points at in a test of plain http to a
// host that is not loopback (sts.example.com, 127.0.0.1.nip.io): Go sends
// such a request to the proxy, which records it, then passes it on to the
// loopback server the test names for its host. No DNS, no internet, and a
// client that should have refused is seen sending, and even succeeding,
// rather than failing on a name that does not resolve. Go never proxies a
// loopback host, so the servers' own URLs bypass it.
type PlainProxy struct {
	mu       sync.Mutex
	routes   map[string]string // host:port asked for → host:port on loopback
	requests []ProxiedRequest
}

// Rename returns the loopback URL raw with its host replaced by name (the
// port kept), and passes what the proxy is asked for there on to raw's
// server.
func (p *PlainProxy) Rename(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	renamed := net.JoinHostPort(name, u.Port())
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.routes == nil {
		p.routes = map[string]string{}
	}
	p.routes[renamed] = u.Host
	u.Host = renamed
	return u.String()
}

// Requests returns what reached the proxy, in order.
func (p *PlainProxy) Requests() []ProxiedRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ProxiedRequest(nil), p.requests...)
}

func (p *PlainProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))
	p.mu.Lock()
	p.requests = append(p.requests, ProxiedRequest{URL: r.URL.String(),
		Credential: r.Header.Get("Authorization") != "" || r.Header.Get("X-Amz-Security-Token") != "" ||
			strings.Contains(string(body), "WebIdentityToken=")})
	target, ok := p.routes[r.URL.Host]
	p.mu.Unlock()
	if !ok || r.URL.Scheme != "http" {
		http.Error(w, "no route", http.StatusBadGateway)
		return
	}
	(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.URL.Host = target
		pr.Out.Host = r.URL.Host // as the client addressed it (SigV4 signs it)
	}}).ServeHTTP(w, r)
}
