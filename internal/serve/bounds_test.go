package serve

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/app-token/app-token/internal/broker"
)

// Header fields over 32 KiB are answered 431, on every endpoint, before
// the exchanger is asked; 31 KiB pass.
func TestHeaderBound(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	padded := func(size int) http.Header {
		h := bearer()
		h.Set("X-Padding", strings.Repeat("a", size))
		return h
	}
	for _, path := range []string{"/sts/exchange?scope=o/r&identity=i", "/healthz", "/metrics", "/nowhere"} {
		a := w.do(t, "GET", path, padded(33<<10), nil)
		if a.status != http.StatusRequestHeaderFieldsTooLarge || a.message(t) != headersTooLarge {
			t.Errorf("%s, 33 KiB of headers: %d %s", path, a.status, a.body)
		}
	}
	// Past net/http's own limit (32 KiB + its 4 KiB of slack) it answers
	// 431 itself and hangs up without reading on: the client may see the
	// answer or the reset.
	req, _ := http.NewRequest("GET", w.url+"/healthz", nil)
	req.Header = padded(40 << 10)
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("40 KiB: %d", resp.StatusCode)
		}
	}
	if n := len(w.fake.seen()); n != 0 {
		t.Errorf("the exchanger was asked %d times", n)
	}
	if a := w.do(t, "GET", "/sts/exchange?scope=o/r&identity=i", padded(31<<10), nil); a.status != http.StatusOK {
		t.Errorf("31 KiB of headers: %d %s", a.status, a.body)
	}
}

// headerBytes counts what the wire carries: names, values, separators,
// Host.
func TestHeaderBytes(t *testing.T) {
	t.Parallel()
	r, _ := http.NewRequest("GET", "http://h.example/", nil)
	r.Header = http.Header{"A": {"bc", "d"}}
	if got, want := headerBytes(r), len("Host: h.example\r\nA: bc\r\nA: d\r\n"); got != want {
		t.Errorf("%d, want %d", got, want)
	}
}

// A body over 64 KiB is answered 413 whether its length is declared or
// not; exactly 64 KiB is read.
func TestBodyBound(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	small := `{"scope":"o/r","identity":"i"}`
	exact := small + strings.Repeat(" ", MaxBodyBytes-len(small))
	if a := w.do(t, "POST", "/token", jsonBearer(), strings.NewReader(exact)); a.status != http.StatusOK {
		t.Errorf("64 KiB: %d %s", a.status, a.body)
	}
	over := small + strings.Repeat(" ", 65<<10-len(small))
	a := w.do(t, "POST", "/token", jsonBearer(), strings.NewReader(over))
	if a.status != http.StatusRequestEntityTooLarge || a.message(t) != bodyTooLarge {
		t.Errorf("65 KiB declared: %d %s", a.status, a.body)
	}
	// Chunked: no length declared, the reader stops at the bound.
	a = w.do(t, "POST", "/token", jsonBearer(), io.MultiReader(strings.NewReader(over)))
	if a.status != http.StatusRequestEntityTooLarge || a.message(t) != bodyTooLarge {
		t.Errorf("65 KiB chunked: %d %s", a.status, a.body)
	}
	// A length declared over the bound is refused before a byte of the
	// body is read: a client cannot hold the request open by sending it
	// slowly.
	conn := w.dial(t)
	fmt.Fprintf(conn, "POST /token HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{", oidcToken)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("1 MB declared, 1 byte sent: %v %v", resp, err)
	}
	if n := len(w.fake.seen()); n != 1 {
		t.Errorf("the exchanger was asked %d times", n)
	}
}

// A client that sends its header a byte at a time (slowloris) is cut off
// at ReadHeaderTimeout, without an answer.
func TestSlowHeaderIsCutOff(t *testing.T) {
	t.Parallel()
	w := start(t, Config{ReadHeaderTimeout: 300 * time.Millisecond})
	conn := w.dial(t)
	began := time.Now()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan time.Duration, 1)
	go func() {
		b := make([]byte, 1)
		_, _ = conn.Read(b) // EOF when the server hangs up
		closed <- time.Since(began)
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case d := <-closed:
			if d < 250*time.Millisecond || d > 5*time.Second {
				t.Errorf("cut off after %s, want about 300ms", d)
			}
			return
		case <-tick.C:
			_, _ = io.WriteString(conn, "X") // one more byte of a header name
		case <-time.After(10 * time.Second):
			t.Fatal("the slow client was never cut off")
		}
	}
}

