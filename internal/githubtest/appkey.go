package githubtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// NewAppKey makes a fresh App key pair: the emulator trusts its public half
// (DefaultConfig(&key.PublicKey)), and the PEM is the private half as GitHub's
// App settings page hands it out (PKCS#1, "BEGIN RSA PRIVATE KEY"), ready to
// pass as the action's private-key input.
func NewAppKey() (*rsa.PrivateKey, string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, "", fmt.Errorf("generate the App key: %w", err)
	}
	return key, KeyPEM(key), nil
}

// KeyPEM encodes key as GitHub hands out App keys (PKCS#1 PEM).
func KeyPEM(key *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}
