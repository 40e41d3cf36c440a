package apptest

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/action"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
	"github.com/sethvargo/go-githubactions"
)

// Binary is the action built once for every test of a test binary, as the
// image holds it (Build); empty where phases run in process only.
var Binary string

// AppKey is the App's key pair for the whole test binary (2048-bit keys take
// a while to generate), made by Setup.
var (
	AppKey *rsa.PrivateKey
	AppPEM string
)

// Setup makes the App's key pair. Call it from TestMain, before m.Run.
func Setup() (err error) {
	AppKey, AppPEM, err = githubtest.NewAppKey()
	return err
}

// Build builds the action into dir as the Dockerfile builds it (static,
// -trimpath -s -w), from the module's root, so that the tests and the
// benchmarks run what ships; Binary names it. Call it from TestMain.
func Build(dir string) error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	Binary = filepath.Join(dir, "app-token")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", Binary, ".")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build the action: %w", err)
	}
	return nil
}

// RepoRoot is the module's root: the nearest directory at or above the
// working directory (a test's package directory) that holds go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}

// World is one job: an emulated GitHub and a step that uses the action.
type World struct {
	T    testing.TB
	Emu  *githubtest.Server
	Srv  *httptest.Server
	Step *runnertest.Step
	// Secrets are scanned for in every phase's output, with every token the
	// emulator issued and every App JWT it or a watched server was sent.
	Secrets []string
	watched []JWTSource
	// idTokens, with a broker (UseBroker), issued OIDC tokens no user may
	// see either.
	idTokens *githubtest.IDTokens
}

// JWTSource is a server that keeps the App JWTs it was sent: the emulator,
// a redirect target, a hostile API.
type JWTSource interface{ JWTs() []string }

// Watch adds a server whose JWTs the leak check looks for too.
func (w *World) Watch(src JWTSource) { w.watched = append(w.watched, src) }

// Option changes the emulated GitHub's configuration before it starts.
type Option func(*githubtest.Config)

// NewWorld starts an emulated GitHub (held to the API contract when the
// test binary's TestMain runs contract.Main) and a step that uses the
// action on it, with the App's client ID and key.
func NewWorld(t testing.TB, opts ...Option) *World {
	t.Helper()
	cfg := githubtest.DefaultConfig(&AppKey.PublicKey)
	for _, o := range opts {
		o(&cfg)
	}
	emu, srv := githubtest.Start(t, cfg)
	w := &World{T: t, Emu: emu, Srv: srv}
	w.Step = &runnertest.Step{
		Binary: Binary,
		With:   map[string]string{"client-id": githubtest.DefaultClientID, "private-key": AppPEM},
		Env:    map[string]string{"GITHUB_API_URL": srv.URL},
	}
	for _, line := range strings.Split(AppPEM, "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") {
			w.Secrets = append(w.Secrets, line)
		}
	}
	return w
}

// With sets step inputs; "" removes one.
func (w *World) With(kv ...string) *World {
	setPairs(w.Step.With, kv)
	return w
}

// setPairs sets m[key] = value for each key, value pair; "" removes key.
func setPairs(m map[string]string, kv []string) {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
}

// Ctx is a context for one phase, cancelled when the test ends.
func (w *World) Ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	w.T.Cleanup(cancel)
	return ctx
}

// Main runs the main phase as a process and checks that nothing leaked.
func (w *World) Main() *runnertest.Result {
	w.T.Helper()
	res, err := w.Step.Main(w.Ctx())
	if err != nil {
		w.T.Fatal(err)
	}
	w.CheckLeaks(res)
	return res
}

// Post runs the post phase as a process with main's saved state.
func (w *World) Post(state map[string]string) *runnertest.Result {
	w.T.Helper()
	res, err := w.Step.Post(w.Ctx(), state)
	if err != nil {
		w.T.Fatal(err)
	}
	w.CheckLeaks(res)
	return res
}

