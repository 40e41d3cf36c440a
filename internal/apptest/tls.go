package apptest

// The network paths to GitHub the tests take: a GitHub Enterprise Server
// over TLS, reached by its name or its address, and an HTTPS proxy as
// corporate networks run one.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
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

	"github.com/app-token/app-token/internal/ghtransport"
)

// GHESHost is the GitHub Enterprise Server the TLS tests reach. The .invalid
// top-level domain never resolves, so a direct dial cannot leave the
// machine, whatever its DNS; only a proxy or a test's dialer gets there.
const GHESHost = "ghes.invalid"

// TLSGitHub serves a world's emulator over TLS with a certificate for
// GHESHost and 127.0.0.1, as a GitHub Enterprise Server would.
type TLSGitHub struct {
	Srv *httptest.Server
	// CertFile holds the certificate in PEM, for the binary's SSL_CERT_FILE.
	CertFile string
	roots    *x509.CertPool
}

// ServeTLS serves w's emulator over TLS, as GHESHost would.
func ServeTLS(t *testing.T, w *World) *TLSGitHub {
	t.Helper()
	return ServeTLSWith(t, w, nil)
}

// ServeTLSWith is ServeTLS with a chance to change the server (offer
// HTTP/2, wrap its handler) before it starts.
func ServeTLSWith(t *testing.T, w *World, edit func(*httptest.Server)) *TLSGitHub {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: GHESHost},
		DNSNames:              []string{GHESHost},
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
	srv := httptest.NewUnstartedServer(w.Emu)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	if edit != nil {
		edit(srv)
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return &TLSGitHub{Srv: srv, CertFile: certFile, roots: roots}
}

// Addr is where the TLS emulator listens.
func (g *TLSGitHub) Addr() string { return g.Srv.Listener.Addr().String() }

// Base is the action's own innermost transport for getenv, trusting the
// emulator's certificate and dialling it for GHESHost:port. It counts
// those direct dials.
func (g *TLSGitHub) Base(getenv func(string) string, port string, direct *atomic.Int32) *http.Transport {
	base := ghtransport.NewBase(getenv)
	base.TLSClientConfig = &tls.Config{RootCAs: g.roots}
	dial := base.DialContext
	base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == net.JoinHostPort(GHESHost, port) {
			direct.Add(1)
			addr = g.Addr()
		}
		return dial(ctx, network, addr)
	}
	return base
}

// ConnectProxy is an HTTPS proxy as corporate networks run one: it answers
// CONNECT host:port with a tunnel to where routes say that host lives, and
// 403 to anything else, and records what it was asked.
type ConnectProxy struct {
	ln     net.Listener
	routes map[string]string
	wg     sync.WaitGroup

	mu    sync.Mutex
	asked []string // CONNECT targets, in order
	auth  []string // their Proxy-Authorization values
	conns []net.Conn
}

// StartProxy starts a ConnectProxy on loopback that tunnels each
// host:port of routes to the address it names; it stops with the test.
func StartProxy(t *testing.T, routes map[string]string) *ConnectProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &ConnectProxy{ln: ln, routes: routes}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// URL is the proxy's address as HTTPS_PROXY names it, with optional user info.
func (p *ConnectProxy) URL(userinfo string) string {
	if userinfo != "" {
		userinfo += "@"
	}
	return "http://" + userinfo + p.ln.Addr().String()
}

func (p *ConnectProxy) serve() {
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

func (p *ConnectProxy) handle(client net.Conn) {
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

func (p *ConnectProxy) track(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns = append(p.conns, c)
}

// close stops the proxy and ends every tunnel.
func (p *ConnectProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Seen returns the CONNECT targets and Proxy-Authorization values so far.
func (p *ConnectProxy) Seen() (asked, auth []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...), append([]string(nil), p.auth...)
}

// Tunnelled fails the test unless every CONNECT asked for GHESHost:443 and
// there was at least one.
func Tunnelled(t *testing.T, p *ConnectProxy) {
	t.Helper()
	asked, _ := p.Seen()
	if len(asked) == 0 {
		t.Fatal("the proxy saw no CONNECT")
	}
	for _, a := range asked {
		if a != GHESHost+":443" {
			t.Errorf("proxy asked for %q, want %s:443", a, GHESHost)
		}
	}
}

// ProxiedWorld is a world whose GitHub is GHESHost over TLS, reachable for
// the built binary only through an HTTPS proxy that trusts nothing else.
func ProxiedWorld(t *testing.T) (*World, *TLSGitHub, *ConnectProxy) {
	t.Helper()
	w := NewWorld(t).With("github-api-url", "https://"+GHESHost)
	gh := ServeTLS(t, w)
	proxy := StartProxy(t, map[string]string{GHESHost + ":443": gh.Addr()})
	w.Step.Env["SSL_CERT_FILE"] = gh.CertFile
	return w, gh, proxy
}

// AssertEnterprisePaths checks a whole token life reached GitHub, under /api/v3/.
func AssertEnterprisePaths(t *testing.T, w *World) {
	t.Helper()
	if !w.OnlyToken().Revoked {
		t.Error("token not revoked")
	}
	for _, r := range w.Emu.Requests() {
		if !strings.HasPrefix(r.FullPath, "/api/v3/") {
			t.Errorf("request to %s, want under /api/v3/", r.FullPath)
		}
	}
}
