package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/ghtransport"
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

func NewKMSWorld(t testing.TB, uri string, opts ...Option) *KMSWorld {
	t.Helper()
	return KMSWorldOn(t, uri, githubtest.StartLocalKMS(t, localKMSKeys(t)...), opts...)
}

// KMSWorldOn is newKMSWorld on a local-kms of the caller's.
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

// Signs counts the KMS Sign calls, and jwtCalls the GitHub calls made as
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

// The App key in KMS by alias: every App JWT GitHub received was signed by
// KMS, and no other AWS call was made. The run's App calls (find the
// installation, mint) share one JWT: one Sign call, one round trip to AWS.
func TestKeylessKMSAlias(t *testing.T) {
	t.Parallel()
	w := NewKMSWorld(t, "awskms:///"+KMSAlias)
	res := w.Main()
	Succeeded(t, res)
	w.OnlyToken()
	calls := w.Proxy.Calls()
	if len(calls) == 0 || w.Signs() != len(calls) {
		t.Fatalf("KMS calls %+v, want only Sign", calls)
	}
	for _, c := range calls {
		if c.KeyID != KMSAlias || c.AccessKeyID != StaticAccessKeyID || c.SessionToken {
			t.Errorf("KMS call %+v, want Sign of %s with the job's static credentials", c, KMSAlias)
		}
	}
	if w.Signs() != 1 || w.JWTCalls() < 2 || len(w.Emu.JWTs()) != 1 {
		t.Errorf("%d KMS Sign calls for %d App calls with %d JWTs: want one JWT, signed once, for every call", w.Signs(), w.JWTCalls(), len(w.Emu.JWTs()))
	}
	for _, jwt := range w.Emu.JWTs() {
		if n := len(slices.DeleteFunc(slices.Clone(res.Masks), func(m string) bool { return m != jwt })); n != 1 {
			t.Errorf("the KMS-signed JWT was masked %d times, want once", n)
		}
	}
	for _, s := range []string{StaticAccessKeyID, w.AWSSecret} {
		if !slices.Contains(res.Masks, s) {
			t.Errorf("a part of the static credentials (%d characters) is not masked", len(s))
		}
	}
	if got := w.GitHubEnv(); got != "" {
		t.Errorf("GITHUB_ENV written: %q", got)
	}
	Succeeded(t, w.Post(res.State))
}

// A key ARN carries its region: no AWS_REGION needed.
func TestKeylessKMSKeyARNRegion(t *testing.T) {
	t.Parallel()
	w := NewKMSWorld(t, "")
	w.With("kms-key", "awskms:///"+w.KMS.KeyARN(KMSAppKeyID))
	w.Env("AWS_REGION", "", "AWS_DEFAULT_REGION", "")
	Succeeded(t, w.Main())
	if c := w.Proxy.Calls(); len(c) == 0 || c[0].KeyID != w.KMS.KeyARN(KMSAppKeyID) {
		t.Errorf("KMS calls %+v", c)
	}
}

// secretsOf turns a function listing secrets into a source the leak check
// reads after each phase.
type secretsOf func() []string

func (f secretsOf) JWTs() []string { return f() }

// aws-role-to-assume: the job's OIDC token (audience sts.amazonaws.com)
// buys the role's temporary credentials, which sign every KMS call and
// reach no output, state, GITHUB_ENV or log line; all three are masked.
func TestKeylessKMSAssumeRole(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111122223333:role/app-token-signer"
	w, ids, sts := RoleWorld(t, role)
	res := w.Main()
	Succeeded(t, res)
	if r := ids.Requests(); len(r) != 1 || r[0].Audience != "sts.amazonaws.com" || !r[0].Authorized {
		t.Fatalf("OIDC token requests %+v, want one for sts.amazonaws.com with the request token", r)
	}
	calls := sts.Calls()
	if len(calls) != 1 || calls[0].RoleARN != role || calls[0].WebIdentityToken != ids.Issued()[0] || calls[0].SessionName != "app-token-1" {
		t.Fatalf("STS calls %+v", calls)
	}
	for _, c := range w.Proxy.Calls() {
		if c.AccessKeyID != calls[0].AccessKeyID || !c.SessionToken {
			t.Errorf("KMS call %+v not signed with the role's credentials %s", c, calls[0].AccessKeyID)
		}
	}
	if w.Signs() != 1 || w.JWTCalls() < 2 {
		t.Errorf("%d KMS Sign calls for %d App calls, want 1", w.Signs(), w.JWTCalls())
	}
	for _, s := range []string{ids.Issued()[0], calls[0].AccessKeyID, calls[0].SecretAccessKey, calls[0].SessionToken, ids.RequestToken} {
		if !slices.Contains(res.Masks, s) {
			t.Errorf("a credential (%d characters) is not masked", len(s))
		}
	}
	if got := w.GitHubEnv(); got != "" {
		t.Errorf("GITHUB_ENV written: %q", got)
	}
	for _, v := range res.Outputs {
		if strings.Contains(v, calls[0].AccessKeyID) {
			t.Error("an output holds the role's access key ID")
		}
	}
}

