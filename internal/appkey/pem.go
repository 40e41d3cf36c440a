package appkey

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"slices"
	"strings"
)

const (
	pemBegin  = "-----BEGIN "
	pemEnd    = "-----END "
	pemDashes = "-----"

	labelPKCS1 = "RSA PRIVATE KEY"
	labelPKCS8 = "PRIVATE KEY"

	// pemLineLen is the body line length of PEM files, GitHub's among them.
	pemLineLen = 64

	// maxLabelLen is longer than any PEM label in use ("SSH2 ENCRYPTED PRIVATE KEY").
	maxLabelLen = 40
)

// block is the first PEM block of a text, reduced to its label and its base64 body lines
// (whitespace trimmed, blank lines dropped). Working from the lines rather than the raw text is
// what lets CRLF, indented lines and a PEM squashed onto one line all read the same.
type block struct {
	label string
	lines []string
}

// findBlock locates the first PEM block in text and rejects, by its label, every kind of block
// that is not an unencrypted RSA private key.
func findBlock(text string) (block, error) {
	start := strings.Index(text, pemBegin)
	if start < 0 {
		return block{}, errDamaged
	}
	rest := text[start+len(pemBegin):]
	n := strings.Index(rest, pemDashes)
	if n < 0 || n > maxLabelLen {
		return block{}, errDamaged
	}
	label := rest[:n]
	if strings.IndexFunc(label, notLabelChar) >= 0 {
		return block{}, errDamaged // armour broken across lines or mangled
	}
	if err := checkLabel(label); err != nil {
		return block{}, err
	}
	rest = rest[n+len(pemDashes):]
	end := strings.Index(rest, pemEnd+label+pemDashes)
	if end < 0 {
		return block{}, errDamaged
	}
	lines, err := bodyLines(rest[:end])
	if err != nil {
		return block{}, err
	}
	return block{label: label, lines: lines}, nil
}

// checkLabel returns nil for the two labels a GitHub App key can carry and otherwise the error
// that names what the block is.
func checkLabel(label string) error {
	switch {
	case label == labelPKCS1 || label == labelPKCS8:
		return nil
	case strings.Contains(label, "OPENSSH") || strings.Contains(label, "SSH2"):
		return errOpenSSH
	case strings.Contains(label, "ENCRYPTED"):
		return errEncrypted
	case strings.Contains(label, "PGP"):
		return errPGP
	case strings.Contains(label, "CERTIFICATE"):
		return errCertificate
	case strings.Contains(label, "PUBLIC KEY"):
		return errPublicKey
	case strings.HasPrefix(label, "EC ") || strings.HasPrefix(label, "ECDSA "):
		return errEC // "EC PRIVATE KEY", and "EC PARAMETERS" that openssl writes before it
	case strings.Contains(label, "ED25519"):
		return errEd25519
	case strings.Contains(label, "PRIVATE KEY"):
		return errOtherAlgorithm // "DSA PRIVATE KEY" and the like
	default:
		return errOtherPEM
	}
}

// bodyLines splits a PEM body into its base64 lines. Splitting on any whitespace is safe because
// the body of an unencrypted key is pure base64: a header line ("Proc-Type: 4,ENCRYPTED") or any
// other character means the block is not one we can read.
func bodyLines(body string) ([]string, error) {
	if strings.Contains(body, ":") {
		if strings.Contains(body, "ENCRYPTED") || strings.Contains(body, "DEK-Info") {
			return nil, errEncrypted
		}
		return nil, errDamaged
	}
	lines := strings.Fields(body)
	if len(lines) == 0 {
		return nil, errDamaged
	}
	for _, l := range lines {
		if strings.IndexFunc(l, notBase64) >= 0 {
			return nil, errDamaged
		}
	}
	return lines, nil
}

func notLabelChar(r rune) bool {
	return (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != ' '
}

func notBase64(r rune) bool {
	return (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '+' && r != '/' && r != '='
}

// canonical is the block as a clean PEM file holds it (without the final newline): what the
// input is when nothing had to be decoded or unescaped.
func (b block) canonical() string {
	return pemBegin + b.label + pemDashes + "\n" + strings.Join(b.lines, "\n") + "\n" + pemEnd + b.label + pemDashes
}

// fileLines returns the body in PEM's 64-column lines when it is held in longer lines (a PEM
// squashed onto one line without spaces), and nothing otherwise.
func (b block) fileLines() []string {
	if !slices.ContainsFunc(b.lines, func(l string) bool { return len(l) > pemLineLen }) {
		return nil
	}
	joined := strings.Join(b.lines, "")
	var out []string
	for len(joined) > pemLineLen {
		out = append(out, joined[:pemLineLen])
		joined = joined[pemLineLen:]
	}
	return append(out, joined)
}

// rsaKey decodes the block's body and parses the RSA key it holds.
func (b block) rsaKey() (*rsa.PrivateKey, error) {
	p, _ := pem.Decode([]byte(b.canonical() + "\n"))
	if p == nil {
		return nil, errDamaged // the body is not valid base64
	}
	return parseDER(b.label, p.Bytes)
}

// parseDER parses a PKCS#1 or PKCS#8 RSA key, trying the other format too because keys converted
// by hand often carry the wrong label. It returns errDamaged when the bytes are no key at all.
func parseDER(label string, der []byte) (*rsa.PrivateKey, error) {
	if label == labelPKCS1 {
		if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
			return checkSize(k)
		}
		return parsePKCS8(der)
	}
	k, err := parsePKCS8(der)
	if err == errDamaged {
		if k1, err1 := x509.ParsePKCS1PrivateKey(der); err1 == nil {
			return checkSize(k1)
		}
	}
	return k, err
}

func parsePKCS8(der []byte) (*rsa.PrivateKey, error) {
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, pkcs8Failure(der)
	}
	switch k := parsed.(type) {
	case *rsa.PrivateKey:
		return checkSize(k)
	case *ecdsa.PrivateKey:
		return nil, errEC
	case ed25519.PrivateKey:
		return nil, errEd25519
	case *ecdh.PrivateKey:
		return nil, errOtherAlgorithm // X25519
	default:
		return nil, errOtherAlgorithm
	}
}

var (
	oidRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidEC      = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// pkcs8Header is the outer structure of a PKCS#8 key (RFC 5208), enough to learn its algorithm.
type pkcs8Header struct {
	Version    int
	Algorithm  pkix.AlgorithmIdentifier
	PrivateKey []byte
}

// pkcs8Failure tells a damaged PKCS#8 key from one of an algorithm Go cannot parse (DSA, RSA-PSS,
// an unusual curve) by reading only the algorithm identifier.
func pkcs8Failure(der []byte) error {
	var h pkcs8Header
	if _, err := asn1.Unmarshal(der, &h); err != nil {
		return errDamaged
	}
	switch {
	case h.Algorithm.Algorithm.Equal(oidRSA):
		return errDamaged
	case h.Algorithm.Algorithm.Equal(oidEC):
		return errEC
	case h.Algorithm.Algorithm.Equal(oidEd25519):
		return errEd25519
	default:
		return errOtherAlgorithm
	}
}

// checkSize rejects keys crypto/rsa refuses to sign with, so that a key Parse returns always works.
func checkSize(k *rsa.PrivateKey) (*rsa.PrivateKey, error) {
	if k.N.BitLen() < 1024 {
		return nil, errWeakKey
	}
	return k, nil
}
