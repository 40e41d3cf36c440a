package githubtest

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/nettest"
)

// Remote is the emulator as a runner far from GitHub meets it: over HTTPS
// from a private CA, behind a nettest.Proxy one round-trip time away. A
// client pays what it would for real: TCP's handshake, TLS's, and a round
// trip per request. Counters say what a path cost: requests the emulator
// answered, connections the proxy accepted.
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
}

// Counters are a Remote's counts since it started.
type Counters struct {
	Requests int // the emulator answered
	nettest.Stats
}

// Sub is c minus an earlier reading: what one run cost.
func (c Counters) Sub(before Counters) Counters {
	return Counters{Requests: c.Requests - before.Requests, Stats: c.Stats.Sub(before.Stats)}
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
	srv, err := ca.ServeTLS(emu)
	if err != nil {
		return nil, err
	}
	p, err := nettest.New(srv.Listener.Addr().String(), rtt)
	if err != nil {
		srv.Close()
		return nil, err
	}
	u := url.URL{Scheme: "https", Host: p.Addr()}
	return &Remote{Emu: emu, URL: u.String(), CAPEM: ca.CertPEM, proxy: p, srv: srv}, nil
}

// RTT is the round trip between a client and the emulator.
func (r *Remote) RTT() time.Duration { return r.proxy.RTT() }

// Counters reads the counts.
func (r *Remote) Counters() Counters {
	r.Emu.mu.Lock()
	n := len(r.Emu.requests)
	r.Emu.mu.Unlock()
	return Counters{Requests: n, Stats: r.proxy.Stats()}
}

// Close cuts every connection and stops the server.
func (r *Remote) Close() {
	r.proxy.Close()
	r.srv.Close()
}
