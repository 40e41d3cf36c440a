package main

import (
	"context"
	"crypto/rsa"
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
	"github.com/app-token/app-token/internal/githubtest/contract"
	"github.com/app-token/app-token/internal/runnertest"
	"github.com/sethvargo/go-githubactions"
)

// binary is the action built once for every scenario, as the image holds it.
var binary string

// appKey is the App's key pair for the whole test binary (2048-bit keys take
// a while to generate).
var (
	appKey *rsa.PrivateKey
	appPEM string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "app-token-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "app-token")
	// Built as the Dockerfile builds it, so benchmarks measure what ships.
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the action:", err)
		return 1
	}
	if appKey, appPEM, err = githubtest.NewAppKey(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return contract.Main(m)
}

// world is one job: an emulated GitHub and a step that uses the action.
type world struct {
	t    testing.TB
	emu  *githubtest.Server
	srv  *httptest.Server
	step *runnertest.Step
	// secrets are scanned for in every phase's output, with every token the
	// emulator issued and every App JWT it or a watched server was sent.
	secrets []string
	watched []jwtSource
}

// jwtSource is a server that keeps the App JWTs it was sent: the emulator,
// a redirect target, a hostile API.
type jwtSource interface{ JWTs() []string }

// watch adds a server whose JWTs the leak check looks for too.
func (w *world) watch(src jwtSource) { w.watched = append(w.watched, src) }

type worldOption func(*githubtest.Config)

func newWorld(t testing.TB, opts ...worldOption) *world {
	t.Helper()
	cfg := githubtest.DefaultConfig(&appKey.PublicKey)
	for _, o := range opts {
		o(&cfg)
	}
	emu, srv := githubtest.Start(t, cfg)
	w := &world{t: t, emu: emu, srv: srv}
	w.step = &runnertest.Step{
		Binary: binary,
		With:   map[string]string{"client-id": githubtest.DefaultClientID, "private-key": appPEM},
		Env:    map[string]string{"GITHUB_API_URL": srv.URL},
	}
	for _, line := range strings.Split(appPEM, "\n") {
		if len(line) > 20 && !strings.HasPrefix(line, "-----") {
			w.secrets = append(w.secrets, line)
		}
	}
	return w
}

// with sets step inputs; "" removes one.
func (w *world) with(kv ...string) *world {
	setPairs(w.step.With, kv)
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

func (w *world) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	w.t.Cleanup(cancel)
	return ctx
}

// main runs the main phase as a process and checks that nothing leaked.
func (w *world) main() *runnertest.Result {
	w.t.Helper()
	res, err := w.step.Main(w.ctx())
	if err != nil {
		w.t.Fatal(err)
	}
	w.checkLeaks(res)
	return res
}

// post runs the post phase as a process with main's saved state.
func (w *world) post(state map[string]string) *runnertest.Result {
	w.t.Helper()
	res, err := w.step.Post(w.ctx(), state)
	if err != nil {
		w.t.Fatal(err)
	}
	w.checkLeaks(res)
	return res
}

// inProcess runs a phase in this process with injected deps (a fake sleeper
// and clock), so retry tests take no real time.
func (w *world) inProcess(phase func(context.Context, *githubactions.Action, action.Deps) error, d action.Deps, state map[string]string) *runnertest.Result {
	w.t.Helper()
	res, err := w.step.InProcess(w.ctx(), func(ctx context.Context, a *githubactions.Action) error { return phase(ctx, a, d) }, state)
	if err != nil {
		w.t.Fatal(err)
	}
	w.checkLeaks(res)
	return res
}

// checkLeaks fails the test if the key, a token or an App JWT shows where
// a user or a later step could read it (runnertest.Result.Leaks says where
// a token may be).
func (w *world) checkLeaks(res *runnertest.Result) {
	w.t.Helper()
	var tokens []string
	for _, tok := range w.emu.Tokens() {
		tokens = append(tokens, tok.Token)
	}
	if leaks := res.LeaksOf(runnertest.NewSecrets(tokens...), w.leakCheck()); len(leaks) > 0 {
		w.t.Errorf("secret leaked in: %s", strings.Join(leaks, "; "))
	}
}

// leakCheck is what no user may see: any 20-character piece of a key line,
// of w.secrets, or of the signature of an App JWT the emulator or a watched
// server was sent. Not of the JWT's header: every RS256 JWT shares it,
// GitHub's long tokens included.
func (w *world) leakCheck() *runnertest.Secrets {
	s := runnertest.NewSecrets(w.secrets...)
	for _, src := range append([]jwtSource{w.emu}, w.watched...) {
		for _, jwt := range src.JWTs() {
			s.Add(runnertest.JWTSignature(jwt))
		}
	}
	return s
}

// checkCall is the main phase's check that GitHub accepts the new token.
const checkCall = "GET /installation/repositories"

// calls lists the emulator's requests as "METHOD /path". The token check
// and the bot lookup are made at the same time: they are listed in one
// order, the check first.
func (w *world) calls() []string {
	var out []string
	for _, r := range w.emu.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	for i := 0; i+1 < len(out); i++ {
		if strings.HasPrefix(out[i], "GET /users/") && strings.HasSuffix(out[i], "[bot]") && out[i+1] == checkCall {
			out[i], out[i+1] = out[i+1], out[i]
		}
	}
	return out
}

func (w *world) onlyToken() githubtest.IssuedToken {
	w.t.Helper()
	toks := w.emu.Tokens()
	if len(toks) != 1 {
		w.t.Fatalf("emulator issued %d tokens, want 1", len(toks))
	}
	return toks[0]
}

// succeeded fails the test unless the phase exited 0 without an error annotation.
func succeeded(t testing.TB, res *runnertest.Result) {
	t.Helper()
	if res.ExitCode != 0 || len(res.Errors) > 0 {
		t.Fatalf("exit %d, errors %q\nlog:\n%s\nstderr:\n%s", res.ExitCode, res.Errors, res.Log(), res.Stderr)
	}
}

// failedWith fails the test unless the phase failed with exactly one error
// annotation containing every want.
func failedWith(t *testing.T, res *runnertest.Result, want ...string) {
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
