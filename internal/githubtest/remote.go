package githubtest

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/nettest"
)

// Remote is the emulator as a runner far from GitHub meets it: over HTTPS
// from a private CA, behind a nettest.Proxy one round-trip time away. A
// client pays what it would for real: TCP's handshake, TLS's, and a round
// trip per request. Counters say what a path cost: requests the emulator
// answered, connections opened, and of those the ones that carried a
// request (a client may open one and leave it unused: Go's transport dials
// for a request, hands it a connection that fell idle meanwhile, and
// keeps the new one).
type Remote struct {
	// Emu is the emulator, for its requests and tokens.
	Emu *Server
	// URL is the API's address through the proxy (https://127.0.0.1:PORT),
	// for GITHUB_API_URL.
	URL string
	// CAPEM is the CA that signed the server's certificate: a client's
	// ca-certificates input, or node's NODE_EXTRA_CA_CERTS file.
	CAPEM []byte

	proxy *nettest.Proxy
	srv   *httptest.Server

	mu     sync.Mutex
	active map[net.Conn]bool // the server's connections that carried a request
	used   int
}

// Counters are a Remote's counts since it started.
type Counters struct {
	Requests int // the emulator answered
	Used     int // connections that carried at least one request
	// Stats are the proxy's: Conns the connections opened, bytes each way.
	nettest.Stats
}

// Sub is c minus an earlier reading: what one run cost.
func (c Counters) Sub(before Counters) Counters {
	return Counters{Requests: c.Requests - before.Requests, Used: c.Used - before.Used, Stats: c.Stats.Sub(before.Stats)}
}

// NewRemote serves an emulator for cfg over TLS behind a proxy rtt away,
// for benchmarks and scripts outside a test. The caller closes it.
func NewRemote(cfg Config, rtt time.Duration) (*Remote, error) {
	return newRemote(New(cfg), rtt)
}

// StartRemote is NewRemote for the rest of tb, with the emulator held to
// the API contract like Start's.
func StartRemote(tb testing.TB, cfg Config, rtt time.Duration) *Remote {
	tb.Helper()
	emu := New(cfg)
	emu.tb = tb
	r, err := newRemote(emu, rtt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(emu.checks.Wait) // after Close: every exchange checked
	tb.Cleanup(r.Close)
	return r
}

func newRemote(emu *Server, rtt time.Duration) (*Remote, error) {
	ca, err := NewPrivateCA("Remote emulator CA")
	if err != nil {
		return nil, err
	}
	r := &Remote{Emu: emu, CAPEM: ca.CertPEM, active: map[net.Conn]bool{}}
	r.srv = httptest.NewUnstartedServer(emu)
	r.srv.Config.ConnState = r.track
	// A connection cut in its handshake is counted (opened, not used), not
	// logged.
	r.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if err := ca.startTLS(r.srv); err != nil {
		r.srv.Close()
		return nil, err
	}
	if r.proxy, err = nettest.New(r.srv.Listener.Addr().String(), rtt); err != nil {
		r.srv.Close()
		return nil, err
	}
	r.URL = (&url.URL{Scheme: "https", Host: r.proxy.Addr()}).String()
	return r, nil
}

// track counts each server connection the first time it carries a request.
func (r *Remote) track(c net.Conn, s http.ConnState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch s {
	case http.StateActive:
		if !r.active[c] {
			r.active[c] = true
			r.used++
		}
	case http.StateClosed, http.StateHijacked:
		delete(r.active, c)
	}
}

// RTT is the round trip between a client and the emulator.
func (r *Remote) RTT() time.Duration { return r.proxy.RTT() }

// Counters reads the counts.
func (r *Remote) Counters() Counters {
	r.Emu.mu.Lock()
	n := len(r.Emu.requests)
	r.Emu.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	return Counters{Requests: n, Used: r.used, Stats: r.proxy.Stats()}
}

// Close cuts every connection and stops the server.
func (r *Remote) Close() {
	r.proxy.Close()
	r.srv.Close()
}
