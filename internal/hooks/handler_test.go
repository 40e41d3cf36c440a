package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The hook file of most handler tests: the issue's hook, a
// workflow_dispatch hook with a bearer secret, and a Sanity hook.
const handlerFile = issueExample + `  - name: deploy
    repository: octo-org/site
    workflow: deploy.yml
    ref: main
    secret_env: OTHER_SECRET
    signature: bearer
  - name: sanity
    repository: octo-org/docs
    event_type: sanity-publish
    secret_env: OTHER_SECRET
    signature: sanity
`

func newHandlerWorld(t *testing.T, o Options) *world {
	return newWorld(t, handlerFile, fileEnv, o)
}

// signed is the issue hook's headers for body: its signature, a JSON type
// and delivery ID id.
func signed(body, id string) map[string]string {
	return map[string]string{"Content-Type": "application/json", "X-Hub-Signature-256": signHub(secretValue, body), "X-Delivery-Id": id}
}

func TestSignedDeliveryDispatchesOnce(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	body := `{"sys": {"id": "entry-1"},
	  "title": "Hello"}`
	r := w.post("/hooks/cms-publish", signed(body, "d-1"), body)
	if r.status != http.StatusAccepted || r.raw != `{"repository":"octo-org/docs","event_type":"rebuild"}`+"\n" {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	calls := w.rec.calls()
	if len(calls) != 1 {
		t.Fatalf("%d dispatches", len(calls))
	}
	want := Event{Hook: "cms-publish", Owner: "octo-org", Repo: "docs", EventType: "rebuild", Payload: json.RawMessage(`{"sys":{"id":"entry-1"},"title":"Hello"}`)}
	if got := calls[0]; fmt.Sprint(got) != fmt.Sprint(want) || string(got.Payload) != string(want.Payload) {
		t.Errorf("event %+v (payload %s)\nwant  %+v", got, got.Payload, want)
	}
	if calls[0].Permission() != "contents: write" {
		t.Errorf("permission %q", calls[0].Permission())
	}
	line := w.last()
	if line["hook"] != "cms-publish" || line["repository"] != "octo-org/docs" || line["decision"] != "dispatched" || line["status"] != 202.0 || line["delivery"] != "d-1" || line["time"] != epoch.UTC().Format(time.RFC3339Nano) {
		t.Errorf("audit %v", line)
	}
	if _, has := line["reason"]; has {
		t.Errorf("a dispatch has no reason: %v", line)
	}
}

func TestWorkflowDelivery(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	r := w.post("/hooks/deploy", map[string]string{"Authorization": "Bearer another-secret-of-enough-length", "Content-Type": "application/json; charset=utf-8"}, `{"environment": "prod", "dry_run": false, "count": 2}`)
	if r.status != http.StatusAccepted || r.raw != `{"repository":"octo-org/site","workflow":"deploy.yml"}`+"\n" {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	calls := w.rec.calls()
	if len(calls) != 1 || calls[0].Workflow != "deploy.yml" || calls[0].Ref != "main" || calls[0].EventType != "" || string(calls[0].Payload) != `{"count":"2","dry_run":"false","environment":"prod"}` {
		t.Fatalf("%+v", calls)
	}
	if calls[0].Permission() != "actions: write" {
		t.Errorf("permission %q", calls[0].Permission())
	}
	// On GHES, 10 inputs at most.
	w = newHandlerWorld(t, Options{MaxInputs: MaxInputsGHES})
	r = w.post("/hooks/deploy", map[string]string{"Authorization": "Bearer another-secret-of-enough-length", "Content-Type": "application/json"}, props(11, `"x"`))
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("11 inputs on GHES: %d %s", r.status, r.raw)
	}
	w.noDispatch()
}

// Every bad delivery gets its answer, and nothing is asked of the
// dispatcher (so nothing of GitHub).
func TestBadDeliveriesDispatchNothing(t *testing.T) {
	good := `{"a": 1}`
	big := `{"a": "` + strings.Repeat("x", MaxBody) + `"}`
	bearer := func(token string) map[string]string {
		return map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
	}
	with := func(h map[string]string, k, v string) map[string]string {
		out := map[string]string{}
		for a, b := range h {
			out[a] = b
		}
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	for _, c := range []struct {
		name    string
		path    string
		header  map[string]string
		body    string
		status  int
		reason  string
		message string
	}{
		{"unknown hook", "/hooks/nope", signed(good, "1"), good, 404, "unknown_hook", "no such hook"},
		{"a hook's name in another case", "/hooks/CMS-publish", signed(good, "1"), good, 404, "unknown_hook", "no such hook"},
		{"no signature", "/hooks/cms-publish", with(signed(good, "1"), "X-Hub-Signature-256", ""), good, 401, "missing_signature", "the delivery carries no signature"},
		{"bad signature", "/hooks/cms-publish", signed(good+" ", "1"), good, 401, "bad_signature", "the delivery's signature does not match the hook's secret"},
		{"signed with another secret", "/hooks/cms-publish", with(signed(good, "1"), "X-Hub-Signature-256", signHub("another-secret-of-enough-length", good)), good, 401, "bad_signature", "the delivery's signature does not match the hook's secret"},
		{"stale", "/hooks/sanity", map[string]string{"Content-Type": "application/json", "Sanity-Webhook-Signature": signSanity("another-secret-of-enough-length", good, epoch.Add(-ReplayWindow-time.Second))}, good, 401, "stale_signature", "the delivery's signature is not from the last 5 minutes: a replay, or a clock to fix"},
		{"bad bearer", "/hooks/deploy", bearer("another-secret-of-enough-lengtH"), good, 401, "bad_signature", "the delivery's signature does not match the hook's secret"},
		{"bad bearer, bad body: the proof first", "/hooks/deploy", bearer("nope"), `a=1`, 401, "bad_signature", "the delivery's signature does not match the hook's secret"},
		{"too large", "/hooks/cms-publish", signed(big, "1"), big, 413, "too_large", "the body has more than 65536 bytes; GitHub takes a payload of less than 64 KiB"},
		{"not JSON's type", "/hooks/cms-publish", with(signed(good, "1"), "Content-Type", "application/x-www-form-urlencoded"), good, 415, "not_json", "the body's Content-Type is not JSON's: send application/json (or an application/*+json type)"},
		{"no type", "/hooks/cms-publish", with(signed(good, "1"), "Content-Type", ""), good, 415, "not_json", "the body's Content-Type is not JSON's: send application/json (or an application/*+json type)"},
		{"not JSON", "/hooks/cms-publish", signed("a=1", "1"), "a=1", 400, "bad_json", `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{"a list", "/hooks/cms-publish", signed("[1]", "1"), "[1]", 400, "bad_json", `the body is not a JSON object ({"name": value, ...}) in UTF-8`},
		{"11 properties", "/hooks/cms-publish", signed(props(11, "1"), "1"), props(11, "1"), 422, "out_of_limits", "the body has 11 top-level properties; GitHub takes at most 10 in a repository_dispatch's client_payload"},
		{"26 inputs", "/hooks/deploy", bearer("another-secret-of-enough-length"), props(26, `"x"`), 422, "out_of_limits", "the body has 26 properties; GitHub takes at most 25 workflow inputs here"},
		{"an input of a list", "/hooks/deploy", bearer("another-secret-of-enough-length"), `{"a": [1]}`, 422, "out_of_limits", `input "a" is not text, a number or true/false: a workflow input holds one of those`},
		{"the secret in the body", "/hooks/cms-publish", signed(`{"token": "`+secretValue+`"}`, "1"), `{"token": "` + secretValue + `"}`, 422, "out_of_limits", "the body holds the hook's secret: the event would show it to every run it starts; take it out of the payload, and change the secret"},
		{"no delivery ID", "/hooks/cms-publish", with(signed(good, "1"), "X-Delivery-Id", ""), good, 400, "bad_delivery_id", "header X-Delivery-Id must come once, with a delivery ID of 1 to 200 printable characters"},
		{"a delivery ID too long", "/hooks/cms-publish", signed(good, strings.Repeat("i", MaxDeliveryID+1)), good, 400, "bad_delivery_id", "header X-Delivery-Id must come once, with a delivery ID of 1 to 200 printable characters"},
		{"a delivery ID with a control", "/hooks/cms-publish", signed(good, "a\x1bb"), good, 400, "bad_delivery_id", "header X-Delivery-Id must come once, with a delivery ID of 1 to 200 printable characters"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newHandlerWorld(t, Options{})
			r := w.post(c.path, c.header, c.body)
			if r.status != c.status || r.body["message"] != c.message {
				t.Errorf("%d %s; want %d %q", r.status, r.raw, c.status, c.message)
			}
			w.noDispatch()
			line := w.last()
			if line["decision"] != "refused" || line["reason"] != c.reason || line["status"] != float64(c.status) {
				t.Errorf("audit %v", line)
			}
		})
	}
}

// An unknown hook gets the same answer whatever its name, and costs the
// same reading as a known one (its body read and MACed).
func TestUnknownHookSameAnswer(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	var first string
	for _, path := range []string{"/hooks/nope", "/hooks/cms-publisH", "/hooks/a%2Fb", "/hooks/" + strings.Repeat("x", 300), "/hooks/..%2F..", "/hooks/%E2%80%AE"} {
		r := w.post(path, signed(`{}`, "1"), `{}`)
		if first == "" {
			first = r.raw
		}
		if r.status != 404 || r.raw != first {
			t.Errorf("%s: %d %q; want 404 %q", path, r.status, r.raw, first)
		}
	}
	w.noDispatch()
	// The audit names an unknown hook only when it is a name.
	var hooks []any
	for _, l := range w.lines() {
		hooks = append(hooks, l["hook"])
	}
	if fmt.Sprint(hooks) != "[nope cms-publisH <nil> <nil> <nil> <nil>]" {
		t.Errorf("audited hooks %v", hooks)
	}
	// A body too large for a known hook is too large for an unknown one.
	big := `{"a": "` + strings.Repeat("x", MaxBody) + `"}`
	if r := w.post("/hooks/nope", nil, big); r.status != 413 {
		t.Errorf("%d", r.status)
	}
}

func TestMethod(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	req := httptest.NewRequest(http.MethodGet, "/hooks/cms-publish", nil)
	mux := http.NewServeMux()
	mux.Handle("/hooks/{name}", w.h)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != 405 || rec.Header().Get("Allow") != "POST" || rec.Body.String() != `{"message":"a hook takes POST"}`+"\n" {
		t.Errorf("%d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	w.noDispatch()
}

// Mounted without a pattern, the handler takes the hook's name from the
// path's last segment.
func TestWithoutPattern(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	body := `{}`
	req := httptest.NewRequest(http.MethodPost, "/broker/hooks/cms-publish", strings.NewReader(body))
	for k, v := range signed(body, "1") {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	if rec.Code != 202 || len(w.rec.calls()) != 1 {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

// A body of unknown length (chunked) is read no further than MaxBody.
func TestChunkedBodyBounded(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	var read int64
	body := &countingReader{r: strings.NewReader(`{"a":"` + strings.Repeat("x", 10*MaxBody) + `"}`), n: &read}
	req := httptest.NewRequest(http.MethodPost, "/hooks/cms-publish", body)
	req.ContentLength = -1
	for k, v := range signed("{}", "1") {
		req.Header.Set(k, v)
	}
	r := w.do(req)
	if r.status != 413 || read > MaxBody+4096 {
		t.Errorf("%d after reading %d bytes", r.status, read)
	}
	w.noDispatch()
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

func TestDuplicates(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	body := `{"a": 1}`
	send := func(id string) reply { return w.post("/hooks/cms-publish", signed(body, id), body) }
	if r := send("d-1"); r.status != 202 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	r := send("d-1")
	if r.status != 200 || r.raw != `{"duplicate":true}`+"\n" {
		t.Errorf("a repeated delivery: %d %s", r.status, r.raw)
	}
	if line := w.last(); line["decision"] != "duplicate" || line["status"] != 200.0 || line["delivery"] != "d-1" {
		t.Errorf("audit %v", line)
	}
	if r := send("d-2"); r.status != 202 {
		t.Errorf("another delivery: %d", r.status)
	}
	w.clock.Add(dedupeWindow - time.Second)
	if r := send("d-1"); r.status != 200 {
		t.Errorf("within the window: %d", r.status)
	}
	w.clock.Add(time.Second)
	if r := send("d-1"); r.status != 202 {
		t.Errorf("after the window: %d", r.status)
	}
	if n := len(w.rec.calls()); n != 3 {
		t.Errorf("%d dispatches; want 3", n)
	}
	// A delivery ID is a hook's own: another hook's same ID is another
	// delivery.
	w2 := newWorld(t, handlerFile+`  - name: other
    repository: octo-org/docs
    event_type: rebuild
    secret_env: CMS_HOOK_SECRET
    signature: hmac-sha256
    delivery_header: X-Delivery-Id
`, fileEnv, Options{})
	for _, path := range []string{"/hooks/cms-publish", "/hooks/other"} {
		if r := w2.post(path, signed(body, "same"), body); r.status != 202 {
			t.Errorf("%s: %d", path, r.status)
		}
	}
}

// A hook without a delivery header and with an untimed scheme cannot tell
// a retry from a new delivery: each is dispatched.
func TestNoDeliveryHeader(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	h := map[string]string{"Authorization": "Bearer another-secret-of-enough-length", "Content-Type": "application/json"}
	for i := 0; i < 2; i++ {
		if r := w.post("/hooks/deploy", h, `{}`); r.status != 202 {
			t.Fatalf("%d", r.status)
		}
	}
	if n := len(w.rec.calls()); n != 2 {
		t.Errorf("%d dispatches", n)
	}
}

// A timed scheme's signed request sent again inside the replay window is
// a duplicate, with or without a delivery ID, and whatever ID it carries.
func TestReplayIsDuplicate(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	body := `{"_id": "x"}`
	h := map[string]string{"Content-Type": "application/json", "Sanity-Webhook-Signature": signSanity("another-secret-of-enough-length", body, epoch)}
	if r := w.post("/hooks/sanity", h, body); r.status != 202 {
		t.Fatal(r.status)
	}
	w.clock.Add(ReplayWindow)
	if r := w.post("/hooks/sanity", h, body); r.status != 200 || r.body["duplicate"] != true {
		t.Errorf("replayed: %d %s", r.status, r.raw)
	}
	w.clock.Add(time.Millisecond)
	if r := w.post("/hooks/sanity", h, body); r.status != 401 {
		t.Errorf("replayed after the window: %d %s", r.status, r.raw)
	}
	// Contentful with its idempotency key: a replay with the key changed
	// (it is not signed) is still known by its signature.
	w = newWorld(t, `hooks:
  - name: c
    repository: octo-org/docs
    event_type: publish
    secret_env: CMS_HOOK_SECRET
    signature: contentful
    delivery_header: X-Contentful-Idempotency-Key
`, fileEnv, Options{})
	ch := map[string]string{"Content-Type": "application/vnd.contentful.management.v1+json", "X-Contentful-Idempotency-Key": "k1"}
	signContentful(secretValue, "POST", "/hooks/c", body, ch, []string{"content-type"}, epoch)
	if r := w.post("/hooks/c", ch, body); r.status != 202 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	ch["X-Contentful-Idempotency-Key"] = "k2"
	if r := w.post("/hooks/c", ch, body); r.status != 200 {
		t.Errorf("replayed with another key: %d %s", r.status, r.raw)
	}
	if n := len(w.rec.calls()); n != 1 {
		t.Errorf("%d dispatches", n)
	}
}

// A dispatch that failed before sending may be retried; one that failed
// after sending is not dispatched again (it may have arrived), and says so.
func TestFailedDispatch(t *testing.T) {
	body := `{}`
	for _, c := range []struct {
		name  string
		err   error
		may   bool
		retry int // the retry's status
		calls int
	}{
		{"not sent", &DispatchError{Sent: false, Err: errors.New("mint failed")}, false, 202, 2},
		{"sent", &DispatchError{Sent: true, Err: errors.New("502 from GitHub")}, true, 200, 1},
		{"an error that does not say", errors.New("who knows"), true, 200, 1},
		{"wrapped not sent", fmt.Errorf("x: %w", &DispatchError{Err: errors.New("y")}), false, 202, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newHandlerWorld(t, Options{})
			w.rec.result = func(n int) error {
				if n == 1 {
					return c.err
				}
				return nil
			}
			r := w.post("/hooks/cms-publish", signed(body, "d"), body)
			if r.status != 502 || r.body["may_have_arrived"] != c.may {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			msg, _ := r.body["message"].(string)
			if c.may && !strings.Contains(msg, "may have arrived") || !c.may && !strings.Contains(msg, "send the delivery again") {
				t.Errorf("message %q", msg)
			}
			if strings.Contains(r.raw, c.err.Error()) {
				t.Error("the dispatcher's error reaches the sender")
			}
			line := w.last()
			if line["decision"] != "failed" || line["status"] != 502.0 {
				t.Errorf("audit %v", line)
			}
			if r := w.post("/hooks/cms-publish", signed(body, "d"), body); r.status != c.retry {
				t.Errorf("the retry: %d %s", r.status, r.raw)
			}
			if n := len(w.rec.calls()); n != c.calls {
				t.Errorf("%d dispatches; want %d", n, c.calls)
			}
		})
	}
}

func TestDispatcherPanics(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	w.rec.result = func(int) error { panic("boom " + secretValue) }
	r := w.post("/hooks/cms-publish", signed(`{}`, "d"), `{}`)
	if r.status != 502 || r.body["may_have_arrived"] != true {
		t.Errorf("%d %s", r.status, r.raw)
	}
	if strings.Contains(r.raw, "boom") {
		t.Error("a panic's text reaches the sender")
	}
}

// 50 identical deliveries at once: one dispatch; the others wait for it
// and are answered as duplicates.
func TestConcurrentDuplicates(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	w.rec.gate = make(chan struct{})
	body := `{"a": 1}`
	statuses := make(chan int, 50)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- w.post("/hooks/cms-publish", signed(body, "same"), body).status
		}()
	}
	// Hold the first dispatch until every delivery has arrived (or close
	// to it: those still to come find the delivery done, a duplicate all
	// the same).
	deadline := time.Now().Add(5 * time.Second)
	for len(w.rec.calls()) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(w.rec.gate)
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[202] != 1 || count[200] != 49 || len(w.rec.calls()) != 1 {
		t.Errorf("answers %v, %d dispatches; want one 202, 49 200 and one dispatch", count, len(w.rec.calls()))
	}
}

// A duplicate of a delivery under way waits for its outcome: a failure
// before sending is its answer too (so the sender retries).
func TestAwait(t *testing.T) {
	h := NewHandler(&Set{}, &recorder{}, Options{DispatchTimeout: time.Hour})
	d, first := h.dedupe.begin([]string{"k"})
	if !first {
		t.Fatal("a new key is not first")
	}
	got := make(chan answer)
	go func() { got <- h.await(context.Background(), d) }()
	select {
	case a := <-got:
		t.Fatalf("answered %+v before the first ended", a)
	case <-time.After(20 * time.Millisecond):
	}
	notSent := failed(&Hook{Owner: "o", Repo: "r"}, false)
	h.dedupe.finish(d, notSent, false)
	if a := <-got; a.status != 502 || a.reason != "not_sent" {
		t.Errorf("%+v", a)
	}
	if _, first := h.dedupe.begin([]string{"k"}); !first {
		t.Error("a delivery not sent is forgotten: its retry is first")
	}
	// Waiting is bounded: the first still under way, the duplicate is
	// answered as one when the wait ends.
	h = NewHandler(&Set{}, &recorder{}, Options{DispatchTimeout: 10 * time.Millisecond})
	d, _ = h.dedupe.begin([]string{"k"})
	if a := h.await(context.Background(), d); a.status != 200 || a.decision != "duplicate" {
		t.Errorf("%+v", a)
	}
	// A sender that stops waiting is answered at once.
	h = NewHandler(&Set{}, &recorder{}, Options{DispatchTimeout: time.Hour})
	d, _ = h.dedupe.begin([]string{"k"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if a := h.await(ctx, d); a.status != 200 {
		t.Errorf("%+v", a)
	}
}

// The sender giving up (a CMS's short timeout) does not cut the dispatch:
// it runs to its end under its own deadline.
func TestSenderGivesUp(t *testing.T) {
	w := newHandlerWorld(t, Options{DispatchTimeout: 30 * time.Second})
	w.rec.gate = make(chan struct{})
	body := `{}`
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/hooks/cms-publish", strings.NewReader(body))
	for k, v := range signed(body, "d") {
		req.Header.Set(k, v)
	}
	done := make(chan reply)
	go func() { done <- w.do(req) }()
	for len(w.rec.calls()) == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	time.Sleep(10 * time.Millisecond)
	w.rec.mu.Lock()
	dctx := w.rec.ctxs[0]
	w.rec.mu.Unlock()
	if dctx.Err() != nil {
		t.Error("the dispatch's context ended with the sender's")
	}
	if dl, ok := dctx.Deadline(); !ok || time.Until(dl) > 30*time.Second {
		t.Errorf("the dispatch has no deadline of its own: %v", dl)
	}
	close(w.rec.gate)
	if r := <-done; r.status != 202 {
		t.Errorf("%d", r.status)
	}
}

func TestAuditLine(t *testing.T) {
	w := newHandlerWorld(t, Options{})
	w.rec.result = func(int) error { w.clock.Add(1500 * time.Millisecond); return nil }
	body := `{}`
	w.post("/hooks/cms-publish", signed(body, "8a5c-0001"), body)
	raw := strings.TrimSpace(w.audit.String())
	want := `{"time":"2025-12-11T05:48:21.5Z","hook":"cms-publish","repository":"octo-org/docs","decision":"dispatched","status":202,"delivery":"8a5c-0001","latency_ms":1500}`
	if raw != want {
		t.Errorf("audit line\n got %s\nwant %s", raw, want)
	}
	// A delivery ID shaped like a credential is not shown.
	token := "ghs_" + strings.Repeat("A", 36)
	w.post("/hooks/cms-publish", signed(body, token), body)
	if line := w.last(); line["delivery"] != "(40 characters, not shown)" {
		t.Errorf("audit %v", line)
	}
	if strings.Contains(w.audit.String(), token) {
		t.Error("the audit holds a token-shaped delivery ID")
	}
}