// RoleWorld is a kmsWorld without static credentials, whose runner hands
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

// Every failure a user can act on: one error naming the input, the key and
// what to do; no secret shown; nothing sent to GitHub when signing failed.
func TestKeylessKMSErrors(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111122223333:role/app-token-signer"
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) *KMSWorld
		want  []string
		// githubCalls tells whether GitHub is reached: only a key that is
		// not the App's gets that far.
		githubCalls bool
	}{
		{"no credentials", func(t *testing.T) *KMSWorld {
			return NewKMSWorld(t, "awskms:///"+KMSAlias).Env("AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "")
		}, []string{"kms-key: no AWS credentials found", "configure-aws-credentials", "aws-role-to-assume"}, false},
		{"key not found", func(t *testing.T) *KMSWorld {
			return NewKMSWorld(t, "awskms:///alias/no-such-key")
		}, []string{"kms-key awskms:///alias/no-such-key", "no such key in region " + githubtest.KMSRegion}, false},
		{"access denied", func(t *testing.T) *KMSWorld {
			w := NewKMSWorld(t, "awskms:///"+KMSAlias)
			w.Proxy.FailNext("AccessDeniedException")
			return w
		}, []string{"kms-key awskms:///" + KMSAlias, "kms:Sign"}, false},
		{"EC key", func(t *testing.T) *KMSWorld {
			return NewKMSWorld(t, "awskms:///alias/ec")
		}, []string{"kms-key awskms:///alias/ec cannot sign RS256", "SIGN_VERIFY"}, false},
		{"encryption key", func(t *testing.T) *KMSWorld {
			return NewKMSWorld(t, "awskms:///alias/encrypt")
		}, []string{"kms-key awskms:///alias/encrypt cannot sign RS256", "SIGN_VERIFY"}, false},
		{"another App's key", func(t *testing.T) *KMSWorld {
			return NewKMSWorld(t, "awskms:///alias/other-app")
		}, []string{"kms-key awskms:///alias/other-app does not belong to the App named by client-id " + githubtest.DefaultClientID}, true},
		{"throttled on every try", func(t *testing.T) *KMSWorld {
			w := NewKMSWorld(t, "awskms:///"+KMSAlias)
			w.With("retry-attempts", "2")
			w.Proxy.FailNext("ThrottlingException", "ThrottlingException", "ThrottlingException")
			return w
		}, []string{"kms-key awskms:///" + KMSAlias, "kept throttling"}, false},
		{"no region", func(t *testing.T) *KMSWorld {
			return NewKMSWorld(t, "awskms:///"+KMSAlias).Env("AWS_REGION", "")
		}, []string{"kms-key names no region", "AWS_REGION"}, false},
		{"no id-token permission", func(t *testing.T) *KMSWorld {
			w, _, _ := RoleWorld(t, role)
			return w.Env("ACTIONS_ID_TOKEN_REQUEST_URL", "", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")
		}, []string{"aws-role-to-assume", "permissions: id-token: write"}, false},
		{"role refused", func(t *testing.T) *KMSWorld {
			w, _, _ := RoleWorld(t, role)
			w.With("aws-role-to-assume", "arn:aws:iam::111122223333:role/someone-else")
			return w
		}, []string{"aws-role-to-assume", "STS refused", "role/someone-else", "trust policy"}, false},
		{"not a key URI", func(t *testing.T) *KMSWorld {
			return NewKMSWorld(t, "arn:aws:kms:eu-west-1:111122223333:alias/github-app")
		}, []string{"input kms-key: must start with awskms://"}, false},
		{"no client-id", func(t *testing.T) *KMSWorld {
			w := NewKMSWorld(t, "awskms:///"+KMSAlias)
			w.With("client-id", "")
			return w
		}, []string{"neither client-id nor app-id"}, false},
		{"kms-key and private-key", func(t *testing.T) *KMSWorld {
			w := NewKMSWorld(t, "awskms:///"+KMSAlias)
			w.With("private-key", AppPEM)
			return w
		}, []string{"private-key and kms-key", "keep one"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := tc.setup(t)
			res := w.Main()
			FailedWith(t, res, tc.want...)
			if got := len(w.Calls()) > 0; got != tc.githubCalls {
				t.Errorf("GitHub called: %v, want %v (%q)", got, tc.githubCalls, w.Calls())
			}
			if strings.Contains(res.Errors[0], "AKIA") || strings.Contains(res.Errors[0], "ASIA") {
				t.Errorf("error shows an access key ID: %q", res.Errors[0])
			}
			if strings.Contains(res.Errors[0], "http://") || strings.Contains(res.Errors[0], "sign App JWT") {
				t.Errorf("error carries the interrupted GitHub request, not just what to fix: %q", res.Errors[0])
			}
		})
	}
}

// A throttled KMS is retried like GitHub's API: two throttles, then the
// third try signs.
func TestKeylessKMSThrottledThenSigns(t *testing.T) {
	t.Parallel()
	w := NewKMSWorld(t, "awskms:///"+KMSAlias)
	w.Proxy.FailNext("ThrottlingException", "ThrottlingException")
	Succeeded(t, w.Main())
	if got := w.Signs(); got != 3 {
		t.Errorf("%d Sign calls, want 3 (the run's one JWT after the two throttled)", got)
	}
}

// The native action's entry starts the same binary as `app-token action
// main` (native/entry.js) with the runner's environment: kms-key mints
// there too.
func TestKeylessKMSNativeEntry(t *testing.T) {
	t.Parallel()
	w := NewKMSWorld(t, "awskms:///"+KMSAlias)
	w.native()
	Succeeded(t, w.Main())
	w.OnlyToken()
	if w.Signs() != 1 || w.JWTCalls() < 2 {
		t.Errorf("%d KMS Sign calls for %d App calls, want 1", w.Signs(), w.JWTCalls())
	}
}

// The runner's request token is a bearer: an OIDC endpoint that redirects
// elsewhere (another port, scheme or host; Go keeps the Authorization
// header for the same host name) must not receive it, and the step fails
// without the role's credentials.
func TestKeylessKMSOIDCRedirectKeepsBearer(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111122223333:role/app-token-signer"
	w, ids, sts := RoleWorld(t, role)
	elsewhere := httptest.NewServer(ids) // the same host name, another origin
	t.Cleanup(elsewhere.Close)
	hop := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, elsewhere.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(hop.Close)
	w.Env("ACTIONS_ID_TOKEN_REQUEST_URL", hop.URL+"/_apis/distributedtask/token?api-version=2.0")
	res := w.Main()
	FailedWith(t, res, "aws-role-to-assume", "redirected")
	for _, r := range ids.Requests() {
		if r.Authorized {
			t.Errorf("the request token followed a redirect to %s", elsewhere.URL)
		}
	}
	if len(sts.Calls()) != 0 {
		t.Errorf("STS called %d times", len(sts.Calls()))
	}
}

// An answer from KMS is read no further than any GitHub answer
// (ghtransport.MaxAnswer): a hostile endpoint's endless body fails the
// step instead of filling memory.
func TestKeylessKMSAnswerIsBounded(t *testing.T) {
	t.Parallel()
	w := NewKMSWorld(t, "awskms:///"+KMSAlias)
	huge := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = rw.Write([]byte(`{"KeyId":"k","SigningAlgorithm":"RSASSA_PKCS1_V1_5_SHA_256","Signature":"`))
		_, _ = rw.Write([]byte(strings.Repeat("QUFB", (ghtransport.MaxAnswer+1)/4+1)))
		_, _ = rw.Write([]byte(`"}`))
	}))
	t.Cleanup(huge.Close)
	w.Env("AWS_ENDPOINT_URL_KMS", huge.URL)
	res := w.Main()
	FailedWith(t, res, "kms-key", "larger than")
}

