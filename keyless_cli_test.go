package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/githubtest"
	"github.com/golang-jwt/jwt/v5"
)

// AWSEnv is the kmsWorld's AWS environment for the command line.
func (w *KMSWorld) AWSEnv() []string {
	var env []string
	for k, v := range w.Step.Env {
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "ACTIONS_") {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// verifyAppJWT checks that s is one App JWT for the emulated App, signed
// with its key, living ten minutes from iat.
func verifyAppJWT(t *testing.T, s string) {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(s, claims, func(*jwt.Token) (any, error) { return &AppKey.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"})); err != nil {
		t.Fatalf("not a valid App JWT: %v", err)
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if claims["iss"] != githubtest.DefaultClientID || exp.Sub(iat.Time) != 10*time.Minute {
		t.Errorf("claims %v", claims)
	}
}

// `app-token jwt` prints one App JWT and nothing else, from the key file
// or from KMS; the other commands take --kms-key and --jwt-env.
func TestKeylessCLI(t *testing.T) {
	t.Parallel()
	t.Run("jwt with the key", func(t *testing.T) {
		t.Parallel()
		w := NewWorld(t)
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
		w := NewKMSWorld(t, "")
		code, stdout, stderr := w.CLI("", w.AWSEnv(), "jwt", "--kms-key", "awskms:///"+KMSAlias)
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
		w := NewKMSWorld(t, "")
		code, stdout, stderr := w.CLI("", w.AWSEnv(), "token", "--kms-key", "awskms:///"+w.KMS.KeyARN(KMSAppKeyID), "--owner", "octo-org", "--repositories", "app")
		if code != 0 || !strings.HasPrefix(stdout, "ghs_") {
			t.Fatalf("token --kms-key: exit %d, stderr %q", code, stderr)
		}
		code, stdout, stderr = w.CLI("", append(w.AWSEnv(), "APP_TOKEN_KMS_KEY=awskms:///"+KMSAlias, "APP_TOKEN_PRIVATE_KEY="), "installations")
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
		w := NewKMSWorld(t, "", func(c *githubtest.Config) {
			for i := range n - len(c.Installations) {
				c.Installations = append(c.Installations, githubtest.Installation{
					ID: int64(5000 + i), Account: fmt.Sprintf("org-%d", i), AccountType: "Organization", RepositorySelection: "all",
					Permissions: map[string]string{"metadata": "read"},
				})
			}
		})
		code, stdout, stderr := w.CLI("", w.AWSEnv(), "installations", "--json", "--kms-key", "awskms:///"+KMSAlias)
		if code != 0 || strings.Count(stdout, `"id"`) != n {
			t.Fatalf("installations: exit %d, %d rows, stderr %q", code, strings.Count(stdout, `"id"`), stderr)
		}
		if w.Signs() != 1 || w.JWTCalls() != 3 {
			t.Errorf("%d Sign calls for %d pages, want 1 for 3", w.Signs(), w.JWTCalls())
		}
	})
	t.Run("errors name the flags", func(t *testing.T) {
		t.Parallel()
		w := NewKMSWorld(t, "")
		keyFile := filepath.Join(t.TempDir(), "app.pem")
		if err := os.WriteFile(keyFile, []byte(AppPEM), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			env  []string
			args []string
			want string
		}{
			{w.AWSEnv(), []string{"jwt", "--kms-key", "awskms:///alias/no-such-key"}, "--kms-key awskms:///alias/no-such-key: AWS KMS has no such key"},
			{w.AWSEnv(), []string{"token", "--kms-key", "awskms:///alias/no-such-key", "--owner", "octo-org"}, "app-token token: find the App's installation on octo-org: --kms-key awskms:///alias/no-such-key: AWS KMS has no such key"},
			{w.AWSEnv(), []string{"jwt", "--kms-key", "awskms:///" + KMSAlias, "--private-key-file", keyFile}, "the private key and --kms-key are set together"},
			{nil, []string{"token", "--jwt-env", "NOPE", "--owner", "octo-org"}, "--jwt-env: environment variable \"NOPE\" is not set"},
			{[]string{"J=a.b"}, []string{"token", "--jwt-env", "J", "--owner", "octo-org"}, "the JWT from --jwt-env is not a signed JWT"},
			{nil, []string{"jwt", "--jwt-env", "J"}, `unknown flag "--jwt-env"`},
			{nil, []string{"token", "--jwt-env", w.KMS.KeyARN(KMSAppKeyID) + ".eyJhbGciOiJSUzI1NiJ9.c2ln", "--owner", "octo-org"}, "--jwt-env"},
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
		alias := "awskms:///" + KMSAlias
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
			w := NewKMSWorld(t, "")
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
	w := NewKMSWorld(t, "")
	env := append(w.AWSEnv(), "APP_TOKEN_KMS_KEY=awskms:///"+KMSAlias) // w.cli sets APP_TOKEN_PRIVATE_KEY
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
