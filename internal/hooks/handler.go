// Package hooks takes webhooks in for a token broker (`app-token serve
// --hooks FILE`): a CMS that can only send a webhook with a shared secret
// fires a repository_dispatch or workflow_dispatch on one repository, and
// never holds a GitHub credential.
//
// A hook file (Parse) names each hook: the repository, the event, the
// secret's variable and how the sender proves it knows it (Scheme). The
// Handler serves POST /hooks/{name}: it verifies the proof before
// anything else, then the body (a JSON object of a JSON type, within
// GitHub's limits), de-duplicates deliveries, and hands one Event to a
// Dispatcher, whose implementation mints a token for that repository only
// and revokes it. Nothing is asked of the Dispatcher for a delivery that
// fails verification or validation. One JSON line per delivery goes to the
// audit writer, never with a secret, a signature or a token.
//
// docs/webhooks.md describes the file, the schemes, the answers and a
// recipe per CMS.
package hooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/app-token/app-token/internal/ghtext"
	"github.com/app-token/app-token/internal/secret"
)

// Options are the Handler's outside world and bounds; zero values mean
// the defaults.
type Options struct {
	// Now is the clock (time.Now).
	Now func() time.Time
	// Audit receives one JSON line per delivery (io.Discard).
	Audit io.Writer
	// MaxInputs bounds workflow_dispatch's inputs: MaxInputsGitHub (the
	// default) for github.com and GHE.com, MaxInputsGHES for GitHub
	// Enterprise Server.
	MaxInputs int
	// DedupeEntries bounds the deliveries remembered
	// (DefaultDedupeEntries).
	DedupeEntries int
	// DispatchTimeout bounds one dispatch, and how long a duplicate waits
	// for the first delivery's outcome (DefaultDispatchTimeout).
	DispatchTimeout time.Duration
}

// DefaultDispatchTimeout bounds a dispatch: a token minted, one request,
// a revocation, with the retries the dispatcher makes before it sends.
const DefaultDispatchTimeout = time.Minute

// MaxDeliveryID bounds a delivery header's value (a UUID has 36
// characters, Contentful's idempotency key 64).
const MaxDeliveryID = 200

// Handler serves POST /hooks/{name} for a Set of hooks.
type Handler struct {
	set     *Set
	d       Dispatcher
	o       Options
	dedupe  *dedupe
	decoy   []byte // an unknown hook's "secret": its answer costs as a known one's
	auditMu sync.Mutex
}

// NewHandler returns the handler for set's hooks, dispatching through d.
func NewHandler(set *Set, d Dispatcher, o Options) *Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Audit == nil {
		o.Audit = io.Discard
	}
	if o.MaxInputs <= 0 {
		o.MaxInputs = MaxInputsGitHub
	}
	if o.DedupeEntries <= 0 {
		o.DedupeEntries = DefaultDedupeEntries
	}
	if o.DispatchTimeout <= 0 {
		o.DispatchTimeout = DefaultDispatchTimeout
	}
	decoy := make([]byte, 32)
	_, _ = rand.Read(decoy) // crypto/rand does not fail (Go 1.24)
	return &Handler{set: set, d: d, o: o, dedupe: newDedupe(o.DedupeEntries, o.Now), decoy: decoy}
}

// answer is the handler's reply to one delivery and what the audit says.
type answer struct {
	status   int
	body     any
	decision string // dispatched, duplicate, refused, failed
	reason   string
}

// message is an error's body.
type message struct {
	Message        string `json:"message"`
	MayHaveArrived *bool  `json:"may_have_arrived,omitempty"`
}

func refuse(status int, reason, format string, args ...any) answer {
	return answer{status: status, body: message{Message: fmt.Sprintf(format, args...)}, decision: "refused", reason: reason}
}

// notFound is the one answer for any unknown hook, whatever its name.
var notFound = refuse(http.StatusNotFound, "unknown_hook", "no such hook")

// accepted is a dispatch's answer.
type accepted struct {
	Repository string `json:"repository"`
	EventType  string `json:"event_type,omitempty"`
	Workflow   string `json:"workflow,omitempty"`
}

