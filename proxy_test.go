package main

// The network paths to GitHub: HTTPS proxies (HTTPS_PROXY, NO_PROXY, read
// exactly as Go reads them, with no switch of the action's own), GitHub
// Enterprise Server URLs over TLS, and plain http only for loopback.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/action"
	appenv "github.com/app-token/app-token/internal/env"
	"github.com/app-token/app-token/internal/ghtransport"
)

// ghesHost is the GitHub Enterprise Server the TLS tests reach. The .invalid
// top-level domain never resolves, so a direct dial cannot leave the
// machine, whatever its DNS; only a proxy or a test's dialer gets there.
const ghesHost = "ghes.invalid"

// tlsGitHub serves a world's emulator over TLS with a certificate for
// ghesHost and 127.0.0.1, as a GitHub Enterprise Server would.
type tlsGitHub struct {
	srv *httptest.Server
	// certFile holds the certificate in PEM, for the binary's SSL_CERT_FILE.
	certFile string
	roots    *x509.CertPool
}

func serveTLS(t *testing.T, w *world) *tlsGitHub {
	t.Helper()
	return serveTLSWith(t, w, nil)
}

// serveTLSWith is serveTLS with a chance to change the server (offer
// HTTP/2, wrap its handler) before it starts.
func serveTLSWith(t *testing.T, w *world, edit func(*httptest.Server)) *tlsGitHub {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: ghesHost},
		DNSNames:              []string{ghesHost},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(t.TempDir(), "ghes.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(w.emu)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	if edit != nil {
		edit(srv)
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &tlsGitHub{srv: srv, certFile: certFile, roots: roots}
}

// addr is where the TLS emulator listens.
func (g *tlsGitHub) addr() string { return g.srv.Listener.Addr().String() }

// base is the action's own innermost transport for getenv, trusting the
// emulator's certificate and dialling it for ghesHost:port. It counts
// those direct dials.
func (g *tlsGitHub) base(getenv func(string) string, port string, direct *atomic.Int32) *http.Transport {
	base := ghtransport.NewBase(getenv)
	base.TLSClientConfig = &tls.Config{RootCAs: g.roots}
	dial := base.DialContext
	base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == net.JoinHostPort(ghesHost, port) {
			direct.Add(1)
			addr = g.addr()
		}
		return dial(ctx, network, addr)
	}
	return base
}

// connectProxy is an HTTPS proxy as corporate networks run one: it answers
// CONNECT host:port with a tunnel to where routes say that host lives, and
// 403 to anything else, and records what it was asked.
type connectProxy struct {
	ln     net.Listener
	routes map[string]string
	wg     sync.WaitGroup

	mu    sync.Mutex
	asked []string // CONNECT targets, in order
	auth  []string // their Proxy-Authorization values
	conns []net.Conn
}

func startProxy(t *testing.T, routes map[string]string) *connectProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{ln: ln, routes: routes}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// url is the proxy's address as HTTPS_PROXY names it, with optional user info.
func (p *connectProxy) url(userinfo string) string {
	if userinfo != "" {
		userinfo += "@"
	}
	return "http://" + userinfo + p.ln.Addr().String()
}

func (p *connectProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.track(c)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c)
		}()
	}
}

