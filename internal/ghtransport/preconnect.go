package ghtransport

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// warmLife is how long a connection Preconnect opened waits for its first
// request; past it the connection is closed and the request dials as
// usual, so a server's idle timeout never meets a request on it.
const warmLife = 30 * time.Second

// Preconnect opens t's connection to target's origin now, TCP and TLS, in
// the background, for a caller that must make other calls first: with
// kms-key, the AWS credentials and the KMS signature come before the first
// call to GitHub, and their round trips then cover GitHub's handshakes.
// The first request t dials for that origin takes the connection (waiting
// for the handshake under way rather than starting another); later ones,
// and every other origin, dial as t would. Only a direct https connection
// is opened ahead: through a proxy, or for plain http, t is left as it is.
// A failed handshake is dropped unreported: the request dials again and
// reports its own error. Call it once, before t carries any request (it
// sets t.DialTLSContext); ctx bounds the background dial.
func Preconnect(ctx context.Context, t *http.Transport, target *url.URL) {
	if target == nil || target.Scheme != "https" || t.DialTLSContext != nil || t.DialTLS != nil {
		return
	}
	if t.Proxy != nil {
		if u, err := t.Proxy(&http.Request{URL: target}); err != nil || u != nil {
			return
		}
	}
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	handshake := t.TLSHandshakeTimeout
	// The transport's own TLS, as it would do it: its config (the roots
	// ca-certificates added), the host as server name, HTTP/1.1 offered.
	dialTLS := func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		cfg := &tls.Config{}
		if t.TLSClientConfig != nil {
			cfg = t.TLSClientConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		if len(cfg.NextProtos) == 0 {
			cfg.NextProtos = []string{"http/1.1"}
		}
		if handshake > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, handshake)
			defer cancel()
		}
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tc, nil
	}
	w := &warm{addr: origin(target), ready: make(chan struct{})}
	go w.open(ctx, dialTLS)
	t.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if c := w.take(ctx, addr); c != nil {
			return c, nil
		}
		return dialTLS(ctx, network, addr)
	}
}

// origin is target's host:port, as the transport names the address it
// dials.
func origin(target *url.URL) string {
	port := target.Port()
	if port == "" {
		port = "443"
	}
	return net.JoinHostPort(target.Hostname(), port)
}

// warm is the one connection Preconnect opens: handed to the first dial of
// its address, or closed once warmLife has passed.
type warm struct {
	addr  string
	ready chan struct{} // closed once the handshake ended

	mu    sync.Mutex
	conn  net.Conn
	taken bool // a dial of addr came: later ones dial anew
}

func (w *warm) open(ctx context.Context, dialTLS func(context.Context, string, string) (net.Conn, error)) {
	conn, err := dialTLS(ctx, "tcp", w.addr)
	w.mu.Lock()
	if err == nil {
		w.conn = conn
		time.AfterFunc(warmLife, w.expire)
	}
	w.mu.Unlock()
	close(w.ready)
}

// take returns the connection for the first dial of its address, once its
// handshake is done, or nil: another address, a later dial, a failed or
// expired connection, or ctx ended while waiting.
func (w *warm) take(ctx context.Context, addr string) net.Conn {
	w.mu.Lock()
	first := addr == w.addr && !w.taken
	w.taken = w.taken || first
	w.mu.Unlock()
	if !first {
		return nil
	}
	select {
	case <-w.ready:
	case <-ctx.Done():
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.conn
	w.conn = nil
	return c
}

func (w *warm) expire() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
}
