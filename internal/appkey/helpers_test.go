package appkey

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
)

// The 2048-bit key every test shares: generating one takes long enough to do it once per binary.
var (
	testKeyOnce sync.Once
	testKeyVal  *rsa.PrivateKey
	testKeyErr  error
)

func testKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	testKeyOnce.Do(func() { testKeyVal, testKeyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if testKeyErr != nil {
		tb.Fatalf("generate test key: %v", testKeyErr)
	}
	return testKeyVal
}

func pemPKCS1(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: labelPKCS1, Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

func pemPKCS8(tb testing.TB, k any) string {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		tb.Fatalf("marshal PKCS#8: %v", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: labelPKCS8, Bytes: der}))
}

// bodyOf returns the base64 lines between a clean PEM's BEGIN and END lines.
func bodyOf(pemText string) []string {
	lines := strings.Split(strings.TrimSpace(pemText), "\n")
	return lines[1 : len(lines)-1]
}

// wrapLines breaks s into lines of n characters, as base64(1) and PEM writers do.
func wrapLines(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}

// weakKey builds a valid 512-bit RSA key by hand; crypto/rsa no longer generates keys that small.
func weakKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	for {
		p, err1 := rand.Prime(rand.Reader, 256)
		q, err2 := rand.Prime(rand.Reader, 256)
		if err1 != nil || err2 != nil {
			tb.Fatalf("generate primes: %v %v", err1, err2)
		}
		one := big.NewInt(1)
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(big.NewInt(65537), phi)
		if d == nil || p.Cmp(q) == 0 {
			continue
		}
		k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 65537}, D: d, Primes: []*big.Int{p, q}}
		if k.Validate() == nil {
			return k
		}
	}
}

// allParseErrors is every error Parse may return. Parse hands back these values themselves, never
// a wrapped or formatted copy, so an error's text is one of these fixed messages and cannot carry
// any part of the input.
var allParseErrors = []error{
	errEmpty, errTooLong, errOpenSSH, errEC, errEd25519, errOtherAlgorithm, errWeakKey, errPublicKey,
	errSSHPublicKey, errCertificate, errPGP, errEncrypted, errClientSecret, errToken, errDamaged,
	errBodyOnly, errOtherPEM, errNotPEM,
}

// assertParseError checks the promises every Parse error keeps: it is one of the fixed errors,
// matches ErrInvalidKey, names the input, and shares no 8-character window with the input apart
// from windows of allowed (public text such as PEM armour, which the messages quote on purpose).
func assertParseError(t *testing.T, input string, err error, allowed string) {
	t.Helper()
	known := false
	for _, e := range allParseErrors {
		known = known || err == e
	}
	if !known {
		t.Errorf("Parse returned an error outside the fixed set: %q", err)
	}
	if !errors.Is(err, ErrInvalidKey) {
		t.Errorf("error does not match ErrInvalidKey: %q", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "private-key ") {
		t.Errorf("error does not start with %q: %q", "private-key ", msg)
	}
	for i := 0; i+8 <= len(input); i++ {
		w := input[i : i+8]
		if strings.Contains(msg, w) && !strings.Contains(allowed, w) {
			t.Errorf("error contains the input's bytes %d..%d: %q", i, i+8, msg)
			return
		}
	}
}
