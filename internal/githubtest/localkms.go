package githubtest

import (
	"bufio"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// LocalKMSVersion is the local-kms that .ci/run installs and the tests run:
// a real AWS KMS API server (github.com/nsmithuk/local-kms), outside the
// action's go.mod.
const LocalKMSVersion = "v0.0.0-20260228092603-2a5e92d09ab6"

// The account and region local-kms is started with.
const (
	KMSAccount = "111122223333"
	KMSRegion  = "eu-west-1"
)

// KMSKey is a key to seed local-kms with.
type KMSKey struct {
	ID    string // a key ID (UUID)
	Alias string // alias/NAME, or empty
	// RSA or ECDSAPEM is the key material: an RSA key (seeded as PKCS#8),
	// or an EC private key PEM (SEC 1, "EC PRIVATE KEY").
	RSA      *rsa.PrivateKey
	ECDSAPEM string
	// Usage is SIGN_VERIFY when empty.
	Usage string
}

// LocalKMS is a running local-kms.
type LocalKMS struct {
	// URL is its endpoint on loopback, for AWS_ENDPOINT_URL_KMS.
	URL string
}

// KeyARN is the ARN local-kms gives key id.
func (k *LocalKMS) KeyARN(id string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", KMSRegion, KMSAccount, id)
}

// localKMSBinary finds local-kms on PATH or in GOPATH/bin.
func localKMSBinary() string {
	if p, err := exec.LookPath("local-kms"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "local-kms")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// StartLocalKMS starts local-kms seeded with keys on a free loopback port
// for the rest of tb. Without the binary the test is skipped, except under
// CI=true, where it fails: CI must prove the KMS path.
func StartLocalKMS(tb testing.TB, keys ...KMSKey) *LocalKMS {
	tb.Helper()
	bin := localKMSBinary()
	if bin == "" {
		msg := "local-kms is not installed: go install github.com/nsmithuk/local-kms@" + LocalKMSVersion
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	dir := tb.TempDir()
	seed := filepath.Join(dir, "seed.yaml")
	if err := os.WriteFile(seed, []byte(seedYAML(tb, keys)), 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{"PORT=0", "KMS_SEED_PATH=" + seed, "KMS_DATA_PATH=" + filepath.Join(dir, "data"),
		"KMS_REGION=" + KMSRegion, "KMS_ACCOUNT_ID=" + KMSAccount, "HOME=" + dir}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	port := make(chan string, 1)
	go scanPort(out, port)
	select {
	case p := <-port:
		if strings.HasPrefix(p, "seed: ") || p == "" {
			tb.Fatalf("local-kms did not start with its keys: %s", p)
		}
		return &LocalKMS{URL: "http://127.0.0.1:" + p}
	case <-time.After(20 * time.Second):
		tb.Fatal("local-kms did not start within 20 s")
	}
	return nil
}

var startedLine = regexp.MustCompile(`Local KMS started on [0-9.:\[\]]*:([0-9]+)`)

// scanPort reads local-kms's log until it says where it listens, then
// drains the rest.
func scanPort(r io.Reader, port chan<- string) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		if strings.Contains(s.Text(), "Error parsing YAML") {
			// local-kms would start with no key at all.
			port <- "seed: " + s.Text()
			_, _ = io.Copy(io.Discard, r)
			return
		}
		if m := startedLine.FindStringSubmatch(s.Text()); m != nil {
			port <- m[1]
			_, _ = io.Copy(io.Discard, r)
			return
		}
	}
	port <- ""
}

func seedYAML(tb testing.TB, keys []KMSKey) string {
	var rsaKeys, ecKeys, aliases strings.Builder
	for _, k := range keys {
		usage := k.Usage
		if usage == "" {
			usage = "SIGN_VERIFY"
		}
		material := k.ECDSAPEM
		target := &ecKeys
		if k.RSA != nil {
			der, err := x509.MarshalPKCS8PrivateKey(k.RSA)
			if err != nil {
				tb.Fatal(err)
			}
			material, target = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), &rsaKeys
		}
		fmt.Fprintf(target, "      - Metadata:\n          KeyId: %s\n          KeyUsage: %s\n        PrivateKeyPem: |\n", k.ID, usage)
		for _, line := range strings.Split(strings.TrimSpace(material), "\n") {
			fmt.Fprintf(target, "          %s\n", line)
		}
		if k.Alias != "" {
			fmt.Fprintf(&aliases, "  - AliasName: %s\n    TargetKeyId: %s\n", k.Alias, k.ID)
		}
	}
	return "Keys:\n  Asymmetric:\n    Rsa:\n" + rsaKeys.String() + "    Ecc:\n" + ecKeys.String() + "Aliases:\n" + aliases.String()
}