func (p *connectProxy) handle(client net.Conn) {
	defer client.Close()
	br := bufio.NewReader(client)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	p.mu.Lock()
	p.asked = append(p.asked, req.Host)
	p.auth = append(p.auth, req.Header.Get("Proxy-Authorization"))
	p.mu.Unlock()
	target, ok := p.routes[req.Host]
	if req.Method != http.MethodConnect || !ok {
		_, _ = io.WriteString(client, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
		return
	}
	upstream, err := net.Dial("tcp", target)
	if err != nil {
		_, _ = io.WriteString(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	p.track(upstream)
	defer upstream.Close()
	_, _ = io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n")
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_, _ = io.Copy(upstream, br)
		upstream.Close()
	}()
	_, _ = io.Copy(client, upstream)
}

func (p *connectProxy) track(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns = append(p.conns, c)
}

// close stops the proxy and ends every tunnel.
func (p *connectProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// seen returns the CONNECT targets and Proxy-Authorization values so far.
func (p *connectProxy) seen() (asked, auth []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...), append([]string(nil), p.auth...)
}

// tunnelled fails the test unless every CONNECT asked for ghesHost:443 and
// there was at least one.
func tunnelled(t *testing.T, p *connectProxy) {
	t.Helper()
	asked, _ := p.seen()
	if len(asked) == 0 {
		t.Fatal("the proxy saw no CONNECT")
	}
	for _, a := range asked {
		if a != ghesHost+":443" {
			t.Errorf("proxy asked for %q, want %s:443", a, ghesHost)
		}
	}
}

// proxiedWorld is a world whose GitHub is ghesHost over TLS, reachable for
// the built binary only through an HTTPS proxy that trusts nothing else.
func proxiedWorld(t *testing.T) (*world, *tlsGitHub, *connectProxy) {
	t.Helper()
	w := newWorld(t).with("github-api-url", "https://"+ghesHost)
	gh := serveTLS(t, w)
	proxy := startProxy(t, map[string]string{ghesHost + ":443": gh.addr()})
	w.step.Env["SSL_CERT_FILE"] = gh.certFile
	return w, gh, proxy
}

// The built binary honours HTTPS_PROXY like any Go program: every call of
// both phases goes through the proxy's CONNECT tunnel, and the proxy's
// credentials are sent to it and never shown.
func TestHTTPSProxyCarriesEveryCall(t *testing.T) {
	t.Parallel()
	const password = "pr0xy-pa55word"
	for _, tt := range []struct {
		name, env, userinfo string
	}{
		{"HTTPS_PROXY", "HTTPS_PROXY", ""},
		{"https_proxy", "https_proxy", ""},
		{"with credentials", "HTTPS_PROXY", "builder:" + password},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, _, proxy := proxiedWorld(t)
			w.step.Env[tt.env] = proxy.url(tt.userinfo)
			w.secrets = append(w.secrets, password)
			res := w.main()
			succeeded(t, res)
			if len(res.Warnings) != 0 {
				t.Errorf("warnings over https: %q", res.Warnings)
			}
			tunnelled(t, proxy)
			asked, _ := proxy.seen()
			succeeded(t, w.post(res.State))
			if now, _ := proxy.seen(); len(now) == len(asked) {
				t.Error("the post phase did not go through the proxy")
			}
			tunnelled(t, proxy)
			tok := w.onlyToken()
			if res.Outputs["token"] != tok.Token || !tok.Revoked {
				t.Errorf("token minted %v, revoked %v", res.Outputs["token"] == tok.Token, tok.Revoked)
			}
			for _, r := range w.emu.Requests() {
				if !strings.HasPrefix(r.FullPath, "/api/v3/") {
					t.Errorf("request to %s, want under /api/v3/", r.FullPath)
				}
			}
			if tt.userinfo != "" {
				want := "Basic " + base64.StdEncoding.EncodeToString([]byte(tt.userinfo))
				if _, auth := proxy.seen(); auth[0] != want {
					t.Errorf("Proxy-Authorization = %q, want the credentials from HTTPS_PROXY", auth[0])
				}
			}
		})
	}
}

// NO_PROXY naming GitHub's host sends the built binary straight to it, past
// the proxy. Here the host does not resolve, so the step fails with the
// clear could-not-reach error, and the proxy saw nothing.
func TestNoProxyGoesDirect(t *testing.T) {
	t.Parallel()
	for _, noProxy := range []string{ghesHost, ".invalid", "*"} {
		t.Run(noProxy, func(t *testing.T) {
			w, _, proxy := proxiedWorld(t)
			// One try: a machine without DNS at all makes the lookup a
			// temporary error, which would be retried for real.
			w.with("retry-attempts", "1")
			w.step.Env["HTTPS_PROXY"] = proxy.url("")
			w.step.Env["NO_PROXY"] = noProxy
			res := w.main()
			failedWith(t, res, "could not reach GitHub at https://"+ghesHost+"/api/v3/", "HTTPS_PROXY, NO_PROXY")
			if asked, _ := proxy.seen(); len(asked) != 0 {
				t.Errorf("proxy saw %q despite NO_PROXY", asked)
			}
			if n := len(w.emu.Requests()); n != 0 {
				t.Errorf("GitHub saw %d requests", n)
			}
		})
	}
}

