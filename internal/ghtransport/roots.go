package ghtransport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
)

// AddRoots makes t trust the PEM certificates in pemCerts in addition to the
// system's roots, for every call and through any proxy (the proxy tunnels;
// the TLS handshake is still with GitHub). A GitHub Enterprise Server behind
// a private CA needs this when the process sees only its image's trust
// store (a container), never its host's or NODE_EXTRA_CA_CERTS. Empty pemCerts
// leaves t as it is. t keeps HTTP/1.1 only (see NewBase).
func AddRoots(t *http.Transport, pemCerts []byte) error {
	return addRoots(t, pemCerts, x509.SystemCertPool)
}

// addRoots is AddRoots with the system's pool read by system, so a test can
// take it away (Linux answers an empty pool, other systems may fail).
func addRoots(t *http.Transport, pemCerts []byte, system func() (*x509.CertPool, error)) error {
	if len(pemCerts) == 0 {
		return nil
	}
	pool, err := system()
	if err != nil || pool == nil {
		// No system pool (an image without one): the given roots alone.
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemCerts) {
		return errors.New("no PEM certificate found")
	}
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{}
	}
	t.TLSClientConfig.RootCAs = pool
	return nil
}
