package config

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"strings"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
	"github.com/app-token/app-token/internal/setting"
)

// readCACertificates reads the ca-certificates input: PEM certificates to
// trust besides the system's roots, for a GitHub Enterprise Server behind a
// private CA (a container action cannot see the runner host's trust store).
// Anything else in it is refused and never quoted: a pasted key has already
// been refused and hidden by checkPassed, but other text may be secret too.
func readCACertificates(s Source, bad *problems) []byte {
	blocks, junk := splitPEM(s.Setting(setting.CACertificates))
	if len(blocks) == 0 && junk == "" {
		return nil
	}
	if junk != "" {
		bad.addf("%s holds text that is not a PEM certificate (not shown): pass only -----BEGIN CERTIFICATE----- blocks, e.g. `%s: ${{ vars.GHES_CA_PEM }}`", setting.Input(setting.CACertificates), setting.CACertificates)
		return nil
	}
	var out bytes.Buffer
	for i, b := range blocks {
		if b.Type != "CERTIFICATE" {
			bad.addf("%s: block %d is not a CERTIFICATE (not shown): pass only the CA's certificates, never a key", setting.Input(setting.CACertificates), i+1)
			return nil
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			bad.addf("%s: certificate %d cannot be read (%s): export the CA certificate again as PEM", setting.Input(setting.CACertificates), i+1, ghtext.Message(err.Error()))
			return nil
		}
		_ = pem.Encode(&out, &pem.Block{Type: b.Type, Bytes: b.Bytes})
	}
	return out.Bytes()
}

// splitPEM splits v into its PEM blocks and whatever non-blank text lies
// around them. A one-line value's literal \n escapes, as a one-line secret
// holds them, are read as newlines.
func splitPEM(v string) (blocks []*pem.Block, junk string) {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "\n") {
		v = strings.ReplaceAll(v, `\n`, "\n")
	}
	var rest strings.Builder
	data := []byte(v)
	for {
		block, next := pem.Decode(data)
		if block == nil {
			rest.Write(data)
			break
		}
		// pem.Decode skips text before the block: keep it as junk.
		if i := bytes.Index(data, []byte("-----BEGIN")); i > 0 {
			rest.Write(data[:i])
		}
		blocks = append(blocks, block)
		data = next
	}
	return blocks, strings.TrimSpace(rest.String())
}

// onlyCertificates reports whether v, the ca-certificates input, holds only
// CERTIFICATE blocks and nothing shaped like a credential around them:
// certificates are public, and look like keys to secret.Looks only because
// they are PEM too. A key pasted among them is still refused.
func onlyCertificates(v string) bool {
	blocks, junk := splitPEM(v)
	for _, b := range blocks {
		if b.Type != "CERTIFICATE" {
			return false
		}
	}
	return !secret.Looks(junk)
}
