package e2e_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/apptest"
	"github.com/app-token/app-token/internal/githubtest"
	"github.com/app-token/app-token/internal/runnertest"
)

// runningBroker is the built binary's `app-token serve`, on a loopback
// port, with everything it writes kept for the leak check.
type runningBroker struct {
	t      testing.TB
	w      *apptest.World
	cmd    *exec.Cmd
	URL    string
	stdout apptest.LockedBuilder
	stderr apptest.LockedBuilder
	exited chan struct{}
	// secrets are what must never show in its output besides the world's
	// (a hook's secret).
	secrets []string
}

var listening = regexp.MustCompile(`"msg":"listening","address":"(127\.0\.0\.1:\d+)"`)

// startBroker runs `app-token serve --listen 127.0.0.1:0 ARGS...` with
// the App's client ID and key in its environment (env added), and waits
// (at most 20 s) until it listens. It is stopped, and its output held to
// the leak check, when the test ends.
func startBroker(t testing.TB, w *apptest.World, env []string, args ...string) *runningBroker {
	t.Helper()
	b := &runningBroker{t: t, w: w, exited: make(chan struct{})}
	b.cmd = exec.Command(apptest.Binary, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	b.cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"APP_TOKEN_CLIENT_ID=" + githubtest.DefaultClientID,
		"APP_TOKEN_PRIVATE_KEY=" + apptest.AppPEM,
		"GITHUB_API_URL=" + w.Srv.URL,
	}, env...)
	b.cmd.Stdout, b.cmd.Stderr = &b.stdout, &b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = b.cmd.Wait(); close(b.exited) }()
	t.Cleanup(func() {
		b.Stop()
		b.checkLeaks()
	})
	deadline := time.After(20 * time.Second)
	for tick := time.NewTicker(20 * time.Millisecond); ; {
		if m := listening.FindStringSubmatch(b.stderr.String()); m != nil {
			tick.Stop()
			b.URL = "http://" + m[1]
			return b
		}
		select {
		case <-tick.C:
		case <-b.exited:
			t.Fatalf("serve exited at start: %d, stderr %q", b.cmd.ProcessState.ExitCode(), b.stderr.String())
		case <-deadline:
			t.Fatalf("serve did not listen within 20 s: stderr %q", b.stderr.String())
		}
	}
}

// Stop sends SIGTERM and waits (at most 15 s) for the exit; it returns
// the exit code.
func (b *runningBroker) Stop() int {
	b.t.Helper()
	select {
	case <-b.exited:
		return b.cmd.ProcessState.ExitCode()
	default:
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(15 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
		b.t.Errorf("serve did not stop within 15 s of SIGTERM")
	}
	return b.cmd.ProcessState.ExitCode()
}

// checkLeaks holds every byte the broker wrote to the leak check: no
// piece of the key, an App JWT, a token the emulator issued, an OIDC
// token or a hook's secret, on stdout or stderr.
func (b *runningBroker) checkLeaks() {
	b.t.Helper()
	out := b.stdout.String() + "\n" + b.stderr.String()
	if p := b.w.LeakCheck().In(out); p != "" {
		b.t.Errorf("a piece of a key line or App JWT leaked (%q):\n%s", p, out)
	}
	s := runnertest.NewSecrets(b.secrets...)
	for _, tok := range b.w.Emu.Tokens() {
		s.Add(tok.Token)
	}
	if p := s.In(out); p != "" {
		b.t.Errorf("a piece of a token or secret leaked (%q):\n%s", p, out)
	}
}

// auditLines are the JSON lines the broker wrote on stdout.
func (b *runningBroker) auditLines() []map[string]any {
	b.t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.stdout.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			b.t.Fatalf("stdout line %q is not JSON: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// waitAudit waits (at most 10 s) for n audit lines: each is written
// once its answer is, so the last may follow the answer by a moment.
func (b *runningBroker) waitAudit(n int) []map[string]any {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		lines := b.auditLines()
		if len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// answer is one HTTP answer: its status, body and headers.
type answer struct {
	Status int
	Body   string
	Header http.Header
}

// do sends one request to the broker, with a 30 s bound.
func (b *runningBroker) do(method, path string, header http.Header, body []byte) answer {
	b.t.Helper()
	a, err := b.try(method, path, header, body)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	return a
}

// try is do for any goroutine: a failure is returned, not fatal.
func (b *runningBroker) try(method, path string, header http.Header, body []byte) (answer, error) {
	req, err := http.NewRequest(method, b.URL+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return answer{resp.StatusCode, string(got), resp.Header}, nil
}

// message is an error answer's message.
func (a answer) message() string {
	var m struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal([]byte(a.Body), &m)
	return m.Message
}
