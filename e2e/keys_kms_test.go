package e2e_test

// The App key in AWS KMS (kms-key, with or without aws-role-to-assume):
// local-kms behind a recording proxy (apptest.KMSWorld), the runner's OIDC
// endpoint and STS emulated, through the action, the native entry and the
// command line.

import (
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/ghtransport"
	"github.com/app-token/app-token/internal/githubtest"
)

const signerRole = "arn:aws:iam::111122223333:role/app-token-signer"

// The App key in KMS by alias: every App JWT GitHub received was signed by
// KMS, and no other AWS call was made. The run's App calls (find the
// installation, mint) share one JWT: one Sign call, one round trip to AWS.
func TestKeylessKMSAlias(t *testing.T) {
	t.Parallel()
	w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
	res := w.Main()
	apptest.Succeeded(t, res)
	w.OnlyToken()
	calls := w.Proxy.Calls()
	if len(calls) == 0 || w.Signs() != len(calls) {
		t.Fatalf("KMS calls %+v, want only Sign", calls)
	}
	for _, c := range calls {
		if c.KeyID != apptest.KMSAlias || c.AccessKeyID != apptest.StaticAccessKeyID || c.SessionToken {
			t.Errorf("KMS call %+v, want Sign of %s with the job's static credentials", c, apptest.KMSAlias)
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
	for _, s := range []string{apptest.StaticAccessKeyID, w.AWSSecret} {
		if !slices.Contains(res.Masks, s) {
			t.Errorf("a part of the static credentials (%d characters) is not masked", len(s))
		}
	}
	if got := w.GitHubEnv(); got != "" {
		t.Errorf("GITHUB_ENV written: %q", got)
	}
	apptest.Succeeded(t, w.Post(res.State))
}

// A key ARN carries its region: no AWS_REGION needed.
func TestKeylessKMSKeyARNRegion(t *testing.T) {
	t.Parallel()
	w := apptest.NewKMSWorld(t, "")
	w.With("kms-key", "awskms:///"+w.KMS.KeyARN(apptest.KMSAppKeyID))
	w.Env("AWS_REGION", "", "AWS_DEFAULT_REGION", "")
	apptest.Succeeded(t, w.Main())
	if c := w.Proxy.Calls(); len(c) == 0 || c[0].KeyID != w.KMS.KeyARN(apptest.KMSAppKeyID) {
		t.Errorf("KMS calls %+v", c)
	}
}

// aws-role-to-assume: the job's OIDC token (audience sts.amazonaws.com)
// buys the role's temporary credentials, which sign every KMS call and
// reach no output, state, GITHUB_ENV or log line; all three are masked.
func TestKeylessKMSAssumeRole(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111122223333:role/app-token-signer"
	w, ids, sts := apptest.RoleWorld(t, role)
	res := w.Main()
	apptest.Succeeded(t, res)
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

// Every failure a user can act on: one error naming the input, the key and
// what to do; no secret shown; nothing sent to GitHub when signing failed.
func TestKeylessKMSErrors(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::111122223333:role/app-token-signer"
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) *apptest.KMSWorld
		want  []string
		// githubCalls tells whether GitHub is reached: only a key that is
		// not the App's gets that far.
		githubCalls bool
	}{
		{"no credentials", func(t *testing.T) *apptest.KMSWorld {
			return apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias).Env("AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "")
		}, []string{"kms-key: no AWS credentials found", "configure-aws-credentials", "aws-role-to-assume"}, false},
		{"key not found", func(t *testing.T) *apptest.KMSWorld {
			return apptest.NewKMSWorld(t, "awskms:///alias/no-such-key")
		}, []string{"kms-key awskms:///alias/no-such-key", "no such key in region " + githubtest.KMSRegion}, false},
		{"access denied", func(t *testing.T) *apptest.KMSWorld {
			w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
			w.Proxy.FailNext("AccessDeniedException")
			return w
		}, []string{"kms-key awskms:///" + apptest.KMSAlias, "kms:Sign"}, false},
		{"EC key", func(t *testing.T) *apptest.KMSWorld {
			return apptest.NewKMSWorld(t, "awskms:///alias/ec")
		}, []string{"kms-key awskms:///alias/ec cannot sign RS256", "SIGN_VERIFY"}, false},
		{"encryption key", func(t *testing.T) *apptest.KMSWorld {
			return apptest.NewKMSWorld(t, "awskms:///alias/encrypt")
		}, []string{"kms-key awskms:///alias/encrypt cannot sign RS256", "SIGN_VERIFY"}, false},
		{"another App's key", func(t *testing.T) *apptest.KMSWorld {
			return apptest.NewKMSWorld(t, "awskms:///alias/other-app")
		}, []string{"kms-key awskms:///alias/other-app does not belong to the App named by client-id " + githubtest.DefaultClientID}, true},
		{"throttled on every try", func(t *testing.T) *apptest.KMSWorld {
			w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
			w.With("retry-attempts", "2")
			w.Proxy.FailNext("ThrottlingException", "ThrottlingException", "ThrottlingException")
			return w
		}, []string{"kms-key awskms:///" + apptest.KMSAlias, "kept throttling"}, false},
		{"no region", func(t *testing.T) *apptest.KMSWorld {
			return apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias).Env("AWS_REGION", "")
		}, []string{"kms-key names no region", "AWS_REGION"}, false},
		{"no id-token permission", func(t *testing.T) *apptest.KMSWorld {
			w, _, _ := apptest.RoleWorld(t, role)
			return w.Env("ACTIONS_ID_TOKEN_REQUEST_URL", "", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")
		}, []string{"aws-role-to-assume", "permissions: id-token: write"}, false},
		{"role refused", func(t *testing.T) *apptest.KMSWorld {
			w, _, _ := apptest.RoleWorld(t, role)
			w.With("aws-role-to-assume", "arn:aws:iam::111122223333:role/someone-else")
			return w
		}, []string{"aws-role-to-assume", "STS refused", "role/someone-else", "trust policy"}, false},
		{"not a key URI", func(t *testing.T) *apptest.KMSWorld {
			return apptest.NewKMSWorld(t, "arn:aws:kms:eu-west-1:111122223333:alias/github-app")
		}, []string{"input kms-key: must start with awskms://"}, false},
		{"no client-id", func(t *testing.T) *apptest.KMSWorld {
			w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
			w.With("client-id", "")
			return w
		}, []string{"neither client-id nor app-id"}, false},
		{"kms-key and private-key", func(t *testing.T) *apptest.KMSWorld {
			w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
			w.With("private-key", apptest.AppPEM)
			return w
		}, []string{"private-key and kms-key", "keep one"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := tc.setup(t)
			res := w.Main()
			apptest.FailedWith(t, res, tc.want...)
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
	w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
	w.Proxy.FailNext("ThrottlingException", "ThrottlingException")
	apptest.Succeeded(t, w.Main())
	if got := w.Signs(); got != 3 {
		t.Errorf("%d Sign calls, want 3 (the run's one JWT after the two throttled)", got)
	}
}

// The native action's entry starts the same binary as `app-token action
// main` (native/entry.js) with the runner's environment: kms-key mints
// there too.
func TestKeylessKMSNativeEntry(t *testing.T) {
	t.Parallel()
	w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
	native(w.World)
	apptest.Succeeded(t, w.Main())
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
	w, ids, sts := apptest.RoleWorld(t, role)
	elsewhere := httptest.NewServer(ids) // the same host name, another origin
	t.Cleanup(elsewhere.Close)
	hop := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, elsewhere.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(hop.Close)
	w.Env("ACTIONS_ID_TOKEN_REQUEST_URL", hop.URL+"/_apis/distributedtask/token?api-version=2.0")
	res := w.Main()
	apptest.FailedWith(t, res, "aws-role-to-assume", "redirected")
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
	w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
	huge := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = rw.Write([]byte(`{"KeyId":"k","SigningAlgorithm":"RSASSA_PKCS1_V1_5_SHA_256","Signature":"`))
		_, _ = rw.Write([]byte(strings.Repeat("QUFB", (ghtransport.MaxAnswer+1)/4+1)))
		_, _ = rw.Write([]byte(`"}`))
	}))
	t.Cleanup(huge.Close)
	w.Env("AWS_ENDPOINT_URL_KMS", huge.URL)
	res := w.Main()
	apptest.FailedWith(t, res, "kms-key", "larger than")
}

// A custom CA bundle (AWS_CA_BUNDLE, as behind a TLS-inspecting proxy or
// for a private KMS endpoint) is the AWS SDK's to honour: KMS served over
// TLS by a certificate only that bundle trusts signs for the action and
// the command line alike; without the bundle the same endpoint fails.
func TestKeylessKMSCustomCABundle(t *testing.T) {
	t.Parallel()
	w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
	tlsSrv := httptest.NewUnstartedServer(w.Proxy)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	bundle := filepath.Join(t.TempDir(), "ca-bundle.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	w.Env("AWS_ENDPOINT_URL_KMS", tlsSrv.URL)

	apptest.FailedWith(t, w.Main(), "kms-key", "could not reach AWS KMS", "not trusted", "AWS_CA_BUNDLE")
	if w.Signs() != 0 {
		t.Fatalf("%d Sign calls reached KMS without the CA bundle", w.Signs())
	}

	w.Env("AWS_CA_BUNDLE", filepath.Join(t.TempDir(), "no-such-bundle.pem"))
	apptest.FailedWith(t, w.Main(), "kms-key", "cannot read the AWS configuration", "AWS_CA_BUNDLE")

	w.Env("AWS_CA_BUNDLE", bundle)
	res := w.Main()
	apptest.Succeeded(t, res)
	if w.Signs() == 0 {
		t.Fatal("no KMS Sign call over TLS")
	}
	apptest.Succeeded(t, w.Post(res.State))
	before := w.Signs()
	code, stdout, stderr := w.CLI("", w.AWSEnv(), "token", "--kms-key", "awskms:///"+apptest.KMSAlias, "--owner", "octo-org", "--repositories", "app")
	if code != 0 || !strings.HasPrefix(stdout, "ghs_") || w.Signs() == before {
		t.Fatalf("token --kms-key with AWS_CA_BUNDLE: exit %d, stderr %q", code, stderr)
	}
}

// The bound on answers is an option of the whole AWS configuration, so it
// holds for the STS call that buys a role's credentials too, not only for
// KMS.
func TestKeylessKMSRoleAnswerIsBounded(t *testing.T) {
	t.Parallel()
	w, _, _ := apptest.RoleWorld(t, "arn:aws:iam::111122223333:role/app-token-signer")
	huge := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/xml")
		_, _ = rw.Write([]byte(`<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><SecretAccessKey>`))
		_, _ = rw.Write([]byte(strings.Repeat("A", ghtransport.MaxAnswer+1)))
	}))
	t.Cleanup(huge.Close)
	w.Env("AWS_ENDPOINT_URL_STS", huge.URL)
	apptest.FailedWith(t, w.Main(), "aws-role-to-assume", "larger than")
}

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
				w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
				keyID := func() string { return apptest.StaticAccessKeyID }
				if role {
					var sts *githubtest.STS
					w, _, sts = apptest.RoleWorld(t, signerRole)
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
				w, ids, sts := apptest.RoleWorld(t, signerRole)
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

// `app-token jwt` prints one App JWT and nothing else, from the key file
// or from KMS; the other commands take --kms-key and --jwt-env.
func TestKeylessCLI(t *testing.T) {
	t.Parallel()
	t.Run("jwt with the key", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewWorld(t)
		code, stdout, stderr := w.CLI("", nil, "jwt", "--quiet")
		if code != 0 || strings.Count(stdout, "\n") != 1 {
			t.Fatalf("exit %d, stdout %d bytes, stderr %q", code, len(stdout), stderr)
		}
		verifyAppJWT(t, strings.TrimSpace(stdout))
		if len(w.Calls()) != 0 {
			t.Errorf("jwt called GitHub: %q", w.Calls())
		}
	})
	t.Run("jwt with --kms-key, then token with --jwt-env", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewKMSWorld(t, "")
		code, stdout, stderr := w.CLI("", w.AWSEnv(), "jwt", "--kms-key", "awskms:///"+apptest.KMSAlias)
		if code != 0 || strings.Count(stdout, "\n") != 1 {
			t.Fatalf("exit %d, stdout %d bytes, stderr %q", code, len(stdout), stderr)
		}
		token := strings.TrimSpace(stdout)
		verifyAppJWT(t, token)
		if w.Signs() != 1 {
			t.Errorf("%d KMS Sign calls, want 1", w.Signs())
		}
		w.Secrets = append(w.Secrets, token)
		code, stdout, stderr = w.CLI("", []string{"SIGNED_JWT=" + token}, "token", "--jwt-env", "SIGNED_JWT", "--owner", "octo-org", "--repositories", "app")
		if code != 0 || !strings.HasPrefix(stdout, "ghs_") {
			t.Fatalf("token --jwt-env: exit %d, stderr %q", code, stderr)
		}
		if got := w.Emu.JWTs(); len(got) != 1 || got[0] != token {
			t.Errorf("GitHub received %d other JWTs", len(got))
		}
	})
	t.Run("token and installations with --kms-key and APP_TOKEN_KMS_KEY", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewKMSWorld(t, "")
		code, stdout, stderr := w.CLI("", w.AWSEnv(), "token", "--kms-key", "awskms:///"+w.KMS.KeyARN(apptest.KMSAppKeyID), "--owner", "octo-org", "--repositories", "app")
		if code != 0 || !strings.HasPrefix(stdout, "ghs_") {
			t.Fatalf("token --kms-key: exit %d, stderr %q", code, stderr)
		}
		code, stdout, stderr = w.CLI("", append(w.AWSEnv(), "APP_TOKEN_KMS_KEY=awskms:///"+apptest.KMSAlias, "APP_TOKEN_PRIVATE_KEY="), "installations")
		if code != 0 || !strings.Contains(stdout, "octo-org") {
			t.Fatalf("installations: exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		if w.Signs() != 2 || w.JWTCalls() < 3 {
			t.Errorf("%d Sign calls for %d App calls in two runs, want one per run", w.Signs(), w.JWTCalls())
		}
	})
	t.Run("installations across pages signs once", func(t *testing.T) {
		t.Parallel()
		const n = 230 // three pages of 100
		w := apptest.NewKMSWorld(t, "", func(c *githubtest.Config) {
			for i := range n - len(c.Installations) {
				c.Installations = append(c.Installations, githubtest.Installation{
					ID: int64(5000 + i), Account: fmt.Sprintf("org-%d", i), AccountType: "Organization", RepositorySelection: "all",
					Permissions: map[string]string{"metadata": "read"},
				})
			}
		})
		code, stdout, stderr := w.CLI("", w.AWSEnv(), "installations", "--json", "--kms-key", "awskms:///"+apptest.KMSAlias)
		if code != 0 || strings.Count(stdout, `"id"`) != n {
			t.Fatalf("installations: exit %d, %d rows, stderr %q", code, strings.Count(stdout, `"id"`), stderr)
		}
		if w.Signs() != 1 || w.JWTCalls() != 3 {
			t.Errorf("%d Sign calls for %d pages, want 1 for 3", w.Signs(), w.JWTCalls())
		}
	})
	t.Run("errors name the flags", func(t *testing.T) {
		t.Parallel()
		w := apptest.NewKMSWorld(t, "")
		keyFile := filepath.Join(t.TempDir(), "app.pem")
		if err := os.WriteFile(keyFile, []byte(apptest.AppPEM), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			env  []string
			args []string
			want string
		}{
			{w.AWSEnv(), []string{"jwt", "--kms-key", "awskms:///alias/no-such-key"}, "--kms-key awskms:///alias/no-such-key: AWS KMS has no such key"},
			{w.AWSEnv(), []string{"token", "--kms-key", "awskms:///alias/no-such-key", "--owner", "octo-org"}, "app-token token: find the App's installation on octo-org: --kms-key awskms:///alias/no-such-key: AWS KMS has no such key"},
			{w.AWSEnv(), []string{"jwt", "--kms-key", "awskms:///" + apptest.KMSAlias, "--private-key-file", keyFile}, "the private key and --kms-key are set together"},
			{nil, []string{"token", "--jwt-env", "NOPE", "--owner", "octo-org"}, "--jwt-env: environment variable \"NOPE\" is not set"},
			{[]string{"J=a.b"}, []string{"token", "--jwt-env", "J", "--owner", "octo-org"}, "the JWT from --jwt-env is not a signed JWT"},
			{nil, []string{"jwt", "--jwt-env", "J"}, `unknown flag "--jwt-env"`},
			{nil, []string{"token", "--jwt-env", w.KMS.KeyARN(apptest.KMSAppKeyID) + ".eyJhbGciOiJSUzI1NiJ9.c2ln", "--owner", "octo-org"}, "--jwt-env"},
		} {
			code, stdout, stderr := w.CLI("", tc.env, tc.args...)
			if code == 0 || stdout != "" || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "app-token "+tc.args[0]+":") != 1 {
				t.Errorf("%s: exit %d, stdout %q, stderr %q, want one line with %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.want)
			}
		}
	})
	// What AWS refuses is said in the command line's words: no step, job
	// or action to set up credentials for.
	t.Run("AWS errors in the command line's words", func(t *testing.T) {
		t.Parallel()
		alias := "awskms:///" + apptest.KMSAlias
		for _, tc := range []struct {
			name   string
			faults []string
			unset  []string
			args   []string
			want   string
		}{
			{"no credentials", nil, []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}, []string{"jwt", "--kms-key", alias}, "no AWS credentials found: give them as the AWS CLI takes them (AWS_PROFILE"},
			{"access denied", []string{"AccessDeniedException"}, nil, []string{"jwt", "--kms-key", alias}, "allow the IAM action kms:Sign on the key to your AWS identity"},
			{"credentials refused", []string{"UnrecognizedClientException"}, nil, []string{"token", "--kms-key", alias, "--owner", "octo-org"}, "AWS rejected your credentials"},
			{"throttled", []string{"ThrottlingException", "ThrottlingException"}, nil, []string{"jwt", "--kms-key", alias, "--retry-attempts", "2"}, "kept throttling kms:Sign after every retry"},
		} {
			w := apptest.NewKMSWorld(t, "")
			w.Proxy.FailNext(tc.faults...)
			code, stdout, stderr := w.CLI("", append(w.AWSEnv(), tc.unset...), tc.args...)
			if code != 1 || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and %q", tc.name, code, stdout, stderr, tc.want)
			}
			if m := actionWords.FindString(stderr); m != "" {
				t.Errorf("%s: %q speaks the action's words (%q)", tc.name, stderr, m)
			}
		}
	})
}

