package config

import (
	"crypto/x509"
	"strings"
	"testing"
)

// FuzzCACertificates drives Read with any ca-certificates and enterprise
// inputs: it never panics, its error is one line without the secrets it was
// given, accepted certificates all parse, and an accepted enterprise comes
// without repositories.
func FuzzCACertificates(f *testing.F) {
	const cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIBATAKBggqhkjOPQQDAjAvMRIwEAYDVQQKEwlFbXVsYXRv\n-----END CERTIFICATE-----\n"
	f.Add("", "")
	f.Add(cert, "")
	f.Add(cert+"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n", "")
	f.Add(strings.ReplaceAll(cert, "\n", `\n`), "octo-enterprise")
	f.Add("ghs_16C7e42F292c6912E7710c838347Ae178B4a", "evil\n::add-mask::x")
	f.Add("text before "+cert, "-")
	f.Fuzz(func(t *testing.T, certs, enterprise string) {
		in := map[string]string{InClientID: "Iv23liABC", InPrivateKey: "k", InCACertificates: certs, InEnterprise: enterprise}
		c, err := readAll(fakeReader{in, runnerEnv})
		checkError(t, err, certs, enterprise)
		if err != nil {
			return
		}
		if len(c.CACertificates) > 0 {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(c.CACertificates) {
				t.Fatalf("accepted certificates that do not parse")
			}
		}
		if c.Enterprise != "" && (c.Repositories != nil || c.Owner != c.Enterprise || strings.ContainsAny(c.Enterprise, unsafeInLog)) {
			t.Fatalf("enterprise %q accepted with owner %q and repositories %q", c.Enterprise, c.Owner, c.Repositories)
		}
	})
}