// Over MaxConcurrent exchanges are refused at once with 503 and
// Retry-After, never queued; once one ends the next is served.
func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var entered sync.WaitGroup
	entered.Add(2)
	w := start(t, Config{MaxConcurrent: 2})
	w.fake.answer = func(ctx context.Context, req broker.Request) (*broker.Grant, error) {
		if req.Identity == "slow" {
			entered.Done()
			<-release
		}
		return grant(req), nil
	}
	results := make(chan int, 2)
	for range 2 {
		go func() {
			a, _ := w.try("GET", "/sts/exchange?scope=o/r&identity=slow", bearer(), nil)
			results <- a.status
		}()
	}
	entered.Wait()
	began := time.Now()
	a := w.do(t, "GET", "/sts/exchange?scope=o/r&identity=fast", bearer(), nil)
	if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != "1" || a.message(t) != saturated {
		t.Errorf("over the bound: %d %v %s", a.status, a.header, a.body)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("the refusal waited %s", d)
	}
	// /healthz and /metrics are not held back by the bound.
	for _, path := range []string{"/healthz", "/metrics"} {
		if a := w.do(t, "GET", path, nil, nil); a.status != 200 {
			t.Errorf("%s while saturated: %d", path, a.status)
		}
	}
	close(release)
	for range 2 {
		if s := <-results; s != 200 {
			t.Errorf("a slow exchange: %d", s)
		}
	}
	if a := w.do(t, "GET", "/sts/exchange?scope=o/r&identity=fast", bearer(), nil); a.status != 200 {
		t.Errorf("after the bound freed: %d", a.status)
	}
}

// Past MaxConnections a new connection waits in the kernel's queue: it is
// served once another closes, and costs no goroutine before.
func TestConnectionBound(t *testing.T) {
	t.Parallel()
	w := start(t, Config{MaxConnections: 2})
	var open []net.Conn
	for range 2 {
		c := w.dial(t)
		open = append(open, c)
		// Each holds its connection with a request served, kept alive.
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != 200 {
			t.Fatal(err)
		}
	}
	third := w.dial(t)
	fmt.Fprintf(third, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	answered := make(chan error, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(third), nil)
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		answered <- err
	}()
	select {
	case err := <-answered:
		t.Fatalf("the third connection was served at once (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	open[0].Close()
	select {
	case err := <-answered:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the third connection was never served")
	}
	open[1].Close()
}

// A body that cannot be read whole (the client went away) is a 400, and
// the exchanger is not asked.
func TestBodyReadFails(t *testing.T) {
	t.Parallel()
	w := start(t, Config{})
	r := httptest.NewRequest("POST", "/token", io.MultiReader(strings.NewReader(`{"scope":`), iotest.ErrReader(io.ErrUnexpectedEOF)))
	r.Header = jsonBearer()
	rec := httptest.NewRecorder()
	w.server.ServeHTTP(rec, r)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "could not be read whole") || len(w.fake.seen()) != 0 {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

// A body sent a byte at a time is cut off at ReadTimeout, and the
// exchanger is not asked.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	w := start(t, Config{ReadTimeout: 400 * time.Millisecond})
	conn := w.dial(t)
	began := time.Now()
	fmt.Fprintf(conn, "POST /token HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{", oidcToken)
	ended := make(chan time.Duration, 1)
	go func() {
		_, _ = io.Copy(io.Discard, conn) // until the server hangs up
		ended <- time.Since(began)
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
wait:
	for {
		select {
		case d := <-ended:
			if d > 5*time.Second {
				t.Errorf("the slow body held the request %s", d)
			}
			break wait
		case <-tick.C:
			_, _ = io.WriteString(conn, " ") // 200 bytes would take 10 s
		case <-deadline:
			t.Fatal("the slow body was never cut off")
		}
	}
	if n := len(w.fake.seen()); n != 0 {
		t.Errorf("the exchanger was asked %d times", n)
	}
}

// A kept-alive connection left idle is closed at IdleTimeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	t.Parallel()
	w := start(t, Config{IdleTimeout: 400 * time.Millisecond})
	idle := w.dial(t)
	fmt.Fprintf(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	r := bufio.NewReader(idle)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	began := time.Now()
	idle.SetReadDeadline(time.Now().Add(9 * time.Second))
	if _, err := r.ReadByte(); err != io.EOF || time.Since(began) > 5*time.Second {
		t.Errorf("the idle connection: %v after %s", err, time.Since(began))
	}
}
