package ghtransport

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// env turns a map into a getenv.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestNewBaseChoosesProxyByGoRules(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		env     map[string]string
		url     string
		want    string // proxy URL, "" for direct
		wantErr bool
	}{
		{"no environment", nil, "https://api.github.com/app", "", false},
		{"HTTPS_PROXY for https", map[string]string{"HTTPS_PROXY": "http://proxy.corp:3128"}, "https://api.github.com/app", "http://proxy.corp:3128", false},
		{"host:port means http", map[string]string{"HTTPS_PROXY": "proxy.corp:3128"}, "https://api.github.com/app", "http://proxy.corp:3128", false},
		{"HTTPS_PROXY not for http", map[string]string{"HTTPS_PROXY": "http://proxy.corp:3128"}, "http://ghes.corp/api/v3/app", "", false},
		{"HTTP_PROXY for http", map[string]string{"HTTP_PROXY": "http://proxy.corp:8080"}, "http://ghes.corp/api/v3/app", "http://proxy.corp:8080", false},
		{"lower case wins", map[string]string{"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2"}, "https://api.github.com/app", "http://lower:2", false},
		{"NO_PROXY domain covers subdomains", map[string]string{"HTTPS_PROXY": "http://p:1", "NO_PROXY": "github.com"}, "https://api.github.com/app", "", false},
		{"no_proxy leading dot", map[string]string{"HTTPS_PROXY": "http://p:1", "no_proxy": ".github.com"}, "https://api.github.com/app", "", false},
		{"NO_PROXY elsewhere", map[string]string{"HTTPS_PROXY": "http://p:1", "NO_PROXY": "ghes.corp"}, "https://api.github.com/app", "http://p:1", false},
		{"NO_PROXY star", map[string]string{"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, "https://api.github.com/app", "", false},
		{"loopback never proxied", map[string]string{"HTTPS_PROXY": "http://p:1"}, "https://127.0.0.1:8443/app", "", false},
		{"CGI refuses HTTP_PROXY", map[string]string{"HTTP_PROXY": "http://p:1", "REQUEST_METHOD": "GET"}, "http://ghes.corp/app", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := NewBase(env(tc.env))
			req, _ := http.NewRequest("GET", tc.url, nil)
			got, err := base.Proxy(req)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error: %v", err, tc.wantErr)
			}
			if s := urlString(got); s != tc.want {
				t.Errorf("proxy %q, want %q", s, tc.want)
			}
		})
	}
}

func urlString(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.String()
}

func TestNewBaseKeepsDefaultTransportSettings(t *testing.T) {
	t.Parallel()
	base := NewBase(nil)
	def := http.DefaultTransport.(*http.Transport)
	if base == def || base.TLSHandshakeTimeout != def.TLSHandshakeTimeout ||
		base.IdleConnTimeout != def.IdleConnTimeout || base.MaxIdleConns != def.MaxIdleConns ||
		base.ExpectContinueTimeout != def.ExpectContinueTimeout {
		t.Error("want a separate transport with http.DefaultTransport's timeouts and pool")
	}
}

// A server that offers HTTP/2 gets HTTP/1.1 all the same, even from a
// transport a caller gave its own TLS settings: with GODEBUG=http2debug Go's
// HTTP/2 code would print the Authorization header to stderr.
func TestNewBaseSpeaksHTTP1Only(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	for _, force := range []bool{false, true} {
		base := newBase(t)
		base.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
		base.ForceAttemptHTTP2 = force
		req, _ := http.NewRequest("GET", srv.URL, nil)
		resp := roundTrip(t, base, req)
		if got := readBody(t, resp); got != "HTTP/1.1" || resp.Proto != "HTTP/1.1" {
			t.Errorf("ForceAttemptHTTP2=%v: server saw %s, client %s; want HTTP/1.1", force, got, resp.Proto)
		}
	}
}

// Headers past MaxHeaderBytes are refused before any of them is kept.
func TestNewBaseBoundsHeaders(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Padding", strings.Repeat("a", MaxHeaderBytes))
		w.WriteHeader(http.StatusOK)
	})
	req, _ := http.NewRequest("GET", srv.URL, nil)
	if resp, err := newBase(t).RoundTrip(req); err == nil {
		resp.Body.Close()
		t.Fatal("an answer with more than 64 KiB of headers was accepted")
	}
}

// connectProxy is a minimal HTTPS proxy: it records each CONNECT and tunnels
// it to target, whatever host was asked for.
type connectProxy struct {
	target string
	mu     sync.Mutex
	asked  []string
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
		return
	}
	p.mu.Lock()
	p.asked = append(p.asked, r.Host)
	p.mu.Unlock()
	upstream, err := net.Dial("tcp", p.target)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client, buffered, err := w.(http.Hijacker).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	_, _ = io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n")
	tunnel(client, buffered.Reader, upstream)
}

// tunnel copies both ways until either side closes.
func tunnel(client net.Conn, fromClient *bufio.Reader, upstream net.Conn) {
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(upstream, fromClient); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, upstream); done <- struct{}{} }()
	<-done
	client.Close()
	upstream.Close()
	<-done
}

func (p *connectProxy) Asked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...)
}

func TestNewBaseTunnelsThroughHTTPSProxy(t *testing.T) {
	t.Parallel()
	const host = "api.github.test:443"
	cases := []struct {
		name       string
		noProxy    string
		wantAsked  []string
		wantDirect int32
	}{
		{"HTTPS_PROXY set", "", []string{host}, 0},
		{"NO_PROXY covers the host", "github.test", nil, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			github := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "hello from "+r.Host)
			}))
			defer github.Close()
			proxy := &connectProxy{target: github.Listener.Addr().String()}
			proxySrv := httptest.NewServer(proxy)
			defer proxySrv.Close()

			base := NewBase(env(map[string]string{"HTTPS_PROXY": proxySrv.URL, "NO_PROXY": tc.noProxy}))
			defer base.CloseIdleConnections()
			// Trust the test server's certificate, issued for example.com,
			// and map the GitHub-like name to it when dialled directly.
			base.TLSClientConfig = github.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
			base.TLSClientConfig.ServerName = "example.com"
			var direct atomic.Int32
			dial := base.DialContext
			base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				if addr == host {
					direct.Add(1)
					addr = github.Listener.Addr().String()
				}
				return dial(ctx, network, addr)
			}

			req, _ := http.NewRequest("GET", "https://"+host+"/app", nil)
			resp, err := base.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if body := readBody(t, resp); resp.StatusCode != 200 || body != "hello from "+host {
				t.Errorf("status %d body %q, want GitHub's answer", resp.StatusCode, body)
			}
			if got := proxy.Asked(); len(got) != len(tc.wantAsked) || (len(got) > 0 && got[0] != tc.wantAsked[0]) {
				t.Errorf("proxy saw CONNECT %q, want %q", got, tc.wantAsked)
			}
			if got := direct.Load(); got != tc.wantDirect {
				t.Errorf("%d direct dials of %s, want %d", got, host, tc.wantDirect)
			}
		})
	}
}