// A custom CA bundle (AWS_CA_BUNDLE, as behind a TLS-inspecting proxy or
// for a private KMS endpoint) is the AWS SDK's to honour: KMS served over
// TLS by a certificate only that bundle trusts signs for the action and
// the command line alike; without the bundle the same endpoint fails.
func TestKeylessKMSCustomCABundle(t *testing.T) {
	t.Parallel()
	w := NewKMSWorld(t, "awskms:///"+KMSAlias)
	tlsSrv := httptest.NewUnstartedServer(w.Proxy)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	bundle := filepath.Join(t.TempDir(), "ca-bundle.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	w.Env("AWS_ENDPOINT_URL_KMS", tlsSrv.URL)

	FailedWith(t, w.Main(), "kms-key", "could not reach AWS KMS", "not trusted", "AWS_CA_BUNDLE")
	if w.Signs() != 0 {
		t.Fatalf("%d Sign calls reached KMS without the CA bundle", w.Signs())
	}

	w.Env("AWS_CA_BUNDLE", filepath.Join(t.TempDir(), "no-such-bundle.pem"))
	FailedWith(t, w.Main(), "kms-key", "cannot read the AWS configuration", "AWS_CA_BUNDLE")

	w.Env("AWS_CA_BUNDLE", bundle)
	res := w.Main()
	Succeeded(t, res)
	if w.Signs() == 0 {
		t.Fatal("no KMS Sign call over TLS")
	}
	Succeeded(t, w.Post(res.State))
	before := w.Signs()
	code, stdout, stderr := w.CLI("", w.AWSEnv(), "token", "--kms-key", "awskms:///"+KMSAlias, "--owner", "octo-org", "--repositories", "app")
	if code != 0 || !strings.HasPrefix(stdout, "ghs_") || w.Signs() == before {
		t.Fatalf("token --kms-key with AWS_CA_BUNDLE: exit %d, stderr %q", code, stderr)
	}
}

// The bound on answers is an option of the whole AWS configuration, so it
// holds for the STS call that buys a role's credentials too, not only for
// KMS.
func TestKeylessKMSRoleAnswerIsBounded(t *testing.T) {
	t.Parallel()
	w, _, _ := RoleWorld(t, "arn:aws:iam::111122223333:role/app-token-signer")
	huge := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/xml")
		_, _ = rw.Write([]byte(`<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><SecretAccessKey>`))
		_, _ = rw.Write([]byte(strings.Repeat("A", ghtransport.MaxAnswer+1)))
	}))
	t.Cleanup(huge.Close)
	w.Env("AWS_ENDPOINT_URL_STS", huge.URL)
	FailedWith(t, w.Main(), "aws-role-to-assume", "larger than")
}

