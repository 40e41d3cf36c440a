package appkey

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// armour is public text that error messages quote on purpose and that inputs share with them:
// PEM armour lines, SSH key-type names and GitHub's token prefixes. Only windows of it may appear in both.
var armour = func() string {
	var b strings.Builder
	for _, l := range []string{labelPKCS1, labelPKCS8, "OPENSSH PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"} {
		b.WriteString(pemBegin + l + pemDashes + "\n" + pemEnd + l + pemDashes + "\n")
	}
	b.WriteString("ssh-rsa, ssh-ed25519, ecdsa-sha2-\n")
	b.WriteString(strings.Join(tokenPrefixes, ", ") + "\n")
	return b.String()
}()

type rejectedForm struct {
	name    string
	input   string
	want    error
	mention string // what the message must say the value looks like
}

func rejectedForms(t *testing.T) []rejectedForm {
	k := testKey(t)
	p1 := pemPKCS1(k)
	p8 := pemPKCS8(t, k)
	body1 := bodyOf(p1)

	openssh := pemText("OPENSSH PRIVATE KEY", append([]byte("openssh-key-v1\x00"), randomBytes(t, 400)...))
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ecPKCS8 := pemPKCS8(t, ecKey)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	xKey, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dsaPKCS8, err := asn1.Marshal(pkcs8Header{Algorithm: pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}}, PrivateKey: randomBytes(t, 64)})
	if err != nil {
		t.Fatal(err)
	}
	pkix8, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	legacyEncrypted := string(pem.EncodeToMemory(&pem.Block{
		Type:    labelPKCS1,
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC," + hex.EncodeToString(randomBytes(t, 16))},
		Bytes:   randomBytes(t, 1200),
	}))
	weak := pemPKCS1(weakKey(t))

	damagedBody := append([]string(nil), body1...)
	damagedBody[3] = damagedBody[3][:10] + "*" + damagedBody[3][11:]
	missingLine := append(append([]string(nil), body1[:5]...), body1[6:]...)
	p8Lines := bodyOf(p8)
	p8MissingLine := append(append([]string(nil), p8Lines[:5]...), p8Lines[6:]...)

	return []rejectedForm{
		{"empty", "", errEmpty, "empty"},
		{"only whitespace", " \n\t\r\n ", errEmpty, "empty"},
		{"empty quotes", `""`, errEmpty, "empty"},
		{"too long", strings.Repeat("A", maxInputLen+1), errTooLong, "longer than any"},

		{"OpenSSH private key", openssh, errOpenSSH, "OpenSSH"},
		{"OpenSSH private key, base64", base64.StdEncoding.EncodeToString([]byte(openssh)), errOpenSSH, "OpenSSH"},
		{"OpenSSH private key, escaped", strings.ReplaceAll(openssh, "\n", `\n`), errOpenSSH, "OpenSSH"},
		{"OpenSSH key body without armour", base64.StdEncoding.EncodeToString(append([]byte("openssh-key-v1\x00"), randomBytes(t, 300)...)), errOpenSSH, "OpenSSH"},

		{"EC PKCS#8", ecPKCS8, errEC, "EC (ECDSA)"},
		{"EC SEC1", pemText("EC PRIVATE KEY", sec1), errEC, "EC (ECDSA)"},
		{"EC parameters then key, as openssl ecparam writes", pemText("EC PARAMETERS", []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}) + pemText("EC PRIVATE KEY", sec1), errEC, "EC (ECDSA)"},
		{"EC PKCS#8 under an RSA label", strings.ReplaceAll(ecPKCS8, labelPKCS8, labelPKCS1), errEC, "EC (ECDSA)"},
		{"EC PKCS#8, base64", base64.StdEncoding.EncodeToString([]byte(ecPKCS8)), errEC, "EC (ECDSA)"},
		{"Ed25519 PKCS#8", pemPKCS8(t, edKey), errEd25519, "Ed25519"},
		{"X25519 PKCS#8", pemPKCS8(t, xKey), errOtherAlgorithm, "not RSA"},
		{"DSA PKCS#8", pemText(labelPKCS8, dsaPKCS8), errOtherAlgorithm, "not RSA"},
		{"DSA PRIVATE KEY", pemText("DSA PRIVATE KEY", randomBytes(t, 400)), errOtherAlgorithm, "not RSA"},
		{"RSA key of 512 bits", weak, errWeakKey, "shorter than 1024 bits"},

		{"PKIX public key", pemText("PUBLIC KEY", pkix8), errPublicKey, "public key"},
		{"PKCS#1 public key", pemText("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k.PublicKey)), errPublicKey, "public key"},
		{"ssh-rsa public key", sshRSAPublicKey(&k.PublicKey) + " someone@laptop", errSSHPublicKey, "SSH public key"},
		{"ssh-ed25519 public key", "ssh-ed25519 " + base64.StdEncoding.EncodeToString(randomBytes(t, 51)), errSSHPublicKey, "SSH public key"},
		{"certificate", pemText("CERTIFICATE", selfSignedCert(t, k)), errCertificate, "certificate"},
		{"certificate request", pemText("CERTIFICATE REQUEST", certRequest(t, k)), errCertificate, "certificate"},
		{"PGP key", pemText("PGP PRIVATE KEY BLOCK", randomBytes(t, 300)), errPGP, "PGP"},
		{"CRL", pemText("X509 CRL", randomBytes(t, 300)), errOtherPEM, "another kind"},

		{"encrypted PKCS#8", pemText("ENCRYPTED PRIVATE KEY", randomBytes(t, 1200)), errEncrypted, "encrypted"},
		{"legacy encrypted PEM", legacyEncrypted, errEncrypted, "encrypted"},
		{"legacy encrypted PEM on one line", strings.ReplaceAll(legacyEncrypted, "\n", " "), errEncrypted, "encrypted"},

		{"client secret", hex.EncodeToString(randomBytes(t, 20)), errClientSecret, "client secret is not the private key"},
		{"client secret in quotes", `"` + hex.EncodeToString(randomBytes(t, 20)) + `"`, errClientSecret, "client secret is not the private key"},
		{"classic PAT", "ghp_" + randomAlnum(t, 36), errToken, "token"},
		{"installation token", "ghs_" + randomAlnum(t, 36), errToken, "token"},
		{"OAuth token", "gho_" + randomAlnum(t, 36), errToken, "token"},
		{"fine-grained PAT", "github_pat_11" + randomAlnum(t, 20) + "_" + randomAlnum(t, 59), errToken, "token"},

		{"PEM cut short", p1[:len(p1)/2], errDamaged, "damaged"},
		{"PEM without its BEGIN line", p1[strings.Index(p1, "\n")+1:], errDamaged, "damaged"},
		{"PEM without its END line", p1[:strings.LastIndex(strings.TrimSpace(p1), "\n")], errDamaged, "damaged"},
		{"PEM whose armour lost its dashes", strings.ReplaceAll(p1, pemDashes, ""), errDamaged, "damaged"},
		{"PEM with a bad base64 character", pemLines(labelPKCS1, damagedBody), errDamaged, "damaged"},
		{"PEM with padding in the middle", pemLines(labelPKCS1, append([]string{"AAA="}, body1...)), errDamaged, "damaged"},
		{"PEM with no body", pemLines(labelPKCS1, nil), errDamaged, "damaged"},
		{"PKCS#1 PEM missing a line", pemLines(labelPKCS1, missingLine), errDamaged, "damaged"},
		{"PKCS#8 PEM missing a line", pemLines(labelPKCS8, p8MissingLine), errDamaged, "damaged"},
		{"BEGIN line only", pemBegin + labelPKCS1 + pemDashes, errDamaged, "damaged"},
		{"BEGIN line broken in two", strings.Replace(p1, "RSA PRIVATE", "RSA\nPRIVATE", 1), errDamaged, "damaged"},
		{"mismatched END label", strings.Replace(p1, pemEnd+labelPKCS1, pemEnd+labelPKCS8, 1), errDamaged, "damaged"},
		{"PEM body without armour", strings.Join(body1, "\n"), errBodyOnly, "without its BEGIN and END lines"},

		{"a word", "hello world", errNotPEM, "is not a PEM private key"},
		{"an App ID", "123456", errNotPEM, "is not a PEM private key"},
		{"a client ID", "Iv23li" + randomAlnum(t, 14), errNotPEM, "is not a PEM private key"},
		{"binary", string(randomBytes(t, 256)), errNotPEM, "is not a PEM private key"},
		{"base64 of random bytes", base64.StdEncoding.EncodeToString(randomBytes(t, 256)), errNotPEM, "is not a PEM private key"},
	}
}

