package cli

import (
	"bytes"
	"context"
	"crypto/rsa"
	"fmt"
	"github.com/app-token/app-token/internal/env"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/ghclient"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/githubtest/contract"
	"github.com/app-token/app-token/internal/runnertest"
	"github.com/app-token/app-token/internal/setting"
)

var (
	appKey *rsa.PrivateKey
	appPEM string
)

func TestMain(m *testing.M) {
	var err error
	if appKey, appPEM, err = githubtest.NewAppKey(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(contract.Main(m))
}

// world is an emulated GitHub and a shell whose environment holds the App's
// client ID and key, as the classic case sets them up.
type world struct {
	t   *testing.T
	emu *githubtest.Server
	url string
	env map[string]string
}

func newWorld(t *testing.T, opts ...func(*githubtest.Config)) *world {
	t.Helper()
	cfg := githubtest.DefaultConfig(&appKey.PublicKey)
	for _, o := range opts {
		o(&cfg)
	}
	emu, srv := githubtest.Start(t, cfg)
	// The emulator speaks plain http: every command warns about it once.
	return &world{t: t, emu: emu, url: srv.URL, env: map[string]string{
		setting.ClientID.Spec().Env:   githubtest.DefaultClientID,
		setting.PrivateKey.Spec().Env: appPEM,
		"GITHUB_API_URL":              srv.URL,
	}}
}

// result is what a command left behind.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the command line in process with stdin, never sleeping between
// retries, and fails the test if a secret shows where it must not.
func (w *world) run(stdin string, args ...string) result {
	w.t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := Run(ctx, args, Env{
		Env: env.Env{
			Getenv: func(k string) string { return w.env[k] },
			Sleep:  func(context.Context, time.Duration) error { return nil },
		},
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		LookupEnv: func(k string) (string, bool) { v, ok := w.env[k]; return v, ok },
	})
	r := result{code, out.String(), errb.String()}
	w.checkLeaks(r, args)
	return r
}

// checkLeaks fails the test if a key line, an App JWT or a token shows on
// stderr, or anything but the token shows on stdout.
func (w *world) checkLeaks(r result, args []string) {
	w.t.Helper()
	secrets := runnertest.NewSecrets()
	for _, jwt := range w.emu.JWTs() {
		secrets.Add(runnertest.JWTSignature(jwt))
	}
	for _, line := range strings.Split(appPEM, "\n") {
		if len(line) >= runnertest.MinLeak && !strings.HasPrefix(line, "-----") {
			secrets.Add(line)
		}
	}
	if p := secrets.In(r.stdout + "\n" + r.stderr); p != "" {
		w.t.Errorf("app-token %s: a piece of a key line or App JWT leaked (%q):\nstdout %q\nstderr %q", strings.Join(args, " "), p, r.stdout, r.stderr)
	}
	tokens := runnertest.NewSecrets()
	for _, tok := range w.emu.Tokens() {
		tokens.Add(tok.Token)
	}
	if p := tokens.In(r.stderr); p != "" {
		w.t.Errorf("app-token %s: a piece of a token leaked on stderr (%q): %q", strings.Join(args, " "), p, r.stderr)
	}
}

// ok fails the test unless the command exited 0.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != ExitOK {
		t.Fatalf("exit %d, want 0\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	return r
}

// failed fails the test unless the command exited with code and one line
// on stderr containing every want, and printed nothing on stdout.
func (r result) failed(t *testing.T, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout %q\nstderr %q", r.code, code, r.stdout, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q, want nothing", r.stdout)
	}
	var errLines []string
	for _, line := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if !strings.HasPrefix(line, "app-token: warning: ") {
			errLines = append(errLines, line)
		}
	}
	if len(errLines) != 1 || !strings.HasPrefix(errLines[0], "app-token") {
		t.Errorf("stderr is not one app-token error line (and warnings): %q", r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr %q lacks %q", r.stderr, w)
		}
	}
	for _, bad := range []string{"goroutine ", "panic:", "input "} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("stderr %q holds %q", r.stderr, bad)
		}
	}
}

// newKey returns another App's key, as PEM.
func newKey() (string, *rsa.PrivateKey, error) {
	k, pem, err := githubtest.NewAppKey()
	return pem, k, err
}

func githubtestInstallation(login, typ, selection string) ghclient.Installation {
	var in ghclient.Installation
	in.Account.Login, in.Account.Type, in.RepositorySelection = login, typ, selection
	return in
}