// StaticAccessKeyID is the AWS access key ID in a kmsWorld's environment.
const StaticAccessKeyID = "AKIAEMULATEDSTATIC01"

// Every part of the AWS credentials is masked, the access key ID too: an
// AWS error that names it (some of AWS's messages do; KMSProxy's faults
// do) shows *** in its place at every door, and the leak checks, which
// look for every access key ID, find it nowhere.
func TestKeylessKMSAccessKeyIDMasked(t *testing.T) {
	t.Parallel()
	for _, role := range []bool{false, true} {
		doors := []keylessDoor{actionDoor, nativeDoor, cliDoor}
		name := "static credentials"
		if role {
			doors, name = doors[:2], "the role's credentials"
		}
		for _, door := range doors {
			t.Run(name+" through the "+door.name, func(t *testing.T) {
				t.Parallel()
				w := NewKMSWorld(t, "awskms:///"+KMSAlias)
				keyID := func() string { return StaticAccessKeyID }
				if role {
					var sts *githubtest.STS
					w, _, sts = RoleWorld(t, signerRole)
					keyID = func() string { return sts.Calls()[0].AccessKeyID }
				}
				w.Proxy.FailNext("AccessDeniedException")
				msg := door.run(t, w, nil)
				if !strings.Contains(msg, "kms:Sign") || !strings.Contains(msg, "(access key ***)") {
					t.Errorf("error %q: want AWS's message with the access key ID masked", msg)
				}
				if strings.Contains(msg, keyID()) {
					t.Errorf("error %q shows the access key ID", msg)
				}
			})
		}
	}
}

// aws-role-to-assume costs one OIDC request and one STS call per step, as
// docs/keyless.md says: credentials that STS hands out already expired, or
// that expire within minutes (a wrong clock, or not STS), fail the step with
// an error that says so, instead of buying another set with a second OIDC
// token. Nothing is signed with them.
func TestKeylessKMSRoleCredentialsTooShort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		life time.Duration
		want string
	}{
		{"expired", -time.Minute, "already expired"},
		{"two minutes left", 2 * time.Minute, "less than the 5 minutes"},
	} {
		for _, door := range []keylessDoor{actionDoor, nativeDoor} {
			t.Run(tc.name+" through the "+door.name, func(t *testing.T) {
				t.Parallel()
				w, ids, sts := RoleWorld(t, signerRole)
				sts.SetLifetime(tc.life)
				msg := door.run(t, w, nil)
				t.Logf("%d OIDC requests, %d STS calls: %s", len(ids.Requests()), len(sts.Calls()), msg)
				if n, m := len(ids.Requests()), len(sts.Calls()); n != 1 || m != 1 {
					t.Errorf("%d OIDC requests and %d STS calls, want one of each", n, m)
				}
				if msg == "" {
					t.Fatal("the step succeeded")
				}
				for _, want := range []string{"aws-role-to-assume", signerRole, tc.want, "clock"} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q lacks %q", msg, want)
					}
				}
				if w.Signs() != 0 {
					t.Errorf("%d KMS Sign calls with the short-lived credentials", w.Signs())
				}
			})
		}
	}
}
