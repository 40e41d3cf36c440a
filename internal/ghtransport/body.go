package ghtransport

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

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