func TestParseRejectsWithAnExplanation(t *testing.T) {
	t.Parallel()
	for _, tc := range rejectedForms(t) {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.input)
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			if got != nil {
				t.Error("Parse returned a key along with its error")
			}
			if err != tc.want {
				t.Errorf("error = %q\nwant %q", err, tc.want)
			}
			if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(tc.mention)) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
			assertParseError(t, tc.input, err, armour)
		})
	}
}

// Every fixed message keeps the promises, even those no table case reaches.
func TestEveryParseErrorNamesTheInputAndWhatGitHubExpects(t *testing.T) {
	t.Parallel()
	for _, e := range allParseErrors {
		msg := e.Error()
		if !strings.HasPrefix(msg, "private-key ") {
			t.Errorf("%q does not start with %q", msg, "private-key ")
		}
		if !strings.Contains(msg, "BEGIN") {
			t.Errorf("%q does not say what GitHub expects", msg)
		}
	}
}

func pemText(label string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: label, Bytes: der}))
}

func pemLines(label string, lines []string) string {
	return pemBegin + label + pemDashes + "\n" + strings.Join(append(lines, ""), "\n") + pemEnd + label + pemDashes + "\n"
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func randomAlnum(t *testing.T, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := randomBytes(t, n)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// sshRSAPublicKey formats k as an authorized_keys line (RFC 4253 section 6.6), without x/crypto.
func sshRSAPublicKey(k *rsa.PublicKey) string {
	var wire []byte
	field := func(b []byte) {
		wire = binary.BigEndian.AppendUint32(wire, uint32(len(b)))
		wire = append(wire, b...)
	}
	mpint := func(n *big.Int) {
		b := n.Bytes()
		if len(b) > 0 && b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		field(b)
	}
	field([]byte("ssh-rsa"))
	mpint(big.NewInt(int64(k.E)))
	mpint(k.N)
	return "ssh-rsa " + base64.StdEncoding.EncodeToString(wire)
}

func selfSignedCert(t *testing.T, k *rsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "app-token test"},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func certRequest(t *testing.T, k *rsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "app-token test"}}, k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