// duplicate is a repeated delivery's answer: 200, so that a sender
// counts it delivered and stops retrying.
var duplicate = answer{status: http.StatusOK, body: struct {
	Duplicate bool `json:"duplicate"`
}{true}, decision: "duplicate"}

// ServeHTTP answers one delivery. The door mounts it for POST
// /hooks/{name} (r.PathValue("name"); without a pattern, the path's last
// segment) and sets the server's header bounds; the body is bounded here.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.o.Now()
	name := r.PathValue("name")
	if name == "" {
		name = r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	}
	hook, known := h.set.Lookup(name)
	a, delivery := h.serve(w, r, hook, known)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if a.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	w.WriteHeader(a.status)
	_ = json.NewEncoder(w).Encode(a.body)
	h.audit(start, name, hook, known, a, delivery)
}

// serve decides one delivery's answer: its size, its proof (before
// anything else is read of it), its body, whether it is a duplicate, and
// only then the dispatch. It returns the delivery ID for the audit.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, hook *Hook, known bool) (answer, string) {
	if r.Method != http.MethodPost {
		return refuse(http.StatusMethodNotAllowed, "method", "a hook takes POST"), ""
	}
	// The size bound comes first: it is how much is read, not a verdict.
	if r.ContentLength > MaxBody {
		return tooLarge(), ""
	}
	req := request{method: r.Method, host: r.Host, path: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery, header: r.Header, now: h.o.Now()}
	// Bearer and header proofs are the headers alone: checked before the
	// body is read at all.
	headerOnly := known && (hook.Scheme == Bearer || hook.Scheme == Header)
	if headerOnly {
		if p := hook.verify(req); !p.ok {
			return unverified(p), ""
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return tooLarge(), ""
		}
		return refuse(http.StatusBadRequest, "unreadable", "the body could not be read"), ""
	}
	if !known {
		// As much work as a known hook's HMAC, then the one answer.
		m := hmac.New(sha256.New, h.decoy)
		m.Write(body)
		_ = m.Sum(nil)
		return notFound, ""
	}
	req.body = body
	p := proof{ok: true}
	if !headerOnly {
		p = hook.verify(req)
		if !p.ok {
			return unverified(p), ""
		}
	}
	delivery, bad := h.deliveryID(hook, r.Header)
	if bad != nil {
		return *bad, ""
	}
	ev, problem := h.event(hook, r.Header.Get("Content-Type"), body)
	if problem != nil {
		return refuse(problem.status, problem.reason, "%s", problem.message), delivery
	}
	return h.dispatch(r.Context(), hook, ev, dedupeKeys(hook, delivery, p.signed)), delivery
}

func tooLarge() answer {
	return refuse(http.StatusRequestEntityTooLarge, reasonTooLarge, "the body has more than %d bytes; GitHub takes a payload of less than 64 KiB", MaxBody)
}

// unverified is the answer to a missing or bad proof: it says which, never
// what was sent or what was expected.
func unverified(p proof) answer {
	what := map[string]string{
		reasonMissing: "the delivery carries no signature",
		reasonBad:     "the delivery's signature does not match the hook's secret",
		reasonStale:   "the delivery's signature is not from the last 5 minutes: a replay, or a clock to fix",
	}[p.reason]
	return refuse(http.StatusUnauthorized, p.reason, "%s", what)
}

// deliveryID reads the delivery header, when the hook names one: there,
// once, at most MaxDeliveryID printable characters.
func (h *Handler) deliveryID(hook *Hook, header http.Header) (string, *answer) {
	if hook.DeliveryHeader == "" {
		return "", nil
	}
	vs := header.Values(hook.DeliveryHeader)
	if len(vs) != 1 || vs[0] == "" || len(vs[0]) > MaxDeliveryID || !secret.IsPrintable(vs[0]) {
		a := refuse(http.StatusBadRequest, "bad_delivery_id", "header %s must come once, with a delivery ID of 1 to %d printable characters", hook.DeliveryHeader, MaxDeliveryID)
		return "", &a
	}
	return vs[0], nil
}