// A proxy that refuses the tunnel fails the step with the could-not-reach
// error, and the credentials in HTTPS_PROXY appear nowhere.
func TestRefusingProxyKeepsItsCredentials(t *testing.T) {
	t.Parallel()
	const password = "pr0xy-pa55word"
	w := newWorld(t).with("github-api-url", "https://"+ghesHost, "retry-attempts", "1")
	proxy := startProxy(t, nil)
	w.step.Env["HTTPS_PROXY"] = proxy.url("builder:" + password)
	w.secrets = append(w.secrets, password)
	res := w.main()
	failedWith(t, res, "could not reach GitHub at https://"+ghesHost+"/api/v3/", "Forbidden")
	if asked, auth := proxy.seen(); len(asked) != 1 || !strings.HasPrefix(auth[0], "Basic ") {
		t.Errorf("proxy saw CONNECT %q with authorization %v, want one with credentials", asked, len(auth) > 0 && auth[0] != "")
	}
}

// In process, with Deps.Base = ghtransport.NewBase(getenv) and a dialer
// that reaches ghesHost: every proxy variable is read exactly as Go reads
// it, so the action either tunnels through the proxy or goes direct, and
// succeeds both ways.
func TestProxyEnvironmentAsGoReadsIt(t *testing.T) {
	t.Parallel()
	const viaProxy = "PROXY" // stands for the test proxy's URL
	for _, tt := range []struct {
		name    string
		env     map[string]string
		proxied bool
	}{
		{"HTTPS_PROXY", map[string]string{"HTTPS_PROXY": viaProxy}, true},
		{"https_proxy", map[string]string{"https_proxy": viaProxy}, true},
		{"lower case wins", map[string]string{"https_proxy": viaProxy, "HTTPS_PROXY": "http://127.0.0.1:1"}, true},
		{"NO_PROXY elsewhere", map[string]string{"HTTPS_PROXY": viaProxy, "NO_PROXY": "github.com,10.0.0.0/8"}, true},
		{"NO_PROXY names the host", map[string]string{"HTTPS_PROXY": viaProxy, "NO_PROXY": ghesHost}, false},
		{"no_proxy with the port", map[string]string{"HTTPS_PROXY": viaProxy, "no_proxy": ghesHost + ":443"}, false},
		{"NO_PROXY parent domain", map[string]string{"HTTPS_PROXY": viaProxy, "NO_PROXY": "invalid"}, false},
		{"NO_PROXY star", map[string]string{"HTTPS_PROXY": viaProxy, "NO_PROXY": "*"}, false},
		{"HTTP_PROXY is for http only", map[string]string{"HTTP_PROXY": viaProxy}, false},
		{"ALL_PROXY is not Go's", map[string]string{"ALL_PROXY": viaProxy}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t).with("github-api-url", "https://"+ghesHost)
			gh := serveTLS(t, w)
			proxy := startProxy(t, map[string]string{ghesHost + ":443": gh.addr()})
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = strings.ReplaceAll(v, viaProxy, proxy.url(""))
				w.step.Env[k] = env[k]
			}
			var direct atomic.Int32
			base := gh.base(func(k string) string { return env[k] }, "443", &direct)
			t.Cleanup(base.CloseIdleConnections)
			res := w.inProcess(action.Main, action.Deps{Env: appenv.Env{Base: base, Sleep: noSleep(t)}}, nil)
			succeeded(t, res)
			if res.Outputs["token"] != w.onlyToken().Token {
				t.Error("no token minted")
			}
			asked, _ := proxy.seen()
			if tt.proxied {
				tunnelled(t, proxy)
				if direct.Load() != 0 {
					t.Errorf("%d direct dials besides the proxy", direct.Load())
				}
				return
			}
			if len(asked) != 0 || direct.Load() == 0 {
				t.Errorf("proxy saw %q, %d direct dials; want direct only", asked, direct.Load())
			}
		})
	}
}

