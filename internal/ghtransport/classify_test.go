package ghtransport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
)

func TestTransientError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"EOF", io.EOF, true},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"temporary DNS failure", &net.DNSError{Err: "server misbehaving", Name: "api.github.com", IsTemporary: true}, true},
		{"unknown host", &net.DNSError{Err: "no such host", Name: "ghes.invalid", IsNotFound: true}, false},
		{"unknown certificate authority", fmt.Errorf("tls: %w", x509.UnknownAuthorityError{}), false},
		{"certificate for another name", x509.HostnameError{Host: "api.github.com"}, false},
		{"our own failure", &permanentError{errors.New("sign App JWT: bad key")}, false},
	}
	for _, tc := range cases {
		if got := transientError(tc.err); got != tc.want {
			t.Errorf("%s: transientError = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRetryFailsFastOnAnUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	srv.StartTLS()
	defer srv.Close()
	clock := newFakeClock()
	rt := newRetry(t, clock, &lines{}, Policy{}) // its base does not trust the test certificate

	_, err := rt.RoundTrip(request(t, context.Background(), "GET", srv.URL+"/app", ""))
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Fatalf("error %v, want a certificate error", err)
	}
	if conns.Load() != 1 || len(clock.Slept()) != 0 {
		t.Errorf("%d connections and %d waits, want 1 and none", conns.Load(), len(clock.Slept()))
	}
}
