package e2e_test

// Where the keyless credentials travel: plain http only to this machine
// (internal/loopback's one rule) for every endpoint that carries one, and
// every answer from the runner's OIDC endpoint, STS and KMS bounded as
// GitHub's are. Each case runs through every door it reaches: the action as
// the runner starts it, the native entry (`app-token action main`), and
// the command line.

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

// keylessDoor runs a world's step through one door, as a user would, and
// returns its one error line, or "" when the step succeeded. It fails the
// test on anything but one short line.
type keylessDoor struct {
	name string
	run  func(t *testing.T, w *apptest.KMSWorld, cliArgs []string) string
}

var (
	actionDoor = keylessDoor{"action", func(t *testing.T, w *apptest.KMSWorld, _ []string) string {
		t.Helper()
		return oneError(t, w.Main())
	}}
	nativeDoor = keylessDoor{"native entry", func(t *testing.T, w *apptest.KMSWorld, _ []string) string {
		t.Helper()
		w.Step.Binary = nativeEntry(t)
		return oneError(t, w.Main())
	}}
	cliDoor = keylessDoor{"command line", func(t *testing.T, w *apptest.KMSWorld, args []string) string {
		t.Helper()
		if args == nil {
			args = []string{"token", "--kms-key", "awskms:///" + apptest.KMSAlias, "--owner", "octo-org", "--repositories", "app"}
		}
		code, stdout, stderr := w.CLI("", w.CLIEnv(), args...)
		return cliErrorLine(t, args[0], code, stdout, stderr)
	}}
)

// cliErrorLine is command's one error line, or "" when it exited 0 with a
// token. It fails the test on anything but one short line.
func cliErrorLine(t *testing.T, command string, code int, stdout, stderr string) string {
	t.Helper()
	if code == 0 {
		if !strings.HasPrefix(stdout, "ghs_") {
			t.Fatalf("exit 0 without a token: stdout %q, stderr %q", stdout, stderr)
		}
		return ""
	}
	// The error is the command's one line; a note (plain http to the
	// loopback emulator) may come before it.
	var errs []string
	for _, line := range strings.SplitAfter(stderr, "\n") {
		if strings.HasPrefix(line, "app-token "+command+":") {
			errs = append(errs, line)
		}
	}
	if stdout != "" || len(errs) != 1 || len(errs[0]) > maxErrorLine || !strings.HasSuffix(stderr, errs[0]) {
		t.Fatalf("exit %d, stdout %q, stderr %q: want one short error line, last", code, stdout, stderr)
	}
	return errs[0]
}

// oneError is the step's one error annotation, or "" when it succeeded.
func oneError(t *testing.T, res *runnertest.Result) string {
	t.Helper()
	if res.ExitCode == 0 && len(res.Errors) == 0 {
		return ""
	}
	if res.ExitCode != 1 || len(res.Errors) != 1 || res.Stderr != "" {
		t.Fatalf("exit %d, errors %q, stderr %q: want exit 1 with one error", res.ExitCode, res.Errors, res.Stderr)
	}
	shortLines(t, res)
	return res.Errors[0]
}

// issueIDToken asks the world's runner for an OIDC token for STS, as a
// job would before writing it to AWS_WEB_IDENTITY_TOKEN_FILE.
func issueIDToken(t *testing.T, w *apptest.KMSWorld, ids *githubtest.IDTokens) string {
	t.Helper()
	req, err := http.NewRequest("GET", w.Step.Env["ACTIONS_ID_TOKEN_REQUEST_URL"]+"&audience=sts.amazonaws.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ids.RequestToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	issued := ids.Issued()
	return issued[len(issued)-1]
}

// webIdentityChain turns a role world into one where the AWS SDK's own
// chain assumes the role (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, as
// some setups leave them), with no aws-role-to-assume: the door the
// command line has to STS.
func webIdentityChain(t *testing.T, w *apptest.KMSWorld, ids *githubtest.IDTokens) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "web-identity-token")
	if err := os.WriteFile(file, []byte(issueIDToken(t, w, ids)), 0o600); err != nil {
		t.Fatal(err)
	}
	w.With("aws-role-to-assume", "")
	w.Env("AWS_ROLE_ARN", signerRole, "AWS_WEB_IDENTITY_TOKEN_FILE", file, "AWS_ROLE_SESSION_NAME", "app-token-test")
}

