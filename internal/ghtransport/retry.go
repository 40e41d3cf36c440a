package ghtransport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// Retry retries transient failures of one API call with exponential backoff
// and jitter, within Policy, and honours GitHub's rate-limit answers.
//
// A caller may assume: what RoundTrip returns is either the answer GitHub
// gave last (so go-github reports GitHub's own status and message, including
// a rate limit that would not reset within the budget) or an error that
// says how many tries were made. 400, 404, 422 and other 4xx answers, and
// 401 unless Policy.Lag allows it, are returned at once. Once the
// request's own context is done no further try starts, no retry is
// logged, and its error is returned. A request whose body cannot be replayed (no GetBody) is sent
// once.
//
// What may be sent again depends on whether a second copy could act twice.
// An idempotent method (GET, HEAD, OPTIONS, PUT, DELETE) is retried after
// any transient failure. Any other (POST, PATCH) is retried only when
// GitHub certainly did not act: the connection failed before the request
// was written (refused, DNS, TLS), or GitHub answered a rate limit or a
// 401, which it documents as refusing the request. A 5xx, a timeout or a
// dropped connection after the request was written is ambiguous (a front
// end may fail after GitHub recorded the call): that answer is returned
// as it is, or the error wrapped in *UncertainError, with one log line
// saying it was not sent again. A caller whose POST is harmless to repeat
// says so with Repeatable.
type Retry struct {
	// Base sends each try; it must be set.
	Base http.RoundTripper
	// Policy bounds the retrying; the zero value is usable.
	Policy Policy
	// Sleep waits between tries; nil means a real timer that returns
	// ctx.Err() as soon as ctx is done.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now tells the time for the budget and rate-limit resets; nil means
	// time.Now.
	Now func() time.Time
	// Jitter returns a number in [0, 1) that scales each backoff; nil means
	// math/rand/v2's Float64.
	Jitter func() float64
	// Log receives one line per retry, with its reason; nil is silent. Lines
	// carry the method and path (no query), never headers or bodies.
	Log func(line string)
}

// RoundTrip implements http.RoundTripper.
func (t *Retry) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Base == nil {
		closeRequestBody(req)
		return nil, errors.New("ghtransport: Retry.Base is not set")
	}
	c := &call{t: t, req: req, p: t.Policy.withDefaults(), start: t.now(), repeatable: repeatable(req)}
	c.deadline = c.start.Add(c.p.budget())
	c.others = c.start.Add(c.p.MaxElapsed)
	c.lag = c.start.Add(c.p.Lag.Within)
	// One clock: the request's own deadline is read once, as what is left
	// of it, and from then on measured on t's clock like the budget.
	if dl, ok := req.Context().Deadline(); ok {
		own := c.start.Add(time.Until(dl))
		c.deadline, c.others, c.lag = minTime(c.deadline, own), minTime(c.others, own), minTime(c.lag, own)
	}
	return c.run()
}

func (t *Retry) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Retry) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	return sleepCtx(ctx, d)
}

func (t *Retry) jitter() float64 {
	if t.Jitter != nil {
		return t.Jitter()
	}
	return rand.Float64()
}

// sleepCtx waits d, or less when ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call is one RoundTrip: the request, its budget and what has happened so far.
type call struct {
	t        *Retry
	req      *http.Request
	p        Policy
	start    time.Time
	deadline time.Time // the whole call's: the later of others and lag
	others   time.Time // a retry of anything but a lag 401 ends its wait by then
	lag      time.Time // a retry of a lag 401 ends its wait by then

	lagRetries    int // 401s retried as lag so far
	secondaryHits int // secondary rate limits met so far
	repeatable    bool
}

// run makes tries until one's outcome is final (see judge, in policy.go)
// or the budget is spent.
func (c *call) run() (*http.Response, error) {
	ctx := c.req.Context()
	for try := 1; ; try++ {
		resp, err, written := c.send(try)
		if err != nil && ctx.Err() != nil {
			return nil, c.stopped(try, ctx.Err())
		}
		n := c.judge(resp, err, try, written)
		if n.uncertain {
			return c.notRepeated(resp, err, n)
		}
		if !n.retry || !replayable(c.req) {
			return resp, err
		}
		if c.spent(n, try) {
			return c.giveUp(resp, err, try)
		}
		if ctx.Err() != nil {
			// Interrupted meanwhile: nobody waits for another try, and a
			// retry line would read as more to come.
			discard(resp)
			return nil, c.stopped(try, ctx.Err())
		}
		c.log(n, try+1)
		if err := c.t.sleep(ctx, n.wait); err != nil {
			discard(resp)
			return nil, c.stopped(try, err)
		}
		if err := ctx.Err(); err != nil {
			discard(resp)
			return nil, c.stopped(try, err)
		}
		if c.remaining() <= 0 {
			// The wait overran the budget (a busy machine sleeps long): a
			// try now would have no time at all; the last answer stands.
			return c.giveUp(resp, err, try)
		}
		discard(resp)
	}
}

