package serve

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookRecorder stands for internal/hooks: it reads the body, writes its
// own audit line through the shared writer, and can be held.
type hookRecorder struct {
	audit   *Audit
	hold    chan struct{}
	entered chan struct{}
	mu      sync.Mutex
	got     []string
}

func (h *hookRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.hold != nil {
		h.entered <- struct{}{}
		<-h.hold
	}
	body, err := io.ReadAll(r.Body)
	_, hasDeadline := r.Context().Deadline()
	var tooLarge *http.MaxBytesError
	h.mu.Lock()
	h.got = append(h.got, fmt.Sprintf("%s %s %d %v %v", r.Method, r.URL.Path, len(body), hasDeadline, errors.As(err, &tooLarge)))
	h.mu.Unlock()
	if err != nil {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	h.audit.Line(map[string]string{"event": "hook", "path": r.URL.Path})
	w.WriteHeader(http.StatusAccepted)
}

// Webhooks are served under /hooks/ when set, behind the exchange's
// bounds (headers, body, concurrency, deadline), and audited through the
// same writer.
func TestHooksMount(t *testing.T) {
	t.Parallel()
	h := &hookRecorder{}
	w := start(t, Config{Hooks: h, MaxConcurrent: 1})
	h.audit = w.server.cfg.Audit
	if a := w.do(t, "POST", "/hooks/github", nil, strings.NewReader(`{"action":"opened"}`)); a.status != http.StatusAccepted {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if a := w.do(t, "POST", "/hooks/", nil, strings.NewReader(`x`)); a.status != http.StatusAccepted {
		t.Errorf("/hooks/: %d", a.status)
	}
	if a := w.do(t, "POST", "/hooks", nil, nil); a.status != http.StatusNotFound {
		t.Errorf("/hooks: %d", a.status)
	}
	big := strings.Repeat("x", 65<<10)
	if a := w.do(t, "POST", "/hooks/github", nil, strings.NewReader(big)); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("65 KiB declared: %d", a.status)
	}
	if a := w.do(t, "POST", "/hooks/github", nil, io.MultiReader(strings.NewReader(big))); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("65 KiB chunked: %d", a.status)
	}
	hdr := http.Header{"X-Padding": {strings.Repeat("a", 33<<10)}}
	if a := w.do(t, "POST", "/hooks/github", hdr, nil); a.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("33 KiB of headers: %d", a.status)
	}
	h.mu.Lock()
	got := strings.Join(h.got, "|")
	h.mu.Unlock()
	// Both reached the hook, which answers (and audits) them; the door's
	// reader stopped each at the bound.
	if got != "POST /hooks/github 19 true false|POST /hooks/ 1 true false|POST /hooks/github 65536 true true|POST /hooks/github 65536 true true" {
		t.Errorf("the hooks saw %q", got)
	}
	lines := w.audit.lines(t)
	if len(lines) != 2 || lines[0]["event"] != "hook" {
		t.Errorf("audit: %s", w.audit)
	}

	// One hook in flight fills MaxConcurrent: an exchange is refused.
	h.hold, h.entered = make(chan struct{}), make(chan struct{}, 1)
	done := make(chan int, 1)
	go func() {
		a, _ := w.try("POST", "/hooks/github", nil, strings.NewReader("{}"))
		done <- a.status
	}()
	<-h.entered
	if a := w.do(t, "GET", "/sts/exchange?scope=o/r&identity=i", bearer(), nil); a.status != http.StatusServiceUnavailable {
		t.Errorf("exchange beside a hook at the bound: %d", a.status)
	}
	if a := w.do(t, "POST", "/hooks/github", nil, strings.NewReader("{}")); a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != "1" {
		t.Errorf("hook at the bound: %d", a.status)
	}
	close(h.hold)
	select {
	case s := <-done:
		if s != http.StatusAccepted {
			t.Errorf("held hook: %d", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("held hook never answered")
	}
}

// A hook that panics is answered 500 (unless it answered already) and
// logged by its value, never its stack; http.ErrAbortHandler still aborts.
func TestHookPanics(t *testing.T) {
	t.Parallel()
	var mode string
	var mu sync.Mutex
	hooks := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		m := mode
		mu.Unlock()
		if m == "after" {
			w.WriteHeader(http.StatusAccepted)
		}
		if m == "abort" {
			panic(http.ErrAbortHandler)
		}
		panic("hook broke: " + m)
	})
	w := start(t, Config{Hooks: hooks})
	for _, c := range []struct {
		mode   string
		status int
	}{{"before", 500}, {"after", 202}} {
		mu.Lock()
		mode = c.mode
		mu.Unlock()
		if a := w.do(t, "POST", "/hooks/x", nil, strings.NewReader("{}")); a.status != c.status {
			t.Errorf("%s: %d %s", c.mode, a.status, a.body)
		}
		if !strings.Contains(w.log.String(), `"panic":"hook broke: `+c.mode+`"`) || strings.Contains(w.log.String(), "goroutine") {
			t.Errorf("log: %s", w.log)
		}
	}
	mu.Lock()
	mode = "abort"
	mu.Unlock()
	req, _ := http.NewRequest("POST", w.url+"/hooks/x", strings.NewReader("{}"))
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("an aborted handler answered %d", resp.StatusCode)
	}
}
