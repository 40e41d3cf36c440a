package githubtest

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Through a Remote a first request pays TCP's handshake, TLS 1.3's and its
// own round trip; a second on the same connection one round trip; and the
// counters see each request and each connection. Only lower bounds are
// asserted (a busy machine can only add); the figures are logged.
func TestRemoteCostsRoundTrips(t *testing.T) {
	app, _ := keys(t)
	const rtt = 30 * time.Millisecond
	r := StartRemote(t, DefaultConfig(&app.PublicKey), rtt)
	if r.RTT() != rtt {
		t.Errorf("RTT() = %v, want %v", r.RTT(), rtt)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(r.CAPEM) {
		t.Fatal("CAPEM holds no certificate")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS13}}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	get := func() time.Duration {
		t.Helper()
		start := time.Now()
		res, err := client.Get(r.URL + "/users/octocat")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.TLS == nil || res.TLS.Version != tls.VersionTLS13 {
			t.Fatalf("GET /users/octocat: %s over %+v, want 200 over TLS 1.3", res.Status, res.TLS)
		}
		return time.Since(start)
	}
	before := r.Counters()
	fresh, reused := get(), get()
	if got := r.Counters().Sub(before); got.Requests != 2 || got.Conns != 1 || got.Used != 1 || got.Up == 0 || got.Down == 0 {
		t.Errorf("two requests on one connection counted as %+v", got)
	}
	tr.CloseIdleConnections()
	again := get()
	if got := r.Counters().Sub(before); got.Requests != 3 || got.Conns != 2 || got.Used != 2 {
		t.Errorf("a third request on a new connection: counted %+v, want 3 requests on 2 connections", got)
	}
	// A connection opened and shaken hands on but never used is opened,
	// not used.
	c, err := tls.Dial("tcp", strings.TrimPrefix(r.URL, "https://"), &tls.Config{RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := r.Counters().Sub(before); got.Requests != 3 || got.Conns != 3 || got.Used != 2 {
		t.Errorf("after a connection left unused: counted %+v, want 3 requests, 3 connections opened, 2 used", got)
	}
	t.Logf("RTT %v: a request on a new connection %v (%.2f RTT), on the same one %v (%.2f RTT), on another new one %v",
		rtt, fresh, float64(fresh)/float64(rtt), reused, float64(reused)/float64(rtt), again)
	for what, d := range map[string]time.Duration{"on a new connection": fresh, "on another new connection": again} {
		if d < 3*rtt {
			t.Errorf("a request %s took %v, want at least 3 RTT (TCP, TLS, the request): %v", what, d, 3*rtt)
		}
	}
	if reused < rtt {
		t.Errorf("a request on an open connection took %v, want at least the RTT %v", reused, rtt)
	}
}