// event checks the body and makes the hook's event of it.
func (h *Handler) event(hook *Hook, contentType string, body []byte) (Event, *bodyProblem) {
	if !isJSONType(contentType) {
		return Event{}, &bodyProblem{http.StatusUnsupportedMediaType, reasonType, "the body's Content-Type is not JSON's: send application/json (or an application/*+json type)"}
	}
	members, problem := object(body)
	if problem != nil {
		return Event{}, problem
	}
	// The payload lands in the event, which every run it starts shows.
	if bytes.Contains(body, hook.key.b) {
		return Event{}, &bodyProblem{http.StatusUnprocessableEntity, reasonLimits, "the body holds the hook's secret: the event would show it to every run it starts; take it out of the payload, and change the secret"}
	}
	ev := Event{Hook: hook.Name, Owner: hook.Owner, Repo: hook.Repo, EventType: hook.EventType, Workflow: hook.Workflow, Ref: hook.Ref}
	if hook.Workflow != "" {
		ev.Payload, problem = inputs(members, h.o.MaxInputs)
	} else {
		ev.Payload, problem = clientPayload(body, members)
	}
	return ev, problem
}

// dedupeKeys are the keys a delivery is known by: the hook's name with
// the delivery ID, and, for a timed scheme, with its signature's digest
// (a replay inside ReplayWindow is a duplicate even with another ID).
func dedupeKeys(hook *Hook, delivery, signed string) []string {
	var keys []string
	if delivery != "" {
		keys = append(keys, hook.Name+"\x00id\x00"+delivery)
	}
	if signed != "" {
		sum := sha256.Sum256([]byte(signed))
		keys = append(keys, hook.Name+"\x00sig\x00"+hex.EncodeToString(sum[:]))
	}
	return keys
}

// dispatch fires ev once per delivery: a delivery already seen is a
// duplicate, one under way is waited for. The dispatch runs to its end
// even when the sender stops waiting (a CMS's short timeout must not cut
// it after the request went out), in the request's own goroutine, so a
// server's Shutdown waits for it.
func (h *Handler) dispatch(ctx context.Context, hook *Hook, ev Event, keys []string) answer {
	var d *delivery
	if len(keys) > 0 {
		var first bool
		if d, first = h.dedupe.begin(keys); !first {
			return h.await(ctx, d)
		}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.o.DispatchTimeout)
	defer cancel()
	err := h.call(dctx, ev)
	a := answer{status: http.StatusAccepted, body: accepted{Repository: hook.Owner + "/" + hook.Repo, EventType: hook.EventType, Workflow: hook.Workflow}, decision: "dispatched"}
	keep := true
	if err != nil {
		keep = mayHaveArrived(err)
		a = failed(hook, keep)
	}
	if d != nil {
		h.dedupe.finish(d, a, keep)
	}
	return a
}

// call runs the dispatcher; a panic in it is a failure that may have sent
// the event.
func (h *Handler) call(ctx context.Context, ev Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("dispatcher panicked: %s", ghtext.Panic(r))
		}
	}()
	return h.d.Dispatch(ctx, ev)
}

// failed is a failed dispatch's answer: 502, saying whether GitHub may
// have the event.
func failed(hook *Hook, may bool) answer {
	m := message{Message: "GitHub was not asked: the event was not sent; send the delivery again", MayHaveArrived: &may}
	reason := "not_sent"
	if may {
		m.Message = "GitHub failed after the event was sent, so it may have arrived; it was not sent again: check " + hook.Owner + "/" + hook.Repo + "'s Actions runs before sending it again"
		reason = "may_have_arrived"
	}
	return answer{status: http.StatusBadGateway, body: m, decision: "failed", reason: reason}
}

// await answers a delivery seen before: a duplicate, once the first one's
// dispatch has ended; if that one failed before sending, the same failure
// (the sender retries, and the retry dispatches).
func (h *Handler) await(ctx context.Context, d *delivery) answer {
	t := time.NewTimer(h.o.DispatchTimeout)
	defer t.Stop()
	select {
	case <-d.done:
	case <-ctx.Done():
	case <-t.C:
	}
	select {
	case <-d.done:
		if d.ans.decision == "failed" && d.ans.reason == "not_sent" {
			return d.ans
		}
	default: // still under way: it will fire once
	}
	return duplicate
}