// InProcess runs a phase in this process with injected deps (a fake sleeper
// and clock), so retry tests take no real time.
func (w *World) InProcess(phase func(context.Context, *githubactions.Action, action.Deps) error, d action.Deps, state map[string]string) *runnertest.Result {
	w.T.Helper()
	res, err := w.Step.InProcess(w.Ctx(), func(ctx context.Context, a *githubactions.Action) error { return phase(ctx, a, d) }, state)
	if err != nil {
		w.T.Fatal(err)
	}
	w.CheckLeaks(res)
	return res
}

// CheckLeaks fails the test if the key, a token or an App JWT shows where
// a user or a later step could read it (runnertest.Result.Leaks says where
// a token may be).
func (w *World) CheckLeaks(res *runnertest.Result) {
	w.T.Helper()
	var tokens []string
	for _, tok := range w.Emu.Tokens() {
		tokens = append(tokens, tok.Token)
	}
	if leaks := res.LeaksOf(runnertest.NewSecrets(tokens...), w.LeakCheck()); len(leaks) > 0 {
		w.T.Errorf("secret leaked in: %s", strings.Join(leaks, "; "))
	}
}

// LeakCheck is what no user may see: any 20-character piece of a key line,
// of w.Secrets, or of the signature of an App JWT the emulator or a watched
// server was sent. Not of the JWT's header: every RS256 JWT shares it,
// GitHub's long tokens included.
func (w *World) LeakCheck() *runnertest.Secrets {
	s := runnertest.NewSecrets(w.Secrets...)
	if w.idTokens != nil {
		for _, tok := range w.idTokens.Issued() {
			s.Add(runnertest.JWTSignature(tok))
		}
	}
	for _, src := range append([]JWTSource{w.Emu}, w.watched...) {
		for _, jwt := range src.JWTs() {
			s.Add(runnertest.JWTSignature(jwt))
		}
	}
	return s
}

// CheckCall is the main phase's check that GitHub accepts the new token:
// the bot lookup, made with it.
const CheckCall = "GET " + BotPath

// Calls lists the emulator's requests as "METHOD /path", in order.
func (w *World) Calls() []string {
	var out []string
	for _, r := range w.Emu.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// OnlyToken is the one token the emulator issued; the test fails if it
// issued another number.
func (w *World) OnlyToken() githubtest.IssuedToken {
	w.T.Helper()
	toks := w.Emu.Tokens()
	if len(toks) != 1 {
		w.T.Fatalf("emulator issued %d tokens, want 1", len(toks))
	}
	return toks[0]
}

// Succeeded fails the test unless the phase exited 0 without an error annotation.
func Succeeded(t testing.TB, res *runnertest.Result) {
	t.Helper()
	if res.ExitCode != 0 || len(res.Errors) > 0 {
		t.Fatalf("exit %d, errors %q\nlog:\n%s\nstderr:\n%s", res.ExitCode, res.Errors, res.Log(), res.Stderr)
	}
}

// FailedWith fails the test unless the phase failed with exactly one error
// annotation containing every want.
func FailedWith(t *testing.T, res *runnertest.Result, want ...string) {
	t.Helper()
	if res.ExitCode != 1 || len(res.Errors) != 1 {
		t.Fatalf("exit %d with errors %q, want exit 1 with one error\nlog:\n%s\nstderr:\n%s", res.ExitCode, res.Errors, res.Log(), res.Stderr)
	}
	for _, w := range want {
		if !strings.Contains(res.Errors[0], w) {
			t.Errorf("error %q lacks %q", res.Errors[0], w)
		}
	}
	if res.Stderr != "" {
		t.Errorf("stderr is not empty (a stack trace?): %q", res.Stderr)
	}
	if strings.Contains(res.Stdout, "goroutine ") || strings.Contains(res.Stdout, "panic:") {
		t.Errorf("stdout shows a panic:\n%s", res.Stdout)
	}
}
