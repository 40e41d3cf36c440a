package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/broker"
)

// When Serve's context ends, an exchange in flight finishes and is
// answered; new connections are refused; Serve returns nil.
func TestDrainFinishesExchanges(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	w := start(t, Config{})
	w.fake.answer = func(ctx context.Context, req broker.Request) (*broker.Grant, error) {
		close(entered)
		<-release
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return grant(req), nil
	}
	result := make(chan answer, 1)
	go func() {
		a, err := w.try("GET", "/sts/exchange?scope=o/r&identity=i", bearer(), nil)
		if err != nil {
			a.body = err.Error()
		}
		result <- a
	}()
	<-entered
	w.stop()
	// The listener closes at once: a new connection is refused.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", w.listener.Addr().String(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections while draining")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if a := <-result; a.status != http.StatusOK {
		t.Errorf("the exchange in flight: %d %s", a.status, a.body)
	}
	select {
	case err := <-w.done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
		w.done <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	var msgs []string
	for _, l := range w.log.lines(t) {
		msgs = append(msgs, fmt.Sprint(l["msg"]))
	}
	if strings.Join(msgs, "|") != "listening|draining|stopped" {
		t.Errorf("log: %s", w.log)
	}
}

// An exchange still running at the drain's end is cut off: its context
// ends, its audit line says so, and Serve returns an error.
func TestDrainGivesUp(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	w := start(t, Config{DrainTimeout: 200 * time.Millisecond})
	w.fake.answer = func(ctx context.Context, req broker.Request) (*broker.Grant, error) {
		close(entered)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	go func() {
		req, _ := http.NewRequest("GET", w.url+"/sts/exchange?scope=o/r&identity=i", nil)
		req.Header = bearer()
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	began := time.Now()
	w.stop()
	select {
	case err := <-w.done:
		if err == nil || !strings.Contains(err.Error(), "cut off") {
			t.Errorf("Serve: %v", err)
		}
		if d := time.Since(began); d > 3*time.Second {
			t.Errorf("returned after %s", d)
		}
		w.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	lines := w.audit.lines(t)
	if len(lines) != 1 || lines[0]["reason"] != "canceled" || lines[0]["decision"] != "refused" {
		t.Errorf("audit: %s", w.audit)
	}
}

// A listener that fails ends Serve with its error.
func TestServeReportsListenerFailure(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Exchanger: &fake{}, Audit: NewAudit(io.Discard), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ln.Close()
	if err := s.Serve(context.Background(), ln); err == nil || !strings.HasPrefix(err.Error(), "serve: ") {
		t.Errorf("%v", err)
	}
}

// helperEnv starts this test binary as a server process (see TestMain).
const helperEnv = "SERVE_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "drain":
		os.Exit(drainHelper())
	case "lambda":
		os.Exit(lambdaHelper())
	}
	os.Exit(3)
}

// drainHelper is a broker process as the serve command runs it: SIGTERM
// ends Run's context; each exchange takes 700 ms.
func drainHelper() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	ex := &fake{answer: func(ctx context.Context, req broker.Request) (*broker.Grant, error) {
		time.Sleep(700 * time.Millisecond)
		return grant(req), nil
	}}
	err := Run(ctx, Config{Exchanger: ex, Audit: NewAudit(os.Stdout), Log: os.Stderr, Getenv: os.Getenv, Listen: "127.0.0.1:0"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// SIGTERM drains: the exchange in flight is answered, the process says
// so on stderr and exits 0 within the 10 s the drain allows.
func TestSIGTERMDrains(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=drain")
	stderr, _ := cmd.StderrPipe()
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	logs := bufio.NewScanner(stderr)
	var addr string
	var logLines []string
	for logs.Scan() {
		logLines = append(logLines, logs.Text())
		var l struct{ Msg, Address string }
		if json.Unmarshal(logs.Bytes(), &l) == nil && l.Msg == "listening" {
			addr = l.Address
			break
		}
	}
	if addr == "" {
		t.Fatalf("no listening line: %q", logLines)
	}
	result := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+addr+"/sts/exchange?scope=o/r&identity=i", nil)
		req.Header = bearer()
		resp, err := client.Do(req)
		if err != nil {
			result <- answer{body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		result <- answer{status: resp.StatusCode, body: string(b)}
	}()
	time.Sleep(300 * time.Millisecond) // the exchange is in flight
	began := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for logs.Scan() {
		logLines = append(logLines, logs.Text())
	}
	err := cmd.Wait()
	took := time.Since(began)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	if err != nil {
		t.Errorf("exit %v; stderr %q", err, logLines)
	}
	if took > 10*time.Second {
		t.Errorf("took %s to stop", took)
	}
	if a := <-result; a.status != http.StatusOK || !strings.Contains(a.body, grantToken) {
		t.Errorf("the exchange in flight: %d %s", a.status, a.body)
	}
	joined := strings.Join(logLines, "\n")
	for _, msg := range []string{`"msg":"draining"`, `"msg":"stopped"`} {
		if !strings.Contains(joined, msg) {
			t.Errorf("stderr lacks %s: %s", msg, joined)
		}
	}
	if !strings.Contains(stdout.String(), `"decision":"allowed"`) {
		t.Errorf("stdout (the audit): %s", stdout.String())
	}
	t.Logf("SIGTERM to exit: %s", took)
}