// A credential never crosses the network in clear text: plain http to a
// host that is not loopback is refused, before anything is sent, for the
// runner's OIDC endpoint, STS (however its endpoint is configured, and
// whichever client calls it: aws-role-to-assume's or the SDK's own chain)
// and KMS, as for the GitHub API. The hosts are names that are not
// loopback (127.0.0.1.nip.io looks like it); HTTP_PROXY is a recording
// proxy that would pass each on to the test's server, so a client that
// sent would be seen doing it, and would succeed. The error names the
// variable or input that chose the endpoint and says to use https.
func TestKeylessPlainHTTPRefused(t *testing.T) {
	t.Parallel()
	all := []keylessDoor{actionDoor, nativeDoor, cliDoor}
	action := []keylessDoor{actionDoor, nativeDoor} // aws-role-to-assume is an input only
	for _, tc := range []struct {
		name  string
		doors []keylessDoor
		// setup points one endpoint at a name through p; reached counts
		// what got to the real server behind it.
		setup func(t *testing.T, p func(*apptest.KMSWorld) *githubtest.PlainProxy) (w *apptest.KMSWorld, reached func() int, cliArgs []string)
		want  []string
	}{
		{"the runner's OIDC endpoint", action, func(t *testing.T, p func(*apptest.KMSWorld) *githubtest.PlainProxy) (*apptest.KMSWorld, func() int, []string) {
			w, ids, sts := apptest.RoleWorld(t, signerRole)
			w.Env("ACTIONS_ID_TOKEN_REQUEST_URL", p(w).Rename(w.Step.Env["ACTIONS_ID_TOKEN_REQUEST_URL"], "127.0.0.1.nip.io"))
			return w, func() int { return len(ids.Requests()) + len(sts.Calls()) }, nil
		}, []string{"aws-role-to-assume", "ACTIONS_ID_TOKEN_REQUEST_URL", "https"}},
		{"STS by AWS_ENDPOINT_URL_STS", action, func(t *testing.T, p func(*apptest.KMSWorld) *githubtest.PlainProxy) (*apptest.KMSWorld, func() int, []string) {
			w, _, sts := apptest.RoleWorld(t, signerRole)
			w.Env("AWS_ENDPOINT_URL_STS", p(w).Rename(w.Step.Env["AWS_ENDPOINT_URL_STS"], "sts.example.com"))
			return w, func() int { return len(sts.Calls()) }, nil
		}, []string{"aws-role-to-assume", "(from AWS_ENDPOINT_URL_STS)", "https"}},
		{"STS by AWS_ENDPOINT_URL", action, func(t *testing.T, p func(*apptest.KMSWorld) *githubtest.PlainProxy) (*apptest.KMSWorld, func() int, []string) {
			w, _, sts := apptest.RoleWorld(t, signerRole)
			w.Env("AWS_ENDPOINT_URL", p(w).Rename(w.Step.Env["AWS_ENDPOINT_URL_STS"], "aws.example.com"), "AWS_ENDPOINT_URL_STS", "")
			return w, func() int { return len(sts.Calls()) }, nil
		}, []string{"aws-role-to-assume", "(from AWS_ENDPOINT_URL)", "https"}},
		{"STS by a profile's endpoint_url", action, func(t *testing.T, p func(*apptest.KMSWorld) *githubtest.PlainProxy) (*apptest.KMSWorld, func() int, []string) {
			w, _, sts := apptest.RoleWorld(t, signerRole)
			config := filepath.Join(t.TempDir(), "config")
			profile := "[default]\nendpoint_url = " + p(w).Rename(w.Step.Env["AWS_ENDPOINT_URL_STS"], "sts.example.com") + "\n"
			if err := os.WriteFile(config, []byte(profile), 0o600); err != nil {
				t.Fatal(err)
			}
			w.Env("AWS_CONFIG_FILE", config, "AWS_ENDPOINT_URL_STS", "")
			return w, func() int { return len(sts.Calls()) }, nil
		}, []string{"aws-role-to-assume", "endpoint_url", "https"}},
		{"STS called by the SDK's own chain", all, func(t *testing.T, p func(*apptest.KMSWorld) *githubtest.PlainProxy) (*apptest.KMSWorld, func() int, []string) {
			w, ids, sts := apptest.RoleWorld(t, signerRole)
			webIdentityChain(t, w, ids)
			w.Env("AWS_ENDPOINT_URL_STS", p(w).Rename(w.Step.Env["AWS_ENDPOINT_URL_STS"], "sts.example.com"))
			return w, func() int { return len(sts.Calls()) }, nil
		}, []string{"kms-key", "(from AWS_ENDPOINT_URL_STS)", "https"}},
		{"KMS with static credentials", all, func(t *testing.T, p func(*apptest.KMSWorld) *githubtest.PlainProxy) (*apptest.KMSWorld, func() int, []string) {
			w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
			w.Env("AWS_ENDPOINT_URL_KMS", p(w).Rename(w.Step.Env["AWS_ENDPOINT_URL_KMS"], "kms.example.com"))
			return w, w.Signs, nil
		}, []string{"kms-key", "(from AWS_ENDPOINT_URL_KMS)", "https"}},
		{"KMS with a custom CA bundle", all, func(t *testing.T, p func(*apptest.KMSWorld) *githubtest.PlainProxy) (*apptest.KMSWorld, func() int, []string) {
			// The SDK copies the transport to add AWS_CA_BUNDLE's roots:
			// the copy keeps the refusal.
			ca, err := githubtest.NewPrivateCA("corporate proxy CA")
			if err != nil {
				t.Fatal(err)
			}
			bundle := filepath.Join(t.TempDir(), "ca-bundle.pem")
			if err := os.WriteFile(bundle, ca.CertPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
			w.Env("AWS_ENDPOINT_URL_KMS", p(w).Rename(w.Step.Env["AWS_ENDPOINT_URL_KMS"], "kms.example.com"), "AWS_CA_BUNDLE", bundle)
			return w, w.Signs, nil
		}, []string{"kms-key", "(from AWS_ENDPOINT_URL_KMS)", "https"}},
		{"KMS with the role's credentials", action, func(t *testing.T, p func(*apptest.KMSWorld) *githubtest.PlainProxy) (*apptest.KMSWorld, func() int, []string) {
			w, _, _ := apptest.RoleWorld(t, signerRole)
			w.Env("AWS_ENDPOINT_URL_KMS", p(w).Rename(w.Step.Env["AWS_ENDPOINT_URL_KMS"], "kms.example.com"))
			return w, w.Signs, nil
		}, []string{"kms-key", "(from AWS_ENDPOINT_URL_KMS)", "https"}},
		{"the GitHub API", all, func(t *testing.T, p func(*apptest.KMSWorld) *githubtest.PlainProxy) (*apptest.KMSWorld, func() int, []string) {
			w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
			api := p(w).Rename(w.Srv.URL, "127.0.0.1.nip.io")
			w.With("github-api-url", api)
			return w, func() int { return len(w.Emu.Requests()) + w.Signs() },
				[]string{"token", "--kms-key", "awskms:///" + apptest.KMSAlias, "--owner", "octo-org", "--api-url", api}
		}, []string{"api-url", "plain http", "use https"}},
	} {
		for _, door := range tc.doors {
			t.Run(tc.name+" through the "+door.name, func(t *testing.T) {
				t.Parallel()
				var proxy *githubtest.PlainProxy
				w, reached, args := tc.setup(t, func(w *apptest.KMSWorld) *githubtest.PlainProxy {
					proxy = w.PlainProxy(t)
					return proxy
				})
				msg := door.run(t, w, args)
				t.Logf("%d bytes: %s", len(msg), msg)
				if sent := proxy.Requests(); len(sent) > 0 {
					t.Errorf("sent over plain http: %+v", sent)
				}
				if n := reached(); n > 0 {
					t.Errorf("%d requests reached the server behind the plain-http name", n)
				}
				if msg == "" {
					t.Fatal("the step succeeded")
				}
				for _, want := range tc.want {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q lacks %q", msg, want)
					}
				}
				if toks := w.Emu.Tokens(); len(toks) > 0 {
					t.Errorf("%d tokens minted", len(toks))
				}
			})
		}
	}
}

