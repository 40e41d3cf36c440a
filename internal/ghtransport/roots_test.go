package ghtransport

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
)

// The given roots are added to the system's, never in their place; with no
// system pool they are trusted alone; no certificates leave t as it is.
func TestAddRoots(t *testing.T) {
	t.Parallel()
	mine, err := githubtest.NewPrivateCA("mine")
	if err != nil {
		t.Fatal(err)
	}
	systemCA, err := githubtest.NewPrivateCA("system")
	if err != nil {
		t.Fatal(err)
	}
	subject := func(pemCert []byte) string {
		b, _ := pem.Decode(pemCert)
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return string(c.RawSubject)
	}
	system := func() (*x509.CertPool, error) {
		p := x509.NewCertPool()
		p.AppendCertsFromPEM(systemCA.CertPEM)
		return p, nil
	}
	for _, tc := range []struct {
		name   string
		system func() (*x509.CertPool, error)
		want   []string
	}{
		{"added to the system's", system, []string{subject(systemCA.CertPEM), subject(mine.CertPEM)}},
		{"no system pool", func() (*x509.CertPool, error) { return nil, errors.New("none") }, []string{subject(mine.CertPEM)}},
		{"nil system pool", func() (*x509.CertPool, error) { return nil, nil }, []string{subject(mine.CertPEM)}},
	} {
		tr := &http.Transport{}
		if err := addRoots(tr, mine.CertPEM, tc.system); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		//lint:ignore SA1019 the pool holds only certificates this test made
		got := tr.TLSClientConfig.RootCAs.Subjects() //nolint:staticcheck
		var gotS []string
		for _, s := range got {
			gotS = append(gotS, string(s))
		}
		slices.Sort(gotS)
		slices.Sort(tc.want)
		if !slices.Equal(gotS, tc.want) {
			t.Errorf("%s: %d roots, want %d", tc.name, len(gotS), len(tc.want))
		}
	}
	tr := &http.Transport{}
	if err := addRoots(tr, nil, system); err != nil || tr.TLSClientConfig != nil {
		t.Errorf("no certificates changed the transport: %v", err)
	}
	if err := addRoots(tr, []byte("not a certificate"), system); err == nil {
		t.Errorf("text that is no certificate was taken")
	}
}
