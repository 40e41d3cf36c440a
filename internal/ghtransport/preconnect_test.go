package ghtransport

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// Preconnect opens the connection before any request, and the requests
// then use it: one dial, one connection at the server, HTTP/1.1.
func TestPreconnectOpensTheConnectionAhead(t *testing.T) {
	t.Parallel()
	var accepted atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := NewBase(nil)
	tr.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	var dials atomic.Int32
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dial(ctx, network, addr)
	}
	u, _ := url.Parse(srv.URL + "/")
	Preconnect(context.Background(), tr, u)
	for i := 0; accepted.Load() == 0; i++ {
		if i == 500 {
			t.Fatal("no connection opened before the first request")
		}
		time.Sleep(10 * time.Millisecond)
	}
	client := &http.Client{Transport: tr}
	for range 3 {
		resp, err := client.Get(srv.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "HTTP/1.1" || resp.TLS == nil {
			t.Errorf("answered over %q, TLS %v", body, resp.TLS != nil)
		}
	}
	if dials.Load() != 1 || accepted.Load() != 1 {
		t.Errorf("%d dials, %d connections; want the one opened ahead", dials.Load(), accepted.Load())
	}
}

// Through a proxy, or for plain http, nothing is opened ahead: the
// transport stays as it was.
func TestPreconnectLeavesProxiedAndPlainAlone(t *testing.T) {
	t.Parallel()
	proxied := NewBase(func(name string) string {
		if name == "https_proxy" {
			return "http://proxy.example:3128"
		}
		return ""
	})
	Preconnect(context.Background(), proxied, &url.URL{Scheme: "https", Host: "api.github.com"})
	plain := NewBase(nil)
	Preconnect(context.Background(), plain, &url.URL{Scheme: "http", Host: "127.0.0.1:1"})
	if proxied.DialTLSContext != nil || plain.DialTLSContext != nil {
		t.Error("Preconnect changed a transport it must leave alone")
	}
}

// The connection goes to the first dial of its address only, and not once
// it expired.
func TestWarmConnectionIsTakenOnce(t *testing.T) {
	t.Parallel()
	ready := func(c net.Conn) *warm {
		w := &warm{addr: "api.github.com:443", ready: make(chan struct{}), conn: c}
		close(w.ready)
		return w
	}
	a, b := net.Pipe()
	defer b.Close()
	w := ready(a)
	if w.take(context.Background(), "uploads.github.com:443") != nil {
		t.Error("taken by another address")
	}
	if w.take(context.Background(), "api.github.com:443") != a || w.take(context.Background(), "api.github.com:443") != nil {
		t.Error("not taken exactly once")
	}
	c, d := net.Pipe()
	defer d.Close()
	w = ready(c)
	w.expire()
	if w.take(context.Background(), "api.github.com:443") != nil {
		t.Error("taken after it expired")
	}
	if _, err := c.Write([]byte("x")); err == nil {
		t.Error("the expired connection is still open")
	}
}
