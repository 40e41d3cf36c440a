package ghtransport

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxAnswer bounds the body of any answer app-token reads, after
// decompression. GitHub's largest answer to app-token's calls (an
// installation token scoped to 500 repositories) is well under 200 KiB.
const MaxAnswer = 1 << 20

// BodyTooLargeError is what reading an answer's body returns once it has
// gone past the limit.
type BodyTooLargeError struct{ Limit int64 }

func (e *BodyTooLargeError) Error() string {
	return fmt.Sprintf("answer is larger than %s", Size(e.Limit))
}

// Size renders a byte count as a person reads a limit: 1 MiB, 64 KiB.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// LimitBody makes reading an answer's body fail once it passes Max bytes, so
// a broken or hostile server (a gigabyte of text, a gzip bomb) cannot make
// the process hold more than that. It must sit directly over the base
// transport: Go's transport decodes the gzip it asked for itself, so what
// is counted here is what a reader would get.
type LimitBody struct {
	// Base sends the request; it must be set.
	Base http.RoundTripper
	// Max is the most a body may hold; 0 means MaxAnswer.
	Max int64
}

// RoundTrip implements http.RoundTripper.
func (t *LimitBody) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Base == nil {
		closeRequestBody(req)
		return nil, errors.New("ghtransport: LimitBody.Base is not set")
	}
	resp, err := t.Base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	resp.Body = LimitReader(resp.Body, t.Max)
	return resp, nil
}

// LimitReader is LimitBody for a body read elsewhere (an AWS SDK answer):
// reading rc fails with *BodyTooLargeError once it passes max bytes; max 0
// means MaxAnswer.
func LimitReader(rc io.ReadCloser, max int64) io.ReadCloser {
	if max <= 0 {
		max = MaxAnswer
	}
	return &limitedBody{rc: rc, left: max, limit: max}
}

// limitedBody reads through to the body until limit bytes are read, then
// fails with *BodyTooLargeError if there is more.
type limitedBody struct {
	rc    io.ReadCloser
	left  int64 // what may still be read
	limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One more byte tells an answer of exactly the limit from a longer one.
		var one [1]byte
		if n, err := b.rc.Read(one[:]); n == 0 {
			return 0, err
		}
		return 0, &BodyTooLargeError{Limit: b.limit}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