// APP_TOKEN_PRIVATE_KEY and APP_TOKEN_KMS_KEY both set is refused, naming
// both, as the action refuses private-key with kms-key: neither silently
// wins. A flag still beats a variable: --kms-key with the key's variable
// set signs with KMS, as the other tests here do.
func TestCLIPrivateKeyAndKMSKeyVariables(t *testing.T) {
	t.Parallel()
	w := apptest.NewKMSWorld(t, "")
	env := append(w.AWSEnv(), "APP_TOKEN_KMS_KEY=awskms:///"+apptest.KMSAlias) // w.CLI sets APP_TOKEN_PRIVATE_KEY
	for _, args := range [][]string{
		{"token", "--owner", "octo-org"},
		{"installations"},
		{"jwt"},
		{"dispatch", "--repository", "octo-org/app", "--event-type", "x"},
	} {
		code, stdout, stderr := w.CLI("", env, args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
			!strings.Contains(stderr, "APP_TOKEN_PRIVATE_KEY and APP_TOKEN_KMS_KEY are both set") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and one line naming both variables", args[0], code, stdout, stderr)
		}
	}
	if w.Signs() != 0 || len(w.Calls()) != 0 {
		t.Errorf("%d KMS Sign calls and GitHub calls %q, want none", w.Signs(), w.Calls())
	}
}
