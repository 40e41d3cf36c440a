package serve

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/app-token/app-token/internal/broker"
	"github.com/app-token/app-token/internal/permissions"
	"github.com/aws/aws-lambda-go/events"
)

func readEvent(t *testing.T, name string) events.LambdaFunctionURLRequest {
	t.Helper()
	b, err := os.ReadFile("testdata/lambda/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.LambdaFunctionURLRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func lambdaServer(t *testing.T) (*Server, *fake, *buffer) {
	t.Helper()
	f, audit := &fake{}, &buffer{}
	s, err := New(Config{Exchanger: f, Audit: NewAudit(audit), Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return s, f, audit
}

// Recorded function URL events go through the same handler: the
// exchange's request reaches the exchanger whole, the answer becomes a
// function URL response.
func TestLambdaEvents(t *testing.T) {
	t.Parallel()
	s, f, audit := lambdaServer(t)
	for _, c := range []struct {
		event  string
		status int
		want   string
		asked  *broker.Request
	}{
		{"documented-request.json", 404, `"message":"no such endpoint`, nil},
		{"browser-get.json", 404, `"message":"no such endpoint`, nil},
		{"exchange-get.json", 200, `"token":"` + grantToken + `"`, &broker.Request{Bearer: oidcToken, Scope: "octo/app", Identity: "deploy"}},
		{"token-post-base64.json", 200, `"repositories":["app"]`, &broker.Request{Bearer: oidcToken, Scope: "octo", Identity: "deploy",
			Repositories: []string{"app"}, Permissions: permissions.Set{"issues": "write"}}},
	} {
		before := len(f.seen())
		resp, err := s.Lambda(context.Background(), readEvent(t, c.event))
		if err != nil {
			t.Fatalf("%s: %v", c.event, err)
		}
		if resp.StatusCode != c.status || !strings.Contains(resp.Body, c.want) || resp.IsBase64Encoded ||
			resp.Headers["content-type"] != "application/json" || resp.Headers["cache-control"] != "no-store" {
			t.Errorf("%s: %+v", c.event, resp)
		}
		seen := f.seen()[before:]
		switch {
		case c.asked == nil && len(seen) != 0:
			t.Errorf("%s: the exchanger was asked %v", c.event, seen)
		case c.asked != nil && (len(seen) != 1 || !reflect.DeepEqual(seen[0], *c.asked)):
			t.Errorf("%s: the exchanger was asked %v, want %v", c.event, seen, *c.asked)
		}
	}
	if n := strings.Count(audit.String(), `"decision":"allowed"`); n != 2 {
		t.Errorf("%d audit lines allowed: %s", n, audit)
	}
}

// The bounds hold through Lambda as through the listener: 431, 413, and a
// request the event cannot describe is a 400 answer, not an invocation
// error.
func TestLambdaBounds(t *testing.T) {
	t.Parallel()
	s, f, _ := lambdaServer(t)
	ev := readEvent(t, "exchange-get.json")
	ev.Headers["x-padding"] = strings.Repeat("a", 33<<10)
	if resp, _ := s.Lambda(context.Background(), ev); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("33 KiB of headers: %+v", resp)
	}
	ev = readEvent(t, "exchange-get.json")
	ev.Cookies = []string{"c=" + strings.Repeat("a", 33<<10)}
	if resp, _ := s.Lambda(context.Background(), ev); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("33 KiB of cookies: %d", resp.StatusCode)
	}
	ev = readEvent(t, "token-post-base64.json")
	ev.Body = base64.StdEncoding.EncodeToString([]byte(`{"scope":"o/r","identity":"i"}` + strings.Repeat(" ", 65<<10)))
	if resp, _ := s.Lambda(context.Background(), ev); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("65 KiB body: %+v", resp)
	}
	ev.Body = "not base64!"
	if resp, err := s.Lambda(context.Background(), ev); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad base64: %+v %v", resp, err)
	}
	ev = readEvent(t, "exchange-get.json")
	ev.RawPath = "::"
	if resp, err := s.Lambda(context.Background(), ev); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("no path: %+v %v", resp, err)
	}
	ev = readEvent(t, "exchange-get.json")
	ev.RequestContext.HTTP.Method = "DELETE"
	if resp, _ := s.Lambda(context.Background(), ev); resp.StatusCode != http.StatusMethodNotAllowed || resp.Headers["allow"] != "GET" {
		t.Errorf("DELETE: %+v", resp)
	}
	if n := len(f.seen()); n != 0 {
		t.Errorf("the exchanger was asked %d times", n)
	}
}

// The function URL response carries repeated headers joined, cookies
// apart, and a body that is not text in base64.
func TestLambdaResponse(t *testing.T) {
	t.Parallel()
	rec := &recorder{header: http.Header{}}
	rec.Header().Add("Vary", "a")
	rec.Header().Add("Vary", "b")
	rec.Header().Add("Set-Cookie", "x=1")
	rec.Write([]byte{0xff, 0xfe})
	resp := rec.response()
	if resp.StatusCode != 200 || resp.Headers["vary"] != "a, b" || !reflect.DeepEqual(resp.Cookies, []string{"x=1"}) ||
		!resp.IsBase64Encoded || resp.Body != "//4=" || resp.Headers["set-cookie"] != "" {
		t.Errorf("%+v", resp)
	}
	if resp := (&recorder{header: http.Header{}}).response(); resp.StatusCode != 200 || resp.Body != "" {
		t.Errorf("empty: %+v", resp)
	}
}

// lambdaHelper is the broker process under the Lambda runtime: Run with
// AWS_LAMBDA_RUNTIME_API set (by the test) serves events, not a port.
func lambdaHelper() int {
	err := Run(context.Background(), Config{Exchanger: &fake{}, Audit: NewAudit(os.Stdout), Log: os.Stderr, Getenv: os.Getenv})
	fmt.Fprintln(os.Stderr, "Run returned:", err)
	return 1
}

// Under the Lambda runtime (AWS_LAMBDA_RUNTIME_API set) Run takes its
// events from the runtime API and posts the function URL response back;
// it opens no port.
func TestLambdaRuntime(t *testing.T) {
	t.Parallel()
	event, err := os.ReadFile("testdata/lambda/exchange-get.json")
	if err != nil {
		t.Fatal(err)
	}
	responses := make(chan string, 1)
	var served atomic.Bool
	runtimeAPI := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/2018-06-01/runtime/invocation/next" && served.CompareAndSwap(false, true):
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(time.Minute).UnixMilli()))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:123456789012:function:broker")
			w.Write(event)
		case r.Method == "GET": // the next event never comes
			<-r.Context().Done()
		case r.URL.Path == "/2018-06-01/runtime/invocation/req-1/response":
			b, _ := io.ReadAll(r.Body)
			responses <- string(b)
			w.WriteHeader(http.StatusAccepted)
		default:
			b, _ := io.ReadAll(r.Body)
			responses <- r.URL.Path + ": " + string(b)
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go runtimeAPI.Serve(ln)
	defer runtimeAPI.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=lambda", "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(), "PORT=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	select {
	case got := <-responses:
		var resp events.LambdaFunctionURLResponse
		if err := json.Unmarshal([]byte(got), &resp); err != nil {
			t.Fatalf("%q: %v", got, err)
		}
		if resp.StatusCode != 200 || !strings.Contains(resp.Body, grantToken) || resp.Headers["content-type"] != "application/json" {
			t.Errorf("response %+v", resp)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no response; stderr %s", stderr.String())
	}
}