// GitHub Enterprise Server over TLS: the API URL with or without /api/v3,
// with or without a trailing slash, on a custom port, by address (the
// built binary, trusting the server through SSL_CERT_FILE) or by name (in
// process), always reaches the same endpoints on that port.
func TestEnterpriseServerOverTLS(t *testing.T) {
	t.Parallel()
	for _, suffix := range []string{"", "/", "/api/v3", "/api/v3/"} {
		t.Run("binary"+suffix, func(t *testing.T) {
			w := newWorld(t)
			gh := serveTLS(t, w)
			w.with("github-api-url", gh.srv.URL+suffix)
			w.step.Env["SSL_CERT_FILE"] = gh.certFile
			res := w.main()
			succeeded(t, res)
			if len(res.Warnings) != 0 {
				t.Errorf("warnings over https: %q", res.Warnings)
			}
			succeeded(t, w.post(res.State))
			assertEnterprisePaths(t, w)
		})
		t.Run("by name"+suffix, func(t *testing.T) {
			w := newWorld(t).with("github-api-url", "https://"+ghesHost+":8443"+suffix)
			gh := serveTLS(t, w)
			var direct atomic.Int32
			base := gh.base(nil, "8443", &direct)
			t.Cleanup(base.CloseIdleConnections)
			res := w.inProcess(action.Main, action.Deps{Env: appenv.Env{Base: base, Sleep: noSleep(t)}}, nil)
			succeeded(t, res)
			succeeded(t, w.inProcess(action.Post, action.Deps{Env: appenv.Env{Base: base, Sleep: noSleep(t)}}, res.State))
			if direct.Load() == 0 {
				t.Errorf("nothing dialled %s:8443", ghesHost)
			}
			assertEnterprisePaths(t, w)
		})
	}
}

// assertEnterprisePaths checks a whole token life reached GitHub, under /api/v3/.
func assertEnterprisePaths(t *testing.T, w *world) {
	t.Helper()
	if !w.onlyToken().Revoked {
		t.Error("token not revoked")
	}
	for _, r := range w.emu.Requests() {
		if !strings.HasPrefix(r.FullPath, "/api/v3/") {
			t.Errorf("request to %s, want under /api/v3/", r.FullPath)
		}
	}
}

// Plain http is allowed only to a loopback host, with a warning: elsewhere
// the App JWT and the token would cross the network in clear text, and the
// step fails before any call.
func TestPlainHTTPOnlyForLoopback(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		url  func(port string) string
		ok   bool
	}{
		{"127.0.0.1", func(port string) string { return "http://127.0.0.1:" + port }, true},
		{"localhost", func(port string) string { return "http://localhost:" + port + "/api/v3" }, true},
		{"remote host", func(string) string { return "http://" + ghesHost + "/api/v3" }, false},
		{"loopback-looking name", func(port string) string { return "http://127.0.0.1.nip.io:" + port }, false},
		{"localhost as a subdomain", func(port string) string { return "http://localhost." + ghesHost + ":" + port }, false},
		{"IPv4-mapped loopback", func(port string) string { return "http://[::ffff:127.0.0.1]:" + port }, true},
		{"localhost with the root's dot", func(port string) string { return "http://localhost.:" + port }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			_, port, _ := net.SplitHostPort(w.srv.Listener.Addr().String())
			w.with("github-api-url", tt.url(port))
			res := w.inProcess(action.Main, action.Deps{Env: appenv.Env{Sleep: noSleep(t)}}, nil)
			if !tt.ok {
				failedWith(t, res, "uses plain http", "use https")
				if n := len(w.emu.Requests()); n != 0 {
					t.Errorf("GitHub saw %d requests over plain http", n)
				}
				return
			}
			succeeded(t, res)
			if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "plain http to a loopback host") {
				t.Errorf("warnings = %q, want the plain-http warning", res.Warnings)
			}
		})
	}
}
