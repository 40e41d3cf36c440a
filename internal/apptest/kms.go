package apptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/app-token/app-token/internal/githubtest"
)

// The keys local-kms holds: the App's own (imported, as docs/keyless.md
// shows), another App's, an EC key and an RSA key for encryption.
const (
	KMSAppKeyID   = "8f5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
	kmsOtherKeyID = "1b2c3d4e-5f60-4718-9a0b-c1d2e3f40516"
	kmsECKeyID    = "2c3d4e5f-6071-4829-8b1c-d2e3f4051627"
	kmsEncKeyID   = "3d4e5f60-7182-4930-9c2d-e3f405162738"
	KMSAlias      = "alias/github-app"
)

var (
	kmsKeysOnce sync.Once
	kmsKeys     []githubtest.KMSKey
)

// localKMSKeys are those keys, made once per test binary.
func localKMSKeys(t testing.TB) []githubtest.KMSKey {
	kmsKeysOnce.Do(func() {
		other, _, err := githubtest.NewAppKey()
		if err != nil {
			t.Fatal(err)
		}
		ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalECPrivateKey(ec)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		kmsKeys = []githubtest.KMSKey{
			{ID: KMSAppKeyID, Alias: KMSAlias, RSA: AppKey},
			{ID: kmsOtherKeyID, Alias: "alias/other-app", RSA: other},
			{ID: kmsECKeyID, Alias: "alias/ec", ECDSAPEM: string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))},
			{ID: kmsEncKeyID, Alias: "alias/encrypt", RSA: enc, Usage: "ENCRYPT_DECRYPT"},
		}
	})
	return kmsKeys
}

// KMSWorld is a job whose App key lives in local-kms, reached through a
// recording proxy as AWS_ENDPOINT_URL_KMS, with static AWS credentials in
// the environment (as configure-aws-credentials leaves them).
type KMSWorld struct {
	*World
	KMS   *githubtest.LocalKMS
	Proxy *githubtest.KMSProxy
	// AWSSecret is the AWS secret access key in the job's environment.
	AWSSecret string
}

// NewKMSWorld is a KMSWorld on a local-kms of its own (started for the
// test; see githubtest.StartLocalKMS), whose step names uri in kms-key.
func NewKMSWorld(t testing.TB, uri string, opts ...Option) *KMSWorld {
	t.Helper()
	return KMSWorldOn(t, uri, githubtest.StartLocalKMS(t, localKMSKeys(t)...), opts...)
}

// KMSWorldOn is NewKMSWorld on a local-kms of the caller's.
func KMSWorldOn(t testing.TB, uri string, lk *githubtest.LocalKMS, opts ...Option) *KMSWorld {
	t.Helper()
	proxy := githubtest.NewKMSProxy(lk.URL)
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	w := &KMSWorld{World: NewWorld(t, opts...).With("private-key", "", "kms-key", uri), KMS: lk, Proxy: proxy, AWSSecret: RandomSecret(t)}
	w.Step.Dir = t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_KMS":      srv.URL,
		"AWS_REGION":                githubtest.KMSRegion,
		"AWS_ACCESS_KEY_ID":         StaticAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":     w.AWSSecret,
		"AWS_EC2_METADATA_DISABLED": "true", // never probe a cloud's metadata address from a test
	} {
		w.Step.Env[k] = v
	}
	w.Secrets = append(w.Secrets, StaticAccessKeyID, w.AWSSecret)
	return w
}

func RandomSecret(t testing.TB) string {
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer("+", "x", "/", "y", "=", "").Replace(base64.StdEncoding.EncodeToString(b))
}

// Env sets (or with "" removes) variables of the job's environment.
func (w *KMSWorld) Env(kv ...string) *KMSWorld {
	setPairs(w.Step.Env, kv)
	return w
}

// Signs counts the KMS Sign calls, and JWTCalls the GitHub calls made as
// the App.
func (w *KMSWorld) Signs() int {
	n := 0
	for _, c := range w.Proxy.Calls() {
		if c.Operation == "Sign" {
			n++
		}
	}
	return n
}

func (w *World) JWTCalls() int {
	n := 0
	for _, r := range w.Emu.Requests() {
		if r.Auth == "jwt" {
			n++
		}
	}
	return n
}

// GitHubEnv is what the step appended to GITHUB_ENV: nothing should be.
func (w *KMSWorld) GitHubEnv() string {
	b, _ := os.ReadFile(filepath.Join(w.Step.Dir, "file_commands", "env"))
	return string(b)
}

// secretsOf turns a function listing secrets into a source the leak check
// reads after each phase.
type secretsOf func() []string

func (f secretsOf) JWTs() []string { return f() }

// RoleWorld is a KMSWorld without static credentials, whose runner hands
// out OIDC tokens and whose STS admits role.
func RoleWorld(t testing.TB, role string) (*KMSWorld, *githubtest.IDTokens, *githubtest.STS) {
	w := NewKMSWorld(t, "awskms:///"+KMSAlias)
	ids := githubtest.NewIDTokens("repo:octo-org/app:ref:refs/heads/main")
	sts := &githubtest.STS{Role: role, Tokens: ids}
	idSrv, stsSrv := httptest.NewServer(ids), httptest.NewServer(sts)
	t.Cleanup(idSrv.Close)
	t.Cleanup(stsSrv.Close)
	w.Env("AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "",
		"ACTIONS_ID_TOKEN_REQUEST_URL", idSrv.URL+"/_apis/distributedtask/token?api-version=2.0",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN", ids.RequestToken,
		"AWS_ENDPOINT_URL_STS", stsSrv.URL)
	w.With("aws-role-to-assume", role)
	w.Secrets = append(w.Secrets, ids.RequestToken)
	w.Watch(secretsOf(func() []string { return append(ids.Issued(), sts.Secrets()...) }))
	return w, ids, sts
}

// StaticAccessKeyID is the AWS access key ID in a KMSWorld's environment.
const StaticAccessKeyID = "AKIAEMULATEDSTATIC01"

// AWSEnv is the KMSWorld's AWS environment for the command line.
func (w *KMSWorld) AWSEnv() []string {
	var env []string
	for k, v := range w.Step.Env {
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "ACTIONS_") {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// CLIEnv is the step's AWS, runner and proxy environment, for the
// command line.
func (w *KMSWorld) CLIEnv() []string {
	env := w.AWSEnv()
	if p := w.Step.Env["HTTP_PROXY"]; p != "" {
		env = append(env, "HTTP_PROXY="+p)
	}
	return env
}

// PlainProxy makes the world's HTTP_PROXY a recording proxy that passes
// names that are not loopback on to the world's own servers.
func (w *KMSWorld) PlainProxy(t *testing.T) *githubtest.PlainProxy {
	p := &githubtest.PlainProxy{}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	w.Env("HTTP_PROXY", srv.URL)
	return p
}
