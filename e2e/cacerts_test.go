package e2e_test

// ca-certificates: a GitHub Enterprise Server whose certificate comes from
// a private CA that no system trusts.

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
)

// privateCAWorld is a world whose GitHub Enterprise Server answers over
// HTTPS with a certificate from a private CA that no system trusts, and
// the step's ca-certificates input, until a test changes it, holds that CA.
func privateCAWorld(t *testing.T) (*apptest.World, *githubtest.PrivateCA) {
	t.Helper()
	w := apptest.NewWorld(t)
	ca := newCA(t)
	srv, err := ca.ServeTLS(w.Emu, apptest.GHESHost)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	w.With("github-api-url", srv.URL, "ca-certificates", string(ca.CertPEM))
	return w, ca
}

func newCA(t *testing.T) *githubtest.PrivateCA {
	t.Helper()
	ca, err := githubtest.NewPrivateCA("Octo Corp Root CA")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// With the CA in ca-certificates, both phases reach the server: in one
// PEM block, among other certificates, or as a one-line secret with \n.
func TestCACertificatesTrustAPrivateCA(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		value func(own, other []byte) string
	}{
		{"the CA alone", func(own, _ []byte) string { return string(own) }},
		{"after another CA", func(own, other []byte) string { return string(other) + "\n" + string(own) }},
		{"escaped newlines", func(own, _ []byte) string { return strings.ReplaceAll(strings.TrimSpace(string(own)), "\n", `\n`) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, ca := privateCAWorld(t)
			w.With("ca-certificates", tt.value(ca.CertPEM, newCA(t).CertPEM))
			res := w.Main()
			apptest.Succeeded(t, res)
			apptest.Succeeded(t, w.Post(res.State))
			if !w.OnlyToken().Revoked {
				t.Error("post did not revoke the token over the private CA")
			}
			apptest.AssertEnterprisePaths(t, w)
		})
	}
}

// Without the CA, or with another, the step fails on the TLS handshake
// (nothing reaches the server) and says what to do.
func TestUntrustedCASaysWhatToDo(t *testing.T) {
	t.Parallel()
	const hint = "certificate signed by unknown authority: for a server behind a private CA, pass its certificate in `ca-certificates`"
	t.Run("no ca-certificates", func(t *testing.T) {
		w, _ := privateCAWorld(t)
		w.With("ca-certificates", "")
		apptest.FailedWith(t, w.Main(), hint)
		if n := len(w.Emu.Requests()); n != 0 {
			t.Errorf("the server answered %d requests without a trusted handshake", n)
		}
	})
	t.Run("another CA", func(t *testing.T) {
		w, _ := privateCAWorld(t)
		w.With("ca-certificates", string(newCA(t).CertPEM))
		apptest.FailedWith(t, w.Main(), hint, "do not sign it")
	})
	t.Run("post warns", func(t *testing.T) {
		w, _ := privateCAWorld(t)
		res := w.Main()
		apptest.Succeeded(t, res)
		w.With("ca-certificates", "")
		post := w.Post(res.State)
		apptest.Succeeded(t, post)
		warned(t, post, hint)
	})
}

// The CA applies through an HTTPS proxy too: the tunnel ends at the
// server, whose certificate is checked against it.
func TestCACertificatesThroughAProxy(t *testing.T) {
	t.Parallel()
	w, _ := privateCAWorld(t)
	srv := w.Step.With["github-api-url"]
	proxy := apptest.StartProxy(t, map[string]string{apptest.GHESHost + ":443": strings.TrimPrefix(srv, "https://")})
	w.With("github-api-url", "https://"+apptest.GHESHost)
	w.Step.Env["HTTPS_PROXY"] = proxy.URL("")
	res := w.Main()
	apptest.Succeeded(t, res)
	apptest.Tunnelled(t, proxy)
	apptest.Succeeded(t, w.Post(res.State))
	if !w.OnlyToken().Revoked {
		t.Error("token not revoked through the proxy")
	}
}

// Anything but PEM certificates is refused before any call, naming the
// input and never quoting what was pasted.
func TestCACertificatesRefusesOtherText(t *testing.T) {
	t.Parallel()
	keyBlock := strings.TrimSpace(apptest.AppPEM)
	for _, tt := range []struct {
		name, value, want string
		hidden            []string
	}{
		{"not PEM", "not-a-certificate-s3cret", "input ca-certificates holds text that is not a PEM certificate", []string{"s3cret"}},
		{"a private key", keyBlock, "input ca-certificates holds what looks like a private key", nil},
		{"a key among certificates", string(newCA(t).CertPEM) + keyBlock, "input ca-certificates holds what looks like a private key", nil},
		{"a broken certificate", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("garbage")})), "certificate 1 cannot be read", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, _ := privateCAWorld(t)
			w.With("ca-certificates", tt.value)
			res := w.Main()
			apptest.FailedWith(t, res, tt.want)
			for _, h := range tt.hidden {
				if strings.Contains(res.Stdout, h) {
					t.Errorf("the log quotes %q", h)
				}
			}
			if n := len(w.Emu.Requests()); n != 0 {
				t.Errorf("GitHub saw %d requests", n)
			}
		})
	}
}

// ca-certificates adds to the system's roots and never replaces them: with
// the server's CA in the system store (SSL_CERT_FILE) and another CA in the
// input, the step still reaches the server. With no system store at all,
// the input's roots alone are trusted, and the step still works.
func TestCACertificatesAddToTheSystemRoots(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t.Run("system roots kept", func(t *testing.T) {
		t.Parallel()
		w, ca := privateCAWorld(t)
		system := filepath.Join(dir, "system.pem")
		if err := os.WriteFile(system, ca.CertPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		w.Step.Env["SSL_CERT_FILE"], w.Step.Env["SSL_CERT_DIR"] = system, filepath.Join(dir, "none")
		w.With("ca-certificates", string(newCA(t).CertPEM))
		res := w.Main()
		apptest.Succeeded(t, res)
		apptest.Succeeded(t, w.Post(res.State))
		if !w.OnlyToken().Revoked {
			t.Error("post did not revoke the token")
		}
	})
	t.Run("no system pool", func(t *testing.T) {
		t.Parallel()
		w, _ := privateCAWorld(t)
		w.Step.Env["SSL_CERT_FILE"], w.Step.Env["SSL_CERT_DIR"] = filepath.Join(dir, "missing.pem"), filepath.Join(dir, "none")
		res := w.Main()
		apptest.Succeeded(t, res)
		w.With("ca-certificates", "")
		apptest.FailedWith(t, w.Main(), "certificate signed by unknown authority")
	})
}