// send makes one try under its own timeout. The try's context ends when the
// returned body is closed, or at once when there is no answer. written
// tells whether the request's headers went out whole: before that, GitHub
// cannot have acted on it.
func (c *call) send(try int) (resp *http.Response, err error, written bool) {
	timeout := min(c.p.TryTimeout, c.remaining())
	ctx, cancel := context.WithTimeout(c.req.Context(), timeout)
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
	r := c.req
	if try > 1 {
		if r, err = resend(ctx, c.req); err != nil {
			cancel()
			return nil, &permanentError{fmt.Errorf("replay request body: %w", err)}, false
		}
	} else {
		r = c.req.WithContext(ctx)
	}
	resp, err = c.t.Base.RoundTrip(r)
	if err != nil {
		timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded) && c.req.Context().Err() == nil
		cancel()
		if timedOut {
			return nil, &tryTimeoutError{after: timeout, err: err}, wrote.Load()
		}
		return nil, err, wrote.Load()
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil, true
}

// notRepeated ends a call that failed in a way that may hide GitHub's
// having acted on it: GitHub's answer goes back as it is, a network error
// as an *UncertainError, with one log line.
func (c *call) notRepeated(resp *http.Response, err error, n next) (*http.Response, error) {
	c.logf("%s %s: %s; not sent again: GitHub may have acted on it already, and a second one would act twice",
		c.req.Method, c.req.URL.Path, n.reason)
	if err != nil {
		return nil, &UncertainError{Method: c.req.Method, Path: c.req.URL.Path, Err: err}
	}
	return resp, nil
}

// remaining is what is left of the budget, and of the request's own
// deadline when it has one (both on t's clock).
func (c *call) remaining() time.Duration {
	return c.deadline.Sub(c.t.now())
}

// spent tells whether the retry n wants after try is beyond its kind's
// bound: a lag 401's (Policy.Lag), or everything else's (MaxTries and
// MaxElapsed, counting no lag 401).
func (c *call) spent(n next, try int) bool {
	if n.lag {
		return !c.t.now().Add(n.wait).Before(c.lag)
	}
	return try-c.lagRetries >= c.p.MaxTries || !c.t.now().Add(n.wait).Before(c.others)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func (c *call) elapsed() string {
	return forLog(c.t.now().Sub(c.start))
}

// giveUp ends a call that had more to try but no tries or time left: the
// last answer goes back as GitHub gave it; a network error says so.
func (c *call) giveUp(resp *http.Response, err error, try int) (*http.Response, error) {
	if resp != nil {
		return resp, nil
	}
	return nil, fmt.Errorf("gave up after %d %s in %s: %w", try, plural(try, "try", "tries"), c.elapsed(), err)
}

// stopped reports the request's own context ending, which ends the call.
func (c *call) stopped(try int, err error) error {
	if try == 1 {
		return err
	}
	return fmt.Errorf("stopped after %d tries in %s: %w", try, c.elapsed(), err)
}

// log announces try nextTry, out of the most the call can make given
// the tries of the other kind so far.
func (c *call) log(n next, nextTry int) {
	most := c.p.MaxTries + c.lagRetries
	if n.lag {
		most = c.p.Lag.Tries + 1 + (nextTry - 1 - c.lagRetries)
	}
	c.logf("%s %s: %s; %s (try %d of %d)",
		c.req.Method, c.req.URL.Path, n.reason, n.plan, nextTry, most)
}

func (c *call) logf(format string, args ...any) {
	if c.t.Log != nil {
		c.t.Log(fmt.Sprintf(format, args...))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// The bodies of a call: an answer's stays readable after RoundTrip returns,
// one nobody reads is drained so its connection is reused, and a request's
// is copied afresh for each try.

// peekLimit bounds how much of an answer is read to look for GitHub's
// message, or drained before a connection is reused.
const peekLimit = 64 << 10

// cancelOnClose ends a try's context when the caller closes the body, not
// when RoundTrip returns: the body of a returned answer must stay readable.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// peekedBody serves the bytes already read for inspection, then the rest.
type peekedBody struct {
	io.Reader
	io.Closer
}

// peekBody reads the start of resp's body and puts it back, so the caller
// still sees the whole body.
func peekBody(resp *http.Response) []byte {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, peekLimit))
	resp.Body = peekedBody{
		Reader: io.MultiReader(bytes.NewReader(head), resp.Body),
		Closer: resp.Body,
	}
	return head
}

// discard drains and closes the body of an answer nobody will read, so its
// connection can be reused.
func discard(resp *http.Response) {
	if resp == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, peekLimit))
	_ = resp.Body.Close()
}

// replayable reports whether req's body can be sent again.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// resend returns a copy of req for another attempt under ctx, with a fresh
// copy of the body. Callers check replayable first.
func resend(ctx context.Context, req *http.Request) (*http.Request, error) {
	r := req.Clone(ctx)
	if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}

// closeRequestBody honours the RoundTripper contract of closing the
// request body when RoundTrip fails before handing it on.
func closeRequestBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