// floodHeaderBytes is what a hostile endpoint sends as headers: more than
// Go's own 10 MiB default would refuse is pointless, 8 MiB is under it.
const floodHeaderBytes = 8 << 20

// Answers from the runner's OIDC endpoint, STS and KMS are bounded as
// GitHub's are: headers at most 64 KiB (ghtransport.MaxHeaderBytes). An
// endpoint that sends 8 MiB of them fails the step with one short line,
// after one try (another would only repeat it), nothing minted, instead of
// being read and used.
func TestKeylessAnswerHeadersAreBounded(t *testing.T) {
	t.Parallel()
	flood := func(t *testing.T, h http.Handler) string {
		srv := httptest.NewServer(githubtest.FloodHeaders(h, floodHeaderBytes))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	for _, tc := range []struct {
		name  string
		doors []keylessDoor
		// setup floods one endpoint; tries counts the requests it got.
		setup func(t *testing.T) (w *apptest.KMSWorld, tries func() int)
		want  string
	}{
		{"KMS", []keylessDoor{actionDoor, nativeDoor, cliDoor}, func(t *testing.T) (*apptest.KMSWorld, func() int) {
			w := apptest.NewKMSWorld(t, "awskms:///"+apptest.KMSAlias)
			return w.Env("AWS_ENDPOINT_URL_KMS", flood(t, w.Proxy)), w.Signs
		}, "kms-key"},
		{"STS", []keylessDoor{actionDoor, nativeDoor}, func(t *testing.T) (*apptest.KMSWorld, func() int) {
			w, _, sts := apptest.RoleWorld(t, signerRole)
			return w.Env("AWS_ENDPOINT_URL_STS", flood(t, sts)), func() int { return len(sts.Calls()) }
		}, "aws-role-to-assume"},
		{"STS called by the SDK's own chain", []keylessDoor{actionDoor, cliDoor}, func(t *testing.T) (*apptest.KMSWorld, func() int) {
			w, ids, sts := apptest.RoleWorld(t, signerRole)
			webIdentityChain(t, w, ids)
			return w.Env("AWS_ENDPOINT_URL_STS", flood(t, sts)), func() int { return len(sts.Calls()) }
		}, "kms-key"},
		{"the runner's OIDC endpoint", []keylessDoor{actionDoor, nativeDoor}, func(t *testing.T) (*apptest.KMSWorld, func() int) {
			w, ids, _ := apptest.RoleWorld(t, signerRole)
			return w.Env("ACTIONS_ID_TOKEN_REQUEST_URL", flood(t, ids)+"/_apis/distributedtask/token?api-version=2.0"),
				func() int { return len(ids.Requests()) }
		}, "aws-role-to-assume"},
	} {
		for _, door := range tc.doors {
			t.Run(tc.name+" through the "+door.name, func(t *testing.T) {
				t.Parallel()
				w, tries := tc.setup(t)
				msg := door.run(t, w, nil)
				t.Logf("%d bytes after %d tries: %s", len(msg), tries(), msg)
				if msg == "" {
					t.Fatal("the step succeeded: 8 MiB of headers were read and used")
				}
				for _, want := range []string{tc.want, "headers are larger than 64 KiB"} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q lacks %q", msg, want)
					}
				}
				if n := tries(); n != 1 {
					t.Errorf("%d tries, want 1", n)
				}
				if toks := w.Emu.Tokens(); len(toks) > 0 {
					t.Errorf("%d tokens minted", len(toks))
				}
			})
		}
	}
}
